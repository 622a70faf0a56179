// `slumber-vcluster up|down|status|controller|fault|env|plug|redfish`: a whole Slurm cluster with IPMI
// BMCs on this machine, for trying slumber and for its tests. Also the hidden
// helpers that the BMCs (`chassis`, `redfish-bmc`) and the nodes (`machine`)
// call back into.
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/exit_code.hpp"
#include "util/duration.hpp"
#include "vcluster/cluster.hpp"
#include "vcluster/command.hpp"
#include "vcluster/plug.hpp"
#include "vcluster/redfish.hpp"
#include "vcluster/redfish_node.hpp"
#include "vcluster/room.hpp"

namespace slumber::vcluster {
namespace {

using cli::ExitCode;
using cli::to_int;

struct VclusterOptions {
    std::string dir = default_run_dir().string();
    Spec spec;
    std::string boot_delay = "2s";
    std::string suspend_time = "30s";
    std::string suspend_timeout = "30s";
    std::string resume_timeout = "60s";
    std::string slurmd_timeout = "10s";
    bool json = false;
    bool daemon = false;
    std::string nodes;
    std::string fault;
    std::string fault_value;
    std::string room_celsius;
    std::string helper_node;
    std::vector<std::string> helper_request;
    std::string plug_api = "tasmota";
    std::string plug_listen = "127.0.0.1:0";
    int plug_relays = 1;
    double plug_watts = 0;
    std::string plug_password_file;
    std::string plug_state_file;
    std::string redfish_certificate;
    std::string redfish_user = "root";
    std::string redfish_system = "1";
    std::string switch_off_after = "60s";
    std::string energy_interval = "0s";
    std::string slurmctld_timeout = "10s";
    std::string controller_action;
    int controller_number = 0;
};

int fail(std::string_view message, ExitCode code = ExitCode::partial) {
    fmt::print(stderr, "slumber: {}\n", message);
    return to_int(code);
}

RunDir run_dir(const VclusterOptions& options) {
    std::error_code error;
    const auto absolute = std::filesystem::absolute(options.dir, error);
    return RunDir{error ? std::filesystem::path(options.dir) : absolute.lexically_normal()};
}

std::expected<Spec, std::string> spec_from(const VclusterOptions& options) {
    Spec spec = options.spec;
    spec.daemon = options.daemon ? 1 : 0;
    for (auto [option, text, target] : {std::tuple{"--boot-delay", &options.boot_delay, &spec.boot_delay},
                                        {"--suspend-time", &options.suspend_time, &spec.suspend_time},
                                        {"--suspend-timeout", &options.suspend_timeout, &spec.suspend_timeout},
                                        {"--resume-timeout", &options.resume_timeout, &spec.resume_timeout},
                                        {"--slurmd-timeout", &options.slurmd_timeout, &spec.slurmd_timeout},
                                        {"--switch-off-after", &options.switch_off_after, &spec.switch_off_after},
                                        {"--energy-interval", &options.energy_interval, &spec.energy_interval},
                                        {"--slurmctld-timeout", &options.slurmctld_timeout, &spec.slurmctld_timeout}}) {
        auto parsed = util::parse_duration(*text);
        if (!parsed) return std::unexpected(fmt::format("{} {}: {}", option, *text, parsed.error()));
        *target = *parsed;
    }
    if (auto ok = validate(spec); !ok) return std::unexpected(ok.error());
    return spec;
}

int run_up(const VclusterOptions& options) {
    auto spec = spec_from(options);
    if (!spec) return fail(spec.error(), ExitCode::usage);
    const RunDir dir = run_dir(options);
    fmt::print("Starting {} nodes ({}) with their BMCs in {} …\n", spec->nodes, spec->node_hostlist(),
               dir.root.string());
    std::fflush(stdout);
    if (auto ok = up(*spec, dir); !ok) return fail(ok.error());
    const int ipmi_bmcs = spec->nodes - spec->redfish_nodes;
    const std::string ports = spec->redfish_nodes == 0 ? fmt::format("port {}", spec->bmc_port)
                              : ipmi_bmcs == 0         ? fmt::format("port {} (Redfish)", spec->redfish_port)
                                                       : fmt::format("port {} (IPMI), the last {} on port {} (Redfish)",
                                                                     spec->bmc_port, spec->redfish_nodes, spec->redfish_port);
    fmt::print(
        "Up: slurmctld on port {}, every node idle, BMCs on {}…{} {}.\n"
        "  export SLURM_CONF={}   # then sinfo, squeue, sbatch work\n"
        "  BMC user admin, password in {}; FreeIPMI: ipmipower --config-file {} -h '{}' --stat\n"
        "  slumber inventory: {}   (slumber power status '{}' -c …)\n",
        spec->slurmctld_port, spec->bmc_address(0), spec->bmc_address(spec->nodes - 1), ports,
        dir.slurm_conf().string(), dir.password_file().string(), dir.freeipmi_conf().string(),
        ipmi_bmcs <= 1 ? spec->bmc_address(0)
                       : fmt::format("127.{}.0.[1-{}]", spec->bmc_subnet, std::min(ipmi_bmcs, 254)),
        spec->high_availability() ? (dir.root / "slumber-vctl[1-2].toml").string() : dir.slumber_conf().string(),
        spec->node_hostlist());
    if (spec->high_availability()) {
        fmt::print(
            "  controllers: vctl1 at {} (primary), vctl2 at {} (backup), SlurmctldTimeout {} s; "
            "slumber-vcluster controller kill|stop|start 1|2\n",
            spec->controller_address(0), spec->controller_address(1),
            std::chrono::duration_cast<std::chrono::seconds>(spec->slurmctld_timeout).count());
    }
    return to_int(ExitCode::ok);
}

int run_down(const VclusterOptions& options) {
    const RunDir dir = run_dir(options);
    auto stopped = down(dir);
    if (!stopped) return fail(stopped.error());
    fmt::print("{}\n", *stopped
                           ? fmt::format("Stopped the virtual cluster in {}.", dir.root.string())
                           : fmt::format("No virtual cluster was running in {}; nothing to stop.", dir.root.string()));
    return to_int(ExitCode::ok);
}

int run_status(const VclusterOptions& options) {
    const RunDir dir = run_dir(options);
    auto status = vcluster::status(dir);
    if (!status) return fail(status.error());
    if (options.json) {
        nlohmann::json nodes = nlohmann::json::array();
        for (const NodeStatus& node : status->nodes) {
            nodes.push_back({{"name", node.name},
                             {"power", node.powered ? "on" : "off"},
                             {"bmc_address", node.bmc_address},
                             {"bmc", node.bmc},
                             {"faults", node.faults},
                             {"slurm_state", node.slurm_state}});
        }
        nlohmann::json controllers = nlohmann::json::array();
        for (const ControllerStatus& controller : status->controllers) {
            controllers.push_back({{"name", controller.name},
                                   {"address", controller.address},
                                   {"slurmctld", controller.slurmctld_running ? "running" : "stopped"},
                                   {"daemon", controller.daemon_running ? "running" : "stopped"},
                                   {"ping", controller.ping}});
        }
        fmt::print("{}\n", nlohmann::json{{"run_dir", dir.root.string()},
                                          {"slurm_conf", dir.slurm_conf().string()},
                                          {"slurmctld", status->slurmctld_running ? "running" : "stopped"},
                                          {"controllers", controllers},
                                          {"nodes", nodes}}
                               .dump(2));
        return to_int(ExitCode::ok);
    }
    fmt::print("virtual cluster in {}: slurmctld {}\n", dir.root.string(),
               status->slurmctld_running ? "running" : "stopped");
    // What `scontrol ping` says: UP for a backup standing by as for the controller in control.
    fmt::print("{:<12} {:<10} {:<10} {:<10} {}\n", "CONTROLLER", "ADDRESS", "SLURMCTLD", "SLUMBERD", "SCONTROL PING");
    for (const ControllerStatus& controller : status->controllers) {
        fmt::print("{:<12} {:<10} {:<10} {:<10} {}\n", controller.name, controller.address,
                   controller.slurmctld_running ? "running" : "stopped",
                   status->spec.daemon == 0    ? "-"
                   : controller.daemon_running ? "running"
                                               : "stopped",
                   controller.ping.empty() ? "-" : controller.ping);
    }
    fmt::print("{:<12} {:<6} {:<18} {:<12} {:<14} {}\n", "NODE", "POWER", "BMC", "BMC STATE", "SLURM", "FAULTS");
    for (const NodeStatus& node : status->nodes) {
        fmt::print("{:<12} {:<6} {:<18} {:<12} {:<14} {}\n", node.name, node.powered ? "on" : "off", node.bmc_address,
                   node.bmc, node.slurm_state.empty() ? "-" : node.slurm_state,
                   node.faults.empty() ? "-" : fmt::format("{}", fmt::join(node.faults, ", ")));
    }
    return to_int(ExitCode::ok);
}

int run_controller(const VclusterOptions& options) {
    const ControllerActionInfo* info = find_controller_action(options.controller_action);
    if (info == nullptr) {
        std::vector<std::string_view> names;
        for (const ControllerActionInfo& a : controller_actions()) names.push_back(a.name);
        return fail(fmt::format("unknown controller action \"{}\"; one of: {}", options.controller_action,
                                fmt::join(names, ", ")),
                    ExitCode::usage);
    }
    auto done = act_on_controller(run_dir(options), info->action, options.controller_number);
    if (!done) return fail(done.error());
    fmt::print("{}\n", *done);
    return to_int(ExitCode::ok);
}

int run_room(const VclusterOptions& options) {
    const RunDir dir = run_dir(options);
    auto spec = load(dir);
    if (!spec) return fail(spec.error());
    if (!options.room_celsius.empty()) {
        int celsius = 0;
        const char* end = options.room_celsius.data() + options.room_celsius.size();
        const auto [at, error] = std::from_chars(options.room_celsius.data(), end, celsius);
        if (error != std::errc{} || at != end) {
            return fail(fmt::format("room {}: not a whole number of °C", options.room_celsius), ExitCode::usage);
        }
        if (auto set = set_room_celsius(dir, *spec, celsius); !set) return fail(set.error(), ExitCode::usage);
    }
    const int on = nodes_on(dir, *spec);
    fmt::print("room {} °C with every node off; {} node(s) on, {} °C each: inlets read {} °C\n", room_celsius(dir), on,
               kWarmingPerNodeOn, room_celsius(dir) + kWarmingPerNodeOn * on);
    return to_int(ExitCode::ok);
}

int run_fault(const VclusterOptions& options) {
    const FaultInfo* info = find_fault(options.fault);
    if (info == nullptr) {
        std::vector<std::string_view> names;
        for (const FaultInfo& f : faults()) names.push_back(f.name);
        return fail(fmt::format("unknown fault \"{}\"; one of: {}", options.fault, fmt::join(names, ", ")),
                    ExitCode::usage);
    }
    std::optional<Duration> value;
    if (info->takes_duration) {
        auto parsed = util::parse_duration(options.fault_value);
        if (!parsed)
            return fail(fmt::format("{} {}: {}", info->name, options.fault_value, parsed.error()), ExitCode::usage);
        value = *parsed;
    } else if (!options.fault_value.empty()) {
        return fail(fmt::format("{} takes no value", info->name), ExitCode::usage);
    }
    if (auto ok = inject(run_dir(options), options.nodes, info->fault, value); !ok) return fail(ok.error());
    return to_int(ExitCode::ok);
}

std::string fault_help() {
    std::string text = "Give nodes a fault, or clear it:\n";
    for (const FaultInfo& f : faults()) {
        text += fmt::format("  {:<16} {}{}\n", f.name, f.help, f.takes_duration ? " (needs a duration)" : "");
    }
    return text;
}

// "ADDRESS:PORT" as an address and a port (0: any), or nullopt.
std::optional<std::pair<std::string, int>> parse_listen(const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    const std::string_view digits = std::string_view(listen).substr(colon + 1);
    int port = -1;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (error != std::errc() || end != digits.data() + digits.size() || port < 0 || port > 65535) return std::nullopt;
    return std::pair{listen.substr(0, colon), port};
}

// The first line of a password file.
std::expected<std::string, int> read_password_file(const std::string& file) {
    std::string password;
    std::ifstream in(file);
    if (!in || !std::getline(in, password))
        return std::unexpected(fail(fmt::format("cannot read {}", file), ExitCode::usage));
    return password;
}

// Blocks SIGINT and SIGTERM (before any server thread starts, so that they
// inherit the mask) and returns the set to wait for.
sigset_t block_stop_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    return signals;
}

// An emulated smart plug in the foreground, until SIGINT or SIGTERM.
int run_plug(const VclusterOptions& options) {
    const auto listen = parse_listen(options.plug_listen);
    if (!listen) return fail(fmt::format("--listen {}: not ADDRESS:PORT", options.plug_listen), ExitCode::usage);
    PlugSettings settings;
    settings.api = options.plug_api == "shelly1"   ? PlugApi::shelly_gen1
                   : options.plug_api == "shelly2" ? PlugApi::shelly_gen2
                                                   : PlugApi::tasmota;
    settings.address = listen->first;
    settings.port = listen->second;
    settings.relays = options.plug_relays;
    settings.watts = options.plug_watts;
    if (!options.plug_password_file.empty()) {
        auto password = read_password_file(options.plug_password_file);
        if (!password) return password.error();
        settings.password = std::move(*password);
    }
    bool start_on = false;
    if (!options.plug_state_file.empty()) {
        // The relay starts as the file says and the file follows the relay,
        // so that what the plug feeds can tell whether it has power.
        std::ifstream in(options.plug_state_file);
        std::string word;
        start_on = in >> word && word == "on";
        settings.on_switch = [file = options.plug_state_file](int relay, bool on) {
            if (relay != 0) return;
            // Renamed into place: a reader never sees half a word.
            std::ofstream(file + ".new") << (on ? "on" : "off") << '\n';
            std::rename((file + ".new").c_str(), file.c_str());
        };
    }
    sigset_t signals = block_stop_signals();
    Plug plug(std::move(settings));
    if (start_on) plug.set_relay(0, true);
    if (!plug.start()) return fail(fmt::format("cannot listen on {}", options.plug_listen), ExitCode::partial);
    fmt::print("{} plug on http://{}:{}\n", options.plug_api, listen->first, plug.port());
    std::fflush(stdout);
    int signal = 0;
    sigwait(&signals, &signal);
    plug.stop();
    return to_int(ExitCode::ok);
}

// An emulated Redfish BMC in the foreground, until SIGINT or SIGTERM.
int run_redfish(const VclusterOptions& options) {
    const auto listen = parse_listen(options.plug_listen);
    if (!listen) return fail(fmt::format("--listen {}: not ADDRESS:PORT", options.plug_listen), ExitCode::usage);
    RedfishSettings settings;
    settings.address = listen->first;
    settings.port = listen->second;
    settings.certificate = options.redfish_certificate;
    settings.key = options.redfish_certificate + ".key";
    settings.username = options.redfish_user;
    settings.system_id = options.redfish_system;
    if (!options.plug_password_file.empty()) {
        auto password = read_password_file(options.plug_password_file);
        if (!password) return password.error();
        settings.password = std::move(*password);
    }
    sigset_t signals = block_stop_signals();
    RedfishBmc bmc(std::move(settings));
    if (auto why = bmc.start(); !why.empty()) return fail(why, ExitCode::partial);
    fmt::print("Redfish BMC on {}:{} (certificate {})\n", listen->first, bmc.port(), options.redfish_certificate);
    std::fflush(stdout);
    int signal = 0;
    sigwait(&signals, &signal);
    bmc.stop();
    return to_int(ExitCode::ok);
}

}  // namespace

void add_commands(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<VclusterOptions>();
    auto add_dir = [&](CLI::App* sub) {
        sub->add_option("--dir", options->dir,
                        "run directory (default $SLUMBER_VCLUSTER_DIR or /tmp/slumber-vcluster)");
    };

    auto* up = app.add_subcommand("up", "Start slurmctld, one slurmd and one ipmi_sim BMC per node");
    add_dir(up);
    Spec& spec = options->spec;
    up->add_option("-n,--nodes", spec.nodes, "number of nodes")->capture_default_str();
    up->add_option("--boot-delay", options->boot_delay, "time from power on to slurmd start")->capture_default_str();
    up->add_option("--port", spec.slurmctld_port, "slurmctld port; nodes use the ports after it")
        ->capture_default_str();
    up->add_option("--bmc-subnet", spec.bmc_subnet, "BMCs answer on 127.SUBNET.x.y")->capture_default_str();
    up->add_option("--bmc-port", spec.bmc_port, "UDP port of every BMC")->capture_default_str();
    up->add_option("--suspend-time", options->suspend_time, "Slurm's SuspendTime")->capture_default_str();
    up->add_option("--suspend-timeout", options->suspend_timeout, "Slurm's SuspendTimeout")->capture_default_str();
    up->add_option("--resume-timeout", options->resume_timeout, "Slurm's ResumeTimeout")->capture_default_str();
    up->add_option("--slurmd-timeout", options->slurmd_timeout, "Slurm's SlurmdTimeout")->capture_default_str();
    up->add_option("--return-to-service", spec.return_to_service, "Slurm's ReturnToService (0, 1, 2)")
        ->capture_default_str();
    up->add_option("--hooks", spec.hooks, "whose hooks Slurm calls: ipmitool (by hand, as sites do) or slumber")
        ->capture_default_str();
    up->add_option("--redfish-nodes", spec.redfish_nodes,
                   "the last this many nodes get a Redfish BMC (HTTPS) instead of IPMI; needs --hooks slumber")
        ->capture_default_str();
    up->add_option("--redfish-port", spec.redfish_port, "TCP port of the Redfish BMCs")->capture_default_str();
    up->add_flag("--fabric-switch", spec.fabric_switch,
                 "a plug (device ibswitch) feeds the nodes' fabric; nodes depend on it");
    up->add_option("--switch-off-after", options->switch_off_after,
                   "the fabric switch goes off once every node has slept this long")
        ->capture_default_str();
    up->add_option("--energy-interval", options->energy_interval,
                   "how often the daemon reads the BMCs' power and inlet sensors ([energy] interval, at least 5s); "
                   "0s: slumber's default, 1m")
        ->capture_default_str();
    up->add_flag("--daemon", options->daemon, "run slumber's daemon beside slurmctld (with --hooks slumber)");
    up->add_option("--controllers", spec.controllers,
                   "1, or 2: a primary slurmctld vctl1 (127.0.0.1) and a backup vctl2 (127.0.0.2), Slurm's high "
                   "availability, each with its own slumber daemon")
        ->capture_default_str();
    up->add_option("--slurmctld-timeout", options->slurmctld_timeout,
                   "with --controllers 2: Slurm's SlurmctldTimeout, how long the backup waits for a silent primary")
        ->capture_default_str();
    up->add_option("--web", spec.web_port,
                   "the daemon serves its dashboard, API and metrics on 127.0.0.1 at this port, its action token "
                   "in web.token (with --daemon; with --controllers 2, vctl2's daemon on the port after it)");
    up->add_option("--installed", spec.installed,
                   "run the slumber installed under this prefix (e.g. /usr, as its package installs it: "
                   "PREFIX/sbin/slumber-suspend ..., slumberd), not the one beside slumber-vcluster");
    up->add_option(
          "--deployment", spec.deployment,
          "root (everything as root, auth/none) or site (slurmctld as SlurmUser slurm, munge, as sites run it)")
        ->capture_default_str();
    up->add_option("--suspend-program", spec.suspend_program, "SuspendProgram (default: ipmitool per node)");
    up->add_option("--resume-program", spec.resume_program, "ResumeProgram (default: ipmitool per node)");
    up->add_option("--resume-fail-program", spec.resume_fail_program, "ResumeFailProgram (default: log only)");
    up->callback([options, &exit_code] { exit_code = run_up(*options); });

    auto* down = app.add_subcommand("down", "Stop everything the cluster started, and only that");
    add_dir(down);
    down->callback([options, &exit_code] { exit_code = run_down(*options); });

    auto* status = app.add_subcommand("status", "Power, BMC, Slurm state and faults of every node");
    add_dir(status);
    status->add_flag("--json", options->json, "one JSON document");
    status->callback([options, &exit_code] { exit_code = run_status(*options); });

    auto* fault = app.add_subcommand(
        "fault", "Break nodes on purpose: " + [] {
            std::string names;
            for (const FaultInfo& f : faults()) names += (names.empty() ? "" : ", ") + std::string(f.name);
            return names;
        }());
    fault->footer(fault_help());
    add_dir(fault);
    fault->add_option("nodes", options->nodes, "hostlist of nodes, e.g. vnode[002-003]")->required();
    fault->add_option("fault", options->fault, "the fault")->required();
    fault->add_option("value", options->fault_value, "duration for slow-boot, e.g. 90s");
    fault->callback([options, &exit_code] { exit_code = run_fault(*options); });

    auto* controller = app.add_subcommand(
        "controller", "Kill, stop or start a controller (its slurmctld and its slumber daemon): kill|stop|start N");
    controller->footer([] {
        std::string text = "Actions:\n";
        for (const ControllerActionInfo& a : controller_actions()) text += fmt::format("  {:<6} {}\n", a.name, a.help);
        return text;
    }());
    add_dir(controller);
    controller->add_option("action", options->controller_action, "kill, stop or start")->required();
    controller->add_option("number", options->controller_number, "1 (vctl1, the primary) or 2 (vctl2, the backup)")
        ->required();
    controller->callback([options, &exit_code] { exit_code = run_controller(*options); });

    auto* room = app.add_subcommand(
        "room",
        "The room's air, which every node on warms and every BMC's inlet sensor reads; set it to heat the room");
    add_dir(room);
    room->add_option("celsius", options->room_celsius, "the room with every node off, in whole °C (default 22)");
    room->callback([options, &exit_code] { exit_code = run_room(*options); });

    auto* env = app.add_subcommand("env", "Print the export that points Slurm's commands at the cluster");
    add_dir(env);
    env->callback([options, &exit_code] {
        fmt::print("export SLURM_CONF={}\n", run_dir(*options).slurm_conf().string());
        exit_code = to_int(ExitCode::ok);
    });

    auto* plug = app.add_subcommand("plug", "Run an emulated smart plug (HTTP) until interrupted");
    plug->add_option("--api", options->plug_api, "tasmota, shelly1 (Gen1) or shelly2 (Gen2+ RPC)")
        ->check(CLI::IsMember({"tasmota", "shelly1", "shelly2"}))
        ->capture_default_str();
    plug->add_option("--listen", options->plug_listen, "ADDRESS:PORT; port 0 picks one")->capture_default_str();
    plug->add_option("--relays", options->plug_relays, "number of relays")->capture_default_str();
    plug->add_option("--watts", options->plug_watts, "draw per relay that is on; 0: no energy monitor")
        ->capture_default_str();
    plug->add_option("--password-file", options->plug_password_file, "file holding the plug's web password");
    plug->add_option("--state-file", options->plug_state_file,
                     "file that holds \"on\" or \"off\": relay 1's state at start, kept up to date");
    plug->callback([options, &exit_code] { exit_code = run_plug(*options); });

    auto* redfish = app.add_subcommand("redfish", "Run an emulated Redfish BMC (HTTPS) until interrupted");
    redfish->add_option("--listen", options->plug_listen, "ADDRESS:PORT; port 0 picks one")->capture_default_str();
    redfish
        ->add_option("--certificate", options->redfish_certificate,
                     "its certificate (PEM), made with its key (FILE.key) when missing; trust it with ca_file")
        ->required();
    redfish->add_option("--user", options->redfish_user, "the account's name")->capture_default_str();
    redfish->add_option("--password-file", options->plug_password_file, "file holding the account's password");
    redfish
        ->add_option("--system-id", options->redfish_system, "the ComputerSystem's Id (1, Self, System.Embedded.1 …)")
        ->capture_default_str();
    redfish->callback([options, &exit_code] { exit_code = run_redfish(*options); });

    // Called by ipmi_sim, by the nodes' own processes and by up; not for people.
    auto* redfish_bmc = app.add_subcommand("redfish-bmc", "")->group("");
    redfish_bmc->add_option("dir", options->dir)->required();
    redfish_bmc->add_option("node", options->helper_node)->required();
    redfish_bmc->callback(
        [options, &exit_code] { exit_code = run_redfish_bmc(RunDir{options->dir}, options->helper_node); });
    for (const char* name : {"chassis", "machine"}) {
        auto* helper = app.add_subcommand(name, "")->group("");
        helper->add_option("dir", options->dir)->required();
        helper->add_option("node", options->helper_node)->required();
        helper->add_option("request", options->helper_request)->required();
        helper->callback([options, &exit_code, chassis = std::string_view(name) == "chassis"] {
            const RunDir dir{options->dir};
            exit_code = chassis ? vcluster::chassis(dir, options->helper_node, options->helper_request)
                                : machine_helper(dir, options->helper_node, options->helper_request);
        });
    }
}

}  // namespace slumber::vcluster
