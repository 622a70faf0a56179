#include "util/duration.hpp"

#include "util/time_text.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <cstdint>

namespace slumber::util {
namespace {

struct Unit {
    std::string_view suffix;
    std::int64_t milliseconds;
};

// Longest suffix first, so that "ms" is not read as "m" followed by "s".
constexpr std::array kUnits{Unit{"ms", 1}, Unit{"d", 86'400'000}, Unit{"h", 3'600'000}, Unit{"m", 60'000},
                            Unit{"s", 1'000}};

constexpr std::int64_t kMaxMilliseconds = std::int64_t{366} * 86'400'000;  // a year is plenty

}  // namespace

std::expected<Duration, std::string> parse_duration(std::string_view text) {
    if (text.empty()) return std::unexpected("empty duration: write it like \"30s\", \"10m\" or \"1h30m\"");
    std::int64_t total = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t digits = 0;
        while (pos + digits < text.size() && text[pos + digits] >= '0' && text[pos + digits] <= '9') ++digits;
        if (digits == 0) {
            return std::unexpected(
                fmt::format("\"{}\" is not a duration: expected a number at \"{}\"", text, text.substr(pos)));
        }
        const auto number = parse_digits(text.substr(pos, digits), kMaxMilliseconds);
        if (!number) return std::unexpected(fmt::format("\"{}\" is longer than a year", text));
        const std::int64_t value = *number;
        pos += digits;
        const Unit* unit = nullptr;
        for (const Unit& candidate : kUnits) {
            if (text.substr(pos).starts_with(candidate.suffix)) {
                unit = &candidate;
                break;
            }
        }
        if (unit == nullptr && pos < text.size()) {
            std::size_t letters = 0;
            while (pos + letters < text.size() && (text[pos + letters] < '0' || text[pos + letters] > '9')) ++letters;
            return std::unexpected(fmt::format("\"{}\": unknown unit \"{}\"; the units are ms, s, m, h and d", text,
                                               text.substr(pos, std::max<std::size_t>(letters, 1))));
        }
        if (unit == nullptr) {
            return std::unexpected(
                fmt::format("\"{}\" needs a unit after {}: ms, s, m, h or d (e.g. \"{}s\")", text, value, value));
        }
        pos += unit->suffix.size();
        if (value > kMaxMilliseconds / unit->milliseconds) {
            return std::unexpected(fmt::format("\"{}\" is longer than a year", text));
        }
        total += value * unit->milliseconds;
        if (total > kMaxMilliseconds) return std::unexpected(fmt::format("\"{}\" is longer than a year", text));
    }
    return Duration{total};
}

std::string format_duration(Duration duration) {
    std::int64_t left = duration.count();
    if (left == 0) return "0s";
    std::string out;
    for (const Unit& unit : {kUnits[1], kUnits[2], kUnits[3], kUnits[4], kUnits[0]}) {
        if (left >= unit.milliseconds) {
            out += fmt::format("{}{}", left / unit.milliseconds, unit.suffix);
            left %= unit.milliseconds;
        }
    }
    return out;
}

std::string format_elapsed(Duration duration) {
    const auto seconds = std::chrono::round<std::chrono::seconds>(duration);
    return format_duration(seconds.count() == 0 ? duration : Duration(seconds));
}

}  // namespace slumber::util
