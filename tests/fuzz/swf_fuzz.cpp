// A job trace is external input: any bytes must read as jobs or as problems
// with line numbers, never crash, and every job kept must be one the
// simulator can run.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sim/swf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace slumber::sim;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto trace = parse_swf(text, "fuzz.swf", BadLines::skip);
    if (!trace) __builtin_trap();  // skipping never fails
    Seconds last_submit = 0;
    for (const Job& job : trace->jobs) {
        if (job.submit < last_submit || job.run < 0 || job.processors < 1 || job.requested < job.run) __builtin_trap();
        if (trace->max_processors > 0 && job.processors > trace->max_processors) __builtin_trap();
        last_submit = job.submit;
    }
    for (const TraceProblem& problem : trace->problems) {
        if (problem.line < 1 || problem.message.empty()) __builtin_trap();
    }
    auto refused = parse_swf(text, "fuzz.swf", BadLines::refuse);
    if (refused.has_value() != trace->problems.empty()) __builtin_trap();
    return 0;
}
