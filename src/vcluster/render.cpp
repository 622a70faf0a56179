#include "vcluster/render.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <vector>

#include "hostlist/hostlist.hpp"
#include "vcluster/room.hpp"

namespace slumber::vcluster {
namespace {

long long seconds(Duration d) { return std::chrono::duration_cast<std::chrono::seconds>(d).count(); }

// ipmi_sim wants a GUID as 32 hex digits (the bytes on the wire); each node
// gets its own, and its last digits name the node so a crossed cable shows in
// `ipmitool mc guid`. Byte 7 carries version 4 and byte 8 the RFC 4122
// variant, as in a real SMBIOS UUID, so that every tool decodes it alike.
std::string guid_for(int index, int subnet) {
    return fmt::format("5e1f0b3c{:04x}0040a1b2c3d4{:08x}", subnet, index + 1);
}

// The Redfish BMCs' ComputerSystem UUIDs, one per node.
std::string redfish_uuid(int index) {
    return fmt::format("8b4d7e2a-3f61-4c0e-9a57-{:012x}", 0x2d1c6e9b0000ULL + static_cast<unsigned>(index));
}

// A threshold sensor as IPMI describes it in a Full Sensor Record (SDR type
// 01h, IPMI 2.0 table 43-1): reading = step × raw value.
struct Sensor {
    int number;
    int entity;  // 37h air inlet, 15h power unit
    int type;    // 01h temperature, 0Bh other units-based
    int unit;    // 01h degrees C, 06h Watts
    int step;    // the formula's M; B = 0, exponents 0
    std::string_view name;
};
constexpr Sensor kInletSensor{1, 0x37, 0x01, 0x01, 1, "Inlet Temp"};
constexpr Sensor kPowerSensor{2, 0x15, 0x0b, 0x06, 4, "Power"};  // up to 1020 W in 4 W steps

// The record's bytes in ipmi_sim's main_sdr_add syntax; ipmi_sim assigns the
// record ID.
std::string full_sensor_record(const Sensor& sensor) {
    std::vector<int> body{
        0x20,
        0x00,
        sensor.number,  // owner: the BMC, LUN 0; sensor number
        sensor.entity,
        0x01,  // entity ID and instance
        0x43,  // init scanning; scanning and events on
        0x40,  // auto re-arm, no thresholds
        sensor.type,
        0x01,  // sensor type; threshold reading type
        0,
        0,
        0,
        0,
        0,
        0,  // no threshold events
        0x00,
        sensor.unit,
        0x00,  // unsigned, base unit, no modifier
        0x00,  // linear
        sensor.step & 0xff,
        (sensor.step >> 8) << 6,  // M, tolerance 0
        0,
        0,
        0,     // B 0, accuracy 0, direction unspecified
        0x00,  // R and B exponents 0
        0x00,
        0,
        0,
        0,  // no nominal or normal readings
        0xff,
        0x00,  // sensor maximum and minimum
        0,
        0,
        0,
        0,
        0,
        0,  // thresholds
        0,
        0,  // hysteresis
        0,
        0,
        0,                                            // reserved, OEM
        0xc0 | static_cast<int>(sensor.name.size()),  // ID string: 8-bit ASCII
    };
    for (const char c : sensor.name) body.push_back(static_cast<unsigned char>(c));
    std::string out = fmt::format("0x00 0x00 0x51 0x01 {:#04x}", body.size());
    for (const int byte : body) out += fmt::format(" {:#04x}", byte);
    return out;
}

// Who Slurm runs as and how its parts know each other. As sites run it:
// slurmctld as SlurmUser (never root under systemd from 23.11), munge
// credentials through the cluster's own munged (slurm.conf(5) AuthInfo
// socket=, read by auth/munge and cred/munge alike, 22.05 to 24.11).
std::string render_auth(const Spec& spec, const RunDir& dir) {
    if (!spec.site()) return "SlurmUser=root\nSlurmdUser=root\nAuthType=auth/none\nCredType=cred/none\n";
    // SlurmUser in an Include'd file, as sites split their configuration:
    // slumber must ask slurmctld, not read this file, to find it.
    return fmt::format("Include {}\nSlurmdUser=root\nAuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket={}\n",
                       dir.slurm_user_conf().string(), dir.munge_socket().string());
}

}  // namespace

namespace {

// With two controllers, Slurm's high availability as sites run it, on one
// machine: a primary and a backup slurmctld, each in a host of its own (a
// UTS namespace named as its SlurmctldHost entry, by which slurmctld finds
// its own: "This host (%s/%s) not a valid controller" otherwise) sharing
// StateSaveLocation.
std::string render_controllers(const Spec& spec) {
    if (!spec.high_availability()) return "SlurmctldHost=localhost(127.0.0.1)\n";
    std::string out;
    for (int i = 0; i < spec.controllers; ++i) {
        out += fmt::format("SlurmctldHost={}({})\n", spec.controller_name(i), spec.controller_address(i));
    }
    return out;
}

// Slurm 22.05's slurmctld listens on every address by default: two of them
// cannot share SlurmctldPort on one machine, and the primary's "relinquish
// control" request to the backup's address would reach the primary itself.
// NoCtldInAddrAny binds the address its host name resolves to (slurm.conf(5)
// CommunicationParameters), which the controllers' /etc/hosts gives.
std::string render_failover(const Spec& spec) {
    if (!spec.high_availability()) return "";
    return fmt::format(
        "# A primary and a backup slurmctld on one machine, each binding its own address.\n"
        "CommunicationParameters=NoCtldInAddrAny\n"
        "SlurmctldTimeout={}\n",
        seconds(spec.slurmctld_timeout));
}

// Where slurmctld writes its PID and its log. Two controllers each keep them
// on their host's own disk: the second slurmctld would otherwise take the
// first's PID file for a stale one of its own and kill it ("killing old
// slurmctld"), as Slurm 22.05 does at start.
std::string ctld_pid_file(const Spec& spec, const RunDir& dir) {
    if (spec.high_availability()) return (dir.controller_mount() / "slurmctld.pid").string();
    return (spec.site() ? dir.state_dir() / "slurmctld.pid" : dir.pid_dir() / "slurmctld.slurm-pid").string();
}

std::string ctld_log_file(const Spec& spec, const RunDir& dir) {
    return ((spec.high_availability() ? dir.controller_mount() : dir.log_dir()) / "slurmctld.log").string();
}

}  // namespace

std::string render_slurm_conf(const Spec& spec, const RunDir& dir, std::optional<slurm::Version> slurm) {
    const std::string root = dir.root.string();
    std::string out = fmt::format(
        "# A virtual cluster written by `slumber-vcluster up`: real Slurm, every node\n"
        "# a slurmd on localhost with its own port, powered by its own ipmi_sim BMC.\n"
        "ClusterName=vcluster\n"
        "{controllers}"
        "SlurmctldPort={port}\n"
        "{failover}"
        "{auth}"
        "StateSaveLocation={state}\n"
        "SlurmdSpoolDir={root}/spool/%n\n"
        "SlurmctldPidFile={ctld_pid}\n"
        "SlurmdPidFile={root}/pids/slurmd.%n.slurm-pid\n"
        "SlurmctldLogFile={ctld_log}\n"
        "SlurmdLogFile={log}/slurmd.%n.log\n"
        "SlurmctldDebug=verbose\n"
        "SlurmdDebug=info\n"
        "DebugFlags=Power\n"
        "ProctrackType=proctrack/linuxproc\n"
        "TaskPlugin=task/none\n"
        "SelectType=select/cons_tres\n"
        "SchedulerType=sched/backfill\n"
        "MpiDefault=none\n"
        "JobAcctGatherType=jobacct_gather/none\n"
        "AccountingStorageType=accounting_storage/none\n"
        "# One line per finished job, for tests and benchmarks to read.\n"
        "JobCompType=jobcomp/filetxt\n"
        "JobCompLoc={log}/jobcomp.log\n"
        "MailProg=/bin/true\n"
        "# Every node is reached directly, not through its neighbours, some of\n"
        "# which are powered off.\n"
        "TreeWidth=65533\n"
        "SlurmdTimeout={slurmd_timeout}\n"
        "# A ping round ends when its slowest node has answered or timed out\n"
        "# (MessageTimeout, default 10 s: a node that is off), and only then\n"
        "# do the others' answers count: a round longer than SlurmdTimeout\n"
        "# would set live nodes DOWN \"Not responding\".\n"
        "MessageTimeout={message_timeout}\n"
        "MinJobAge=30\n"
        "KillWait=5\n"
        "ReturnToService={rts}\n"
        "# Power saving\n"
        "SuspendTime={suspend_time}\n"
        "SuspendTimeout={suspend_timeout}\n"
        "ResumeTimeout={resume_timeout}\n"
        "SuspendRate=0\n"
        "ResumeRate=0\n"
        "SuspendProgram={hooks}/{suspend}\n"
        "ResumeProgram={hooks}/{resume}\n"
        "ResumeFailProgram={hooks}/{resume_fail}\n"
        "{exc_states}",
        fmt::arg("controllers", render_controllers(spec)), fmt::arg("failover", render_failover(spec)),
        fmt::arg("port", spec.slurmctld_port), fmt::arg("auth", render_auth(spec, dir)),
        fmt::arg("ctld_pid", ctld_pid_file(spec, dir)), fmt::arg("ctld_log", ctld_log_file(spec, dir)),
        fmt::arg("state", dir.state_dir().string()), fmt::arg("root", root), fmt::arg("log", dir.log_dir().string()),
        fmt::arg("slurmd_timeout", seconds(spec.slurmd_timeout)),
        fmt::arg("message_timeout", std::clamp(seconds(spec.slurmd_timeout) / 2 - 1, 2LL, 10LL)),
        fmt::arg("rts", spec.return_to_service), fmt::arg("suspend_time", seconds(spec.suspend_time)),
        fmt::arg("suspend_timeout", seconds(spec.suspend_timeout)),
        fmt::arg("resume_timeout", seconds(spec.resume_timeout)), fmt::arg("hooks", dir.hooks_dir().string()),
        fmt::arg("suspend", slurm::to_string(Hook::suspend)), fmt::arg("resume", slurm::to_string(Hook::resume)),
        fmt::arg("resume_fail", slurm::to_string(Hook::resume_fail)),
        fmt::arg("exc_states", slurm && *slurm >= slurm::Version{23, 2, 0}
                                   ? "# A drained node stays as it is (doctor's suspend-exc-states).\n"
                                     "SuspendExcStates=drain\n"
                                   : ""));
    const std::string ports = spec.nodes == 1
                                  ? fmt::format("{}", spec.slurmd_port(0))
                                  : fmt::format("[{}-{}]", spec.slurmd_port(0), spec.slurmd_port(spec.nodes - 1));
    out += fmt::format(
        "NodeName={} NodeHostname=localhost NodeAddr=127.0.0.1 Port={} CPUs=2 RealMemory=1000 State=UNKNOWN\n"
        "PartitionName=batch Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n",
        spec.node_hostlist(), ports);
    return out;
}

std::vector<std::string> controller_names(const Spec& spec) {
    std::vector<std::string> names;
    for (int i = 0; i < spec.controllers; ++i) names.push_back(spec.controller_name(i));
    return names;
}

std::string render_controller_hosts(const Spec& spec) {
    std::string out =
        "# /etc/hosts of the virtual cluster's controller hosts, written by `slumber-vcluster up`:\n"
        "# each slurmctld binds the address its own name resolves to.\n"
        "127.0.0.1 localhost\n";
    for (int i = 0; i < spec.controllers; ++i) {
        out += fmt::format("{} {}\n", spec.controller_address(i), spec.controller_name(i));
    }
    return out + "::1 localhost ip6-localhost ip6-loopback\n";
}

bool needs_cgroup_conf(const slurm::Version& slurm) { return slurm >= slurm::Version{24, 5, 0}; }

std::string render_cgroup_conf() {
    return "# Written by `slumber-vcluster up`: the virtual cluster gives every node a cgroup\n"
           "# of its own; Slurm must not manage cgroups here.\n"
           "CgroupPlugin=disabled\n";
}

std::string render_slurm_user_conf() {
    return fmt::format("# Included by slurm.conf: who slurmctld runs as.\nSlurmUser={}\n", kSiteSlurmUser);
}

std::string render_lan_conf(const Spec& spec, int index, int machine, std::string_view password,
                            std::string_view chassis_program) {
    const std::string node = spec.node_name(machine);
    return fmt::format(
        "# BMC of {node}{crossed}, written by `slumber-vcluster up`.\n"
        "name \"{node}\"\n"
        "set_working_mc 0x20\n"
        "  startlan 1\n"
        "    addr {address} {port}\n"
        "    priv_limit admin\n"
        "    allowed_auths_callback none md2 md5 straight\n"
        "    allowed_auths_user none md2 md5 straight\n"
        "    allowed_auths_operator none md2 md5 straight\n"
        "    allowed_auths_admin none md2 md5 straight\n"
        "    guid {guid}\n"
        "  endlan\n"
        "  chassis_control \"{chassis} {node}\"\n"
        "  user 2 true \"admin\" \"{password}\" admin 10 none md2 md5 straight\n"
        "  user 3 true \"operator\" \"{password}\" operator 10 none md2 md5 straight\n",
        fmt::arg("node", node), fmt::arg("address", spec.bmc_address(index)), fmt::arg("port", spec.bmc_port),
        fmt::arg("guid", guid_for(machine, spec.bmc_subnet)), fmt::arg("chassis", chassis_program),
        fmt::arg("password", password),
        fmt::arg("crossed", machine == index
                                ? std::string()
                                : fmt::format(", at {}'s address (fault crossed)", spec.node_name(index))));
}

std::string render_chassis_program(const RunDir& dir, std::string_view rig, const std::filesystem::path& cgroup) {
    return fmt::format(
        "#!/bin/sh\n"
        "# ipmi_sim's chassis_control program for the virtual cluster in {root}:\n"
        "# NODE get power | NODE set power 0|1 | NODE set shutdown 1 | …\n"
        "# Power status is answered here, without starting the rig: ipmi_sim\n"
        "# waits for it, and clients retransmit if the answer is slow.\n"
        "node=$1\n"
        "shift\n"
        "if [ \"$1\" = get ]; then\n"
        "  shift\n"
        "  for item in \"$@\"; do\n"
        "    [ \"$item\" = power ] || continue\n"
        "    if read -r pid < {cgroup}/\"$node\"/cgroup.procs 2>/dev/null; then echo power:1; else echo power:0; fi\n"
        "  done\n"
        "  exit 0\n"
        "fi\n"
        "echo \"$(/bin/date '+%Y-%m-%dT%H:%M:%S') $node $*\" >> {log}/bmc-requests.log\n"
        "exec {rig} chassis {root} \"$node\" \"$@\"\n",
        fmt::arg("root", dir.root.string()), fmt::arg("log", dir.log_dir().string()),
        fmt::arg("cgroup", cgroup.string()), fmt::arg("rig", rig));
}

std::string smbios_uuid(const Spec& spec, int index) {
    if (spec.redfish_bmc(index)) return redfish_uuid(index);
    const std::string hex = guid_for(index, spec.bmc_subnet);
    return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4), hex.substr(16, 4),
                       hex.substr(20));
}

std::string render_node_uuid_program(const RunDir& dir, const std::filesystem::path& cgroup) {
    return fmt::format(
        "#!/bin/sh\n"
        "# [doctor] node_uuid_command of the virtual cluster in {root}: NODE's own\n"
        "# SMBIOS UUID, as `ssh NODE cat /sys/class/dmi/id/product_uuid` prints it,\n"
        "# only while the node's machine is on. It stays with the machine whatever\n"
        "# BMC answers at the node's address (fault crossed).\n"
        "if ! read -r pid < {cgroup}/\"$1\"/cgroup.procs 2>/dev/null; then\n"
        "  echo \"$1 is off: nothing answers\" >&2\n"
        "  exit 1\n"
        "fi\n"
        "exec /bin/cat {root}/nodes/\"$1\"/product_uuid\n",
        fmt::arg("root", dir.root.string()), fmt::arg("cgroup", cgroup.string()));
}

std::string render_bmc_emu(const Spec& spec, const RunDir& dir, int index) {
    const std::string node = spec.node_name(index);
    // Device ID: device 0, revision 3, firmware 9.08, IPMI 2.0, chassis
    // device support; manufacturer and product IDs are made up. ipmi_sim has
    // no DCMI: power is an SDR sensor, as on many older BMCs. The SDRs are
    // this file's at every start, not persisted: persist_sdr loaded the last
    // run's and these were added again, every sensor listed twice after a
    // BMC restart (a `crossed` fault, a tester).
    return fmt::format(
        "mc_setbmc 0x20\n"
        "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02\n"
        "sel_enable 0x20 1000 0x0a\n"
        "main_sdr_add 0x20 {inlet_sdr}\n"
        "main_sdr_add 0x20 {power_sdr}\n"
        "sensor_add 0x20 0 1 0x01 0x01 poll {poll} file \"{inlet}\"\n"
        "sensor_add 0x20 0 2 0x0b 0x01 poll {poll} file \"{watts}\" div={watts_step}\n"
        "mc_enable 0x20\n",
        fmt::arg("inlet_sdr", full_sensor_record(kInletSensor)),
        fmt::arg("power_sdr", full_sensor_record(kPowerSensor)), fmt::arg("poll", kSensorPollMs),
        fmt::arg("inlet", dir.sensor_file(node, "inlet").string()),
        fmt::arg("watts", dir.sensor_file(node, "watts").string()), fmt::arg("watts_step", kPowerSensor.step));
}

std::string render_bmc_table(const Spec& spec) {
    std::string out;
    for (int i = 0; i < spec.nodes; ++i) {
        out += fmt::format("{} {} {}\n", spec.node_name(i), spec.bmc_address(i), spec.bmc_port);
    }
    return out;
}

namespace {

// Nodes first..last-1 as a hostlist.
std::string node_range(const Spec& spec, int first, int last) {
    std::vector<std::string> names;
    for (int i = first; i < last; ++i) names.push_back(spec.node_name(i));
    auto compressed = hostlist::compress(names, true);
    return compressed ? *compressed : fmt::format("{}", fmt::join(names, ","));
}

// The BMC addresses of nodes first..last-1 as slumber.toml's `bmc`: one
// range while they fit in one /24, else a list; with ":port" when given.
std::string bmc_range(const Spec& spec, int first, int last, int port) {
    const std::string suffix = port == 0 ? "" : fmt::format(":{}", port);
    if (last - first == 1) return fmt::format("\"{}{}\"", spec.bmc_address(first), suffix);
    if (last <= 254 && port == 0) return fmt::format("\"127.{}.0.[{}-{}]\"", spec.bmc_subnet, first + 1, last);
    std::string list = "[";
    for (int i = first; i < last; ++i) {
        list += fmt::format("{}\"{}{}\"", i == first ? "" : ", ", spec.bmc_address(i), suffix);
    }
    return list + "]";
}

// The fabric switch on its plug, and the nodes' dependency on it.
std::string render_fabric_switch(const Spec& spec) {
    return fmt::format(
        "\n"
        "[[device]]\n"
        "name = \"ibswitch\"\n"
        "driver = \"tasmota\"\n"
        "address = \"http://127.0.0.1:{port}\"\n"
        "settle = \"1s\"   # the switch's ports come up before any node boots\n"
        "\n"
        "[[dependency]]\n"
        "device = \"ibswitch\"\n"
        "nodes = \"{names}\"\n"
        "off_after = \"{off_after}ms\"\n",
        fmt::arg("port", spec.switch_port()), fmt::arg("names", spec.node_hostlist()),
        fmt::arg("off_after", spec.switch_off_after.count()));
}

}  // namespace

std::string daemon_controller_line(std::string_view controller) {
    return fmt::format("controller = \"{}\"   # the SlurmctldHost this daemon runs beside\n", controller);
}

std::string render_slumber_conf(const Spec& spec, const RunDir& dir, int controller) {
    const int ipmi_nodes = spec.nodes - spec.redfish_nodes;
    std::string out = fmt::format(
        "# The virtual cluster's inventory for slumber, written by `slumber-vcluster up`{of}.\n"
        "[slurm]\n"
        "conf = \"{conf}\"\n"
        "\n"
        "[daemon]\n"
        "state_dir = \"{state}\"\n"
        "{controller}"
        "late_boot_grace = \"30s\"   # virtual nodes boot in seconds; the margin is for loaded test machines\n"
        "late_off_grace = \"10s\"    # and switch off at once\n"
        "idle_poll = \"10s\"         # a handful of nodes: a look at Slurm costs little\n"
        "\n"
        "[doctor]\n"
        "node_uuid_command = \"{node_uuid} {{node}}\"   # each node's own SMBIOS UUID, against its BMC's GUID\n",
        fmt::arg("of", spec.high_availability() ? fmt::format(", for the daemon and hooks of controller {}",
                                                              spec.controller_name(controller))
                                                : std::string()),
        fmt::arg("conf", dir.slurm_conf().string()),
        fmt::arg("state", slumber_state_of(spec, dir, controller).string()),
        fmt::arg("controller",
                 spec.high_availability() ? daemon_controller_line(spec.controller_name(controller)) : std::string()),
        fmt::arg("node_uuid", dir.node_uuid_program().string()));
    if (ipmi_nodes > 0) {
        out += fmt::format(
            "\n"
            "[[node]]\n"
            "names = \"{names}\"\n"
            "driver = \"ipmi\"\n"
            "bmc = {bmc}\n"
            "credentials = \"{credentials}\"\n"
            "{port}"
            "cipher_suite = 3\n"
            "workarounds = [\"opensesspriv\"]   # ipmi_sim needs it for IPMI 2.0 sessions\n",
            fmt::arg("names", node_range(spec, 0, ipmi_nodes)), fmt::arg("bmc", bmc_range(spec, 0, ipmi_nodes, 0)),
            fmt::arg("credentials", dir.credentials_file().string()),
            fmt::arg("port", spec.bmc_port == 623 ? "" : fmt::format("port = {}\n", spec.bmc_port)));
    }
    if (spec.redfish_nodes > 0) {
        out += fmt::format(
            "\n"
            "[[node]]\n"
            "names = \"{names}\"\n"
            "driver = \"redfish\"\n"
            "bmc = {bmc}\n"
            "credentials = \"{credentials}\"\n"
            "ca_file = \"{ca_file}\"   # the BMCs' self-signed certificate\n",
            fmt::arg("names", node_range(spec, ipmi_nodes, spec.nodes)),
            fmt::arg("bmc", bmc_range(spec, ipmi_nodes, spec.nodes, spec.redfish_port == 443 ? 0 : spec.redfish_port)),
            fmt::arg("credentials", dir.redfish_credentials_file().string()),
            fmt::arg("ca_file", dir.redfish_certificate().string()));
    }
    if (spec.fabric_switch != 0) out += render_fabric_switch(spec);
    if (spec.energy_interval.count() != 0) {
        out += fmt::format(
            "\n"
            "[energy]\n"
            "interval = \"{}ms\"   # how often the daemon reads the BMCs' power and inlet sensors\n",
            spec.energy_interval.count());
    }
    if (spec.web_port != 0) {
        out += fmt::format(
            "\n"
            "[web]\n"
            "enabled = true\n"
            "port = {port}\n"
            "token_file = \"{token}\"   # actions need it; without it the dashboard is read-only\n",
            fmt::arg("port", spec.web_port + controller), fmt::arg("token", dir.web_token_file().string()));
    }
    return out;
}

std::string render_hook(const Spec& spec, const RunDir& dir, Hook hook, const std::vector<std::string>& slumber) {
    const std::string& program = hook == Hook::suspend  ? spec.suspend_program
                                 : hook == Hook::resume ? spec.resume_program
                                                        : spec.resume_fail_program;
    const std::string_view name = slurm::to_string(hook);
    // With two controllers the log says whose slurmctld ran the hook: its
    // children share its host, and so its host name.
    const bool ha = spec.high_availability();
    std::string out = fmt::format(
        "#!/bin/sh\n"
        "# Slurm's {name} hook for the virtual cluster in {root}.\n"
        "# Slurm runs it as SlurmUser with a near-empty environment: absolute paths only.\n"
        "export SLUMBER_VCLUSTER_DIR={root}\n"
        "{read_host}"
        "echo \"$(/bin/date '+%Y-%m-%dT%H:%M:%S') {name} $1{on_host}\" >> {log}/hooks.log\n",
        fmt::arg("name", name), fmt::arg("root", dir.root.string()), fmt::arg("log", dir.log_dir().string()),
        fmt::arg("read_host", ha ? "read -r host < /proc/sys/kernel/hostname\n" : ""),
        fmt::arg("on_host", ha ? " on $host" : ""));
    if (!program.empty()) return out + fmt::format("exec {} \"$@\"\n", program);
    if (spec.hooks == "slumber" && spec.high_availability()) {
        // slurmctld's children share its host, whose name says which
        // controller runs the hook and so whose daemon must carry it out.
        return out + fmt::format(
                         "case $host in\n"
                         "  {names}) ;;\n"
                         "  *) echo \"{name}: run on $host, not a controller of this cluster\" >&2; exit 1 ;;\n"
                         "esac\n"
                         "exec {slumber} --config {root}/slumber-$host.toml \"$@\"\n",
                         fmt::arg("names", fmt::join(controller_names(spec), "|")), fmt::arg("name", name),
                         fmt::arg("slumber", fmt::join(slumber, " ")), fmt::arg("root", dir.root.string()));
    }
    if (spec.hooks == "slumber") {
        return out + fmt::format("exec {} --config {} \"$@\"\n", fmt::join(slumber, " "), dir.slumber_conf().string());
    }
    if (hook == Hook::resume_fail) return out;
    // What sites write by hand: ipmitool per node, in parallel. The password
    // comes from a file (-f), never the command line. Not `cmd & … wait`:
    // Slurm 22.05 starts the hook with SIGCHLD blocked, and a shell's wait
    // then sleeps for ever (dash waits for the signal); xargs waits for its
    // children with waitpid, which needs no signal.
    out += fmt::format(
        "# Each node's BMC address and port, from the table, run in parallel by xargs.\n"
        "SLURM_CONF={conf} /usr/bin/scontrol show hostnames \"$1\" |\n"
        "  /usr/bin/awk 'NR == FNR {{ bmc[$1] = $2 \" \" $3; next }} $1 in bmc {{ print bmc[$1] }}' {table} - |\n"
        "  /usr/bin/xargs --max-procs=0 --max-lines=1 /bin/sh -c \\\n"
        "    '/usr/bin/ipmitool -I lanplus -C 3 -H \"$0\" -p \"$1\" -U admin -f {password} chassis power {verb}' \\\n"
        "    >> {log}/hooks.log 2>&1\n",
        fmt::arg("conf", dir.slurm_conf().string()), fmt::arg("table", dir.bmc_table().string()),
        fmt::arg("password", dir.password_file().string()), fmt::arg("verb", hook == Hook::suspend ? "off" : "on"),
        fmt::arg("log", dir.log_dir().string()));
    return out;
}

}  // namespace slumber::vcluster
