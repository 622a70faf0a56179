// Fuzz target: the configuration loader never crashes, and every problem it
// reports names the file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto config = slumber::config::load_text(text, "fuzz.toml");
    if (!config) {
        for (const auto& error : config.error()) {
            if (error.file.empty() || error.message.empty()) std::abort();
        }
    }
    return 0;
}
