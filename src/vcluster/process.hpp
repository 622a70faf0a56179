// Starting processes that outlive the command that starts them, and finding
// them again later without mistaking a recycled PID for them.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "util/command.hpp"
#include "vcluster/accounts.hpp"

namespace slumber::vcluster {

/// A process as recorded: its PID and the kernel's start time for it (field
/// 22 of /proc/PID/stat), which a recycled PID does not share.
struct Process {
    pid_t pid = 0;
    unsigned long long start_time = 0;
};

/// A host of its own on this machine, for a daemon that knows itself by its
/// host name (slurmctld finds its SlurmctldHost entry so): new UTS and mount
/// namespaces, with this host name, `local_dir` shown at `local_mount` (the
/// host's own disk) and `hosts_file` at /etc/hosts. The mounts stay in the
/// namespace: the machine never sees them.
struct Host {
    std::string name;
    std::filesystem::path local_dir;
    std::filesystem::path local_mount;
    std::filesystem::path hosts_file;
};

struct Launch {
    std::vector<std::string> argv;                // argv[0] is looked up in PATH
    std::filesystem::path log;                    // stdout and stderr, appended
    std::optional<std::filesystem::path> cgroup;  // joined before exec
    /// Run as this user (its groups too) instead of the caller's; the log is
    /// opened before, so it may be a file the user could not open.
    std::optional<Account> as = std::nullopt;
    /// Run in a host of its own (root only; entered before becoming `as`).
    std::optional<Host> host = std::nullopt;
};

/// Starts argv in its own session with stdin from /dev/null and no other
/// inherited descriptors; fails if the program cannot be executed.
std::expected<Process, std::string> spawn_detached(const Launch& launch);

/// Whether the recorded process still runs (a zombie does not).
bool alive(const Process& process);

/// The process's state letter from /proc (R, S, T for stopped, ...), if it exists.
std::optional<char> state_of(pid_t pid);

/// SIGTERM, then SIGKILL after `grace`; returns once it is gone or after that.
void terminate(const Process& process, std::chrono::milliseconds grace);

std::expected<void, std::string> write_record(const std::filesystem::path& file, const Process& process);
std::optional<Process> read_record(const std::filesystem::path& file);
std::optional<Process> describe(pid_t pid);

// Commands run to completion: util/command.hpp, used here by name.
using util::capture;
using util::CommandResult;
using util::run_command;

/// Waits, polling, until `ready` returns true or `limit` passes.
template <typename Ready>
bool wait_until(Ready&& ready, std::chrono::milliseconds limit,
                std::chrono::milliseconds step = std::chrono::milliseconds{100}) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        if (ready()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(step);
    }
}

}  // namespace slumber::vcluster
