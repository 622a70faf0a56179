// Durations as admins write them: "500ms", "30s", "10m", "1h30m", "2d".
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <string_view>

namespace slumber::util {

using Duration = std::chrono::milliseconds;

/// Parses a sequence of number+unit parts (units: ms, s, m, h, d); numbers
/// are ASCII digits only, the total 0 to 366 days. The error text says what
/// was expected. (Times and durations written by other programs are read by
/// util/time_text.hpp.)
std::expected<Duration, std::string> parse_duration(std::string_view text);

/// The shortest exact spelling: 90000ms -> "1m30s".
std::string format_duration(Duration duration);

/// A measured duration for a person, to the nearest second ("16s",
/// "1h2m3s"; under half a second, in ms): a clock's readings carry
/// milliseconds nobody wants to read ("16s70ms"). Settings, which are
/// written exactly, keep format_duration().
std::string format_elapsed(Duration duration);

}  // namespace slumber::util
