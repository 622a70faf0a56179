// Where the real traces are: $SLUMBER_TRACES, else ../shared/data/traces
// beside the repository.
#pragma once

#include <cstdlib>
#include <filesystem>

namespace slumber::sim::testing {

inline std::filesystem::path trace(const char* name) {
    const char* dir = std::getenv("SLUMBER_TRACES");
    return std::filesystem::path(dir != nullptr ? dir : SLUMBER_TRACES) / name;
}

}  // namespace slumber::sim::testing
