#include "config/table_reader.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "util/suggest.hpp"

namespace slumber::config {
namespace {

std::string_view type_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a number with a fraction";
        case toml::node_type::boolean:
            return "true/false";
        case toml::node_type::array:
            return "a list";
        case toml::node_type::table:
            return "a table";
        default:
            return "a date or time";
    }
}

}  // namespace

int line_of(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

TableReader::TableReader(const toml::table& table, std::string context, const std::string& file,
                         std::vector<ConfigError>& errors)
    : m_table(table), m_context(std::move(context)), m_file(file), m_errors(errors) {}

const toml::node* TableReader::lookup(std::string_view key) {
    m_known.insert(std::string(key));
    return m_table.get(key);
}

void TableReader::error(std::string_view key, std::string message, std::string fix) {
    const int where = key.empty() ? line() : line_of(key);
    std::string name = key.empty() ? m_context : fmt::format("{}, {}", m_context, key);
    m_errors.push_back(ConfigError{m_file, where, std::move(name), std::move(message), std::move(fix)});
}

void TableReader::type_error(std::string_view key, std::string_view expected, const toml::node& node) {
    error(key, fmt::format("expected {}, found {}", expected, type_name(node)), fmt::format("write {}", expected));
}

int TableReader::line() const { return config::line_of(m_table); }

int TableReader::line_of(std::string_view key) const {
    const toml::node* node = m_table.get(key);
    return node != nullptr ? config::line_of(*node) : line();
}

std::optional<std::string> TableReader::string(std::string_view key, bool required) {
    const toml::node* node = lookup(key);
    if (node == nullptr) {
        if (required) error(key, "is missing", fmt::format("add {} = \"...\" to {}", key, m_context));
        return std::nullopt;
    }
    if (const auto* value = node->as_string()) return value->get();
    type_error(key, "a string in quotes", *node);
    return std::nullopt;
}

std::optional<std::int64_t> TableReader::integer(std::string_view key, std::int64_t min, std::int64_t max) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return std::nullopt;
    const auto* value = node->as_integer();
    if (value == nullptr) {
        type_error(key, "an integer", *node);
        return std::nullopt;
    }
    if (value->get() < min || value->get() > max) {
        error(key, fmt::format("{} is out of range", value->get()), fmt::format("use {} to {}", min, max));
        return std::nullopt;
    }
    return value->get();
}

std::optional<double> TableReader::number(std::string_view key, double min, double max) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return std::nullopt;
    const std::optional<double> value = node->value<double>();  // integers too
    if (!value || !(node->is_integer() || node->is_floating_point())) {
        type_error(key, "a number", *node);
        return std::nullopt;
    }
    if (!(*value >= min && *value <= max)) {
        error(key, fmt::format("{} is out of range", *value), fmt::format("use {} to {}", min, max));
        return std::nullopt;
    }
    return *value;
}

std::optional<bool> TableReader::boolean(std::string_view key) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return std::nullopt;
    if (const auto* value = node->as_boolean()) return value->get();
    type_error(key, "true or false (without quotes)", *node);
    return std::nullopt;
}

std::optional<util::Duration> TableReader::duration(std::string_view key) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return std::nullopt;
    const auto* text = node->as_string();
    if (text == nullptr) {
        type_error(key, "a duration in quotes such as \"30s\" or \"10m\"", *node);
        return std::nullopt;
    }
    auto parsed = util::parse_duration(text->get());
    if (!parsed) {
        error(key, parsed.error());
        return std::nullopt;
    }
    return *parsed;
}

std::optional<std::vector<std::string>> TableReader::string_list(std::string_view key) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return std::nullopt;
    const auto* array = node->as_array();
    if (array == nullptr) {
        type_error(key, "a list of strings such as [\"a\", \"b\"]", *node);
        return std::nullopt;
    }
    std::vector<std::string> out;
    for (const toml::node& item : *array) {
        const auto* text = item.as_string();
        if (text == nullptr) {
            type_error(key, "a list of strings only", item);
            return std::nullopt;
        }
        out.push_back(text->get());
    }
    return out;
}

std::optional<std::vector<std::string>> TableReader::string_or_list(std::string_view key) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return std::nullopt;
    if (const auto* text = node->as_string()) return std::vector<std::string>{text->get()};
    if (node->is_array()) return string_list(key);
    type_error(key, "a hostlist string or a list of strings", *node);
    return std::nullopt;
}

const toml::table* TableReader::subtable(std::string_view key) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return nullptr;
    if (const auto* table = node->as_table()) return table;
    type_error(key, "a table", *node);
    return nullptr;
}

void TableReader::reject_unknown_keys() {
    const std::vector<std::string_view> known(m_known.begin(), m_known.end());
    for (const auto& [key, node] : m_table) {
        if (m_known.contains(key.str())) continue;
        std::string fix;
        if (auto near = util::closest_match(key.str(), known)) {
            fix = fmt::format("did you mean \"{}\"?", *near);
        } else {
            fix = fmt::format("known keys here: {}", fmt::join(known, ", "));
        }
        m_errors.push_back(ConfigError{m_file, config::line_of(node), fmt::format("{}, {}", m_context, key.str()),
                                       "unknown key", std::move(fix)});
    }
}

}  // namespace slumber::config
