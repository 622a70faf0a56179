// Running a command to completion and collecting its output, and the small
// helpers that process code shares.
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slumber::util {

/// Variables set for a child over this process's environment
/// (SLURM_CONF for scontrol). Never secrets: children's environments leak.
using Environment = std::vector<std::pair<std::string, std::string>>;

struct CommandResult {
    int exit_code = -1;  ///< -1 when it could not run or was killed by a signal
    std::string out;
    std::string err;
};

/// Runs a command to completion, found on PATH when its name has no slash.
/// Its standard input is `input` (the way to hand a child a secret), or
/// /dev/null when that is empty.
/// A timeout (0: none) kills a command that has not finished in time; the
/// result then says so in `err`, with exit code -1.
CommandResult run_command(const std::vector<std::string>& argv, const Environment& extra = {},
                          std::chrono::milliseconds timeout = {}, std::string_view input = {});

/// Runs a command to completion and returns its standard output; a non-zero
/// exit is an error carrying its standard error (or output, if it wrote no
/// error), without the final newline.
std::expected<std::string, std::string> capture(const std::vector<std::string>& argv, const Environment& extra = {},
                                                std::chrono::milliseconds timeout = {});

/// Writes all of `text` to fd; safe in a child before exec (no allocation).
void write_all(int fd, const char* text, std::size_t size);
/// Reads a pipe to its end.
std::string drain(int fd);
/// argv for exec: pointers into `argv`, ending with a null pointer.
std::vector<char*> c_argv(const std::vector<std::string>& argv);

}  // namespace slumber::util
