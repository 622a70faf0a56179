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

/// The arguments of one scontrol call, after "scontrol".
using ScontrolCall = std::vector<std::string>;

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

/// Whether Slurm shows a node as powered down or powering down while it is
/// not down and not being woken: the view a refused power-off leaves behind.
bool shows_powered_down(const NodeState& node);

}  // namespace slumber::slurm
