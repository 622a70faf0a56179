// sacct's output is external input: any bytes must read as jobs or as
// problems with line numbers, never crash, and every job kept must be one
// the simulator can run.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sim/sacct.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace slumber::sim;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto trace = parse_sacct(text, "fuzz.txt", BadLines::skip);
    if (!trace) {
        if (trace.error().message.empty()) __builtin_trap();
        return 0;
    }
    Seconds last_submit = 0;
    for (const Job& job : trace->jobs) {
        if (job.submit < last_submit || job.run < 0 || job.wait < 0 || job.processors < 1 || job.requested < job.run)
            __builtin_trap();
        last_submit = job.submit;
    }
    if (trace->unix_start < 0) __builtin_trap();
    return 0;
}
