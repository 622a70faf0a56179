#include "web/exposition.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "util/safe_text.hpp"

namespace slumber::web {

namespace {

// The format's escapes, appended to `out`: backslash and line feed, and in
// a label value the double quote. safe_text leaves no line feed; the escape
// is kept for the format's sake.
void append_escaped(std::string& out, std::string_view text, bool quotes) {
    // Most text (node names, states) needs nothing: a scrape of 10,000
    // nodes writes hundreds of thousands of labels.
    if (text.find_first_of("\\\"\n") == std::string_view::npos && util::is_safe_text(text)) {
        out += text;
        return;
    }
    for (const char c : util::safe_text(text)) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"' && quotes) {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    append_escaped(out, value, true);
    return out;
}

std::string escape_help(std::string_view text) {
    std::string out;
    append_escaped(out, text, false);
    return out;
}

std::string format_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    if (value == std::trunc(value) && std::fabs(value) < 1e15)
        return fmt::format("{}", static_cast<std::int64_t>(value));
    return fmt::format("{}", value);  // shortest text that reads back the same double
}

void Exposition::family(std::string_view name, MetricType type, std::string_view help) {
    m_name = name;
    const std::string_view type_word = type == MetricType::counter     ? "counter"
                                       : type == MetricType::gauge     ? "gauge"
                                       : type == MetricType::histogram ? "histogram"
                                                                       : "untyped";
    m_text += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name, type_word);
}

void Exposition::sample(const Labels& labels, double value, std::string_view suffix) {
    m_text += m_name;
    m_text += suffix;
    if (!labels.empty()) {
        m_text += '{';
        bool first = true;
        for (const auto& [label, text] : labels) {
            if (!first) m_text += ',';
            first = false;
            m_text += label;
            m_text += "=\"";
            append_escaped(m_text, text, true);
            m_text += '"';
        }
        m_text += '}';
    }
    m_text += ' ';
    m_text += format_value(value);
    m_text += '\n';
}

void Exposition::histogram(const Labels& labels, const std::vector<double>& bounds, const std::vector<double>& values) {
    double sum = 0;
    for (const double value : values) sum += value;
    for (const double bound : bounds) {
        Labels with = labels;
        const std::string le = format_value(bound);
        with.emplace_back("le", le);
        const auto count = std::count_if(values.begin(), values.end(), [&](double value) { return value <= bound; });
        sample(with, static_cast<double>(count), "_bucket");
    }
    Labels with = labels;
    with.emplace_back("le", "+Inf");
    sample(with, static_cast<double>(values.size()), "_bucket");
    sample(labels, sum, "_sum");
    sample(labels, static_cast<double>(values.size()), "_count");
}

}  // namespace slumber::web
