// What Slurm says and what it needs to hear, version by version, in one
// place: the versions slumber knows, the reasons Slurm gives a node it took
// out of service, ResumeTimeout's values, and the scontrol calls that make
// Slurm show a node as up again after slumber refused to power it off.
// Everything here is pure text in, typed values out; Scontrol runs the calls.
//
// Sources, per version: scontrol(1), slurm.conf(5) and NEWS of Slurm 22.05.8
// (Debian 12, installed here), 23.02 and 24.11 (SchedMD/slurm), 25.05's
// release notes; behaviour marked "verified" was observed on 22.05.8 in the
// virtual cluster (tests/integration/slurm_view_test.cpp).
#pragma once

#include <chrono>
#include <compare>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "slurm/node_state.hpp"

namespace slumber::slurm {

/// A Slurm release, e.g. 22.05.8.
struct Version {
    int major = 0;  ///< 22 (the year)
    int minor = 0;  ///< 5 (the month of the release series)
    int micro = 0;
    auto operator<=>(const Version&) const = default;
};

/// The oldest release slumber supports and tests (Debian 12's).
inline constexpr Version kOldestSupported{22, 5, 0};

/// `scontrol --version` prints "slurm 22.05.8" (Debian: also "slurm-wlm
/// 22.05.8"; builds may add "-1" or "-rc1"). Nothing for other text.
std::optional<Version> parse_version(std::string_view text);

/// Reasons Slurm gives a node it took out of service around power saving.
enum class Reason {
    /// "ResumeTimeout reached": the node did not register within
    /// ResumeTimeout of its resume (power_save.c, every version).
    resume_timeout,
    /// "Node unexpectedly rebooted": it registered with a boot time after its
    /// last response without being asked to boot (node_mgr.c
    /// validate_node_specs(), every version; ReturnToService=1).
    unexpected_reboot,
    /// "Not responding": slurmd missed SlurmdTimeout (ping_nodes.c).
    not_responding,
};

struct ReasonInfo {
    Reason reason;
    std::string_view words;  ///< as Slurm writes them
};

inline constexpr ReasonInfo kReasons[] = {
    {Reason::resume_timeout, "ResumeTimeout reached"},
    {Reason::unexpected_reboot, "Node unexpectedly rebooted"},
    {Reason::not_responding, "Not responding"},
};

/// Whether Slurm's reason for a node (without the " [user@time]" suffix)
/// carries `reason`. Slurm 22.05 sets "ResumeTimeout reached" alone; from
/// 23.02 Slurm appends a new reason to one the node already has, joined by
/// " : " ("Not responding : ResumeTimeout reached"), so each part is read.
/// A part counts when it starts with Slurm's words ("Node unexpectedly
/// rebooted boot_time=…" too); a text that only quotes them inside a part
/// (slumber's own drain reason "…, last: ResumeTimeout reached") does not.
bool has_reason(std::string_view text, Reason reason);

/// The newest part of a reason: Slurm appends each new reason after " : "
/// (23.02 and later), so the last part is the latest event's, unless a
/// later event repeated words the reason already had (Slurm then leaves the
/// text as it is and only updates its time: NodeState::reason_time).
std::string_view latest_reason(std::string_view text);

/// A node state flag as `scontrol show node` writes it after '+', and the
/// character sinfo appends to the state for it. Identical in 22.05.8 and
/// 24.11.5 (sinfo(1) "NODE STATE CODES", scontrol(1) "State" flags; the
/// order is node_state_string()'s: when several are set, the first of this
/// table wins). POWER_DOWN_ASAP and POWER_DOWN_FORCE are not flags of their
/// own: they are update requests that show as POWER_DOWN ('!'), with DRAIN
/// for ASAP (sinfo `drng!`), and as POWERING_DOWN then POWERED_DOWN for FORCE.
struct StateFlagInfo {
    std::string_view flag;
    char suffix;
    std::string_view meaning;
};

inline constexpr StateFlagInfo kStateFlags[] = {
    {"MAINTENANCE", '$', "in a maintenance reservation"},
    {"REBOOT_ISSUED", '^', "reboot issued (RebootProgram, or ResumeProgram for a powered-down node)"},
    {"REBOOT_REQUESTED", '@', "reboot pending"},
    {"POWERING_UP", '#', "being powered up or configured"},
    {"POWERING_DOWN", '%', "being powered down"},
    {"POWERED_DOWN", '~', "powered off"},
    {"POWER_DOWN", '!', "power down pending"},
    {"NOT_RESPONDING", '*', "not responding"},
};

/// The state as `sinfo -o %t` prints it: "idle~", "down~", "drng!", "mix#".
std::string sinfo_state(const NodeState& node);

/// Whether Slurm is rebooting the node (REBOOT_REQUESTED or REBOOT_ISSUED):
/// it may be silent, and off for a moment, by Slurm's own hand.
bool rebooting(const NodeState& node);

/// slurm.conf's ResumeTimeout.
struct ResumeTimeout {
    /// Seconds Slurm waits for a resumed node to register; nothing when
    /// Slurm never gives up (INFINITE or UNLIMITED, accepted from 25.05:
    /// "Allow ResumeTimeout=INFINITE", 25.05 release notes).
    std::optional<std::chrono::seconds> limit = std::chrono::seconds(60);  ///< slurm.conf(5) default
    [[nodiscard]] bool infinite() const { return !limit.has_value(); }
};

/// A value as slurm.conf or `scontrol show config` writes it: "90", "90 sec",
/// "INFINITE", "UNLIMITED" (any case). An error names what is wrong.
std::expected<ResumeTimeout, std::string> parse_resume_timeout(std::string_view value);

/// slurm.conf's SuspendTime (global, or a partition's): the seconds a node
/// idles before Slurm suspends it, or nothing when it never does (power
/// saving off): INFINITE, UNLIMITED, NONE or -1, any case (slurm.conf(5),
/// 22.05 and 24.11; NONE read so by slurmctld 22.05.8, whose `scontrol show
/// config` then says INFINITE). An error for anything else that is no whole
/// number of seconds: slurmctld reads only its leading digits ("abc" as 0,
/// "10min" as 10), which is never what was meant.
std::expected<std::optional<std::chrono::seconds>, std::string> parse_suspend_time(std::string_view value);

/// Whether a SuspendTime value turns power saving off (parse_suspend_time()
/// finds no seconds); one that is invalid does not: slurmctld reads a
/// number from it.
bool suspend_time_infinite(std::string_view value);

/// The arguments of one scontrol call, after "scontrol".
using ScontrolCall = std::vector<std::string>;

/// From 23.11 `scontrol reconfigure` restarts slurmctld in place (scontrol(1)
/// of 24.11: "Starting in 23.11, this command operates by creating new
/// processes for the daemons"). Seen on 24.11.5 in the virtual cluster: a
/// reconfigure after every refused suspend (an excluded node Slurm suspends
/// each SuspendTime) restarted slurmctld nine times in two minutes and held a
/// job CONFIGURING meanwhile. The daemon spaces such calls (docs/slurm.md).
inline constexpr Version kReconfigureRestartsSince{23, 11, 0};

/// What makes Slurm show these nodes as up again, given how Slurm shows them
/// now, after slumber refused to power them off (they are on, as they were):
///
/// - POWERING_DOWN (`idle%`, SuspendTimeout not over yet): Slurm 22.05
///   ignores a registration then and, when SuspendTimeout is over, marks
///   the node POWERED_DOWN whatever it is (verified). `State=RESUME` ends the
///   wait at once (scontrol(1), 22.05 to 24.11: "It will also clear the
///   POWERING_DOWN state"; verified: the node shows POWERED_DOWN at once).
/// - POWERED_DOWN (`idle~`): Slurm takes a node back as up when its slurmd
///   registers (node_mgr.c validate_node_specs() clears POWERED_DOWN on any
///   registration, 22.05 to 24.11), but it does not ping a powered-down node,
///   and POWER_UP would wait for a boot time after the request, which a node
///   that never went down does not have (verified: ResumeTimeout, `down~`).
///   `scontrol reconfigure` has every slurmd register again (verified on
///   22.05: the node is `idle` within a second; nodes that really are off
///   stay `idle~`). From 23.11 reconfigure restarts slurmctld in place (its
///   NEWS); the slurmds still register again.
/// - anything else (up, POWERING_UP, DOWN): nothing; Slurm's view is
///   already true or is recovery's business.
///
/// One call per kind for all nodes: at most one RESUME and one reconfigure.
/// Note that reconfigure also applies any edit to slurm.conf not yet read.
std::vector<ScontrolCall> still_up_calls(const Version& version, const std::vector<NodeState>& nodes);

/// The first release with `scontrol power {up|down} [asap|force] NODES`
/// (scontrol(1) of 24.11: "This subcommand obsoletes the prior usage of
/// scontrol's update command ... State={POWER_UP|POWER_DOWN|POWER_DOWN_ASAP|
/// POWER_DOWN_FORCE}"; 22.05's scontrol(1) has no such command).
inline constexpr Version kPowerCommandSince{24, 5, 0};

/// What slumber asks Slurm to do about a node's power.
enum class PowerRequest {
    up,          ///< run ResumeProgram and wait for the node (POWER_UP)
    down,        ///< run SuspendProgram (POWER_DOWN)
    down_asap,   ///< drain, and power down once its jobs are done (POWER_DOWN_ASAP)
    down_force,  ///< cancel its jobs and power it down (POWER_DOWN_FORCE)
};

/// The scontrol call for `request` on `hostlist` in the words of `version`:
/// `power up|down [asap|force] NODES` from 24.05, `update NodeName=NODES
/// State=POWER_…` before. The update form still works in 24.11 (scontrol(1)
/// calls it obsoleted, not removed); the new one is used where it exists.
ScontrolCall power_call(const Version& version, PowerRequest request, const std::string& hostlist);

/// Whether a call of ResumeProgram asks for a reboot rather than a wake-up.
/// Slurm runs ResumeProgram for nodes that are on in two cases, and waits
/// for each to register with a new boot time (else ResumeTimeout):
/// - a node_features plugin (node_features/helpers, 22.05 and 24.11) and a
///   job whose --constraint needs features the node does not have active:
///   `ResumeProgram NODES FEATURES` (slurm.conf(5) ResumeProgram: "the
///   program ... will be passed the names of nodes ... and the features");
/// - `sbatch --reboot` on nodes under power saving: `ResumeProgram NODES`
///   with SLURM_JOB_ID set and no SLURM_RESUME_FILE (seen on 24.11.5,
///   issue 16). A wake-up for jobs comes with SLURM_RESUME_FILE.
/// RebootProgram (`scontrol reboot`) is separate and never reaches slumber.
/// `features`: ResumeProgram's second argument, empty when none.
bool resume_is_reboot(std::string_view features, bool job_id_set, bool resume_file_set);

/// Whether Slurm shows a node as powered down or powering down while it is
/// not down and not being woken: the view a refused power-off leaves behind.
bool shows_powered_down(const NodeState& node);

}  // namespace slumber::slurm
