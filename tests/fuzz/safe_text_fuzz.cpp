// Fuzz target: whatever bytes a device or Slurm sends, safe_text gives
// valid UTF-8 with no control character, idempotently, and leaves text that
// was already safe as it was.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "util/safe_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using slumber::util::is_safe_text;
    using slumber::util::safe_text;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::string safe = safe_text(text);
    if (!is_safe_text(safe) || safe_text(safe) != safe) std::abort();
    for (const char c : safe) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) std::abort();
    }
    if (is_safe_text(text) != (safe == text)) std::abort();
    return 0;
}
