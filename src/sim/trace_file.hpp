// A job history from a file, whichever of the formats slumber reads it is in
// (SWF, sacct --parsable2), plain or gzip-compressed.
#pragma once

#include <expected>
#include <filesystem>

#include "sim/trace.hpp"

namespace slumber::sim {

/// sacct's output when its first line names columns with '|', else SWF.
std::expected<Trace, TraceProblem> read_trace(const std::filesystem::path& file, BadLines bad);

}  // namespace slumber::sim
