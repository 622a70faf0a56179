// A command's optional hostlist of nodes (`slumber status [NODES]`,
// `slumber journal [NODES]`), parsed in one place.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "cli/exit_code.hpp"

namespace slumber::cli {

/// The names `text` expands to; none when it is empty (every node). A
/// malformed hostlist is ExitCode::usage, said on standard error as
/// hostlist::describe() words it.
std::expected<std::vector<std::string>, ExitCode> nodes_argument(const std::string& text);

}  // namespace slumber::cli
