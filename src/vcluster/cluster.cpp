#include "vcluster/cluster.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "hostlist/hostlist.hpp"
#include "slurm/dialect.hpp"
#include "util/probe.hpp"
#include "vcluster/accounts.hpp"
#include "vcluster/bmc.hpp"
#include "vcluster/certificate.hpp"
#include "vcluster/controllers.hpp"
#include "vcluster/crossed.hpp"
#include "vcluster/files.hpp"
#include "vcluster/machine.hpp"
#include "vcluster/process.hpp"
#include "vcluster/render.hpp"
#include "vcluster/room.hpp"

namespace slumber::vcluster {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::array kFaults{
    FaultInfo{Fault::slow_boot, "slow-boot", true, "boots take this long from now on (e.g. longer than ResumeTimeout)"},
    FaultInfo{Fault::never_registers, "never-registers", false, "powers on, but slurmd never starts"},
    FaultInfo{Fault::reboot, "reboot", false, "the node reboots, or comes up if off, without being asked"},
    FaultInfo{Fault::bmc_silent, "bmc-silent", false, "the BMC stops answering (its process is stopped)"},
    FaultInfo{Fault::bmc_password, "bmc-password", false, "the BMC no longer accepts the cluster's password"},
    FaultInfo{Fault::crossed, "crossed", false,
              "two nodes (exactly): their BMC addresses are swapped, each BMC switches, measures and identifies the "
              "other's machine"},
    FaultInfo{Fault::clear, "clear", false, "undo every fault of the node (and a crossing of its pair)"},
};

fs::path fabric_switch_record(const RunDir& dir) { return dir.pid_dir() / "fabric-switch"; }
fs::path munged_record(const RunDir& dir) { return dir.pid_dir() / "munged"; }

std::expected<void, std::string> give(const fs::path& path, const Account& owner, fs::perms mode) {
    if (::chown(path.c_str(), owner.uid, owner.gid) != 0) {
        return std::unexpected(
            fmt::format("cannot give {} to {}: {}", path.string(), owner.name, std::strerror(errno)));
    }
    std::error_code error;
    fs::permissions(path, mode, error);
    if (error) return std::unexpected(fmt::format("cannot chmod {}: {}", path.string(), error.message()));
    return {};
}

// Deployment "site": what slurmctld, running as SlurmUser, writes (its state,
// its logs, the hand-written hooks' log and the password file those hooks
// read, as a site's own scripts would), and the cluster's munge key, owned
// by munge as munged insists.
std::expected<void, std::string> prepare_site(const Spec& spec, const RunDir& dir) {
    auto slurm = system_account(kSiteSlurmUser);
    if (!slurm) return std::unexpected(slurm.error());
    auto munge = system_account(kMungeUser);
    if (!munge) return std::unexpected(munge.error());
    using fs::perms;
    constexpr auto kOpenDir =
        perms::owner_all | perms::group_read | perms::group_exec | perms::others_read | perms::others_exec;
    std::vector<fs::path> owned{dir.state_dir(), dir.log_dir()};
    // Each controller's PID file and log, on its host's own disk.
    for (int i = 0; i < spec.controllers && spec.high_availability(); ++i) {
        owned.push_back(dir.controller_dir(spec.controller_name(i)));
    }
    for (const fs::path& path : owned) {
        if (auto ok = give(path, *slurm, kOpenDir); !ok) return ok;
    }
    if (auto ok = give(dir.password_file(), *slurm, kPrivateFile); !ok) return ok;
    std::error_code error;
    fs::create_directories(dir.munge_dir(), error);
    if (error) return std::unexpected(fmt::format("cannot create {}: {}", dir.munge_dir().string(), error.message()));
    if (auto ok = give(dir.munge_dir(), *munge, kOpenDir); !ok) return ok;
    std::ifstream random("/dev/urandom", std::ios::binary);
    std::string key(1024, '\0');  // as `mungekey` makes it
    if (!random.read(key.data(), static_cast<std::streamsize>(key.size()))) {
        return std::unexpected("cannot read /dev/urandom");
    }
    if (auto ok = write_file(dir.munge_key(), key, perms::owner_read); !ok) return ok;
    return give(dir.munge_key(), *munge, perms::owner_read);
}

// slumber's state directory, made as an admin's first slumber command as
// root makes it (`slumber carry`, a carrier with nothing to carry out: the
// readers, `slumber journal` and `status`, make nothing), now that
// slurmctld answers: shared
// with SlurmUser's group, which slumber asks slurmctld for (SlurmUser is set
// in an Include'd file here: slurm.conf itself does not say). The hooks, as
// slurm, could not make it in the run directory, which is root's.
std::expected<void, std::string> make_slumber_state(const Spec& spec, const RunDir& dir, int controller) {
    const fs::path state = slumber_state_of(spec, dir, controller);
    std::vector<std::string> carry = slumber_command(spec, "carry");
    carry.insert(carry.end(), {"-c", slumber_conf_of(spec, dir, controller).string()});
    const auto made = capture(carry);
    if (!made) return std::unexpected(fmt::format("slumber carry could not make its state: {}", made.error()));
    struct stat status {};
    auto slurm = system_account(kSiteSlurmUser);
    if (!slurm) return std::unexpected(slurm.error());
    if (::stat(state.c_str(), &status) != 0 || status.st_gid != slurm->gid || (status.st_mode & 07777) != 02770) {
        return std::unexpected(
            fmt::format("{} is not shared with {}'s group (2770) after slumber made it", state.string(), slurm->name));
    }
    return {};
}

// The cluster's own munged, as the munge user, in the foreground so that its
// record is the process that runs; slurm.conf's AuthInfo names its socket.
std::expected<void, std::string> start_munged(const RunDir& dir) {
    auto munge = system_account(kMungeUser);
    if (!munge) return std::unexpected(munge.error());
    const fs::path munge_dir = dir.munge_dir();
    auto munged = spawn_detached(
        {.argv = {find_program("munged").value_or("munged"), "--foreground", "--socket=" + dir.munge_socket().string(),
                  "--key-file=" + dir.munge_key().string(), "--pid-file=" + (munge_dir / "munged.pid").string(),
                  "--log-file=" + (munge_dir / "munged.log").string(),
                  "--seed-file=" + (munge_dir / "munged.seed").string()},
         .log = dir.log_dir() / "munged.console",
         .cgroup = std::nullopt,
         .as = *munge});
    if (!munged) return std::unexpected(fmt::format("cannot start munged: {}", munged.error()));
    if (auto ok = write_record(munged_record(dir), *munged); !ok) return ok;
    if (!wait_until([&] { return fs::exists(dir.munge_socket()) || !alive(*munged); }, seconds{10}, milliseconds{50}) ||
        !alive(*munged)) {
        return std::unexpected(fmt::format("munged did not start; see {} and {}",
                                           (dir.log_dir() / "munged.console").string(),
                                           (munge_dir / "munged.log").string()));
    }
    return {};
}

// The fabric switch's plug, switched on: the nodes boot with their fabric.
std::expected<void, std::string> start_fabric_switch(const Spec& spec, const RunDir& dir) {
    if (auto ok = write_file(dir.fabric_state(), "on\n", kPrivateFile); !ok) return ok;
    const std::string listen = fmt::format("127.0.0.1:{}", spec.switch_port());
    auto plug = spawn_detached({.argv = {self_executable(), "plug", "--api", "tasmota", "--listen", listen, "--watts",
                                         "60", "--state-file", dir.fabric_state().string()},
                                .log = dir.log_dir() / "fabric-switch.log",
                                .cgroup = std::nullopt});
    if (!plug) return std::unexpected(fmt::format("cannot start the fabric switch's plug: {}", plug.error()));
    if (auto ok = write_record(fabric_switch_record(dir), *plug); !ok) return ok;
    const auto listening = [&] {
        return util::probe_tcp("127.0.0.1", spec.switch_port(), milliseconds{200}).reach == util::Reach::open;
    };
    if (!wait_until([&] { return listening() || !alive(*plug); }, seconds{10}, milliseconds{50}) || !alive(*plug)) {
        return std::unexpected(fmt::format("the fabric switch's plug did not start on {}; see {}", listen,
                                           (dir.log_dir() / "fabric-switch.log").string()));
    }
    return {};
}

// Paths end up in slurm.conf, ipmi_sim's quoted command and shell hooks.
std::expected<void, std::string> check_run_dir(const RunDir& dir) {
    const std::string path = dir.root.string();
    if (!dir.root.is_absolute()) return std::unexpected(fmt::format("run directory {} must be absolute", path));
    for (const char c : path) {
        const bool plain = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '/' || c == '.' || c == '_' ||
                           c == '-' || c == '+';
        if (!plain) {
            return std::unexpected(
                fmt::format("run directory {}: '{}' is not allowed (it ends up in slurm.conf and shell hooks); "
                            "use letters, digits and / . _ - +",
                            path, c));
        }
    }
    return {};
}

std::expected<void, std::string> check_environment(const Spec& spec) {
    if (::geteuid() != 0) {
        return std::unexpected(
            "the virtual cluster needs root: several slurmd on one host, a time namespace per node, a cgroup per "
            "node (run it with sudo)");
    }
    std::vector<std::string> missing;
    for (const char* program : {"slurmctld", "slurmd", "scontrol", "sinfo", "ipmi_sim", "ipmitool"}) {
        if (!find_program(program)) missing.emplace_back(program);
    }
    if (spec.site() && !find_program("munged")) missing.emplace_back("munged (package munge)");
    if (!missing.empty()) {
        return std::unexpected(fmt::format(
            "{} not installed (./scripts/setup installs slurm-wlm, openipmi and ipmitool)", fmt::join(missing, ", ")));
    }
    // slumber's hooks and daemon are the slumber beside this binary, or the
    // installed one's links.
    for (const std::string_view verb : {"suspend", "resume", "resume-fail", "daemon", "carry"}) {
        if (const std::string program = slumber_command(spec, verb).front();
            spec.hooks == "slumber" && ::access(program.c_str(), X_OK) != 0) {
            return std::unexpected(fmt::format(
                "--hooks slumber runs {}, which is not there ({})", program,
                spec.installed.empty() ? "build the slumber target: cmake --build --preset release --target slumber"
                                       : "install slumber's package, or give --installed the prefix it went to"));
        }
    }
    return {};
}

std::expected<std::string, std::string> new_password() {
    std::ifstream random("/dev/urandom", std::ios::binary);
    std::array<unsigned char, 8> bytes{};  // 16 characters: the IPMI 1.5 limit, which ipmi_sim applies
    if (!random.read(reinterpret_cast<char*>(bytes.data()), bytes.size())) {
        return std::unexpected("cannot read /dev/urandom");
    }
    std::string password;
    for (const unsigned char byte : bytes) password += fmt::format("{:02x}", byte);
    return password;
}

// Node name -> state as `sinfo -N` prints it (with its ~ # % * suffixes).
std::map<std::string, std::string> slurm_states(const RunDir& dir) {
    use_cluster_conf(dir);
    std::map<std::string, std::string> states;
    auto out = capture({"sinfo", "--noheader", "--Node", "--format=%N %t"});
    if (!out) return states;
    std::istringstream lines(*out);
    std::string node;
    std::string state;
    while (lines >> node >> state) states[node] = state;
    return states;
}

std::vector<Process> recorded_processes(const RunDir& dir) {
    std::vector<Process> processes;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir.pid_dir(), error)) {
        if (entry.path().extension() == ".slurm-pid" || entry.path().extension() == ".new") continue;
        if (auto process = read_record(entry.path())) processes.push_back(*process);
    }
    return processes;
}

// The release of the Slurm installed here, from `slurmd -V` ("slurm-wlm 24.11.5");
// nothing when it says something else.
std::optional<slurm::Version> installed_slurm() {
    auto out = capture({"slurmd", "-V"});
    return out ? slurm::parse_version(*out) : std::nullopt;
}

std::expected<void, std::string> prepare_run_dir(const Spec& spec, const RunDir& dir) {
    auto cgroup = cluster_cgroup(dir, true);
    if (!cgroup) return std::unexpected(cgroup.error());
    std::error_code error;
    // A fresh cluster each time: no job or node state from an earlier run.
    std::vector<fs::path> stale{dir.state_dir(),        dir.slumber_state_dir(),
                                dir.root / "spool",     dir.root / "nodes",
                                dir.root / "bmcs.d",    dir.log_dir(),
                                dir.pid_dir(),          dir.hooks_dir(),
                                dir.munge_dir(),        dir.root / "controllers",
                                dir.controller_mount(), dir.controller_hosts_file(),
                                dir.slumber_conf()};
    std::vector<fs::path> needed{dir.root, dir.state_dir(), dir.log_dir(), dir.pid_dir(), dir.hooks_dir()};
    // A cluster with every controller may have run here before.
    Spec widest = spec;
    widest.controllers = kMaxControllers;
    for (int i = 0; i < kMaxControllers; ++i) {
        const std::string name = widest.controller_name(i);
        stale.insert(stale.end(), {dir.slumber_state_dir(name), dir.slumber_conf(name)});
    }
    if (spec.high_availability()) {
        needed.push_back(dir.controller_mount());
        for (int i = 0; i < spec.controllers; ++i) needed.push_back(dir.controller_dir(spec.controller_name(i)));
    }
    for (const fs::path& path : stale) {
        fs::remove_all(path, error);
        if (error) return std::unexpected(fmt::format("cannot clear {}: {}", path.string(), error.message()));
    }
    for (const fs::path& path : needed) {
        fs::create_directories(path, error);
        if (error) return std::unexpected(fmt::format("cannot create {}: {}", path.string(), error.message()));
    }
    for (const std::string& node : spec.node_names()) {
        fs::create_directories(dir.root / "spool" / node, error);
        fs::create_directories(dir.node_dir(node), error);
        if (error)
            return std::unexpected(fmt::format("cannot create the directories of {}: {}", node, error.message()));
    }
    auto password = new_password();
    if (!password) return std::unexpected(password.error());
    constexpr auto kPublic = kPrivateFile | fs::perms::group_read | fs::perms::others_read;
    constexpr auto kProgram = kPublic | fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec;
    std::vector<std::tuple<fs::path, std::string, fs::perms>> files{
        {dir.password_file(), *password, kPrivateFile},
        {dir.credentials_file(),
         fmt::format("# BMC account of the virtual cluster\nusername = \"admin\"\npassword = \"{}\"\n", *password),
         kPrivateFile},
        {dir.operator_credentials_file(),
         fmt::format("# BMC operator account of the virtual cluster\nusername = \"operator\"\npassword = \"{}\"\n",
                     *password),
         kPrivateFile},
        {dir.freeipmi_conf(),
         fmt::format("# FreeIPMI settings for the virtual cluster's BMCs (ipmipower --config-file {})\n"
                     "driver-type LAN_2_0\nusername admin\npassword {}\nworkaround-flags opensesspriv\n",
                     dir.freeipmi_conf().string(), *password),
         kPrivateFile},
        {dir.slurm_conf(), render_slurm_conf(spec, dir, installed_slurm()), kPublic},
        {dir.bmc_table(), render_bmc_table(spec), kPublic},
        {dir.chassis_program(), render_chassis_program(dir, self_executable(), *cgroup), kProgram},
        {dir.node_uuid_program(), render_node_uuid_program(dir, *cgroup), kProgram},
        {dir.hooks_dir() / slurm::to_string(Hook::suspend),
         render_hook(spec, dir, Hook::suspend, slumber_command(spec, slurm::to_string(Hook::suspend))), kProgram},
        {dir.hooks_dir() / slurm::to_string(Hook::resume),
         render_hook(spec, dir, Hook::resume, slumber_command(spec, slurm::to_string(Hook::resume))), kProgram},
        {dir.hooks_dir() / slurm::to_string(Hook::resume_fail),
         render_hook(spec, dir, Hook::resume_fail, slumber_command(spec, slurm::to_string(Hook::resume_fail))),
         kProgram},
    };
    // One slumber configuration per controller: its daemon's and its hooks'.
    for (int i = 0; i < spec.controllers; ++i) {
        files.emplace_back(slumber_conf_of(spec, dir, i), render_slumber_conf(spec, dir, i), kPublic);
    }
    if (spec.high_availability()) {
        files.emplace_back(dir.controller_hosts_file(), render_controller_hosts(spec), kPublic);
    }
    for (const auto& [file, text, mode] : files) {
        if (auto ok = write_file(file, text, mode); !ok) return ok;
    }
    for (int i = 0; i < spec.nodes; ++i) {
        const fs::path uuid = dir.node_dir(spec.node_name(i)) / "product_uuid";
        if (auto ok = write_file(uuid, smbios_uuid(spec, i) + "\n", kPublic); !ok) return ok;
        // ipmi_sim reads a sensor from its file and, until the file exists,
        // answers 0 as a valid reading (flags 0x40: scanning on, reading
        // available), so the daemon's first round read 0 W and 0 °C. The
        // machine writes the file when switched; before that it is off.
        const fs::path watts = dir.sensor_file(spec.node_name(i), "watts");
        if (auto ok = write_file(watts, fmt::format("{}\n", kWattsOff), kPublic); !ok) return ok;
    }
    warm_inlets(dir, spec);  // the room's temperature at every inlet
    if (spec.web_port != 0) {
        auto token = new_password();
        if (!token) return std::unexpected(token.error());
        if (auto ok = write_file(dir.web_token_file(), *token + "\n", kPrivateFile); !ok) return ok;
    }
    if (const auto slurm = installed_slurm(); slurm && needs_cgroup_conf(*slurm)) {
        if (auto ok = write_file(dir.cgroup_conf(), render_cgroup_conf(), kPublic); !ok) return ok;
    } else {
        fs::remove(dir.cgroup_conf(), error);  // from a cluster of another release in this directory
    }
    if (spec.redfish_nodes > 0) {
        const std::string account = fmt::format(
            "# Redfish BMC account of the virtual cluster\nusername = \"root\"\npassword = \"{}\"\n", *password);
        if (auto ok = write_file(dir.redfish_credentials_file(), account, kPrivateFile); !ok) return ok;
        // One self-signed certificate for all of them, named by every Redfish
        // BMC's address, which slumber.toml trusts as their ca_file.
        std::vector<std::string> names;
        for (int i = 0; i < spec.nodes; ++i) {
            if (spec.redfish_bmc(i)) names.push_back(spec.bmc_address(i));
        }
        fs::remove(dir.redfish_certificate(), error);
        fs::remove(dir.redfish_certificate().string() + ".key", error);
        if (auto made = make_self_signed(dir.redfish_certificate(), dir.redfish_certificate().string() + ".key", names);
            !made) {
            return std::unexpected(made.error());
        }
    }
    if (spec.site()) {
        if (auto ok = write_file(dir.slurm_user_conf(), render_slurm_user_conf(), kPublic); !ok) return ok;
        if (auto ok = prepare_site(spec, dir); !ok) return ok;
    }
    return save(spec, dir);
}

std::expected<void, std::string> start_everything(const Spec& spec, const RunDir& dir) {
    auto password = read_password(dir);
    if (!password) return std::unexpected(password.error());
    for (int i = 0; i < spec.nodes; ++i) {
        if (auto bmc = start_bmc(spec, dir, i, *password); !bmc) return std::unexpected(bmc.error());
    }
    use_cluster_conf(dir);
    if (spec.site()) {
        if (auto munged = start_munged(dir); !munged) return munged;
    }
    // The primary first: it takes control, the backup then stands by.
    for (int i = 0; i < spec.controllers; ++i) {
        if (auto ok = start_slurmctld(spec, dir, i); !ok) return ok;
    }
    if (spec.fabric_switch != 0) {
        if (auto fabric = start_fabric_switch(spec, dir); !fabric) return fabric;
    }
    // The nodes start powered on and boot at once; later boots take the boot delay.
    for (const std::string& node : spec.node_names()) {
        if (auto on = Machine(dir, spec, node).power_on(Duration{0}); !on) return on;
    }
    // ipmi_sim reads the sensors' files once a poll: until then the BMCs
    // give the off values they started with (a tester read 8 W and 22 °C
    // from nodes up, half a second after `up`; a daemon's first reading
    // could teach the energy model a node's up draw from that).
    const auto sensors_read = std::chrono::steady_clock::now() + milliseconds{kSensorPollMs + 200};
    const auto limit = seconds{60} + milliseconds{200} * spec.nodes;
    const bool registered = wait_until(
        [&] {
            const auto states = slurm_states(dir);
            if (states.size() != static_cast<std::size_t>(spec.nodes)) return false;
            return std::all_of(states.begin(), states.end(), [](const auto& s) { return s.second == "idle"; });
        },
        std::chrono::duration_cast<milliseconds>(limit), milliseconds{500});
    if (!registered) {
        return std::unexpected(fmt::format("not every node registered with slurmctld within {} s; see {}/slurmd.*.log",
                                           std::chrono::duration_cast<seconds>(limit).count(), dir.log_dir().string()));
    }
    std::this_thread::sleep_until(sensors_read);
    for (int i = 0; i < spec.controllers; ++i) {
        if (spec.site() && spec.hooks == "slumber") {
            if (auto made = make_slumber_state(spec, dir, i); !made) return made;
        }
        if (spec.daemon != 0) {
            if (auto ok = start_daemon(spec, dir, i); !ok) return ok;
        }
    }
    return {};
}

std::vector<std::string> active_faults(const RunDir& dir, std::string_view node) {
    std::vector<std::string> out;
    const BootFaults boot = read_boot_faults(dir, node);
    if (boot.boot_delay) out.push_back(fmt::format("slow-boot {}ms", boot.boot_delay->count()));
    if (boot.never_registers) out.emplace_back("never-registers");
    if (auto bmc = bmc_process(dir, node); bmc && alive(*bmc) && state_of(bmc->pid) == 'T')
        out.emplace_back("bmc-silent");
    if (fs::exists(dir.bmc_dir(node) / "password-changed")) {
        out.push_back(fmt::format("bmc-password ({} failed logins in its log)", failed_logins(dir, node)));
    }
    if (auto partner = crossed_with(dir, node)) {
        out.push_back(fmt::format("crossed with {} (its address reaches {}'s BMC)", *partner, *partner));
    }
    return out;
}

std::expected<void, std::string> inject_one(const Spec& spec, const RunDir& dir, int index, Fault fault,
                                            std::optional<Duration> value) {
    const std::string node = spec.node_name(index);
    const Machine machine(dir, spec, node);
    const fs::path node_dir = dir.node_dir(node);
    std::error_code error;
    switch (fault) {
        case Fault::slow_boot:
            return write_file(node_dir / "boot-delay-ms", std::to_string(value->count()), kPrivateFile);
        case Fault::never_registers:
            return write_file(node_dir / "never-registers", "", kPrivateFile);
        case Fault::reboot:
            if (auto off = machine.power_off(); !off) return off;
            return machine.power_on();
        case Fault::bmc_silent: {
            auto bmc = bmc_process(dir, node);
            if (!bmc || !alive(*bmc)) return std::unexpected(fmt::format("the BMC of {} is not running", node));
            ::kill(bmc->pid, SIGSTOP);
            return {};
        }
        case Fault::bmc_password: {
            auto password = read_password(dir);
            if (!password) return std::unexpected(password.error());
            // Every login fails now: the BMC logs each one (failed_logins()).
            if (auto ok = restart_bmc(spec, dir, index, *password + "-changed", true); !ok) return ok;
            return write_file(dir.bmc_dir(node) / "password-changed", "", kPrivateFile);
        }
        case Fault::crossed:
            return std::unexpected("crossed is a fault of a pair of nodes");  // inject() gives it the pair
        case Fault::clear: {
            fs::remove(node_dir / "boot-delay-ms", error);
            fs::remove(node_dir / "never-registers", error);
            if (auto bmc = bmc_process(dir, node); bmc && alive(*bmc)) ::kill(bmc->pid, SIGCONT);
            // A crossed BMC restarts once, uncrossed, with its password back.
            const bool crossed = crossed_with(dir, node).has_value();
            if (fs::exists(dir.bmc_dir(node) / "password-changed")) {
                if (crossed) {
                    fs::remove(dir.bmc_dir(node) / "password-changed", error);
                } else {
                    auto password = read_password(dir);
                    if (!password) return std::unexpected(password.error());
                    if (auto ok = restart_bmc(spec, dir, index, *password); !ok) return ok;
                    fs::remove(dir.bmc_dir(node) / "password-changed", error);
                }
            }
            return uncross(spec, dir, index);
        }
    }
    return {};
}

std::expected<Spec, std::string> load_running(const RunDir& dir) {
    if (!fs::exists(dir.spec_file())) {
        return std::unexpected(
            fmt::format("no virtual cluster in {} (slumber-vcluster up creates one)", dir.root.string()));
    }
    return load(dir);
}

}  // namespace

std::span<const FaultInfo> faults() { return kFaults; }

const FaultInfo* find_fault(std::string_view name) {
    for (const FaultInfo& info : kFaults) {
        if (info.name == name) return &info;
    }
    return nullptr;
}

std::expected<void, std::string> up(const Spec& spec, const RunDir& dir) {
    if (auto ok = validate(spec); !ok) return ok;
    if (auto ok = check_run_dir(dir); !ok) return ok;
    if (auto ok = check_environment(spec); !ok) return ok;
    const auto running = recorded_processes(dir);
    if (std::any_of(running.begin(), running.end(), [](const Process& p) { return alive(p); })) {
        if (auto previous = load(dir); previous && slurmctld_answers(dir)) {
            return std::unexpected(
                fmt::format("a virtual cluster is already running in {} (slumber-vcluster down --dir {} stops it)",
                            dir.root.string(), dir.root.string()));
        }
        fmt::print(stderr, "slumber: cleaning up a virtual cluster in {} that did not stop cleanly\n",
                   dir.root.string());
    }
    if (fs::exists(dir.spec_file())) {
        if (auto stopped = down(dir); !stopped) return std::unexpected(stopped.error());
    }
    if (auto ok = prepare_run_dir(spec, dir); !ok) return ok;
    if (auto ok = start_everything(spec, dir); !ok) {
        (void)down(dir);
        return std::unexpected(ok.error() + " (everything started was stopped again)");
    }
    return {};
}

std::expected<bool, std::string> down(const RunDir& dir) {
    auto spec = load_running(dir);
    if (!spec) return std::unexpected(spec.error());
    // Slurm before the nodes: it saves its state and stops reacting to nodes vanishing.
    bool stopped = stop_controllers(*spec, dir);
    for (const std::string& node : spec->node_names()) {
        const Machine machine(dir, *spec, node);
        if (machine.powered()) {
            if (auto off = machine.power_off(); !off) return std::unexpected(off.error());
            stopped = true;
        }
        machine.remove();
        if (auto bmc = bmc_process(dir, node); bmc && alive(*bmc)) {
            terminate(*bmc, seconds{2});
            stopped = true;
        }
    }
    if (auto plug = read_record(fabric_switch_record(dir)); plug && alive(*plug)) {
        terminate(*plug, seconds{2});
        stopped = true;
    }
    // Last: Slurm's daemons and commands authenticate through it.
    if (auto munged = read_record(munged_record(dir)); munged && alive(*munged)) {
        terminate(*munged, seconds{5});
        stopped = true;
    }
    if (auto group = cluster_cgroup(dir)) {
        std::error_code error;
        fs::remove(*group, error);
    }
    std::error_code error;
    fs::remove_all(dir.pid_dir(), error);
    return stopped;
}

std::expected<ClusterStatus, std::string> status(const RunDir& dir) {
    auto spec = load_running(dir);
    if (!spec) return std::unexpected(spec.error());
    ClusterStatus out{*spec, false, controller_status(*spec, dir), {}};
    out.slurmctld_running = std::any_of(out.controllers.begin(), out.controllers.end(),
                                        [](const ControllerStatus& c) { return c.slurmctld_running; });
    const auto states = out.slurmctld_running ? slurm_states(dir) : std::map<std::string, std::string>{};
    for (int i = 0; i < spec->nodes; ++i) {
        NodeStatus node;
        node.name = spec->node_name(i);
        node.powered = Machine(dir, *spec, node.name).powered();
        node.bmc_address = fmt::format("{}:{}", spec->bmc_address(i), spec->bmc_port_of(i));
        const auto bmc = bmc_process(dir, node.name);
        node.bmc = !bmc || !alive(*bmc) ? "not running" : state_of(bmc->pid) == 'T' ? "silent" : "answering";
        node.faults = active_faults(dir, node.name);
        if (auto it = states.find(node.name); it != states.end()) node.slurm_state = it->second;
        out.nodes.push_back(std::move(node));
    }
    return out;
}

std::expected<void, std::string> inject(const RunDir& dir, std::string_view nodes, Fault fault,
                                        std::optional<Duration> value) {
    auto spec = load_running(dir);
    if (!spec) return std::unexpected(spec.error());
    auto names = hostlist::expand(nodes);
    if (!names) return std::unexpected(hostlist::describe(names.error(), nodes));
    const FaultInfo& info =
        *std::find_if(kFaults.begin(), kFaults.end(), [&](const FaultInfo& f) { return f.fault == fault; });
    if (info.takes_duration && !value) return std::unexpected(fmt::format("{} needs a duration, e.g. 90s", info.name));
    std::vector<int> indexes;
    for (const std::string& name : *names) {
        const int index = spec->index_of(name);
        if (index < 0)
            return std::unexpected(fmt::format("{} is not a node of this cluster ({})", name, spec->node_hostlist()));
        indexes.push_back(index);
    }
    use_cluster_conf(dir);
    if (fault == Fault::crossed) {
        if (indexes.size() != 2) {
            return std::unexpected(
                fmt::format("crossed needs exactly two nodes, the pair whose BMC addresses are swapped (e.g. "
                            "vnode[002-003]); \"{}\" names {}",
                            nodes, indexes.size()));
        }
        return cross(*spec, dir, indexes[0], indexes[1]);
    }
    for (const int index : indexes) {
        if (auto ok = inject_one(*spec, dir, index, fault, value); !ok) {
            return std::unexpected(fmt::format("{}: {}", spec->node_name(index), ok.error()));
        }
    }
    return {};
}

namespace {

// The machine a helper request is for; the helpers' complaints end up in the
// BMC's log or the node's console.
std::optional<Machine> helper_target(std::string_view helper, const RunDir& dir, std::string_view node,
                                     std::span<const std::string> request) {
    auto spec = load(dir);
    if (!spec) {
        fmt::print(stderr, "slumber-vcluster {}: {}\n", helper, spec.error());
        return std::nullopt;
    }
    if (spec->index_of(node) < 0 || request.empty()) {
        fmt::print(stderr, "slumber-vcluster {}: bad request \"{}\" for node \"{}\"\n", helper, fmt::join(request, " "),
                   node);
        return std::nullopt;
    }
    return Machine(dir, *spec, std::string(node));
}

}  // namespace

int chassis(const RunDir& dir, std::string_view node, std::span<const std::string> request) {
    const auto target = helper_target("chassis", dir, node, request);
    if (!target) return 1;
    const Machine& machine = *target;
    if (request[0] == "get") {
        for (const std::string& item : request.subspan(1)) {
            if (item == "power") fmt::print("power:{}\n", machine.powered() ? 1 : 0);
        }
        return 0;
    }
    if (request[0] != "set" || request.size() < 3) return 1;
    const std::string& item = request[1];
    const bool yes = request[2] == "1";
    std::expected<void, std::string> done;
    if (item == "power") {
        done = yes ? machine.power_on() : machine.power_off();
    } else if (item == "shutdown" && yes) {
        done = machine.soft_off();
    } else if (item == "reset" && yes) {
        done = machine.power_off();
        if (done) done = machine.power_on();
    }
    // boot device and identify requests are accepted and have no effect.
    if (!done) {
        fmt::print(stderr, "{}: {}\n", node, done.error());
        return 1;
    }
    return 0;
}

int machine_helper(const RunDir& dir, std::string_view node, std::span<const std::string> request) {
    const auto target = helper_target("machine", dir, node, request);
    if (!target) return 1;
    const Machine& machine = *target;
    if (request[0] == "boot") {
        std::optional<Duration> delay;
        if (request.size() > 1) {
            long long ms = 0;
            const std::string& text = request[1];
            if (std::from_chars(text.data(), text.data() + text.size(), ms).ptr != text.data() + text.size() ||
                ms < 0) {
                fmt::print(stderr, "slumber-vcluster machine: boot delay \"{}\" is not milliseconds\n", text);
                return 1;
            }
            delay = Duration{ms};
        }
        return machine.run_boot(delay);
    }
    if (request[0] == "shutdown") {
        machine.run_shutdown(seconds{10});
        return 0;
    }
    return 1;
}

}  // namespace slumber::vcluster
