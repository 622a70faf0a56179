#include "slurm/node_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <ctime>

namespace slumber::slurm {
namespace {

// A field starts at a token "Key=" whose key is letters (and _ or :);
// a token without one continues the previous value ("OS=Linux 6.1 #1 SMP").
std::optional<std::string_view> field_key(std::string_view token) {
    const auto equals = token.find('=');
    if (equals == std::string_view::npos || equals == 0) return std::nullopt;
    const std::string_view key = token.substr(0, equals);
    const bool word = std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':';
    });
    return word ? std::optional(key) : std::nullopt;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    while (!text.empty()) {
        const auto at = text.find(separator);
        parts.push_back(text.substr(0, at));
        if (at == std::string_view::npos) break;
        text.remove_prefix(at + 1);
    }
    return parts;
}

// Slurm appends " [user@2026-11-25T22:49:19]" to a reason.
std::string strip_reason_suffix(std::string_view reason) {
    while (!reason.empty() && reason.back() == ' ') reason.remove_suffix(1);
    if (reason.ends_with(']')) {
        const auto open = reason.rfind(" [");
        if (open != std::string_view::npos && reason.substr(open).find('@') != std::string_view::npos) {
            reason = reason.substr(0, open);
        }
    }
    return std::string(reason);
}

std::expected<NodeState, std::string> parse_line(std::string_view line) {
    NodeState node;
    std::string_view key;
    std::string value;
    bool have_cpus = false;
    auto store = [&] {
        if (key == "NodeName") {
            node.name = value;
        } else if (key == "State") {
            const auto parts = split(value, '+');
            node.base = parts.empty() ? "" : std::string(parts.front());
            // scontrol may mark a state with '*' (not responding) or '~' too.
            while (!node.base.empty() && (node.base.back() == '*' || node.base.back() == '~')) node.base.pop_back();
            for (std::size_t i = 1; i < parts.size(); ++i) node.flags.emplace_back(parts[i]);
        } else if (key == "BootTime") {
            node.boot_time = parse_slurm_time(value);
        } else if (key == "CPUAlloc") {
            const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), node.cpus_allocated);
            have_cpus = error == std::errc() && end == value.data() + value.size();
        }
    };
    std::string_view rest = line;
    while (!rest.empty()) {
        const auto space = rest.find(' ');
        const std::string_view token = rest.substr(0, space);
        rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
        if (token.empty()) continue;
        if (const auto next = field_key(token)) {
            if (!key.empty()) store();
            key = *next;
            value = std::string(token.substr(key.size() + 1));
            if (key == "Reason") {
                // The reason is free text, to the end of the line.
                node.reason = strip_reason_suffix(value + (rest.empty() ? "" : " " + std::string(rest)));
                key = {};
                break;
            }
        } else if (!key.empty()) {
            value += ' ';
            value += token;
        } else {
            return std::unexpected(fmt::format("\"{}\" is not a Key=value field", token.substr(0, 40)));
        }
    }
    if (!key.empty()) store();
    if (node.name.empty()) return std::unexpected("no NodeName=");
    if (node.base.empty()) return std::unexpected(fmt::format("{}: no State=", node.name));
    if (!have_cpus) node.cpus_allocated = 0;
    return node;
}

}  // namespace

bool NodeState::has(std::string_view flag) const { return std::find(flags.begin(), flags.end(), flag) != flags.end(); }

bool NodeState::running_jobs() const {
    return base == "ALLOCATED" || base == "MIXED" || has("COMPLETING") || cpus_allocated > 0;
}

std::string NodeState::state_text() const {
    std::string text = base;
    for (const std::string& flag : flags) text += "+" + flag;
    return text;
}

std::optional<std::int64_t> parse_slurm_time(std::string_view text) {
    std::tm tm{};
    const std::string copy(text);
    const char* end = ::strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    if (end == nullptr || *end != '\0') return std::nullopt;
    tm.tm_isdst = -1;
    const std::time_t seconds = std::mktime(&tm);
    if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
    return static_cast<std::int64_t>(seconds);
}

std::expected<std::vector<NodeState>, ParseError> parse_show_node(std::string_view text) {
    std::vector<NodeState> nodes;
    int number = 0;
    for (std::string_view line : split(text, '\n')) {
        ++number;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
        if (line.empty() || line == "No nodes in the system") continue;
        auto node = parse_line(line);
        if (!node) return std::unexpected(ParseError{number, std::move(node.error())});
        nodes.push_back(std::move(*node));
    }
    return nodes;
}

}  // namespace slumber::slurm
