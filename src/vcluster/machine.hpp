// A node's "machine": the processes that run while its power is on. Each node
// gets a cgroup, so that powering off takes everything with it, including job
// steps that slurmstepd double-forked into sessions of their own.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vcluster/spec.hpp"

namespace slumber::vcluster {

/// The cgroup v2 directory that holds this run directory's nodes, if this
/// machine has a cgroup v2 hierarchy; `create` makes it (root only).
std::expected<std::filesystem::path, std::string> cluster_cgroup(const RunDir& dir, bool create = false);

/// Kills every process of a cgroup at once (cgroup.kill, or SIGKILL to each
/// on kernels before 5.14, which lack it) and waits up to 5 s for it to be
/// empty; false if processes remain.
bool kill_cgroup(const std::filesystem::path& group);

/// The processes of a cgroup now.
std::vector<pid_t> cgroup_processes(const std::filesystem::path& group);

/// Faults that change how a node boots, kept in its node directory so that
/// they last until cleared.
struct BootFaults {
    std::optional<Duration> boot_delay;  // instead of the cluster's
    bool never_registers = false;        // powered on, but slurmd never starts
};
BootFaults read_boot_faults(const RunDir& dir, std::string_view node);

/// Whether the fabric switch's plug says its relay is on.
bool fabric_on(const RunDir& dir);

class Machine {
  public:
    Machine(RunDir dir, Spec spec, std::string node);

    [[nodiscard]] const std::string& node() const { return m_node; }
    /// On while any process of the node runs (booting counts as on).
    [[nodiscard]] bool powered() const;
    /// Starts the node's boot: after the boot delay (the node's fault, else
    /// the cluster's, unless given), slurmd in a fresh time namespace.
    /// Already on: nothing happens.
    std::expected<void, std::string> power_on(std::optional<Duration> delay = std::nullopt) const;
    /// Hard off: every process of the node is killed at once.
    std::expected<void, std::string> power_off() const;
    /// ACPI-like shutdown: processes get SIGTERM now and SIGKILL after a grace
    /// period; returns at once, like a BMC does.
    std::expected<void, std::string> soft_off() const;
    /// Body of the helper process that soft_off() starts.
    void run_shutdown(std::chrono::milliseconds grace) const;
    /// Body of the boot process that power_on() starts; does not return on success.
    int run_boot(std::optional<Duration> delay) const;
    /// Sets what the BMC's power sensor reads, and every inlet (vcluster/room.hpp).
    void set_sensors(bool on) const;
    /// Removes the node's cgroup once it is empty.
    void remove() const;

    /// Where the node's processes write, like a serial console's log.
    [[nodiscard]] std::filesystem::path console_log() const;

  private:
    [[nodiscard]] std::filesystem::path cgroup() const;
    [[nodiscard]] std::vector<pid_t> processes() const;
    /// Before power goes: a node switched off with job steps (slurmstepd)
    /// running has killed a job, which slumber must never cause. The console
    /// log says so, for tests to find.
    void note_killed_jobs(std::string_view how) const;

    RunDir m_dir;
    Spec m_spec;
    std::string m_node;
};

/// Where a system program is installed (the sbin and bin directories), if it is.
std::optional<std::string> find_program(std::string_view name);

/// The path of this binary (slumber-vcluster), for helpers to call back into.
std::string self_executable();

/// The slumber the rig runs for slumber's own commands (the hooks, the daemon,
/// `slumber journal`): `slumber` in this binary's directory, where the build
/// puts both (src/vcluster/CMakeLists.txt). Not checked here: `up` says when
/// it is missing.
std::string slumber_executable();

/// How the rig runs slumber's VERB for SPEC's cluster: the program and the
/// arguments before the verb's own. {"/build/slumber", "suspend"} by default;
/// with Spec::installed (/usr), the link a package installs for the verb,
/// {"/usr/sbin/slumber-suspend"} (suspend, resume, resume-fail; slumberd for
/// daemon: src/cli/main.cpp tells them apart by name), or
/// {"/usr/bin/slumber", VERB} for the others.
std::vector<std::string> slumber_command(const Spec& spec, std::string_view verb);

}  // namespace slumber::vcluster
