// Fuzz target: times and durations from outside read as values within their
// documented ranges or as errors with words, never as wrapped numbers (the
// fuzz build stops on signed overflow).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "util/time_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace slumber::util;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (const auto time = parse_slurm_time(text)) {
        if (*time < kEarliestTime || *time > kLatestTime) std::abort();
    } else if (time.error().empty()) {
        std::abort();
    }
    if (const auto duration = parse_slurm_duration(text)) {
        if (*duration < 0 || *duration > kLongestDuration) std::abort();
    } else if (duration.error().empty()) {
        std::abort();
    }
    if (const auto digits = parse_digits(text, 999'999'999'999'999'999); digits && *digits < 0) std::abort();
    return 0;
}
