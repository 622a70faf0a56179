#include "slurm/node_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <ctime>
#include <map>

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

void store_field(NodeState& node, std::string_view key, std::string_view value, bool& have_cpus) {
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
                // The reason is free text, to the end of the line.
                node.reason = strip_reason_suffix(line.substr(value_start));
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

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(int year, int month, int day) {
    const int y = year - (month <= 2 ? 1 : 0);
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int year_of_era = y - era * 400;
    const int day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return static_cast<std::int64_t>(era) * 146097 + day_of_era - 719468;
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
    // "YYYY-MM-DDTHH:MM:SS", read by hand: strptime and mktime cost 3 us per
    // call (mktime looks the time zone up each time), a third of a second per
    // pass over 100,000 nodes.
    if (text.size() != 19 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
        text[16] != ':') {
        return std::nullopt;
    }
    auto number = [&](std::size_t at, std::size_t length, int& out) {
        const char* begin = text.data() + at;
        const auto [end, error] = std::from_chars(begin, begin + length, out);
        return error == std::errc() && end == begin + length;
    };
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!number(0, 4, year) || !number(5, 2, month) || !number(8, 2, day) || !number(11, 2, hour) ||
        !number(14, 2, minute) || !number(17, 2, second)) {
        return std::nullopt;
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    // The local time zone's offset for this hour, from mktime once per hour
    // seen (and again if TZ changes).
    thread_local std::map<std::int64_t, std::int64_t> offsets;
    thread_local std::string offsets_zone;
    const char* zone = std::getenv("TZ");
    if (offsets_zone != (zone != nullptr ? zone : "-")) {
        offsets.clear();
        offsets_zone = zone != nullptr ? zone : "-";
    }
    const std::int64_t civil_days = days_from_civil(year, month, day);
    const std::int64_t as_utc = civil_days * 86400 + hour * 3600 + minute * 60 + second;
    const std::int64_t hour_key = as_utc / 3600;
    auto it = offsets.find(hour_key);
    if (it == offsets.end()) {
        std::tm tm{};
        tm.tm_year = year - 1900;
        tm.tm_mon = month - 1;
        tm.tm_mday = day;
        tm.tm_hour = hour;
        tm.tm_isdst = -1;
        const std::time_t local = std::mktime(&tm);
        if (local == static_cast<std::time_t>(-1)) return std::nullopt;
        if (offsets.size() > 10000) offsets.clear();
        it = offsets.emplace(hour_key, hour_key * 3600 - static_cast<std::int64_t>(local)).first;
    }
    return as_utc - it->second;
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
