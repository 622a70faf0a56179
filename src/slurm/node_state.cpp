#include "slurm/node_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "util/safe_text.hpp"
#include "util/time_text.hpp"

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

// The fields scontrol prints after Reason=, in its order (see the header).
constexpr std::string_view kAfterReason[] = {"Comment", "Extra", "InstanceId", "InstanceType", "ReservationName"};

std::string_view trim_spaces(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    return text;
}

// Slurm appends " [user@2026-11-25T22:49:19]" to a reason's first line. The
// first such suffix ends the reason: whatever a reason says, it cannot
// reach past it. Returns where the suffix starts and ends.
struct ReasonSuffix {
    std::size_t begin = std::string_view::npos;
    std::size_t end = std::string_view::npos;
    std::optional<std::int64_t> time;
};

ReasonSuffix find_reason_suffix(std::string_view text) {
    for (std::size_t open = text.find(" ["); open != std::string_view::npos; open = text.find(" [", open + 1)) {
        const std::size_t close = text.find(']', open);
        if (close == std::string_view::npos) break;
        const std::string_view inside = text.substr(open + 2, close - open - 2);
        const auto at = inside.rfind('@');
        const bool ends_token = close + 1 == text.size() || text[close + 1] == ' ';
        if (at == std::string_view::npos || at == 0 || !ends_token || inside.find(' ') != std::string_view::npos) {
            continue;
        }
        const auto time = util::parse_slurm_time(inside.substr(at + 1));
        return {open, close + 1, time ? std::optional(*time) : std::nullopt};
    }
    return {};
}

// " Key=" of the first field after the reason, at or after `from`.
std::size_t first_field_after_reason(std::string_view text, std::size_t from) {
    std::size_t first = text.size();
    for (const std::string_view key : kAfterReason) {
        const auto at = text.find(fmt::format(" {}=", key), from);
        if (at != std::string_view::npos) first = std::min(first, at);
    }
    return first;
}

// The fields that follow the reason (" Comment=… ReservationName=…"), last
// first: Comment= and Extra= are free text, and each value runs to the next
// field's key.
void store_after_reason(NodeState& node, std::string_view tail) {
    for (auto key = std::rbegin(kAfterReason); key != std::rend(kAfterReason); ++key) {
        const auto at = tail.rfind(fmt::format(" {}=", *key));
        if (at == std::string_view::npos) continue;
        const std::string_view value = trim_spaces(tail.substr(at + key->size() + 2));
        if (*key == "ReservationName") node.reservation = util::safe_text(value);
        tail = tail.substr(0, at);
    }
}

// Everything from "Reason=" to the end of the line: the reason, its time,
// and the fields that follow it.
void store_reason(NodeState& node, std::string_view rest) {
    const ReasonSuffix suffix = find_reason_suffix(rest);
    std::string reason;
    std::size_t fields = 0;
    if (suffix.begin != std::string_view::npos) {
        reason = std::string(trim_spaces(rest.substr(0, suffix.begin)));
        node.reason_time = suffix.time;
        // Further lines of the reason, before the first field.
        fields = first_field_after_reason(rest, suffix.end);
        const std::string_view more = trim_spaces(rest.substr(suffix.end, fields - suffix.end));
        if (!more.empty()) reason += " " + std::string(more);
    } else {
        // No time (Slurm prints none when it has none): the reason ends where
        // a field that follows it starts.
        fields = first_field_after_reason(rest, 0);
        reason = std::string(trim_spaces(rest.substr(0, fields)));
    }
    // The reason is free text written by anyone with scontrol: never printed
    // or journaled as it is.
    node.reason = util::safe_text(reason);
    store_after_reason(node, rest.substr(std::min(fields, rest.size())));
}

void store_field(NodeState& node, std::string_view key, std::string_view value, bool& have_cpus) {
    if (key == "NodeName") {
        node.name = util::safe_text(value);
    } else if (key == "State") {
        const auto parts = split(value, '+');
        node.base = parts.empty() ? "" : util::safe_text(parts.front());
        // scontrol may mark a state with '*' (not responding) or '~' too.
        while (!node.base.empty() && (node.base.back() == '*' || node.base.back() == '~')) node.base.pop_back();
        for (std::size_t i = 1; i < parts.size(); ++i) node.flags.push_back(util::safe_text(parts[i]));
    } else if (key == "BootTime") {
        // "None" or "Unknown" before slurmd first registers; a time out of
        // range (before 1970, or a field with a sign) is no boot time either.
        const auto boot = util::parse_slurm_time(value);
        node.boot_time = boot ? std::optional(*boot) : std::nullopt;
    } else if (key == "Partitions") {
        for (const std::string_view part : split(value, ',')) {
            if (!part.empty()) node.partitions.push_back(util::safe_text(part));
        }
    } else if (key == "NodeAddr") {
        node.address = value;
    } else if (key == "Port") {
        int port = 0;
        const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), port);
        if (error == std::errc() && end == value.data() + value.size() && port > 0 && port < 65536) node.port = port;
    } else if (key == "CPUAlloc") {
        const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), node.cpus_allocated);
        have_cpus = error == std::errc() && end == value.data() + value.size();
    }
}

// Fields are "Key=value" tokens; a value runs up to the next such token, so
// values with spaces ("OS=Linux 6.1 #1 SMP") are views into the line, never
// copied unless kept.
std::expected<NodeState, std::string> parse_line(std::string_view line) {
    NodeState node;
    bool have_cpus = false;
    std::string_view key;
    std::size_t value_start = 0;
    std::size_t value_end = 0;  // end of the last token of the current value
    std::size_t at = 0;
    while (at < line.size()) {
        if (line[at] == ' ') {
            ++at;
            continue;
        }
        const std::size_t end = std::min(line.find(' ', at), line.size());
        const std::string_view token = line.substr(at, end - at);
        if (const auto next = field_key(token)) {
            if (!key.empty()) store_field(node, key, line.substr(value_start, value_end - value_start), have_cpus);
            key = *next;
            value_start = at + key.size() + 1;
            if (key == "Reason") {
                store_reason(node, line.substr(value_start));
                key = {};
                break;
            }
            if (std::find(std::begin(kAfterReason), std::end(kAfterReason), key) != std::end(kAfterReason)) {
                // No reason: the free-text fields that follow one start here,
                // and a "Reason=" inside a comment is no reason.
                store_after_reason(node, " " + std::string(line.substr(at)));
                key = {};
                break;
            }
        } else if (key.empty()) {
            return std::unexpected(fmt::format("\"{}\" is not a Key=value field", token.substr(0, 40)));
        }
        value_end = end;
        at = end;
    }
    if (!key.empty()) store_field(node, key, line.substr(value_start, value_end - value_start), have_cpus);
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
