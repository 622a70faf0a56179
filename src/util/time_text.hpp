// Times and durations as other programs write them (Slurm's scontrol and
// sacct, job traces): the one checked reader for every time that comes from
// outside. Each value has an explicit range, every field is digits only (no
// sign, no spaces), and nothing can overflow: what is out of range is an
// error that says so, never a wrapped or negative number.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace slumber::util {

/// Instants read from outside, in Unix seconds: from 1970-01-01T00:00:00 UTC
/// (nothing slumber reads happened earlier, and every later step orders
/// times as non-negative numbers) to 9999-12-31T23:59:59 UTC (four-digit
/// years, as Slurm prints them).
inline constexpr std::int64_t kEarliestTime = 0;
inline constexpr std::int64_t kLatestTime = 253'402'300'799;

/// Durations read from outside, in seconds: 0 to Slurm's largest finite time
/// limit, 4,294,967,293 minutes (Slurm keeps limits as 32-bit minutes;
/// 0xFFFFFFFE and 0xFFFFFFFF are NO_VAL and INFINITE, slurm.h in 22.05 and
/// 24.11): about 8,000 years.
inline constexpr std::int64_t kLongestDuration = std::int64_t{4'294'967'293} * 60;

/// A whole number written in ASCII digits only, at most 18 of them, no
/// larger than `max` (>= 0); nothing for a sign, a space or anything else.
std::optional<std::int64_t> parse_digits(std::string_view text, std::int64_t max);

/// Slurm's "YYYY-MM-DDTHH:MM:SS" in the local time zone (as scontrol and
/// sacct print times; Slurm's parse_time() in src/common/parse_time.c reads
/// the same form) to Unix seconds. Fields: year 1970–9999, month 01–12, day
/// 01 to the month's last, hour 00–23, minute 00–59, second 00–60 (a leap
/// second, as strptime reads it); the instant must lie within
/// [kEarliestTime, kLatestTime]. "None", "Unknown" and anything else are
/// errors naming what is wrong.
std::expected<std::int64_t, std::string> parse_slurm_time(std::string_view text);

/// Slurm's time limit formats (sbatch(1) --time, sacct's Timelimit, 22.05
/// and 24.11): "M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S", to seconds.
/// Each field is 1 to 10 digits and may exceed its unit (Slurm writes
/// "90" minutes); the total is at most kLongestDuration. "UNLIMITED",
/// "INFINITE", "Partition_Limit" and anything else are errors.
std::expected<std::int64_t, std::string> parse_slurm_duration(std::string_view text);

}  // namespace slumber::util
