// The Standard Workload Format of the Parallel Workloads Archive: one job per
// line, 18 whitespace-separated numbers, -1 for unknown, header lines
// starting with ';' ("; MaxProcs: 128"). Plain or gzip-compressed.
#pragma once

#include <expected>
#include <filesystem>
#include <string_view>

#include "sim/trace.hpp"

namespace slumber::sim {

/// Reads an SWF text. A wrong line is skipped and listed in
/// Trace::problems, or (BadLines::refuse) makes the whole read fail with it.
std::expected<Trace, TraceProblem> parse_swf(std::string_view text, std::string_view source, BadLines bad);

/// Reads an SWF file, gzip-compressed or not; a truncated or unreadable
/// file fails (line 0).
std::expected<Trace, TraceProblem> read_swf(const std::filesystem::path& file, BadLines bad);

/// The whole file, inflated if it is gzip; why not, if it cannot be read.
std::expected<std::string, std::string> read_maybe_gzip(const std::filesystem::path& file);

}  // namespace slumber::sim
