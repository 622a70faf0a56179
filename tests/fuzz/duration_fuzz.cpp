// Fuzz target: durations parse or fail cleanly, and what parses round-trips.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "util/duration.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto duration = slumber::util::parse_duration(text);
    if (!duration) return 0;
    if (slumber::util::parse_duration(slumber::util::format_duration(*duration)) != duration) std::abort();
    return 0;
}
