#include "vcluster/controllers.hpp"

#include <signal.h>
#include <stdlib.h>

#include <fmt/format.h>
#include <array>
#include <filesystem>
#include <optional>
#include <sstream>

#include "slurm/controllers.hpp"
#include "vcluster/accounts.hpp"
#include "vcluster/machine.hpp"
#include "vcluster/process.hpp"

namespace slumber::vcluster {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::array kControllerActions{
    ControllerActionInfo{ControllerAction::kill, "kill",
                         "the host dies: SIGKILL to its slurmctld and its slumber daemon at once"},
    ControllerActionInfo{ControllerAction::stop, "stop", "SIGTERM to its slurmctld and its slumber daemon"},
    ControllerActionInfo{ControllerAction::start, "start", "start its slurmctld and slumber daemon again, as up did"},
};

// One controller keeps the records, logs and files of a cluster before
// high availability; two keep each controller's under its name.
fs::path slurmctld_record(const Spec& spec, const RunDir& dir, int index) {
    return dir.pid_dir() /
           (spec.high_availability() ? fmt::format("slurmctld.{}", spec.controller_name(index)) : "slurmctld");
}

fs::path daemon_record(const Spec& spec, const RunDir& dir, int index) {
    return dir.pid_dir() /
           (spec.high_availability() ? fmt::format("slumberd.{}", spec.controller_name(index)) : "slumberd");
}

fs::path console_dir(const Spec& spec, const RunDir& dir, int index) {
    return spec.high_availability() ? dir.controller_dir(spec.controller_name(index)) : dir.log_dir();
}

fs::path daemon_log(const Spec& spec, const RunDir& dir, int index) {
    return console_dir(spec, dir, index) / "slumberd.log";
}

fs::path slurmctld_log(const Spec& spec, const RunDir& dir, int index) {
    return console_dir(spec, dir, index) / "slurmctld.log";
}

// Two controllers are hosts of their own, each in a cgroup, so that a kill
// takes whatever the host runs (slurmscriptd, hooks) with it. One controller
// runs on the machine itself, as before high availability.
std::optional<Host> host_of(const Spec& spec, const RunDir& dir, int index) {
    if (!spec.high_availability()) return std::nullopt;
    const std::string name = spec.controller_name(index);
    return Host{.name = name,
                .local_dir = dir.controller_dir(name),
                .local_mount = dir.controller_mount(),
                .hosts_file = dir.controller_hosts_file()};
}

std::expected<std::optional<fs::path>, std::string> cgroup_of(const Spec& spec, const RunDir& dir, int index) {
    if (!spec.high_availability()) return std::nullopt;
    auto cluster = cluster_cgroup(dir, true);
    if (!cluster) return std::unexpected(cluster.error());
    const fs::path group = *cluster / spec.controller_name(index);
    std::error_code error;
    fs::create_directories(group, error);
    if (error) return std::unexpected(fmt::format("cannot create cgroup {}: {}", group.string(), error.message()));
    return group;
}

bool running(const fs::path& record) {
    const auto process = read_record(record);
    return process && alive(*process);
}

// SIGTERM to all of them at once, then each gets `grace` before SIGKILL.
bool terminate_all(const std::vector<fs::path>& records, milliseconds grace) {
    std::vector<Process> processes;
    for (const fs::path& record : records) {
        if (auto process = read_record(record); process && alive(*process)) processes.push_back(*process);
    }
    for (const Process& process : processes) ::kill(process.pid, SIGTERM);
    for (const Process& process : processes) terminate(process, grace);
    return !processes.empty();
}

// The host dies: its slurmctld and daemon at once, then whatever else its
// cgroup holds.
void kill_controller(const Spec& spec, const RunDir& dir, int index) {
    std::vector<Process> processes;
    for (const fs::path& record : {slurmctld_record(spec, dir, index), daemon_record(spec, dir, index)}) {
        if (auto process = read_record(record); process && alive(*process)) processes.push_back(*process);
    }
    for (const Process& process : processes) ::kill(process.pid, SIGKILL);
    if (auto group = cgroup_of(spec, dir, index); group && *group) kill_cgroup(**group);
    for (const Process& process : processes) {
        wait_until([&] { return !alive(process); }, seconds{5}, milliseconds{10});
    }
}

bool controller_up(const Spec& spec, const RunDir& dir, int index) {
    if (!spec.high_availability()) return slurmctld_answers(dir);
    const auto words = ping(dir);
    const auto word = words.find(spec.controller_name(index));
    // The primary takes control as it starts: then it answers, too.
    return word != words.end() && word->second == "UP" && (index != 0 || slurmctld_answers(dir));
}

std::expected<std::string, std::string> start_controller(const Spec& spec, const RunDir& dir, int index) {
    std::vector<std::string> started;
    if (!running(slurmctld_record(spec, dir, index))) {
        if (auto ok = start_slurmctld(spec, dir, index); !ok) return std::unexpected(ok.error());
        started.emplace_back("slurmctld");
    }
    if (spec.daemon != 0 && !running(daemon_record(spec, dir, index))) {
        if (auto ok = start_daemon(spec, dir, index); !ok) return std::unexpected(ok.error());
        started.emplace_back("slumber daemon");
    }
    const std::string name = spec.controller_name(index);
    if (started.empty()) return fmt::format("{}: everything already runs", name);
    return fmt::format("{}: started {}", name, fmt::join(started, " and "));
}

}  // namespace

void use_cluster_conf(const RunDir& dir) { ::setenv("SLURM_CONF", dir.slurm_conf().c_str(), 1); }

bool slurmctld_answers(const RunDir& dir) {
    use_cluster_conf(dir);
    auto out = capture({"scontrol", "show", "config"});
    if (!out) return false;
    std::istringstream lines(*out);
    std::string line;
    while (std::getline(lines, line)) {
        // "StateSaveLocation       = /tmp/…/state", padded as its release pads it.
        if (!line.starts_with("StateSaveLocation ")) continue;
        const std::size_t equals = line.find("= ");
        return equals != std::string::npos && line.substr(equals + 2) == dir.state_dir().string();
    }
    return false;
}

std::map<std::string, std::string> parse_ping(std::string_view output) {
    // Slurm's lines as slumber's daemon reads them; anything else (an error
    // of scontrol's) names no controller.
    std::map<std::string, std::string> words;
    if (auto pings = slurm::parse_ping(output)) {
        for (const slurm::ControllerPing& ping : *pings) words[ping.host] = ping.up ? "UP" : "DOWN";
    }
    return words;
}

std::map<std::string, std::string> ping(const RunDir& dir) {
    use_cluster_conf(dir);
    // Exits 1 when any controller is DOWN; its output says which.
    return parse_ping(run_command({"scontrol", "ping"}, {}, seconds{30}).out);
}

std::expected<void, std::string> start_slurmctld(const Spec& spec, const RunDir& dir, int index) {
    use_cluster_conf(dir);
    std::optional<Account> slurm_user;
    if (spec.site()) {
        // As systemd starts it from 23.11 (User=slurm): never root.
        auto account = system_account(kSiteSlurmUser);
        if (!account) return std::unexpected(account.error());
        slurm_user = *account;
    }
    auto group = cgroup_of(spec, dir, index);
    if (!group) return std::unexpected(group.error());
    const std::string name = spec.controller_name(index);
    const fs::path console = console_dir(spec, dir, index) / "slurmctld.console";
    auto slurmctld = spawn_detached({.argv = {"slurmctld", "-D", "-f", dir.slurm_conf().string()},
                                     .log = console,
                                     .cgroup = *group,
                                     .as = slurm_user,
                                     .host = host_of(spec, dir, index)});
    if (!slurmctld) return std::unexpected(fmt::format("cannot start slurmctld on {}: {}", name, slurmctld.error()));
    if (auto ok = write_record(slurmctld_record(spec, dir, index), *slurmctld); !ok) return ok;
    // A primary that starts while the backup is in control waits for the
    // backup to give it up: Slurm 24.11.5 took 29 s ("REQUEST_CONTROL reply
    // but backup not completely done relinquishing control"), 22.05.8 less
    // than one.
    const seconds limit = spec.high_availability() && index == 0 ? seconds{75} : seconds{30};
    if (!wait_until([&] { return controller_up(spec, dir, index) || !alive(*slurmctld); }, limit, milliseconds{200}) ||
        !alive(*slurmctld)) {
        return std::unexpected(fmt::format("slurmctld did not come up{}; see {} and {}",
                                           spec.high_availability() ? " on " + name : std::string(),
                                           slurmctld_log(spec, dir, index).string(), console.string()));
    }
    return {};
}

std::expected<void, std::string> start_daemon(const Spec& spec, const RunDir& dir, int index) {
    std::vector<std::string> argv = slumber_command(spec, "daemon");
    argv.insert(argv.end(), {"--config", slumber_conf_of(spec, dir, index).string()});
    auto group = cgroup_of(spec, dir, index);
    if (!group) return std::unexpected(group.error());
    const fs::path log = daemon_log(spec, dir, index);
    auto daemon =
        spawn_detached({.argv = std::move(argv), .log = log, .cgroup = *group, .host = host_of(spec, dir, index)});
    if (!daemon) return std::unexpected(fmt::format("cannot start slumber daemon: {}", daemon.error()));
    if (auto ok = write_record(daemon_record(spec, dir, index), *daemon); !ok) return ok;
    // Up once its socket exists; a daemon that exits at once says why in its log.
    const fs::path socket = slumber_state_of(spec, dir, index) / "slumberd.sock";
    if (!wait_until([&] { return fs::exists(socket) || !alive(*daemon); }, seconds{10}, milliseconds{50}) ||
        !alive(*daemon)) {
        return std::unexpected(fmt::format("slumber daemon did not start; see {}", log.string()));
    }
    return {};
}

bool stop_controllers(const Spec& spec, const RunDir& dir) {
    // The daemons before Slurm: they would take the nodes vanishing for faults.
    std::vector<fs::path> daemons;
    for (int i = 0; i < spec.controllers; ++i) daemons.push_back(daemon_record(spec, dir, i));
    bool stopped = terminate_all(daemons, seconds{10});
    // slurmctld saves its state and stops reacting to nodes vanishing. The
    // backup first, so that it never takes control from a primary stopping.
    for (int i = spec.controllers - 1; i >= 0; --i) {
        stopped = terminate_all({slurmctld_record(spec, dir, i)}, seconds{10}) || stopped;
        if (!spec.high_availability()) continue;
        if (auto cluster = cluster_cgroup(dir)) {
            const fs::path group = *cluster / spec.controller_name(i);
            kill_cgroup(group);  // what the host still runs (hooks)
            std::error_code error;
            fs::remove(group, error);
        }
    }
    return stopped;
}

std::span<const ControllerActionInfo> controller_actions() { return kControllerActions; }

const ControllerActionInfo* find_controller_action(std::string_view name) {
    for (const ControllerActionInfo& info : kControllerActions) {
        if (info.name == name) return &info;
    }
    return nullptr;
}

std::expected<std::string, std::string> act_on_controller(const RunDir& dir, ControllerAction action, int number) {
    if (!fs::exists(dir.spec_file())) {
        return std::unexpected(
            fmt::format("no virtual cluster in {} (slumber-vcluster up creates one)", dir.root.string()));
    }
    auto spec = load(dir);
    if (!spec) return std::unexpected(spec.error());
    if (number < 1 || number > spec->controllers) {
        return std::unexpected(
            spec->controllers == 1
                ? fmt::format("controller {}: this cluster has one controller, 1 (up --controllers 2 gives two)",
                              number)
                : fmt::format("controller {}: give 1 or 2 (vctl1, vctl2)", number));
    }
    const int index = number - 1;
    const std::string name = spec->controller_name(index);
    switch (action) {
        case ControllerAction::kill:
            kill_controller(*spec, dir, index);
            return fmt::format("{}: killed (slurmctld and slumber daemon)", name);
        case ControllerAction::stop:
            terminate_all({daemon_record(*spec, dir, index), slurmctld_record(*spec, dir, index)}, seconds{10});
            return fmt::format("{}: stopped", name);
        case ControllerAction::start:
            return start_controller(*spec, dir, index);
    }
    return std::unexpected("unknown action");
}

std::vector<ControllerStatus> controller_status(const Spec& spec, const RunDir& dir) {
    std::vector<ControllerStatus> out;
    const auto words = ping(dir);
    for (int i = 0; i < spec.controllers; ++i) {
        ControllerStatus status;
        status.name = spec.controller_name(i);
        status.address = spec.controller_address(i);
        status.slurmctld_running = running(slurmctld_record(spec, dir, i));
        status.daemon_running = running(daemon_record(spec, dir, i));
        if (auto word = words.find(status.name); word != words.end()) status.ping = word->second;
        // SlurmctldHost=localhost: Slurm 22.05 names the machine instead
        // ("Slurmctld(primary) at vm is UP").
        if (!spec.high_availability() && words.size() == 1) status.ping = words.begin()->second;
        out.push_back(std::move(status));
    }
    return out;
}

}  // namespace slumber::vcluster
