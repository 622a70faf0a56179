// A command's hostlist argument (`slumber power on NODES`, `slumber unblock
// TARGETS`, `slumber status [NODES]` …), parsed in one place.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "cli/exit_code.hpp"

namespace slumber::cli {

/// The names a hostlist argument expands to. A malformed hostlist is
/// ExitCode::usage, said on standard error as hostlist::describe() words it;
/// so is one that names no node ("", ",", " , "), which Slurm's syntax
/// allows but no command means.
std::expected<std::vector<std::string>, ExitCode> hostlist_argument(const std::string& text);

/// An optional hostlist of nodes: as hostlist_argument(), and none when it is
/// left out or given as "" (every node); "," is refused as naming none.
std::expected<std::vector<std::string>, ExitCode> nodes_argument(const std::string& text);

}  // namespace slumber::cli
