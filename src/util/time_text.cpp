#include "util/time_text.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdlib>
#include <ctime>
#include <map>

namespace slumber::util {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// algorithm); years here are 1970–9999, so every value is small.
std::int64_t days_from_civil(int year, int month, int day) {
    const int y = year - (month <= 2 ? 1 : 0);
    const int era = y / 400;
    const int year_of_era = y - era * 400;
    const int day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return static_cast<std::int64_t>(era) * 146097 + day_of_era - 719468;
}

int days_in_month(int year, int month) {
    constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

// Seconds east of UTC that the local zone subtracts at this local hour
// (`hour_key`: hours since the epoch, reading the local time as UTC), from
// mktime once per hour seen and again when TZ changes: strptime and mktime
// cost 3 us per call (mktime looks the zone up each time), a third of a
// second per pass over 100,000 nodes.
std::optional<std::int64_t> local_offset(std::int64_t hour_key, int year, int month, int day, int hour) {
    thread_local std::map<std::int64_t, std::int64_t> offsets;
    thread_local std::string offsets_zone;
    const char* zone = std::getenv("TZ");
    if (offsets_zone != (zone != nullptr ? zone : "-")) {
        offsets.clear();
        offsets_zone = zone != nullptr ? zone : "-";
    }
    if (const auto it = offsets.find(hour_key); it != offsets.end()) return it->second;
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_isdst = -1;
    const std::time_t local = std::mktime(&tm);
    if (local == static_cast<std::time_t>(-1)) return std::nullopt;
    if (offsets.size() > 10000) offsets.clear();
    const std::int64_t offset = hour_key * 3600 - static_cast<std::int64_t>(local);
    offsets.emplace(hour_key, offset);
    return offset;
}

constexpr std::int64_t kLargestField = 9'999'999'999;  // 10 digits: no product below comes near overflow

}  // namespace

std::optional<std::int64_t> parse_digits(std::string_view text, std::int64_t max) {
    if (text.empty() || text.size() > 18) return std::nullopt;
    std::int64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    if (value > max) return std::nullopt;
    return value;
}

std::expected<std::int64_t, std::string> parse_slurm_time(std::string_view text) {
    if (text.size() != 19 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
        text[16] != ':') {
        return std::unexpected(fmt::format("\"{}\" is not a time of the form YYYY-MM-DDTHH:MM:SS", text.substr(0, 40)));
    }
    struct Field {
        std::size_t at;
        std::size_t length;
        int min;
        int max;
        const char* name;
    };
    constexpr std::array<Field, 6> kFields{Field{0, 4, 1970, 9999, "year"}, Field{5, 2, 1, 12, "month"},
                                           Field{8, 2, 1, 31, "day"},       Field{11, 2, 0, 23, "hour"},
                                           Field{14, 2, 0, 59, "minute"},   Field{17, 2, 0, 60, "second"}};
    std::array<int, 6> value{};
    for (std::size_t i = 0; i < kFields.size(); ++i) {
        const Field& field = kFields[i];
        const auto number = parse_digits(text.substr(field.at, field.length), field.max);
        if (!number || *number < field.min) {
            return std::unexpected(
                fmt::format("\"{}\": the {} is not {:0{}}–{}", text, field.name, field.min, field.length, field.max));
        }
        value[i] = static_cast<int>(*number);
    }
    const auto [year, month, day, hour, minute, second] = value;
    if (day > days_in_month(year, month)) {
        return std::unexpected(
            fmt::format("\"{}\": {:04}-{:02} has {} days", text, year, month, days_in_month(year, month)));
    }
    const std::int64_t as_utc = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    const auto offset = local_offset(as_utc / 3600, year, month, day, hour);
    if (!offset) return std::unexpected(fmt::format("\"{}\" is not a time in the local time zone", text));
    const std::int64_t unix_time = as_utc - *offset;
    if (unix_time < kEarliestTime || unix_time > kLatestTime) {
        return std::unexpected(fmt::format("\"{}\" is before 1970 or after 9999 in UTC", text));
    }
    return unix_time;
}

std::expected<std::int64_t, std::string> parse_slurm_duration(std::string_view text) {
    const auto wrong = [&] {
        return std::unexpected(
            fmt::format("\"{}\" is not a time limit (M, M:S, H:M:S, D-H, D-H:M or D-H:M:S, each field 1 to 10 digits)",
                        text.substr(0, 40)));
    };
    std::int64_t days = 0;
    std::string_view clock = text;
    const auto dash = text.find('-');
    if (dash != std::string_view::npos) {
        const auto d = parse_digits(text.substr(0, dash), kLargestField);
        if (!d) return wrong();
        days = *d;
        clock = text.substr(dash + 1);
    }
    std::array<std::int64_t, 3> fields{};
    std::size_t count = 0;  // ':'-separated fields after the days
    for (std::string_view rest = clock;;) {
        const auto colon = rest.find(':');
        const auto value = parse_digits(rest.substr(0, colon), kLargestField);
        if (!value || count == fields.size()) return wrong();
        fields[count++] = *value;
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
    }
    // The units of the fields, by format: with days, hours come first.
    std::array<std::int64_t, 3> units{};
    if (dash != std::string_view::npos) {
        units = {3600, 60, 1};
    } else if (count == 3) {
        units = {3600, 60, 1};
    } else {
        units = {60, 1, 0};
    }
    std::int64_t total = days * 86400;
    for (std::size_t i = 0; i < count; ++i) total += fields[i] * units[i];
    if (total > kLongestDuration) {
        return std::unexpected(fmt::format("\"{}\" is longer than Slurm's longest time limit", text.substr(0, 40)));
    }
    return total;
}

}  // namespace slumber::util
