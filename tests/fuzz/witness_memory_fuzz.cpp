// Fuzz target: the crossed-address watch's saved memory of a node (the
// journal's watch_memory words) reads or fails cleanly, and what reads
// round-trips.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/witness_memory.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view words(reinterpret_cast<const char*>(data), size);
    const auto memory = slumber::engine::witness_memory_from(words);
    if (!memory) return 0;
    if (slumber::engine::witness_memory_from(slumber::engine::witness_memory_words(*memory)) != memory) std::abort();
    return 0;
}
