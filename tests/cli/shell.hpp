// A command line run through the shell, as a user or Slurm would run it:
// its exit code and what it printed (stdout and stderr together).
#pragma once

#include <fmt/format.h>
#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

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

/// `slumber journal -c CONFIG` once it says `text`: without a daemon a hook
/// returns at once and a carrier of its own does the work, which may take
/// its time on a loaded machine (each scontrol call without a slurmctld waits
/// to fail). The 60 s bound only ends a failing test; it times nothing.
inline std::string journal_saying(const std::string& config, const std::string& text) {
    std::string said;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (true) {
        said = shell(fmt::format("'{}' journal -c '{}'", SLUMBER_BINARY, config)).out;
        if (said.find(text) != std::string::npos || std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return said;
}

/// The command run as Slurm runs a hook, as far as slumber can tell: from a
/// process named slurmctld (a shell started under that name), which is how
/// a hook knows Slurm ran it and not a person (slurm/caller.hpp).
inline CommandResult slurm_shell(const std::string& command) {
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / "slumber-cli-tests";
    const std::filesystem::path slurmctld = dir / "slurmctld";
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (!std::filesystem::is_symlink(slurmctld, error)) std::filesystem::create_symlink("/bin/sh", slurmctld, error);
    ::setenv("SLUMBER_TEST_HOOK", command.c_str(), 1);
    // eval, then exit: the command runs as a child of "slurmctld", never in its place.
    return shell(fmt::format("'{}' -c 'eval \"$SLUMBER_TEST_HOOK\"; exit $?'", slurmctld.string()));
}

}  // namespace cli_tests
