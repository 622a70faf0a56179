// slumber's configuration, parsed once into typed values (see docs/config.md).
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <sys/stat.h>

#include "power/catalog.hpp"
#include "power/factory.hpp"
#include "power/policy.hpp"
#include "util/duration.hpp"
#include "util/secret.hpp"

namespace slumber::config {

inline constexpr std::string_view kDefaultPath = "/etc/slumber/slumber.toml";

/// Something wrong in a configuration or credentials file, said as a helpful
/// colleague would: where, which key, what is wrong, and how to fix it.
struct ConfigError {
    std::string file;
    int line = 0;     ///< 1-based; 0 when the problem is not at one place
    std::string key;  ///< e.g. "node[2].bmc"; empty for whole-file problems
    std::string message;
    std::string fix;  ///< what would be right; may be empty
};

/// "file:line: key: message" plus an indented "fix:" line.
std::string format(const ConfigError& error);
/// The same on one line ("…; fix: …"), for the journal, whose rows are
/// one line each.
std::string format_line(const ConfigError& error);

/// How calls to a target's power controller are paced.
using CallPolicy = power::CallPolicy;

/// User name and password for a BMC or a device, read from a protected file.
struct Credentials {
    std::string username;
    util::Secret password;
    util::Secret k_g;  ///< IPMI BMC key, when the BMC has one
};

enum class TargetKind { node, device };

/// A node or a device that slumber switches, and how.
struct PowerTarget {
    std::string name;
    TargetKind kind = TargetKind::node;
    std::string driver;
    std::string address;  ///< BMC host[:port], plug URL or MAC; empty for exec
    std::optional<std::filesystem::path> credentials;
    power::DriverOptions options;
    CallPolicy policy;
    util::Duration settle{0};  ///< devices: wait this long after switching on
    int line = 0;              ///< where the target's table starts
    /// Where `credentials =` is: in the target's table, or in [defaults]
    /// when it comes from there; 0 without credentials.
    int credentials_line = 0;
};

/// A device that must be on before any of `nodes` boots, and goes off when
/// all of them have been off for `off_after`.
struct Dependency {
    std::string device;
    std::vector<std::string> nodes;
    util::Duration off_after = std::chrono::minutes(10);
    int line = 0;
};

struct SlurmSettings {
    std::filesystem::path bin_dir = "/usr/bin";
    std::filesystem::path conf = "/etc/slurm/slurm.conf";
    std::string exclude_expression;    ///< as written
    std::vector<std::string> exclude;  ///< expanded: never powered off
    /// Where `conf =` and `exclude =` are written; 0 when they are not.
    int conf_line = 0;
    int exclude_line = 0;

    /// The same settings, wherever they are written.
    bool operator==(const SlurmSettings& other) const {
        return bin_dir == other.bin_dir && conf == other.conf && exclude_expression == other.exclude_expression &&
               exclude == other.exclude;
    }
};

/// How the daemon and the hooks keep their records and pace their work.
struct DaemonSettings {
    /// The journal (journal.db) and the daemon's lock and socket live here.
    std::filesystem::path state_dir = "/var/lib/slumber";
    int max_booting = 0;       ///< nodes powering on at once; 0: no limit
    int boots_per_minute = 0;  ///< power-ons started per minute; 0: no limit
    int max_failures = 3;      ///< consecutive failed resumes before a node is drained
    /// Power calls the daemon and the hooks have in flight at once, one
    /// thread each (1 to 4096); at most what the open-files limit leaves
    /// room for (operate::bounded_fanout()).
    int fanout = 256;
    /// How long a node Slurm gave up on may still register while its BMC
    /// says on, before slumber switches it off and lets Slurm try again.
    util::Duration late_boot_grace = std::chrono::minutes(2);
    /// How long a node Slurm counts as powered down may stay on at its BMC
    /// (reads this far apart all say on, no request in flight) before
    /// slumber switches it off: its suspend never reached slumber.
    util::Duration late_off_grace = std::chrono::minutes(1);
    /// A node drained for failed resumes stays on for inspection; by
    /// default it is switched off, since Slurm counts it as powered down.
    bool keep_drained_on = false;
    /// A second power loss behind slumber's back within this long drains
    /// the node instead of returning it to Slurm's powered-down pool.
    util::Duration power_loss_window = std::chrono::hours(1);
    /// How long after slumber powers a node on it may take to register
    /// before slumber counts the boot as failed and starts recovery itself.
    /// Unset: none while Slurm's ResumeTimeout decides; with
    /// ResumeTimeout=INFINITE (Slurm 25.05 and later), what the measured
    /// boots suggest (engine::boot_deadline()).
    std::optional<util::Duration> boot_deadline;
    /// How long the journal keeps its rows: the daemon removes older ones
    /// (store::Journal::prune(), which keeps what decisions still need) at
    /// its start and then hourly. 0: kept forever.
    util::Duration journal_keep = std::chrono::days(90);
    /// How often the daemon looks at Slurm while nothing is in flux
    /// (engine::LookPace; every 2 s while something is), 2 s to 10 min;
    /// the daemon waits longer where a look costs more than
    /// engine::kIdleLookShare of a core at this pace.
    util::Duration idle_poll = std::chrono::seconds(30);
    /// The controller this daemon runs beside: its SlurmctldHost name in
    /// slurm.conf. Read only when slurm.conf has more than one SlurmctldHost
    /// line: then only the daemon beside the slurmctld in control acts
    /// (engine/controller_role.hpp, docs/ha.md). Empty: the SlurmctldHost
    /// named as this host is, up to its first dot, or whose name is that up
    /// to its own first dot, as slurmctld finds its own entry.
    std::string controller;

    [[nodiscard]] std::filesystem::path journal() const { return state_dir / "journal.db"; }
    [[nodiscard]] std::filesystem::path socket() const { return state_dir / "slumberd.sock"; }
    [[nodiscard]] std::filesystem::path lock() const { return state_dir / "slumberd.lock"; }
    /// slurm.conf without its node and partition definitions, kept by the
    /// daemon for Slurm's commands (slurm/client_conf.hpp).
    [[nodiscard]] std::filesystem::path slurm_client_conf() const { return state_dir / "slurm-client.conf"; }
    /// Held by whoever carries out requests (daemon/carrier_lock.hpp).
    [[nodiscard]] std::filesystem::path carrier_lock() const { return state_dir / "carrier.lock"; }

    bool operator==(const DaemonSettings&) const = default;
};

/// [web]: the daemon's HTTP server: Prometheus /metrics, the JSON API and
/// the dashboard (docs/web.md). Off unless enabled; localhost unless told.
struct WebSettings {
    bool enabled = false;
    /// An IPv4 or IPv6 address to bind; "0.0.0.0" or "::" only when written.
    std::string listen = "127.0.0.1";
    /// Outside Prometheus' allocated exporter range 9100-9999 (all of it
    /// taken) and Slurm's 6817-6819: see docs/web.md.
    int port = 8817;
    /// The bearer token that actions need (power on/off …): a file readable
    /// by its owner only, as a credentials file. Unset: read-only.
    std::optional<std::filesystem::path> token_file;

    bool operator==(const WebSettings&) const = default;
};

/// [thermal]: the thermal guard (docs/energy.md, "The thermal guard"). At or
/// above `limit` (°C, the warmest fresh temperature reading of any BMC) the
/// daemon holds back new power-ons; below `resume` it lets them go again.
struct ThermalSettings {
    std::optional<double> limit;  ///< °C; unset: no guard
    double resume = 0;            ///< °C, below limit; the loader sets limit - 3 when unset
    /// While the guard holds, also ask Slurm to power down nodes that are
    /// idle (`scontrol update state=power_down`), so the room cools sooner.
    bool power_down_idle = false;

    bool operator==(const ThermalSettings&) const = default;
};

/// [simulate]: the cluster `slumber simulate` replays a job history on, and
/// what its nodes draw. Unset values keep the published model's defaults
/// (docs/simulate.md).
struct SimulationSettings {
    std::optional<int> nodes;
    std::optional<int> cores_per_node;
    std::optional<bool> whole_nodes;  ///< allocation = "whole-nodes" or "processors"
    std::optional<double> off_watts;
    std::optional<double> idle_watts;
    std::optional<double> busy_watts;
    std::optional<util::Duration> boot_time;
    std::optional<double> boot_joules;
    std::optional<util::Duration> shutdown_time;
    std::optional<double> shutdown_joules;
    /// The daemon's pacing of power-ons, which the simulation applies too:
    /// filled from [daemon] by load_simulation_settings().
    int max_booting = 0;
    int boots_per_minute = 0;

    bool operator==(const SimulationSettings&) const = default;
};

/// [energy]: how the daemon samples power and temperature readings, and the
/// price `slumber report` puts on energy (docs/energy.md).
struct EnergySettings {
    /// How often the daemon reads each target's meter (power_reading() and
    /// sensors()); 0: never. A target busy with a power action skips that
    /// sample instead of waiting for it.
    util::Duration interval = std::chrono::minutes(1);
    /// What a kWh costs, in `currency`; 0: no cost in reports.
    double price_per_kwh = 0;
    std::string currency;  ///< "EUR", "USD" …: only printed
    /// The sensor recorded as a target's temperature (sensors()' name, exact);
    /// empty: the first whose name says inlet, then ambient.
    std::string temperature_sensor;

    bool operator==(const EnergySettings&) const = default;
};

/// [doctor]: what `slumber doctor` may ask besides the BMCs (docs/doctor.md).
struct DoctorSettings {
    /// A site command that prints a node's own SMBIOS UUID (the first line
    /// of its output), `{node}` in a word replaced by the node's name; split
    /// into words as an exec template is, and run without a shell. Empty:
    /// no node is asked, and no BMC's GUID is compared with its node's.
    std::string node_uuid_command;

    bool operator==(const DoctorSettings&) const = default;
};

struct Config {
    std::filesystem::path file;
    /// fingerprint() of the file's text as loaded: a daemon tells by it
    /// whether the file changed since (docs/config.md, "Reloading").
    std::uint64_t fingerprint = 0;
    SlurmSettings slurm;
    DaemonSettings daemon;
    std::vector<PowerTarget> nodes;
    std::vector<PowerTarget> devices;
    std::vector<Dependency> dependencies;
    SimulationSettings simulate;
    ThermalSettings thermal;
    WebSettings web;
    EnergySettings energy;
    DoctorSettings doctor;
    std::map<std::filesystem::path, Credentials> credentials;
    /// Credentials files left out because this user may not read them
    /// (LoadOptions::unreadable_credentials), with the system's words.
    std::map<std::filesystem::path, std::string> unreadable_credentials;
    /// Credentials files left out because slumber refuses them
    /// (refuse_credentials_file(): their mode, their kind), with the
    /// refusal; only with LoadOptions::refused_credentials.
    std::map<std::filesystem::path, ConfigError> refused_credentials;

    /// Name -> position among nodes, then devices; built by load() so that
    /// find() stays fast on 10,000 nodes. Empty: find() searches.
    std::unordered_map<std::string, std::size_t> index;

    [[nodiscard]] const PowerTarget* find(std::string_view name) const;
    void build_index();
    [[nodiscard]] bool excluded(std::string_view node) const;
    /// What the target's driver needs, its credentials file's account included.
    [[nodiscard]] power::TargetSettings settings_for(const PowerTarget& target) const;
};

/// A configuration as the daemon shares it: a reload swaps in a new one
/// while every batch in flight keeps the one it started with.
using SharedConfig = std::shared_ptr<const Config>;

/// A SharedConfig that does not own `config`, for callers whose
/// configuration outlives every user (a hook, a test).
SharedConfig borrow(const Config& config);

/// FNV-1a (64 bits) of a configuration file's text: equal texts, equal
/// fingerprints; not a secret and not meant to be one.
std::uint64_t fingerprint(std::string_view text);

/// What load() reads besides the file itself.
struct LoadOptions {
    /// The credentials files the targets name. A hook that hands its request
    /// to the daemon does without: SlurmUser may not read them (docs/slurm.md).
    bool credentials = true;
    /// A credentials file this user may not read (permission denied) is left
    /// out and named in Config::unreadable_credentials instead of being an
    /// error: a hook without a daemon runs as SlurmUser, `slumber status` as
    /// anyone; neither may log in to a BMC without its password.
    bool unreadable_credentials = false;
    /// A credentials file slumber refuses by its status
    /// (refuse_credentials_file(): group-readable, say) is left out and
    /// named in Config::refused_credentials instead of being an error: for
    /// those who only look (`slumber status`), whose other nodes are worth
    /// showing. Never for those who switch nodes: they fail as before.
    bool refused_credentials = false;
    /// [web] token_file, when the web server is enabled, checked as the
    /// daemon reads it (a credentials file's rules, and not empty): for the
    /// daemon itself and `slumber config check`, so that the check refuses
    /// what the daemon would. A file this user may not look at is left to
    /// the daemon's user.
    bool web_token = false;
};

/// Reads, parses and checks a configuration file, and reads the credentials
/// files it names. Every problem found is returned, not only the first.
std::expected<Config, std::vector<ConfigError>> load(const std::filesystem::path& file, LoadOptions options = {});

/// The same, from text (tests, fuzzing); `file` names it in messages.
std::expected<Config, std::vector<ConfigError>> load_text(std::string_view text, const std::filesystem::path& file,
                                                          LoadOptions options = {});

/// Where the journal is, for a hook that cannot load the file: [daemon]
/// state_dir as written, or the default when the file does not set it. A
/// file that is not valid TOML is searched line by line for `state_dir =
/// "/absolute/path"` under [daemon]. nullopt: the file cannot be read, or
/// names a state_dir that cannot be made out.
std::optional<std::filesystem::path> state_dir_of(const std::filesystem::path& file);

/// Only the [simulate] section of a configuration file, and the pacing of
/// [daemon]: the simulator needs neither the nodes' credentials nor a
/// complete file.
std::expected<SimulationSettings, std::vector<ConfigError>> load_simulation_settings(const std::filesystem::path& file);

/// The text of a file only its owner may read (refuse_credentials_file()'s
/// rule), opened without following a symbolic link: a credentials file,
/// the web server's token. Errors name the file, never its content.
std::expected<std::string, ConfigError> read_private_file(const std::filesystem::path& file);

/// Reads one credentials file, refusing it when others may read it
/// (refuse_credentials_file()).
std::expected<Credentials, ConfigError> read_credentials(const std::filesystem::path& file);

/// [web] token_file's rule for its content (docs/web.md, "Actions"): one
/// line (a trailing newline allowed) of at least 16 printable ASCII
/// characters, none of them a space. Why `text` cannot be the API's token,
/// in words that never quote it; nothing when it can.
std::optional<std::string> refuse_token(std::string_view text);

/// [web] token_file read as the web server uses it: read_private_file()'s
/// rules, then refuse_token()'s; the token without its trailing newline.
/// Errors are keyed "[web] token_file", their fix makes a token (`openssl
/// rand -hex 32 > FILE`) or says the file's chmod; never its content.
std::expected<util::Secret, ConfigError> read_token_file(const std::filesystem::path& file);

/// A credentials file's refusal (read_private_file(),
/// refuse_credentials_file()) said of [web] token_file: its key, and a
/// token's advice instead of a credentials file's.
ConfigError token_file_error(const std::filesystem::path& file, ConfigError error);

/// slumber's rule for a credentials file, from its status (lstat(2) or
/// fstat(2)): a regular file, not a symbolic link, that neither its group
/// nor others may access (mode 600 or stricter), at most 64 KiB. The
/// refusal names the file, what is wrong and the fix (chmod 600, and for
/// hooks without a daemon the owner: `slurm_user`, slurm.conf's SlurmUser,
/// when the caller knows it, else a placeholder); nothing when it passes.
/// The one rule read_credentials() applies and `slumber slurm-config` checks.
std::optional<ConfigError> refuse_credentials_file(const std::filesystem::path& file, const struct stat& status,
                                                   std::string_view slurm_user = {});

}  // namespace slumber::config
