// The recovery policy: a pure function from what Slurm, the BMCs and the
// journal say about each node to the steps that bring it back into service,
// or drain it with a reason instead of boot-looping. No I/O and no clock of
// its own, so the daemon and the simulator decide alike and tests are exact.
//
// The cases are DESIGN.md's table, as Slurm 22.05 shows them:
//   down  "Node unexpectedly rebooted" or "ResumeTimeout reached", slurmd
//         answering: the node booted (late, or by itself) -> resume it.
//   down~ (DOWN+POWERED_DOWN) after a failed or unasked boot: BMC off ->
//         resume it in Slurm, which powers it up again for the waiting job;
//         BMC on but slurmd silent past a grace -> power it off first (a
//         power cycle through Slurm); after max_failures failed resumes in a row ->
//         drain it with a reason naming the last error.
//   POWERING_UP with no resume request in the journal: Slurm ran the
//         resume hook but it never recorded the request (it failed to run):
//         power the node on.
//   idle~ (POWERED_DOWN) after a power-off that failed: the node may still
//         be on, burning power, and would not register when woken: try the
//         power-off again, backing off.
//   drained by slumber for failed resumes, Slurm showing it powered down:
//         switch it off (it draws power for nothing) unless the site keeps
//         such nodes on for inspection.
//   drained by slumber, the drain lifted since (an admin's resume): forget
//         its failures, so that the next boot is judged afresh.
//   not responding, not powered down in Slurm's view, BMC off, and no
//         power-off of slumber's: its power was lost behind slumber's back
//         (a supply, a breaker, a finger on the button): journal it and hand
//         it back to Slurm's powered-down pool; a second loss within a
//         window drains it instead.
//   idle~ (POWERED_DOWN, asleep in Slurm's view) while its BMC says on, at
//         two reads late_off_grace apart, with no request in flight: its
//         suspend never reached slumber (a hook that failed to run or was
//         killed), or it was switched on behind slumber's back: switch it
//         off through the journal, like any power-off.
//   POWERING_UP past slumber's own boot deadline (Slurm 25.05 with
//         ResumeTimeout=INFINITE never gives up on a boot): count a failed
//         resume and power-cycle it, a fresh boot for Slurm, which still
//         waits (the job stays allocated to it, so it is not switched off).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/boot_stats.hpp"
#include "power/result.hpp"
#include "slurm/dialect.hpp"
#include "slurm/node_state.hpp"
#include "store/vocabulary.hpp"

namespace slumber::engine {

using TimeMs = std::int64_t;

/// Everything known about one node at one moment.
struct NodeFacts {
    slurm::NodeState slurm;
    /// The BMC's answer, when the daemon asked (see needs_bmc()).
    std::optional<power::PowerState> bmc;
    std::string bmc_error;                ///< why the BMC could not be read, if it could not
    int failed_resumes = 0;               ///< in a row, since the node last registered
    std::string last_failure;             ///< the words of the latest failure, for a drain reason
    std::optional<TimeMs> failed_at;      ///< when Slurm last gave up on resuming it
    bool request_open = false;            ///< a power request for it is pending or running
    bool excluded = false;                ///< [slurm] exclude: never touched
    std::optional<TimeMs> last_recovery;  ///< when slumber last took a recovery step for it
    /// Power-offs that failed in a row (BMC errors, not refusals) since the
    /// node's last request that worked: it may still be on while Slurm
    /// counts it as powered down.
    /// How long Slurm has shown it POWERING_UP, as first seen by the daemon.
    std::optional<TimeMs> powering_up_since;
    /// Its latest request is a power-on (a resume slumber was asked for).
    bool latest_request_on = false;
    int failed_offs = 0;
    std::optional<TimeMs> last_failed_off;
    std::string failed_off_error;
    /// When slumber drained it (failed resumes, lost power) since an admin
    /// last returned it to service: a drain of slumber's that Slurm no
    /// longer shows was lifted by an admin.
    std::optional<TimeMs> drained_at;
    /// A power-off was asked for it after that drain.
    bool off_since_drain = false;
    /// Its latest request is a power-off or a shutdown made since it last
    /// booted (Slurm's BootTime) and carried out since this daemon last
    /// began acting (docs/ha.md): dark by slumber's hand.
    bool latest_request_off = false;
    /// Its latest request is a power-off carried out before this daemon
    /// last began acting: another controller's daemon acted since.
    bool off_before_acting = false;
    /// Unplanned power losses journaled within power_loss_window_ms, since
    /// an admin last returned it to service.
    int recent_power_losses = 0;
    /// When the latest power loss was journaled: a node that has not booted
    /// since (Slurm's BootTime) is dark from that same loss.
    std::optional<TimeMs> last_power_loss;
    /// When the daemon last read its BMC because it looked dark.
    std::optional<TimeMs> dark_bmc_read_at;
    /// When slumber's latest power-on of it started, if it has not
    /// registered since (the journal's open boot).
    std::optional<TimeMs> booting_since;
    /// For a node asleep in Slurm's view (asleep_in_slurm()), as the daemon
    /// remembers it while it stays so: since when (first seen), when its BMC
    /// was last read, and the first of the reads in a row that found it on.
    std::optional<TimeMs> asleep_since;
    std::optional<TimeMs> asleep_bmc_read_at;
    std::optional<TimeMs> on_while_asleep_since;
    /// When a block of its was last lifted (`slumber unblock`, a new
    /// credentials file), if no request for it came after: its BMC was not
    /// read while it was blocked, and what slumber switched before may have
    /// been another machine (crossed addresses: its power-off stopped the
    /// partner's). Its BMC is read at once, whatever slumber did before.
    std::optional<TimeMs> unblocked_at;
    /// Why Slurm was told to keep it on (slurm::keep_on_reason(): the
    /// SuspendExc* settings): slumber never switches it off by a decision
    /// of its own. Empty: it may.
    std::string keep_on;
    /// keep_on without SuspendExcStates: by its name or partition only.
    /// SuspendExcStates=drain (doctor's advice from 23.02) keeps an admin's
    /// drained nodes on; a node slumber drained after failed resumes, which
    /// Slurm counts as powered down, is switched off all the same (unless
    /// [daemon] keep_drained_on), as docs/slurm.md says.
    std::string keep_on_by_name;
    /// Why slumber must not power it on by a decision of its own
    /// (slurm::power_on_refusal(): max_powered_nodes). Empty: it may.
    std::string power_on_refused;
    /// Slurm's idle_on_node_suspend is set and Slurm ran its suspend hook
    /// for the node after slumber drained it: Slurm, not an admin, lifted
    /// the drain.
    bool drain_lifted_by_suspend = false;
    /// Slurm is waking it without a resume of slumber's and its BMC was
    /// found on (adopt_boot): another controller's daemon or a person
    /// powered it on, and it is left to register. Until it stops powering up.
    bool wake_adopted = false;
};

struct RecoveryPolicy {
    int max_failures = 3;
    /// A node just acted on is left alone this long (Slurm and the BMC need
    /// a moment to show the change).
    TimeMs settle_ms = 10000;
    /// A node Slurm gave up on whose BMC says on may still be booting: it
    /// gets this long after the failure to register before it is switched
    /// off (a boot a little slower than ResumeTimeout is not a dead node).
    TimeMs late_boot_grace_ms = 120000;
    /// A failed power-off is tried again after this long, doubling with each
    /// failure in a row, up to 64 times as long.
    TimeMs off_retry_ms = 30000;
    /// Slurm waking a node whose resume never reached slumber (a hook that
    /// failed to run) gets a power-on of slumber's own after this long.
    TimeMs lost_wake_ms = 10000;
    /// [daemon] keep_drained_on: a node drained for failed resumes stays on
    /// for inspection instead of being switched off.
    bool keep_drained_on = false;
    /// The daemon acts beside one of several controllers (docs/ha.md): a
    /// power-off the other controller's daemon carried out is in that
    /// daemon's journal, not this one's, and the journal's words say so.
    bool several_controllers = false;
    /// A second unplanned power loss within this long drains the node.
    TimeMs power_loss_window_ms = 3'600'000;
    /// After a takeover from another controller's daemon (docs/ha.md), a
    /// node on while asleep in Slurm's view is left on until this time, Unix
    /// ms: Slurm's saved state may have lost a resume the other daemon
    /// carried out, and Slurm resumes the node again for its job. 0: none.
    TimeMs left_on_hold_until = 0;
    /// A node that does not respond has its BMC read at most this often.
    TimeMs dark_recheck_ms = 30000;
    /// A node Slurm still shows POWERING_UP this long after slumber powered
    /// it on counts as a failed boot; 0: Slurm's ResumeTimeout decides (see
    /// boot_deadline()).
    TimeMs boot_deadline_ms = 0;
    /// [daemon] late_off_grace: a node asleep in Slurm's view whose BMC says
    /// on is switched off once reads this far apart all found it on (its
    /// own shutdown, a BMC slow to show it, have that long). Its BMC is read
    /// this often while it has no power-off of slumber's since it booted, or
    /// was found on.
    TimeMs late_off_grace_ms = 60000;
    /// The BMC of a node asleep in Slurm's view that slumber switched off is
    /// read this often: a power-on behind slumber's back.
    TimeMs asleep_recheck_ms = 600000;
    /// At most this many BMCs of sleeping nodes are read per pass, the most
    /// urgent first: a daemon that starts beside thousands of sleeping nodes
    /// does not read them all at once.
    std::size_t asleep_reads_per_pass = 64;
};

// The step kinds are a journal vocabulary (store/vocabulary.hpp): the
// journal's queries read them.
using store::StepKind;
using store::to_string;

struct Step {
    std::string node;
    StepKind kind;
    std::string why;  ///< for the journal and the drain reason
    /// The journal event's kind: recovery, or power_lost for the steps
    /// taken on an unplanned power loss (counted for power_loss_window_ms),
    /// returned for a drain an admin lifted.
    store::EventKind event = store::EventKind::recovery;
    /// The step ends a boot slumber gave up on: journal it as a failed
    /// resume, as ResumeFailProgram does for Slurm's ResumeTimeout.
    bool failed_resume = false;
};

/// Slurm counts the node as asleep and nothing else explains it: POWERED_DOWN
/// and IDLE (`idle~`), neither being woken nor powering down nor asked to
/// power down (Slurm's own POWERING_DOWN phase, SuspendTimeout), not drained,
/// failed or rebooting, no jobs; not excluded by slumber or kept on by Slurm,
/// no request of slumber's in flight, no failed power-off (retried on its
/// own). Such a node should be off at its BMC.
bool asleep_in_slurm(const NodeFacts& node);

/// Nodes whose BMC must be read before reconcile() can decide for them.
std::vector<std::string> needs_bmc(const std::vector<NodeFacts>& nodes, const RecoveryPolicy& policy, TimeMs now);

/// Whether a read needs_bmc() asks for may wait for the daemon's next idle
/// look at Slurm (engine/look_pace.hpp) before its answer is used: the
/// routine read of a node slumber switched off that sleeps as it should
/// (every asleep_recheck_ms). The others (a failed boot, a node dark or
/// woken without its resume, a sleeping node with no power-off of slumber's
/// since it booted, found on, or just unblocked) keep the looks frequent.
bool read_can_wait(const NodeFacts& node, const RecoveryPolicy& policy, TimeMs now);

/// The steps to take now, at most one per node.
std::vector<Step> reconcile(const std::vector<NodeFacts>& nodes, const RecoveryPolicy& policy, TimeMs now);

/// Whether Slurm shows a failed boot of this episode: DOWN, with "ResumeTimeout
/// reached" or "Node unexpectedly rebooted" as the newest part of its reason
/// (slurm::latest_reason()), or, when those words are an older part (23.02
/// and later keep a reason through State=RESUME and power-down, and do not
/// append words it already has but update its time), powered down by Slurm
/// with the reason's time at or after a power-on of slumber's that never
/// registered (`booting_since`). Anything else is a reason left over from an
/// earlier episode.
bool failed_boot_now(const NodeFacts& node);

/// Slurm's reasons for a node it took out of service after a power event
/// ("ResumeTimeout reached", "Node unexpectedly rebooted"), read by what the
/// reason contains (slurm::has_reason(): 23.02 appends them to an earlier
/// reason).
bool is_failed_boot_reason(std::string_view reason);

/// Where Slurm's view and the BMC's disagree about power, in words for
/// `slumber status` ("Slurm counts it as powered down, its BMC says on");
/// empty when they agree, or while a power change is under way.
std::string power_disagreement(const slurm::NodeState& slurm, power::PowerState bmc);

/// What a power-on asked by Slurm must do, given what is known so far.
struct PowerOnFacts {
    /// Slurm asked (its resume hook, or recovery carrying out a wake whose
    /// hook never ran); a power-on from the command line is taken as said.
    bool asked_by_slurm = false;
    /// slumber's latest power-on of the node that has not registered yet.
    std::optional<TimeMs> open_boot;
    std::optional<power::PowerState> bmc;
    /// Slurm shows it registered and up (responding, neither powered down
    /// nor powering up), when Slurm was asked.
    std::optional<bool> registered;
    /// Slurm asked for a reboot through ResumeProgram
    /// (slurm::resume_is_reboot()): a node that is on is power-cycled
    /// even though it is registered; one that is off is switched on.
    bool reboot = false;
    /// Soon after this daemon took over from another controller's
    /// (docs/ha.md): a node found on may be booting from that daemon's
    /// power-on, which a power cycle would start again.
    bool boot_elsewhere = false;
};

enum class PowerOnStep {
    on,          ///< switch it on (a no-op on a node that is on)
    read_bmc,    ///< decide again once the BMC has been read
    read_slurm,  ///< decide again once Slurm's view has been read
    cycle,       ///< on but not registered, no boot under way, or a reboot: start it afresh
};

/// Slurm asks to power on a node whose BMC says on but whose slurmd never
/// registered (left on after a failed resume, an off that failed): a plain
/// "on" would do nothing and Slurm would give up again at ResumeTimeout, and
/// slurmctld ignores a registration whose boot time is older than its resume
/// request. Such a node is power-cycled, unless a boot slumber started is
/// still within `boot_deadline_ms` (Slurm may run ResumeProgram twice for one
/// boot, and the second call must not reset a booting node).
PowerOnStep power_on_step(const PowerOnFacts& facts, TimeMs boot_deadline_ms, TimeMs now);

/// With no boot this long, a boot deadline of slumber's own is used.
inline constexpr TimeMs kDefaultBootDeadlineMs = 600000;

/// The boot deadline the daemon applies, in ms (0: none, Slurm decides):
/// `configured` ([daemon] boot_deadline) when set; otherwise, when Slurm
/// never gives up on a boot (ResumeTimeout=INFINITE, 25.05 and later), what
/// the measured boots suggest (1.5 x the slowest, at least a minute:
/// suggested_resume_timeout()), or kDefaultBootDeadlineMs without any.
TimeMs boot_deadline(std::optional<TimeMs> configured, const slurm::ResumeTimeout& slurm,
                     const std::vector<BootStats>& measured);

}  // namespace slumber::engine
