// What a virtual cluster is made of: its size, its ports, its timings, and
// where everything it runs keeps its files.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

namespace slumber::vcluster {

using Duration = std::chrono::milliseconds;

/// The options of `slumber-vcluster up`, saved in the run directory so that
/// the BMCs' helper processes and later commands see the same cluster.
struct Spec {
    int nodes = 4;
    std::string name_prefix = "vnode";
    Duration boot_delay{2000};   // power on -> slurmd starts (>= 2 s: Slurm compares whole seconds)
    int slurmctld_port = 26817;  // the nodes' slurmd listen on the ports after it
    int bmc_subnet = 1;          // BMCs answer on 127.<subnet>.x.y, port 623
    int bmc_port = 623;
    Duration suspend_time{30000};  // Slurm's SuspendTime
    Duration suspend_timeout{30000};
    Duration resume_timeout{60000};
    Duration slurmd_timeout{10000};  // how soon a silent node is "not responding"
    int return_to_service = 1;
    /// Whose hooks Slurm calls: "ipmitool" (what sites write by hand) or
    /// "slumber" (slumber suspend/resume/resume-fail with this cluster's
    /// slumber.toml). A program given below overrides either.
    std::string hooks = "ipmitool";
    int daemon = 0;  // 1: run `slumber daemon` beside slurmctld
    /// How Slurm runs: "root" (slurmctld as root, auth/none: quick, and
    /// what the rig began with) or "site" (as sites run it: slurmctld as the
    /// unprivileged SlurmUser `slurm` with munge authentication through a
    /// munged of the cluster's own, slurmd and slumber's daemon as root, so
    /// that Slurm runs the hooks as `slurm` with its near-empty environment).
    std::string deployment = "root";
    /// 1: a Tasmota plug, device "ibswitch", feeds the nodes' fabric; a node
    /// whose boot ends while it is off comes up without a network and its
    /// slurmd never registers. slumber's configuration makes the nodes
    /// depend on it ([[dependency]]).
    int fabric_switch = 0;
    /// The last this many nodes have an emulated Redfish BMC (HTTPS on
    /// redfish_port of their BMC address) instead of ipmi_sim.
    int redfish_nodes = 0;
    int redfish_port = 443;
    Duration switch_off_after{60000};  // the dependency's off_after
    /// Not 0: slumber.toml's [energy] interval, how often the daemon reads
    /// the BMCs' power and inlet sensors; 0 leaves slumber's default (1 min).
    Duration energy_interval{0};
    /// Not 0: the daemon's HTTP server ([web] of slumber.toml) on
    /// 127.0.0.1 at this port, its action token in RunDir::web_token_file().
    int web_port = 0;
    /// Which slumber the hooks and the daemon run. Empty: the one beside
    /// slumber-vcluster, by verb (`slumber suspend`, `slumber daemon`). A
    /// prefix such as /usr: slumber as its package installs it, the links
    /// PREFIX/sbin/slumber-suspend, -resume, -resume-fail and slumberd and
    /// PREFIX/bin/slumber (docs/install.md), so that a suite proves the
    /// installed files.
    std::string installed;
    std::string suspend_program;  // empty: the hooks above
    std::string resume_program;
    std::string resume_fail_program;
    /// How many slurmctld: 1 (SlurmctldHost=localhost) or 2, Slurm's own
    /// high availability: a primary vctl1 and a backup vctl2 (slurm.conf(5)
    /// SlurmctldHost: "If specified more than once, the first hostname named
    /// will be where the daemon runs"), each in a host of its own on this
    /// machine, sharing StateSaveLocation, each with its own slumber daemon.
    int controllers = 1;
    /// With two controllers: Slurm's SlurmctldTimeout, how long the backup
    /// waits for a silent primary before it takes control (whole seconds;
    /// Slurm's default of 120 s is too slow for tests). Not written with one.
    Duration slurmctld_timeout{10000};

    [[nodiscard]] std::vector<std::string> node_names() const;
    [[nodiscard]] std::string node_name(int index) const;    // index from 0
    [[nodiscard]] std::string node_hostlist() const;         // vnode[001-004]
    [[nodiscard]] std::string bmc_address(int index) const;  // 127.1.0.1
    [[nodiscard]] int slurmd_port(int index) const { return slurmctld_port + 1 + index; }
    [[nodiscard]] int switch_port() const { return slurmctld_port - 1; }  // the fabric switch's plug
    [[nodiscard]] bool redfish_bmc(int index) const { return index >= nodes - redfish_nodes; }
    /// The port the node's BMC listens on: bmc_port (UDP, IPMI) or
    /// redfish_port (TCP, HTTPS) for a Redfish BMC.
    [[nodiscard]] int bmc_port_of(int index) const { return redfish_bmc(index) ? redfish_port : bmc_port; }
    /// The index of a node name, or -1.
    [[nodiscard]] int index_of(std::string_view node) const;
    [[nodiscard]] bool site() const { return deployment == "site"; }
    /// Controller INDEX's (from 0) SlurmctldHost name: its host name, by
    /// which slurmctld finds its own entry. "localhost" with one controller,
    /// else vctl1, vctl2.
    [[nodiscard]] std::string controller_name(int index) const;
    /// Its ControlAddr, the one address its slurmctld binds: 127.0.0.1, 127.0.0.2.
    [[nodiscard]] std::string controller_address(int index) const;
    /// The index of a controller name, or -1.
    [[nodiscard]] int controller_index(std::string_view name) const;
    [[nodiscard]] bool high_availability() const { return controllers > 1; }
};

/// The controller counts `--controllers` accepts.
inline constexpr int kMaxControllers = 2;

/// SlurmUser of a cluster with deployment "site", and the user its munged runs as.
inline constexpr const char* kSiteSlurmUser = "slurm";
inline constexpr const char* kMungeUser = "munge";

/// A problem with the options, in words for the command line.
std::expected<void, std::string> validate(const Spec& spec);

/// Where a cluster's files live. Everything it starts is recorded here, so
/// `down` stops exactly that.
struct RunDir {
    std::filesystem::path root;

    [[nodiscard]] std::filesystem::path spec_file() const { return root / "cluster.toml"; }
    [[nodiscard]] std::filesystem::path slurm_conf() const { return root / "slurm.conf"; }
    /// Beside slurm.conf, where Slurm looks for it; only for Slurm releases
    /// that need it (render.hpp's needs_cgroup_conf).
    [[nodiscard]] std::filesystem::path cgroup_conf() const { return root / "cgroup.conf"; }
    [[nodiscard]] std::filesystem::path slumber_conf() const { return root / "slumber.toml"; }
    /// With two controllers: controller NAME's own slumber configuration
    /// (its daemon's and its hooks'), and its daemon's state directory.
    [[nodiscard]] std::filesystem::path slumber_conf(std::string_view controller) const {
        return root / (std::string("slumber-").append(controller) + ".toml");
    }
    [[nodiscard]] std::filesystem::path slumber_state_dir(std::string_view controller) const {
        return root / std::string("slumber-state-").append(controller);
    }
    /// With two controllers: the local disk of controller NAME's host (its
    /// slurmctld's PID file and log, its slurmctld's and daemon's consoles).
    /// slurm.conf, which both share, names controller_mount(), where each
    /// controller's mount namespace shows its own controller_dir.
    [[nodiscard]] std::filesystem::path controller_dir(std::string_view controller) const {
        return root / "controllers" / controller;
    }
    [[nodiscard]] std::filesystem::path controller_mount() const { return root / "controller"; }
    /// With two controllers: the /etc/hosts the controllers' hosts see, which
    /// names vctl1 and vctl2 (slurmctld resolves its own name to bind).
    [[nodiscard]] std::filesystem::path controller_hosts_file() const { return root / "hosts"; }
    /// With deployment "site": slurm.conf's Include'd file naming SlurmUser.
    [[nodiscard]] std::filesystem::path slurm_user_conf() const { return root / "slurm-user.conf"; }
    [[nodiscard]] std::filesystem::path password_file() const { return root / "ipmi.password"; }
    /// The token the daemon's web actions need ([web] token_file), mode 600.
    [[nodiscard]] std::filesystem::path web_token_file() const { return root / "web.token"; }
    [[nodiscard]] std::filesystem::path credentials_file() const { return root / "ipmi.secret"; }
    /// The same password for the BMCs' operator account (enough for power control).
    [[nodiscard]] std::filesystem::path operator_credentials_file() const { return root / "ipmi-operator.secret"; }
    /// For FreeIPMI's tools: ipmipower --config-file FILE -h 127.1.0.[1-4] --stat
    [[nodiscard]] std::filesystem::path freeipmi_conf() const { return root / "freeipmi.conf"; }
    [[nodiscard]] std::filesystem::path bmc_table() const { return root / "bmcs"; }
    [[nodiscard]] std::filesystem::path chassis_program() const { return root / "bmc-chassis"; }
    /// slumber.toml's [doctor] node_uuid_command: prints a node's own SMBIOS
    /// UUID (its node dir's product_uuid) while its machine is on.
    [[nodiscard]] std::filesystem::path node_uuid_program() const { return root / "node-uuid"; }
    [[nodiscard]] std::filesystem::path state_dir() const { return root / "slurmctld-state"; }
    [[nodiscard]] std::filesystem::path log_dir() const { return root / "log"; }
    [[nodiscard]] std::filesystem::path hooks_dir() const { return root / "hooks"; }
    /// slumber's journal and daemon socket ([daemon] state_dir of slumber.toml).
    [[nodiscard]] std::filesystem::path slumber_state_dir() const { return root / "slumber-state"; }
    [[nodiscard]] std::filesystem::path pid_dir() const { return root / "pids"; }
    /// With deployment "site": the cluster's own munged, its key, socket
    /// (slurm.conf's AuthInfo=socket=…) and log.
    [[nodiscard]] std::filesystem::path munge_dir() const { return root / "munge"; }
    [[nodiscard]] std::filesystem::path munge_key() const { return munge_dir() / "munge.key"; }
    [[nodiscard]] std::filesystem::path munge_socket() const { return munge_dir() / "munge.socket.2"; }
    /// The Redfish BMCs' shared self-signed certificate (its key beside it,
    /// ".key"), and their account for slumber.
    [[nodiscard]] std::filesystem::path redfish_certificate() const { return root / "redfish.pem"; }
    [[nodiscard]] std::filesystem::path redfish_credentials_file() const { return root / "redfish.secret"; }
    /// "on" or "off": the fabric switch's relay, written by its plug.
    [[nodiscard]] std::filesystem::path fabric_state() const { return root / "fabric-switch"; }
    [[nodiscard]] std::filesystem::path node_dir(std::string_view node) const { return root / "nodes" / node; }
    [[nodiscard]] std::filesystem::path bmc_dir(std::string_view node) const { return root / "bmcs.d" / node; }
    /// What the BMC's sensors read (polled by ipmi_sim): "watts", "inlet".
    [[nodiscard]] std::filesystem::path sensor_file(std::string_view node, std::string_view sensor) const {
        return node_dir(node) / ("sensor." + std::string(sensor));
    }
};

/// The run directory used when none is given: $SLUMBER_VCLUSTER_DIR, else
/// /tmp/slumber-vcluster.
std::filesystem::path default_run_dir();

/// Controller INDEX's slumber configuration: slumber.toml with one
/// controller, slumber-vctlN.toml with two; and its daemon's state directory.
std::filesystem::path slumber_conf_of(const Spec& spec, const RunDir& dir, int index);
std::filesystem::path slumber_state_of(const Spec& spec, const RunDir& dir, int index);

std::expected<void, std::string> save(const Spec& spec, const RunDir& dir);
std::expected<Spec, std::string> load(const RunDir& dir);

}  // namespace slumber::vcluster
