// A command's hostlist argument (`slumber power on NODES`, `slumber unblock
// TARGETS`, `slumber status [NODES]` …), parsed in one place.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "cli/exit_code.hpp"

namespace slumber::cli {

/// The names a hostlist argument expands to. A malformed hostlist is
/// ExitCode::usage, said on standard error as hostlist::describe() words it.
std::expected<std::vector<std::string>, ExitCode> hostlist_argument(const std::string& text);

/// An optional hostlist of nodes: as hostlist_argument(), and none when it is
/// empty (every node).
std::expected<std::vector<std::string>, ExitCode> nodes_argument(const std::string& text);

}  // namespace slumber::cli
