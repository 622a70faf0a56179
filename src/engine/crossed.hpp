// Crossed BMC addresses, seen from behaviour: node A's BMC entry really
// drives node B's machine and the other way round, so that every power
// change slumber makes lands on the wrong node. Two patterns give it away,
// each within a bounded window after a power change slumber carried out:
//
//   woke_other:     slumber switched A on; B, asleep in Slurm's view and
//                   asked on by nobody, registered with a boot time after
//                   that power-on, while A has not registered a boot within
//                   ResumeTimeout: it stayed dark, or stayed up with the
//                   boot time it had before (an admin's power-on of a
//                   running node).
//   rebooted_other: slumber power-cycled A; B, up and
//                   running, registered with a boot time after that, and
//                   neither Slurm nor slumber rebooted it, while A has not
//                   registered a boot within ResumeTimeout. A's BMC said on
//                   because it drives B's running machine, and slumber
//                   cycles a node that is on but not registered when Slurm
//                   wakes it (operate/fresh_boot.hpp): a tester's job on B
//                   was requeued so, B was put back to service and A failed
//                   as its own hardware.
//   silenced_other: slumber switched A off; B, up and responding, went
//                   silent (NOT_RESPONDING) and nothing of slumber's or
//                   Slurm's explains it, while A's slurmd still answers,
//                   or A was dark in Slurm's view already before the off
//                   (its own machine was not the one running: recovery
//                   switching off a sleeping node whose BMC said on). A
//                   may be one of a batch of power-offs: it is the one
//                   whose own machine still runs.
//
// Each is judged from what happened around B's change (its boot, its
// silence), never from the present alone: a power change that explains B
// counts however long ago B changed (crossed_look_back() says how far back
// the changes must be read), and A having registered after its power-on
// ends the pattern even once Slurm has suspended A again.
//
// A pure function of what Slurm shows, what the daemon remembers of each
// node and slumber's recent power changes (no I/O, no clock), so that tests
// are exact. The daemon acts on a suspicion: it journals it, blocks both
// nodes for every automatic caller and drains both in Slurm
// (operate/crossed_watch.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/recovery.hpp"
#include "power/driver.hpp"
#include "slurm/node_state.hpp"

namespace slumber::engine {

/// A power change slumber carried out and its BMC confirmed: the journal's
/// power-on, power-off, shutdown and power-cycle events whose outcome is ok.
struct PowerChange {
    std::string node;
    power::Action action = power::Action::on;
    TimeMs at = 0;  ///< when the event was journaled (the call had just ended), Unix ms
    /// When the request it carried out was journaled, Unix ms: the call
    /// began no earlier, so a boot before it is not this power-on's
    /// (a node that rebooted by itself seconds before was counted as
    /// woken by it, a tester's). nullopt for a call no request asked for.
    std::optional<TimeMs> asked_at = std::nullopt;
};

/// Up, as CrossedWitness::seen_up_at counts it: responding, neither
/// powered down nor being powered up or down.
bool seen_up(const slurm::NodeState& node);

/// Silent, as CrossedWitness::silent_since counts it: NOT_RESPONDING; or
/// DOWN for "Not responding" (ping_nodes.c, after SlurmdTimeout) while
/// Slurm powers it down or counts it powered down, since Slurm clears
/// NOT_RESPONDING as it suspends a node (power_save.c, 22.05 and 24.11) and
/// suspends DOWN nodes too (slurm.conf(5), SuspendExcStates: "By default,
/// any of these states, if idle for SuspendTime, would be powered off").
/// Not when Slurm gave that reason before `seen_up_at` (Unix ms): the
/// node answered since (ReturnToService=0 keeps it DOWN).
bool silent(const slurm::NodeState& node, std::optional<TimeMs> seen_up_at);

/// Silent for Slurm before it began powering the node down: DOWN for "Not
/// responding" given since `seen_up_at` (see silent()). Slurm's power-down
/// then explains none of the silence.
bool found_silent_by_slurm(const slurm::NodeState& node, std::optional<TimeMs> seen_up_at);

/// What a node was before a boot nobody asked for.
enum class BootedFrom {
    asleep,   ///< powered down in Slurm's view (IDLE+POWERED_DOWN): it woke
    running,  ///< up, with an earlier boot time: its machine restarted under it
};

/// A node that booted with nobody's power-up: seen asleep in Slurm's view
/// (IDLE+POWERED_DOWN, not DOWN after a failed boot), or up, then up with a
/// later boot time, without Slurm powering it up or rebooting it in between.
struct UnaskedWake {
    TimeMs boot_ms = 0;       ///< the boot time it registered with (Slurm's BootTime), Unix ms
    TimeMs asleep_until = 0;  ///< when it was last seen asleep, or up with its earlier boot, before that
    BootedFrom from = BootedFrom::asleep;
    /// running: the boot time it was up with before, Unix ms. A power-on
    /// of its own before that made that boot, not this one.
    TimeMs earlier_boot_ms = 0;

    bool operator==(const UnaskedWake&) const = default;
};

/// One managed node as the check sees it: Slurm's view now, and what the
/// daemon remembers of it (engine::WitnessMemory, saved in the journal
/// while a power change is judged and taken back after a restart).
struct CrossedWitness {
    slurm::NodeState slurm;
    /// Its latest boot that nobody asked for (from sleep or while running),
    /// kept while it sleeps again (Slurm may suspend it before the pattern
    /// is judged).
    std::optional<UnaskedWake> woke_unasked;
    /// When it was last seen up: responding, neither powered down nor being
    /// powered up or down.
    std::optional<TimeMs> seen_up_at;
    /// The boot time Slurm showed when it was last seen up, Unix ms.
    std::optional<TimeMs> seen_up_boot_ms;
    /// When it was first seen not responding since it was last seen up.
    std::optional<TimeMs> silent_since;
    /// When it was first seen dark (not responding, or powered down and
    /// not being powered up) since it was last seen up: from then on its
    /// own machine runs no slurmd that Slurm hears.
    std::optional<TimeMs> dark_since;
    /// When it was last seen being powered up by Slurm (POWERING_UP): its
    /// own machine may have been booting then, dark or not.
    std::optional<TimeMs> powering_up_at;
    /// Whether its slurmd accepts a connection now (tried after its latest
    /// power change), asked only for the nodes crossed_probes() names;
    /// nothing: not asked.
    std::optional<bool> slurmd_answers;
    /// Already half of a suspected pair (blocked): not judged again.
    bool suspected = false;
};

/// How long after one of slumber's power changes a change of another node
/// counts as its effect, in ms. Longer windows catch slower machines and
/// let more coincidences through.
struct CrossedWindows {
    /// After a power-on: Slurm's ResumeTimeout. A machine that a power-on
    /// meant for another node booted registers within the time Slurm gives
    /// any boot; one later than that is a failed boot for Slurm anyway.
    TimeMs after_on_ms = 60000;
    /// After a power-off: SuspendTimeout (a shutdown may take that long) +
    /// SlurmdTimeout (Slurm pings each node every SlurmdTimeout/3 and marks
    /// it NOT_RESPONDING when a ping fails, slurm.conf(5)) + kLookSlackMs.
    TimeMs after_off_ms = 30000 + 300000;
};

/// Slack for the daemon's looks at Slurm (every 2 s) and Slurm's
/// whole-second times, in ms.
inline constexpr TimeMs kLookSlackMs = 5000;
/// How long before its event a power change may have taken effect, in ms:
/// the event is journaled when the call ends, after the BMC confirmed the
/// change (a few seconds, more with a retry).
inline constexpr TimeMs kCallSlackMs = 15000;
/// How long a wake stays judged after the last power-on that may have
/// caused it had its window, in ms: a look of the daemon's that came late
/// (every [daemon] idle_poll, 30 s by default, when nothing is in flux).
inline constexpr TimeMs kLateLookMs = 30000;
/// How long after it was first seen a silence is judged, in ms: long enough
/// for the power-off that caused it to be journaled and for a few looks.
/// The switched node's slurmd is asked then; later, it may answer because
/// someone switched it on again, which proves nothing.
inline constexpr TimeMs kSilenceJudgedMs = kCallSlackMs + 2 * kLookSlackMs;

/// The windows for Slurm's settings, in seconds (slurm.conf(5) defaults:
/// ResumeTimeout 60, SuspendTimeout 30, SlurmdTimeout 300).
CrossedWindows crossed_windows(TimeMs resume_timeout_s, TimeMs suspend_timeout_s, TimeMs slurmd_timeout_s);

enum class CrossedPattern {
    woke_other,      ///< switched on, the other node booted from sleep
    rebooted_other,  ///< cycled, the other node, running, booted again
    silenced_other,  ///< switched off, the other node went silent
};

/// Two nodes whose BMC addresses look crossed.
struct CrossedPair {
    std::string asked;  ///< the node slumber switched
    std::string other;  ///< the node that changed instead
    CrossedPattern pattern = CrossedPattern::woke_other;
    std::string evidence;  ///< what was seen, in words, for the journal
    /// silenced_other: whether the switched node's own machine runs (its
    /// slurmd answered); false when it was dark before the power-off, and
    /// both machines are off now.
    bool asked_runs = true;
};

/// The earliest power change that judging `nodes` as of `now` needs, Unix
/// ms: the one that may explain, or have caused, the oldest wake or silence
/// still judged. The caller passes suspect_crossed() every power change
/// since then (and at least those of the last windows).
TimeMs crossed_look_back(const std::vector<CrossedWitness>& nodes, const CrossedWindows& windows, TimeMs now);

/// The nodes switched off whose slurmd the daemon must try before
/// suspect_crossed() can decide: every one whose power-off could have
/// silenced a node that went silent (Slurm suspends idle nodes in batches:
/// there may be many).
std::vector<std::string> crossed_probes(const std::vector<CrossedWitness>& nodes,
                                        const std::vector<PowerChange>& changes, const CrossedWindows& windows,
                                        TimeMs now);

/// Whether the effect of one of `changes` on another node may still show,
/// so that the daemon's looks must time it (engine/look_pace.hpp: every
/// couple of seconds). A power-on's: within after_on_ms (+ kLookSlackMs)
/// while the node it switched on has not registered since (one that did
/// ends the pattern). A power-off's: within after_off_ms (+ kLookSlackMs)
/// while another node was seen up since just before it, the only kind that
/// can go silent: in a cluster asleep, or of nodes that never registered,
/// none can (a daemon that looked every 2 s for SuspendTimeout +
/// SlurmdTimeout after each of Slurm's suspends cost issue 21's idle watch
/// of 10,000 nodes 9 % of a core). Linear in nodes and changes.
bool effect_may_show(const std::vector<CrossedWitness>& nodes, const std::vector<PowerChange>& changes,
                     const CrossedWindows& windows, TimeMs now);

/// A pattern still open: `other` woke unasked after slumber switched on
/// `asked`, which has not had ResumeTimeout to register yet. Until it is
/// decided, no power change of either may go through their BMC addresses:
/// recovery leaves both alone, and the daemon holds Slurm's suspends of
/// them (a tester's rotated addresses: A's power-on booted B's machine,
/// Slurm suspended B at once, and the power-off through B's address
/// stopped C's machine under its job).
struct OpenWake {
    std::string asked;
    std::string other;
    TimeMs decided_at = 0;                     ///< when `asked` has had ResumeTimeout, Unix ms
    power::Action action = power::Action::on;  ///< what slumber did to `asked`: on, or cycle
    BootedFrom from = BootedFrom::asleep;      ///< what `other` was before its boot
};

/// What the behaviour gives away, as of `now`.
struct CrossedJudgement {
    std::vector<CrossedPair> pairs;
    /// One per power-on that may have woken a node, while any of them is
    /// within its window (several: Slurm resumes nodes in batches).
    std::vector<OpenWake> open;
    /// The nodes of `open`, each once, in order.
    [[nodiscard]] std::vector<std::string> pending() const;
};

/// The pairs the behaviour gives away. A node changed by a power change of
/// its own, by Slurm (powering it up or down, rebooting it), or before the
/// change, is never counted. A woken node counts only once the node
/// switched on has had the whole window to register and has not, then or
/// since (a hand at the other's button is a coincidence that the switched
/// node's own registration ends, even if Slurm suspends it again); with
/// more than one such power-on it waits for the others to register. A
/// silenced node counts only while its silence is new (kSilenceJudgedMs),
/// and not for a switched-off node that was switched on again since. Of
/// the power-offs that may have silenced it (a batch of Slurm's suspends:
/// several), each switched-off node's slurmd must have been tried
/// (CrossedWitness::slurmd_answers); the culprit is the one node whose
/// slurmd answers, else, when none does, the one node that was dark
/// (CrossedWitness::dark_since) since before its power-off could have
/// started and, for a plain power-off, not being powered up by Slurm then
/// (CrossedWitness::powering_up_at: its own machine may have been
/// booting). Two such nodes make no pair.
CrossedJudgement suspect_crossed(const std::vector<CrossedWitness>& nodes, const std::vector<PowerChange>& changes,
                                 const CrossedWindows& windows, TimeMs now);

/// Slurm's drain reason for both nodes of a pair: "slumber: BMC addresses
/// of A and B look crossed; check, then slumber unblock A,B" (starts with
/// operate::kBlockDrainPrefix, so that `slumber unblock` resumes them).
std::string crossed_drain_reason(const CrossedPair& pair);

}  // namespace slumber::engine
