// SLURM_RESUME_FILE is external input: any bytes parse or are refused.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "slurm/resume_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto file = slumber::slurm::parse_resume_file(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!file && file.error().empty()) __builtin_trap();
    return 0;
}
