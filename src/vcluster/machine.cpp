#include "vcluster/machine.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>

#include "slurm/hook.hpp"
#include "vcluster/process.hpp"
#include "vcluster/room.hpp"

namespace slumber::vcluster {
namespace {

namespace fs = std::filesystem;

std::expected<fs::path, std::string> cgroup2_mount() {
    std::ifstream mounts("/proc/self/mounts");
    std::string device;
    std::string mount_point;
    std::string type;
    std::string rest;
    while (mounts >> device >> mount_point >> type && std::getline(mounts, rest)) {
        if (type == "cgroup2") return fs::path(mount_point);
    }
    return std::unexpected("no cgroup v2 hierarchy is mounted (the virtual cluster needs one to power nodes off)");
}

// Writes to a kernel file that exists (/proc, cgroupfs): never creates one.
bool write_proc_file(const fs::path& file, std::string_view text) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
}

// Serializes power changes of one node: ipmi_sim, a fault injection and a
// shutdown helper may act on it at the same time.
class NodeLock {
  public:
    explicit NodeLock(const fs::path& file) : m_fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
        if (m_fd >= 0) ::flock(m_fd, LOCK_EX);
    }
    ~NodeLock() {
        if (m_fd >= 0) ::close(m_fd);
    }
    NodeLock(const NodeLock&) = delete;
    NodeLock& operator=(const NodeLock&) = delete;

  private:
    int m_fd;
};

// Makes the next exec see a machine that booted just now: slurmctld accepts
// a resumed node only if its boot time (now - uptime) is newer than the
// resume request, and every slurmd on this host would otherwise share the
// host's uptime.
std::expected<void, std::string> enter_fresh_boot_time() {
    timespec boot{};
    ::clock_gettime(CLOCK_BOOTTIME, &boot);
    if (::unshare(CLONE_NEWTIME) != 0) {
        return std::unexpected(
            fmt::format("unshare(CLONE_NEWTIME): {} (needs root and CONFIG_TIME_NS)", std::strerror(errno)));
    }
    if (!write_proc_file("/proc/self/timens_offsets", fmt::format("boottime -{} 0\n", boot.tv_sec))) {
        return std::unexpected(fmt::format("cannot set the boot-time offset: {}", std::strerror(errno)));
    }
    const int ns = ::open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
    if (ns < 0 || ::setns(ns, CLONE_NEWTIME) != 0) {
        return std::unexpected(fmt::format("cannot enter the new time namespace: {}", std::strerror(errno)));
    }
    ::close(ns);
    return {};
}

}  // namespace

std::vector<pid_t> cgroup_processes(const fs::path& group) {
    std::vector<pid_t> pids;
    std::ifstream in(group / "cgroup.procs");
    pid_t pid = 0;
    while (in >> pid) pids.push_back(pid);
    return pids;
}

bool kill_cgroup(const fs::path& group) {
    if (!write_proc_file(group / "cgroup.kill", "1")) {
        for (const pid_t pid : cgroup_processes(group)) ::kill(pid, SIGKILL);
    }
    return wait_until([&] { return cgroup_processes(group).empty(); }, std::chrono::seconds{5},
                      std::chrono::milliseconds{10});
}

// Slurm's daemons live in /usr/sbin, which a BMC helper's PATH may lack.
std::optional<std::string> find_program(std::string_view name) {
    for (const char* dir : {"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"}) {
        const fs::path candidate = fs::path(dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    return std::nullopt;
}

std::string self_executable() {
    std::error_code error;
    const fs::path self = fs::read_symlink("/proc/self/exe", error);
    return error ? std::string("slumber-vcluster") : self.string();
}

std::string slumber_executable() {
    std::error_code error;
    const fs::path self = fs::read_symlink("/proc/self/exe", error);
    return error ? std::string("slumber") : (self.parent_path() / "slumber").string();
}

std::vector<std::string> slumber_command(const Spec& spec, std::string_view verb) {
    if (spec.installed.empty()) return {slumber_executable(), std::string(verb)};
    const fs::path prefix = spec.installed;
    if (verb == "daemon") return {(prefix / "sbin" / "slumberd").string()};
    for (const slurm::HookInfo& hook : slurm::kHooks) {
        if (verb == hook.name) return {(prefix / "sbin" / fmt::format("slumber-{}", verb)).string()};
    }
    return {(prefix / "bin" / "slumber").string(), std::string(verb)};
}

std::expected<fs::path, std::string> cluster_cgroup(const RunDir& dir, bool create) {
    auto mount = cgroup2_mount();
    if (!mount) return std::unexpected(mount.error());
    std::error_code error;
    const fs::path root = fs::weakly_canonical(dir.root, error);
    const fs::path group =
        *mount / fmt::format("slumber-vcluster-{:016x}", std::hash<std::string>{}((error ? dir.root : root).string()));
    if (create) fs::create_directories(group, error);
    if (error) {
        return std::unexpected(fmt::format("cannot create cgroup {}: {} (the virtual cluster must run as root)",
                                           group.string(), error.message()));
    }
    return group;
}

bool fabric_on(const RunDir& dir) {
    std::ifstream state(dir.fabric_state());
    std::string word;
    return state >> word && word == "on";
}

BootFaults read_boot_faults(const RunDir& dir, std::string_view node) {
    BootFaults faults;
    std::ifstream delay(dir.node_dir(node) / "boot-delay-ms");
    long long ms = 0;
    if (delay >> ms) faults.boot_delay = Duration{ms};
    faults.never_registers = fs::exists(dir.node_dir(node) / "never-registers");
    return faults;
}

Machine::Machine(RunDir dir, Spec spec, std::string node)
    : m_dir(std::move(dir)), m_spec(std::move(spec)), m_node(std::move(node)) {}

fs::path Machine::cgroup() const {
    auto group = cluster_cgroup(m_dir);
    return group ? *group / m_node : fs::path();
}

std::vector<pid_t> Machine::processes() const { return cgroup_processes(cgroup()); }

bool Machine::powered() const { return !processes().empty(); }

fs::path Machine::console_log() const { return m_dir.log_dir() / fmt::format("{}.console", m_node); }

void Machine::note_killed_jobs(std::string_view how) const {
    int steps = 0;
    for (const pid_t pid : processes()) {
        std::ifstream comm(fmt::format("/proc/{}/comm", pid));
        std::string name;
        steps += std::getline(comm, name) && name == "slurmstepd" ? 1 : 0;
    }
    if (steps == 0) return;
    std::ofstream(console_log(), std::ios::app)
        << fmt::format("{}: {} with {} job step(s) running: a job was killed\n", m_node, how, steps);
}

std::expected<void, std::string> Machine::power_on(std::optional<Duration> delay) const {
    const NodeLock lock(m_dir.node_dir(m_node) / "lock");
    if (powered()) return {};
    auto group = cluster_cgroup(m_dir, true);
    if (!group) return std::unexpected(group.error());
    std::error_code error;
    fs::create_directories(*group / m_node, error);
    if (error) return std::unexpected(fmt::format("cannot create the cgroup of {}: {}", m_node, error.message()));
    std::vector<std::string> argv{self_executable(), "machine", m_dir.root.string(), m_node, "boot"};
    if (delay) argv.push_back(std::to_string(delay->count()));
    auto boot = spawn_detached({.argv = std::move(argv), .log = console_log(), .cgroup = *group / m_node});
    if (!boot) return std::unexpected(fmt::format("cannot boot {}: {}", m_node, boot.error()));
    set_sensors(true);
    return {};
}

std::expected<void, std::string> Machine::power_off() const {
    const NodeLock lock(m_dir.node_dir(m_node) / "lock");
    if (!powered()) {
        set_sensors(false);
        return {};
    }
    note_killed_jobs("powered off");
    if (!kill_cgroup(cgroup())) return std::unexpected(fmt::format("{} still has processes after SIGKILL", m_node));
    set_sensors(false);
    return {};
}

std::expected<void, std::string> Machine::soft_off() const {
    if (!powered()) return {};
    auto helper = spawn_detached({.argv = {self_executable(), "machine", m_dir.root.string(), m_node, "shutdown"},
                                  .log = console_log(),
                                  .cgroup = std::nullopt});
    if (!helper) return std::unexpected(fmt::format("cannot shut {} down: {}", m_node, helper.error()));
    return {};
}

void Machine::run_shutdown(std::chrono::milliseconds grace) const {
    fmt::print("{}: ACPI shutdown requested\n", m_node);
    note_killed_jobs("shut down");
    for (pid_t pid : processes()) ::kill(pid, SIGTERM);
    if (wait_until([&] { return !powered(); }, grace)) {
        set_sensors(false);
        return;
    }
    if (auto off = power_off(); !off) fmt::print("{}: {}\n", m_node, off.error());
}

int Machine::run_boot(std::optional<Duration> requested_delay) const {
    const BootFaults faults = read_boot_faults(m_dir, m_node);
    const Duration delay = requested_delay.value_or(faults.boot_delay.value_or(m_spec.boot_delay));
    fmt::print("{}: powered on; boot takes {} ms{}\n", m_node, delay.count(),
               faults.never_registers ? " and slurmd will not start (fault)" : "");
    std::fflush(stdout);
    std::this_thread::sleep_for(delay);
    if (faults.never_registers) {
        for (;;) ::pause();
    }
    // Booted while the fabric switch was off: no network to the controller.
    if (m_spec.fabric_switch != 0 && !fabric_on(m_dir)) {
        fmt::print("{}: booted without fabric (the switch is off): slurmd cannot reach slurmctld\n", m_node);
        std::fflush(stdout);
        for (;;) ::pause();
    }
    if (auto fresh = enter_fresh_boot_time(); !fresh) {
        fmt::print("{}: {}\n", m_node, fresh.error());
        return 1;
    }
    const std::string slurmd = find_program("slurmd").value_or("slurmd");
    const std::string conf = m_dir.slurm_conf().string();
    std::fflush(stdout);
    ::execl(slurmd.c_str(), slurmd.c_str(), "-D", "-N", m_node.c_str(), "-f", conf.c_str(), nullptr);
    fmt::print("{}: cannot run {}: {}\n", m_node, slurmd, std::strerror(errno));
    return 1;
}

// A running node draws 180 W and warms the room's air, which every inlet
// reads; switched off, the BMC's standby power remains.
void Machine::set_sensors(bool on) const {
    std::ofstream(m_dir.sensor_file(m_node, "watts")) << (on ? kWattsOn : kWattsOff) << '\n';
    warm_inlets(m_dir, m_spec);
}

void Machine::remove() const {
    std::error_code error;
    fs::remove(cgroup(), error);  // rmdir: fails harmlessly while processes remain
}

}  // namespace slumber::vcluster
