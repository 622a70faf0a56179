#include "engine/recovery.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace slumber::engine {
namespace {

enum class Situation {
    healthy,       // nothing to do
    booted,        // down after a failed or unasked boot, slurmd answering
    failed_boot,   // down~ after a failed or unasked boot
    too_many,      // failed too often: drain
    off_failed,    // powered down in Slurm's view, but its power-off failed
    lost_wake,     // Slurm is waking it, slumber was never asked
    drain_lifted,  // drained by slumber, no longer drained: an admin returned it
    drain_undone,  // drained by slumber, lifted by Slurm's idle_on_node_suspend: drain it again
    drained_on,    // drained by slumber, powered down in Slurm's view, not switched off yet
    dark,          // not responding and not powered down: the BMC decides
    power_lost,    // dark, BMC off, no power-off of slumber's
    lost_again,    // the same within power_loss_window_ms of the last one
    parked_down,   // down~ "Not responding": powered down after it went silent
    boot_overdue,  // Slurm still waits for its boot, past slumber's deadline
    asleep_due,    // asleep in Slurm's view, its BMC due to be read
    left_on,       // asleep in Slurm's view, on at its BMC past late_off_grace
};

// Slurm's words for a node it marked down when it stopped answering
// (22.05 to 24.11), and not for one whose boot failed: from 23.02 Slurm
// appends "ResumeTimeout reached" to the reason ("Not responding : …").
bool is_silent(const NodeFacts& node) {
    return slurm::has_reason(node.slurm.reason, slurm::Reason::not_responding) && !failed_boot_now(node);
}

// Slurm counts it as up but it does not answer, and nothing of slumber's or
// of Slurm's power saving explains it.
bool looks_dark(const NodeFacts& node) {
    const slurm::NodeState& state = node.slurm;
    if (state.responding() || state.powered_down() || state.powering_up() || state.has("POWERING_DOWN")) return false;
    if (state.has("POWER_DOWN") || state.base == "FUTURE" || state.base == "UNKNOWN") return false;
    // Its jobs are Slurm's to requeue first (it does when it marks the node
    // DOWN); POWER_DOWN_FORCE would cancel them.
    if (state.running_jobs()) return false;
    // Slurm is rebooting it (scontrol reboot, RebootProgram): silent, and
    // perhaps off for a moment, by Slurm's own hand.
    if (slurm::rebooting(state)) return false;
    return !node.latest_request_off && (state.reason.empty() || is_silent(node));
}

// Its BMC has not been read since its block was lifted (`slumber unblock`):
// read at once. A tester's crossed pair, unblocked with the addresses put
// right, showed one node `idle~` while its machine ran, for minutes: slumber
// had switched it off (through the crossed address), so its BMC was due
// only at the 10-minute recheck.
bool unread_since_unblock(const NodeFacts& node, std::optional<TimeMs> read_at) {
    return node.unblocked_at && (!read_at || *read_at < *node.unblocked_at);
}

Situation dark_situation(const NodeFacts& node, const RecoveryPolicy& policy, TimeMs now) {
    const auto boot_time = node.slurm.boot_time;
    if (node.last_power_loss && (!boot_time || *boot_time * 1000 <= *node.last_power_loss)) {
        return Situation::healthy;  // the loss already journaled and acted on
    }
    if (!node.bmc) {
        const bool due = !node.dark_bmc_read_at || now - *node.dark_bmc_read_at >= policy.dark_recheck_ms ||
                         unread_since_unblock(node, node.dark_bmc_read_at);
        return due ? Situation::dark : Situation::healthy;
    }
    if (*node.bmc != power::PowerState::off) return Situation::healthy;  // on and silent: Slurm's to judge
    return node.recent_power_losses > 0 ? Situation::lost_again : Situation::power_lost;
}

std::string_view reason_text(std::string_view reason) { return reason.empty() ? "no reason" : reason; }

// A node asleep in Slurm's view whose suspend never reached slumber (no
// power-off since it last booted), or whose BMC was found on, is read every
// late_off_grace; one slumber switched off, every asleep_recheck_ms; one
// just unblocked, at once. One switched off before this daemon last began
// acting is read once soon, then as one slumber switched off if found off:
// after a takeover at 10,000 sleeping nodes, every BMC read every minute
// for good would be a cost for nothing.
bool urgent_read(const NodeFacts& node) {
    if (node.off_before_acting) {
        return !node.asleep_bmc_read_at || node.on_while_asleep_since ||
               unread_since_unblock(node, node.asleep_bmc_read_at);
    }
    return !node.latest_request_off || node.on_while_asleep_since ||
           unread_since_unblock(node, node.asleep_bmc_read_at);
}

TimeMs last_asleep_read(const NodeFacts& node, TimeMs now) {
    return node.asleep_bmc_read_at.value_or(node.asleep_since.value_or(now));
}

bool asleep_read_due(const NodeFacts& node, const RecoveryPolicy& policy, TimeMs now) {
    if (unread_since_unblock(node, node.asleep_bmc_read_at)) return true;
    if (urgent_read(node)) {
        return !node.asleep_bmc_read_at || now - *node.asleep_bmc_read_at >= policy.late_off_grace_ms;
    }
    return now - last_asleep_read(node, now) >= policy.asleep_recheck_ms;
}

Situation asleep_situation(const NodeFacts& node, const RecoveryPolicy& policy, TimeMs now) {
    if (!node.bmc) return asleep_read_due(node, policy, now) ? Situation::asleep_due : Situation::healthy;
    // Paused has power too; a BMC on its way on or off is read again later
    // (the daemon starts the grace afresh: a node's own shutdown).
    const bool powered = *node.bmc == power::PowerState::on || *node.bmc == power::PowerState::paused;
    const bool long_enough =
        node.on_while_asleep_since && now - *node.on_while_asleep_since >= policy.late_off_grace_ms;
    return powered && long_enough && now >= policy.left_on_hold_until ? Situation::left_on : Situation::healthy;
}

TimeMs off_retry_after(const NodeFacts& node, const RecoveryPolicy& policy) {
    return policy.off_retry_ms << std::min(node.failed_offs - 1, 6);
}

Situation situation(const NodeFacts& node, const RecoveryPolicy& policy, TimeMs now) {
    const slurm::NodeState& state = node.slurm;
    if (node.drained_at && !state.has("DRAIN")) {
        return node.drain_lifted_by_suspend ? Situation::drain_undone : Situation::drain_lifted;
    }
    if (node.excluded || node.request_open) return Situation::healthy;
    if (node.last_recovery && now - *node.last_recovery < policy.settle_ms) return Situation::healthy;
    if (state.has("DRAIN")) {
        const bool left_on = node.drained_at && !node.off_since_drain && state.powered_down() && !state.powering_up();
        return left_on && !policy.keep_drained_on && node.keep_on_by_name.empty() ? Situation::drained_on
                                                                                  : Situation::healthy;
    }
    if (policy.boot_deadline_ms > 0 && state.powering_up() && node.latest_request_on && node.booting_since &&
        now - *node.booting_since >= policy.boot_deadline_ms) {
        return node.failed_resumes + 1 >= policy.max_failures ? Situation::too_many : Situation::boot_overdue;
    }
    if (state.powering_up() && !node.latest_request_on && !node.wake_adopted && node.powering_up_since &&
        now - *node.powering_up_since >= policy.lost_wake_ms) {
        return Situation::lost_wake;
    }
    if (node.failed_offs > 0 && state.powered_down() && !state.powering_up() && state.base != "DOWN") {
        const bool due = !node.last_failed_off || now - *node.last_failed_off >= off_retry_after(node, policy);
        return due ? Situation::off_failed : Situation::healthy;
    }
    if (asleep_in_slurm(node)) return asleep_situation(node, policy, now);
    if (looks_dark(node)) return dark_situation(node, policy, now);
    // Slurm powers down a node that went silent (22.05 suspends DOWN nodes
    // after SuspendTime unless SuspendExcStates says otherwise; slumber's
    // POWER_DOWN_FORCE after a power loss ends here too), but leaves it DOWN.
    if (state.base == "DOWN" && state.powered_down() && !state.powering_up() && !state.has("POWERING_DOWN") &&
        node.failed_offs == 0 && is_silent(node)) {
        return Situation::parked_down;
    }
    if (!failed_boot_now(node)) return Situation::healthy;
    // Slurm is suspending it (a node that rebooted unasked, say, whose
    // suspend slumber may just have carried out): judged once that ends, by
    // a BMC read after the power-off. Its slurmd's last answer may be from
    // before it, and State=RESUME would end the power-down of a machine
    // that is off (scontrol(1), 23.02+: RESUME clears POWERING_DOWN).
    if (state.has("POWERING_DOWN")) return Situation::healthy;
    if (node.failed_resumes >= policy.max_failures) return Situation::too_many;
    if (!state.powered_down() && state.responding()) return Situation::booted;
    if (state.powered_down()) return Situation::failed_boot;
    return Situation::healthy;  // down, silent, not powered down: Slurm will suspend it
}

}  // namespace

bool asleep_in_slurm(const NodeFacts& node) {
    const slurm::NodeState& state = node.slurm;
    if (!state.powered_down() || state.powering_up() || state.base != "IDLE" || state.running_jobs()) return false;
    for (const std::string_view flag :
         {"POWERING_DOWN", "POWER_DOWN", "DRAIN", "FAIL", "REBOOT_REQUESTED", "REBOOT_ISSUED"}) {
        if (state.has(flag)) return false;
    }
    return !node.excluded && node.keep_on.empty() && !node.request_open && node.failed_offs == 0;
}

bool failed_boot_now(const NodeFacts& node) {
    const slurm::NodeState& state = node.slurm;
    if (state.base != "DOWN" || !is_failed_boot_reason(state.reason)) return false;
    if (is_failed_boot_reason(slurm::latest_reason(state.reason))) return true;
    return state.powered_down() && state.reason_time && node.booting_since &&
           *state.reason_time * 1000 >= *node.booting_since - 1000;  // Slurm's time is in whole seconds
}

bool is_failed_boot_reason(std::string_view reason) {
    return slurm::has_reason(reason, slurm::Reason::resume_timeout) ||
           slurm::has_reason(reason, slurm::Reason::unexpected_reboot);
}

TimeMs boot_deadline(std::optional<TimeMs> configured, const slurm::ResumeTimeout& slurm,
                     const std::vector<BootStats>& measured) {
    if (configured && *configured > 0) return *configured;
    if (!slurm.infinite()) return 0;
    const auto suggested = suggested_resume_timeout(measured);
    return suggested ? TimeMs{*suggested} * 1000 : kDefaultBootDeadlineMs;
}

std::vector<std::string> needs_bmc(const std::vector<NodeFacts>& nodes, const RecoveryPolicy& policy, TimeMs now) {
    std::vector<std::string> names;
    std::vector<const NodeFacts*> asleep;
    for (const NodeFacts& node : nodes) {
        const Situation found = situation(node, policy, now);
        // A lost wake too: a node another controller's daemon (or a person)
        // already powered on must not be switched again (docs/ha.md).
        if (found == Situation::failed_boot || found == Situation::dark || found == Situation::lost_wake) {
            names.push_back(node.slurm.name);
        }
        if (found == Situation::asleep_due) asleep.push_back(&node);
    }
    // Sleeping nodes, the most urgent first, then those unread the longest.
    std::stable_sort(asleep.begin(), asleep.end(), [now](const NodeFacts* a, const NodeFacts* b) {
        if (urgent_read(*a) != urgent_read(*b)) return urgent_read(*a);
        return last_asleep_read(*a, now) < last_asleep_read(*b, now);
    });
    asleep.resize(std::min(asleep.size(), policy.asleep_reads_per_pass));
    for (const NodeFacts* node : asleep) names.push_back(node->slurm.name);
    return names;
}

bool read_can_wait(const NodeFacts& node, const RecoveryPolicy& policy, TimeMs now) {
    return situation(node, policy, now) == Situation::asleep_due && !urgent_read(node);
}

std::vector<Step> reconcile(const std::vector<NodeFacts>& nodes, const RecoveryPolicy& policy, TimeMs now) {
    std::vector<Step> steps;
    for (const NodeFacts& node : nodes) {
        const std::string& name = node.slurm.name;
        switch (situation(node, policy, now)) {
            case Situation::healthy:
            case Situation::dark:        // its BMC could not be read
            case Situation::asleep_due:  // its BMC was not read this pass
                break;
            case Situation::left_on:
                steps.push_back(
                    {name, StepKind::power_off,
                     fmt::format("Slurm counts it as powered down ({}) but its BMC has said {} for {} s, {}: "
                                 "switching it off",
                                 node.slurm.state_text(), power::to_string(*node.bmc),
                                 (now - *node.on_while_asleep_since) / 1000,
                                 node.latest_request_off && node.unblocked_at
                                     ? "and its block was lifted since slumber last switched it (that power-off may "
                                       "have reached another machine: crossed BMC addresses)"
                                 : node.latest_request_off
                                     ? "after slumber switched it off: switched on behind slumber's back (a node "
                                       "kept on is powered up through Slurm, or excluded), or its BMC address "
                                       "drives another node's running machine (crossed BMC addresses)"
                                 : node.off_before_acting
                                     ? "and this daemon's power-off of it came before it last began acting: the "
                                       "other controller's daemon may have switched it on since, and Slurm's saved "
                                       "state lost that"
                                     : "and no power-off reached slumber since it last booted: its suspend was lost "
                                       "(a suspend hook that failed to run or was killed)")});
                break;
            case Situation::drain_undone:
                steps.push_back(
                    {name, StepKind::slurm_drain,
                     slurm::latest_reason(node.slurm.reason).starts_with("slumber:")
                         ? std::string(node.slurm.reason)
                         : std::string("slumber: drained again after Slurm's idle_on_node_suspend lifted slumber's "
                                       "drain; see slumber journal for why it was drained")});
                break;
            case Situation::drain_lifted:
                steps.push_back({name, StepKind::forget_failures,
                                 fmt::format("drained by slumber, now {}: returned to service by an admin; its "
                                             "failures so far are forgotten",
                                             node.slurm.state_text()),
                                 store::EventKind::returned});
                break;
            case Situation::drained_on:
                steps.push_back({name, StepKind::power_off,
                                 "drained for failed resumes while Slurm counts it as powered down: switching it off "
                                 "([daemon] keep_drained_on = true keeps it on for inspection)"});
                break;
            case Situation::power_lost:
                steps.push_back({name, StepKind::slurm_power_down,
                                 fmt::format("BMC off while Slurm shows it {} ({}) and {}; back into Slurm's "
                                             "powered-down pool",
                                             node.slurm.state_text(), reason_text(node.slurm.reason),
                                             policy.several_controllers
                                                 ? "this daemon asked for no power-off since it began acting: "
                                                   "switched off by the other controller's daemon (its journal "
                                                   "says), or power lost"
                                                 : "slumber asked for no power-off: power lost behind slumber's "
                                                   "back"),
                                 store::EventKind::power_lost});
                break;
            case Situation::parked_down:
                steps.push_back({name, StepKind::slurm_resume,
                                 fmt::format("powered down after \"{}\": available again, Slurm powers it up when a "
                                             "job needs it",
                                             node.slurm.reason)});
                break;
            case Situation::lost_again:
                steps.push_back({name, StepKind::slurm_drain,
                                 fmt::format("slumber: power lost again within {} min with no power-off asked (BMC "
                                             "off, Slurm {}): check its power supply and feed",
                                             policy.power_loss_window_ms / 60000, node.slurm.state_text()),
                                 store::EventKind::power_lost});
                break;
            case Situation::booted:
                steps.push_back({name, StepKind::slurm_resume,
                                 fmt::format("slurmd answers after \"{}\": back into service", node.slurm.reason)});
                break;
            case Situation::lost_wake:
                // Its BMC first: unread yet, the next pass decides; on (or on
                // its way), someone else's power-on is under way.
                if (!node.bmc && node.bmc_error.empty()) break;
                if (node.bmc && power::is_transitional(*node.bmc)) break;  // decided once the power has settled
                if (node.bmc && *node.bmc != power::PowerState::off) {
                    steps.push_back(
                        {name, StepKind::adopt_boot,
                         fmt::format("Slurm has been waking it for at least {} s ({}) without a resume request of "
                                     "slumber's, and its BMC says {}: powered on by someone else (the "
                                     "daemon of the controller that acted before, or a person); waiting "
                                     "for it to register",
                                     (now - *node.powering_up_since) / 1000, node.slurm.state_text(),
                                     power::to_string(*node.bmc))});
                    break;
                }
                steps.push_back(
                    {name, StepKind::power_on,
                     fmt::format("Slurm has been waking it for at least {} s ({}) but no resume request of "
                                 "slumber's is under way{}: powering it on",
                                 (now - *node.powering_up_since) / 1000, node.slurm.state_text(),
                                 node.bmc ? ", and its BMC says off"
                                          : fmt::format(" (its BMC could not be read: {})", node.bmc_error))});
                break;
            case Situation::off_failed:
                steps.push_back({name, StepKind::power_off,
                                 fmt::format("{} power-off(s) in a row failed (last: {}); Slurm counts it as "
                                             "powered down: trying again",
                                             node.failed_offs, node.failed_off_error)});
                break;
            case Situation::boot_overdue:
                steps.push_back({.node = name,
                                 .kind = StepKind::power_cycle,
                                 .why = fmt::format("not registered {} s after power-on, past the boot deadline of "
                                                    "{} s ({}): power cycle for a fresh boot",
                                                    (now - *node.booting_since) / 1000, policy.boot_deadline_ms / 1000,
                                                    node.slurm.state_text()),
                                 .failed_resume = true});
                break;
            case Situation::too_many: {
                // Past the boot deadline, this boot is the failure that
                // reaches the limit: it counts too.
                const bool overdue = node.slurm.powering_up();
                steps.push_back(
                    {.node = name,
                     .kind = StepKind::slurm_drain,
                     .why = fmt::format("slumber: {} failed resumes in a row, last: {}",
                                        node.failed_resumes + (overdue ? 1 : 0),
                                        overdue ? fmt::format("not registered within the boot deadline of {} s",
                                                              policy.boot_deadline_ms / 1000)
                                        : node.last_failure.empty() ? node.slurm.reason
                                                                    : node.last_failure),
                     .failed_resume = overdue});
                break;
            }
            case Situation::failed_boot:
                if (!node.bmc) break;                          // unreadable BMC: the failure count decides
                if (power::is_transitional(*node.bmc)) break;  // decided once the power has settled
                if (*node.bmc != power::PowerState::off && node.failed_at &&
                    now - *node.failed_at < policy.late_boot_grace_ms) {
                    break;  // perhaps only slow: let it register
                }
                if (*node.bmc != power::PowerState::off && !node.keep_on.empty() && !node.power_on_refused.empty()) {
                    break;  // neither off (kept on) nor a boot Slurm does not count (at its cap): left as it is
                }
                if (*node.bmc != power::PowerState::off && !node.keep_on.empty()) {
                    // Slurm was told to keep it on: a fresh boot instead of
                    // an off; slurmd registers and Slurm takes it back.
                    steps.push_back({name, StepKind::power_cycle,
                                     fmt::format("powered on but slurmd never registered; {}: power cycle for a "
                                                 "fresh boot rather than off",
                                                 node.keep_on)});
                } else if (*node.bmc != power::PowerState::off) {  // on, or paused: powered but not running
                    steps.push_back({name, StepKind::power_off,
                                     "powered on but slurmd never registered: off first, then Slurm powers it up "
                                     "again"});
                } else {
                    steps.push_back({name, StepKind::slurm_resume,
                                     fmt::format("powered off after \"{}\": available again, Slurm powers it up "
                                                 "when a job needs it",
                                                 node.slurm.reason)});
                }
                break;
        }
    }
    return steps;
}

std::string power_disagreement(const slurm::NodeState& slurm, power::PowerState bmc) {
    if (slurm.powering_up() || slurm.has("POWERING_DOWN")) return {};
    if (slurm.powered_down() && bmc == power::PowerState::on) {
        return slurm.has("DRAIN") ? "Slurm counts it as powered down (drained), its BMC says on"
                                  : "Slurm counts it as powered down, its BMC says on";
    }
    if (!slurm.powered_down() && bmc == power::PowerState::off && slurm.base != "FUTURE") {
        return "Slurm counts it as up, its BMC says off (power lost?)";
    }
    return {};
}

PowerOnStep power_on_step(const PowerOnFacts& facts, TimeMs boot_deadline_ms, TimeMs now) {
    if (!facts.asked_by_slurm) return PowerOnStep::on;
    if (facts.open_boot && now - *facts.open_boot < boot_deadline_ms) return PowerOnStep::on;  // a second call
    if (!facts.bmc) return PowerOnStep::read_bmc;
    // Powered but not running (paused) needs a fresh start as much as on;
    // off, or on its way on or off, is switched on.
    if (*facts.bmc != power::PowerState::on && *facts.bmc != power::PowerState::paused) return PowerOnStep::on;
    if (facts.reboot) return PowerOnStep::cycle;
    if (facts.boot_elsewhere) return PowerOnStep::on;  // let the other daemon's boot finish
    if (!facts.registered) return PowerOnStep::read_slurm;
    return *facts.registered ? PowerOnStep::on : PowerOnStep::cycle;
}

}  // namespace slumber::engine
