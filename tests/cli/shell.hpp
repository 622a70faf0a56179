// A command line run through the shell, as a user or Slurm would run it:
// its exit code and what it printed (stdout and stderr together).
#pragma once

#include <fmt/format.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace cli_tests {

struct CommandResult {
    int exit_code = -1;
    std::string out;  // stdout and stderr together
};

inline CommandResult shell(const std::string& command) {
    CommandResult run;
    FILE* pipe = ::popen(fmt::format("{} 2>&1", command).c_str(), "r");
    if (pipe == nullptr) return run;
    std::array<char, 4096> buffer{};
    std::size_t got = 0;
    while ((got = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.out.append(buffer.data(), got);
    const int status = ::pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

}  // namespace cli_tests
