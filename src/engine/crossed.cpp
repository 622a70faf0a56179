#include "engine/crossed.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <map>
#include <string_view>

#include "slurm/dialect.hpp"

namespace slumber::engine {
namespace {

bool switches_on(power::Action action) { return action == power::Action::on || action == power::Action::cycle; }
bool switches_off(power::Action action) { return action == power::Action::off || action == power::Action::soft; }
// Its own power cycle explains a node's silence too.
bool takes_power(power::Action action) { return switches_off(action) || action == power::Action::cycle; }

// Slurm itself is changing its power: its own doing, not a crossed BMC's.
bool slurm_changing_power(const slurm::NodeState& node) {
    return node.powered_down() || node.powering_up() || node.has("POWERING_DOWN") || node.has("POWER_DOWN") ||
           slurm::rebooting(node);
}

// Whether slumber changed `node`'s power in [from, to] with an action `counts` accepts.
template <typename Counts>
bool changed_by_slumber(const std::vector<PowerChange>& changes, const std::string& node, TimeMs from, TimeMs to,
                        Counts counts) {
    return std::any_of(changes.begin(), changes.end(), [&](const PowerChange& change) {
        return change.node == node && counts(change.action) && change.at >= from && change.at <= to;
    });
}

const CrossedWitness* find(const std::vector<CrossedWitness>& nodes, const std::string& name) {
    const auto it =
        std::find_if(nodes.begin(), nodes.end(), [&](const CrossedWitness& node) { return node.slurm.name == name; });
    return it == nodes.end() ? nullptr : &*it;
}

// The latest a power-on may be journaled and still count for a wake at
// `boot_ms` (woke_candidates()), and so the last moment that wake is judged.
TimeMs wake_judged_until(TimeMs boot_ms, const CrossedWindows& windows) {
    return boot_ms + kCallSlackMs + windows.after_on_ms + kLateLookMs;
}

bool silence_judged(const CrossedWitness& node, TimeMs now) {
    return node.silent_since && node.seen_up_at && now - *node.silent_since <= kSilenceJudgedMs;
}

// The earliest a power change may have taken effect, Unix ms: not before
// it was asked for, and at most kCallSlackMs before its event. Slurm's
// BootTime is in whole seconds: a boot in the second the request came may
// be its.
TimeMs earliest_effect(const PowerChange& change) {
    return change.asked_at ? std::max(*change.asked_at - 1000, change.at - kCallSlackMs) : change.at - kCallSlackMs;
}

// The boot time the node shows now when up, else the one it was last seen
// up with, Unix ms.
std::optional<TimeMs> latest_boot_ms(const CrossedWitness& node) {
    if (seen_up(node.slurm) && node.slurm.boot_time) return *node.slurm.boot_time * 1000;
    return node.seen_up_boot_ms;
}

// The switched node registered a boot after the power-on, whatever Slurm
// shows now (it may have run a job and been suspended since): up with a
// boot time after the change may have taken effect. Being up is not
// enough: a node that stays up with its earlier boot time through its own
// power-on or power cycle did not boot, and the change reached another
// machine (a tester's `slumber power on` of a running vnode002 booted
// sleeping vnode003's machine, and Slurm's next suspend of vnode002 stopped
// vnode003 under its job). Without a boot time (none known yet), seen up
// after the change counts.
bool registered_since(const CrossedWitness& node, const PowerChange& change) {
    if (const auto boot = latest_boot_ms(node)) return *boot >= earliest_effect(change);
    if (seen_up(node.slurm)) return true;
    return node.seen_up_at && *node.seen_up_at > change.at;
}

// Up through its own power change with the boot time it had before.
bool stayed_up(const CrossedWitness& node, const PowerChange& change) {
    const auto boot = latest_boot_ms(node);
    return boot && *boot < earliest_effect(change) && node.seen_up_at && *node.seen_up_at > change.at;
}

// B booted unasked (from sleep, or while running), and slumber's latest
// switch of it before that boot is no power-on near it. An own power-on that a power-off
// followed explains nothing: a tester's `slumber power on B; slumber power
// off B` hid the pattern when A's resume booted B's machine 50 s later.
bool booted_unasked(const CrossedWitness& node, const std::vector<PowerChange>& changes, const CrossedWindows& windows,
                    TimeMs now) {
    if (node.suspected || !node.woke_unasked) return false;
    const TimeMs booted = node.woke_unasked->boot_ms;
    if (now > wake_judged_until(booted, windows)) return false;  // settled: judged when it could be
    const PowerChange* latest = nullptr;
    for (const PowerChange& change : changes) {
        if (change.node != node.slurm.name || change.at > booted + kCallSlackMs) continue;
        // Up with a boot after its own power-on, it restarted since: that
        // power-on was the earlier boot's (a tester's node, woken for a job
        // 30 s before another's power cycle restarted it).
        const UnaskedWake& wake = *node.woke_unasked;
        if (wake.from == BootedFrom::running && change.at < wake.earlier_boot_ms + kLookSlackMs) continue;
        if (!switches_on(change.action) && !switches_off(change.action)) continue;
        if (latest == nullptr || change.at >= latest->at) latest = &change;
    }
    // A boot later than ResumeTimeout is still its own power-on's.
    return latest == nullptr || !switches_on(latest->action) || latest->at < booted - 2 * windows.after_on_ms;
}

// slumber switched the node of `on` off (a hard power-off, carried out)
// after `on` and before `boot_ms`, with room for BootTime's whole seconds
// and its jitter. Whatever `on` started at that BMC address was stopped
// again before the boot, so the boot is not its doing, and the node's not
// registering is no evidence: it was switched off. A tester's `slumber
// power cycle` of an idle node, which Slurm suspended 2 s later, beside a
// sleeping node that woke by itself, paired the two. A soft shutdown does
// not count: a machine still in its firmware may not heed it.
bool switched_off_before(const PowerChange& on, const std::vector<PowerChange>& changes, TimeMs boot_ms) {
    // BootTime is whole seconds, rounded down, and moves by one between
    // registrations of one boot (engine/witness_memory.cpp).
    constexpr TimeMs kBootTimeSlackMs = 2000;
    return changed_by_slumber(changes, on.node, on.at + 1, boot_ms - kBootTimeSlackMs,
                              [](power::Action action) { return action == power::Action::off; });
}

// The power-ons (and power cycles) that may have booted `other`: each
// within after_on_ms before its boot, while it still slept (or, a power
// cycle only, still ran with its earlier boot), of a node that has not
// registered a boot since.
std::vector<const PowerChange*> woke_candidates(const CrossedWitness& other, const std::vector<CrossedWitness>& nodes,
                                                const std::vector<PowerChange>& changes,
                                                const CrossedWindows& windows) {
    std::vector<const PowerChange*> found;
    const UnaskedWake& wake = *other.woke_unasked;
    for (const PowerChange& change : changes) {
        if (!switches_on(change.action) || change.node == other.slurm.name) continue;
        // A power-on restarts no running machine (IPMI's chassis power on,
        // Redfish's On, a plug's on change nothing on one that is on): a
        // node that restarted while running was another's power cycle, or
        // its own doing. A tester's `slumber power on` of a running node
        // beside a node that rebooted by itself paired the two.
        if (wake.from == BootedFrom::running && change.action != power::Action::cycle) continue;
        if (wake.boot_ms < earliest_effect(change) || wake.boot_ms - change.at > windows.after_on_ms) continue;
        if (wake.asleep_until < change.at - kCallSlackMs) continue;  // it had left that state already
        const CrossedWitness* asked = find(nodes, change.node);
        if (asked == nullptr || asked->suspected) continue;
        // A node's latest power-on before the boot is the one judged (the
        // changes come oldest first): it was switched on again, so what its
        // earlier one started is not what it waits for now. A tester's
        // vnode001, switched on and registered, off, then on again for a
        // slow boot, was suspected from the first power-on (its brief
        // registration unseen by a look) 20 s into the second boot.
        const auto same =
            std::find_if(found.begin(), found.end(), [&](const PowerChange* c) { return c->node == change.node; });
        if (same != found.end()) found.erase(same);
        if (!registered_since(*asked, change) && !switched_off_before(change, changes, wake.boot_ms)) {
            found.push_back(&change);
        }
    }
    return found;
}

// The earliest a node seen silent may have gone silent, Unix ms: just
// after it was last seen up. Looks every 2 s see it at once; a daemon
// started after a stop sees it first only then (a hook's carrier saw it up
// after its power-off, and saved that), and its silence may have
// begun any time since that look. A tester's daemon, back 20 s after a
// hook's crossed power-off, first saw the silenced node past the window and
// judged nothing, while it began within it.
TimeMs silence_began(const CrossedWitness& node) { return std::min(*node.seen_up_at, *node.silent_since); }

// Y went silent unexplained: seen up, then not responding, while Slurm
// neither powers it down nor reboots it and slumber switched it off not.
bool silenced_unasked(const CrossedWitness& node, const std::vector<PowerChange>& changes,
                      const CrossedWindows& windows, TimeMs now) {
    const slurm::NodeState& state = node.slurm;
    if (node.suspected || !silent(state, node.seen_up_at) || !silence_judged(node, now)) return false;
    // Slurm's power-down of a node it found silent first explains nothing:
    // in CI's run (2026-12-05) vnode001, stopped under its job by a hook's
    // crossed power-off of vnode002, was set DOWN and suspended by Slurm
    // while no daemon ran, and that power-off stopped vnode002's machine too.
    if (slurm_changing_power(state) && !found_silent_by_slurm(state, node.seen_up_at)) return false;
    // Its own power-off may be journaled after it went silent (the call
    // ends when the BMC confirms it), but took effect no earlier than it was
    // asked for. It went silent after it was last seen up (silence_began()).
    return std::none_of(changes.begin(), changes.end(), [&](const PowerChange& change) {
        return change.node == state.name && takes_power(change.action) &&
               change.at >= silence_began(node) - windows.after_off_ms && earliest_effect(change) <= *node.silent_since;
    });
}

// The power-offs that may have silenced `other`: each before it went
// silent, within after_off_ms, while it was still up, of a node not
// switched on again since (up to now: its slurmd answering after a
// power-on of its own proves nothing), unless it was seen up since with
// the boot time it had before the power-off: its machine never stopped.
// A power cycle is a power-off too: a tester's cycle of an unregistered
// node restarted another, running one, whose boot outlasted SlurmdTimeout,
// and it went silent first.
std::vector<const PowerChange*> silenced_candidates(const CrossedWitness& other,
                                                    const std::vector<CrossedWitness>& nodes,
                                                    const std::vector<PowerChange>& changes,
                                                    const CrossedWindows& windows) {
    std::vector<const PowerChange*> found;
    const TimeMs silent = *other.silent_since;
    for (const PowerChange& change : changes) {
        if (!takes_power(change.action) || change.node == other.slurm.name) continue;
        if (silent < change.at - kCallSlackMs || silence_began(other) - change.at > windows.after_off_ms) continue;
        if (*other.seen_up_at < change.at - kLookSlackMs) continue;  // silent before the off
        const CrossedWitness* asked = find(nodes, change.node);
        if (asked == nullptr || asked->suspected) continue;
        if (changed_by_slumber(changes, change.node, change.at + 1, std::numeric_limits<TimeMs>::max(), switches_on) &&
            !stayed_up(*asked, change)) {
            continue;
        }
        if (std::none_of(found.begin(), found.end(), [&](const PowerChange* c) { return c->node == change.node; })) {
            found.push_back(&change);
        }
    }
    return found;
}

// The switched-off node was dark in Slurm's view since before its power-off
// could have started (its event is journaled when the call ends): its own
// slurmd was not running, so the machine its power-off stopped was
// another's. Seen by a tester: recovery switched off sleeping vnode002,
// whose BMC said on because it drove vnode003's machine, and killed
// vnode003's job; vnode002's slurmd never answered, as it never had.
// A power cycle's node (on at its BMC, never registered: carrier.cpp's
// fresh boot) counts as dark before it when it was dark by the time the
// cycle was asked for, however shortly: it had been dark since its own
// power-off seconds before in a tester's run, which the call's slack missed.
// A plain power-off does not count when Slurm was powering the node up
// within the call's slack before it: its own machine may have been booting,
// dark in Slurm's view until it registers. A tester's admin forced down a
// node 18 s into its slow boot while another crashed by itself, and the
// two were drained as crossed.
bool dark_before(const CrossedWitness& node, const PowerChange& off) {
    if (!node.dark_since) return false;
    if (off.action == power::Action::cycle && off.asked_at) return *node.dark_since <= *off.asked_at;
    if (off.action != power::Action::cycle && node.powering_up_at && *node.powering_up_at > off.at - kCallSlackMs) {
        return false;
    }
    return *node.dark_since <= off.at - kCallSlackMs;
}

// Which of the power-offs that may have silenced a node stopped another
// machine than its own. Slurm suspends idle nodes in batches (one
// SuspendProgram call for several), so a silence may follow many power-offs;
// the one that caused it is the one whose own machine still runs (its
// slurmd answers), else the one whose own machine was dark before it (see
// dark_before()). Seen by a tester: vnode001, vnode003 and vnode004
// suspended together, vnode002 silenced, and nothing suspected while the
// check wanted a single power-off; Slurm's next suspend of vnode002 then
// switched off vnode003's machine too.
struct Culprit {
    const PowerChange* off = nullptr;  ///< nullptr: none, or not decided yet
    bool answers = false;              ///< its slurmd answers (else: it was dark before)
    std::vector<std::string> others;   ///< the other candidates, ruled out
};

Culprit silencing_off(const std::vector<const PowerChange*>& candidates, const std::vector<CrossedWitness>& nodes) {
    std::vector<const PowerChange*> answering;
    std::vector<const PowerChange*> dark;
    for (const PowerChange* off : candidates) {
        const CrossedWitness& asked = *find(nodes, off->node);
        if (!asked.slurmd_answers) return {};  // not asked yet: decided once every one has been
        // A power cycle's node answers for its own reboot: only its being
        // dark before counts (recovery cycles registered, stuck nodes),
        // or its being up since with the boot time it had before (an
        // admin's cycle of a running node whose machine never stopped).
        if (*asked.slurmd_answers && (off->action != power::Action::cycle || stayed_up(asked, *off))) {
            answering.push_back(off);
        }
        if (dark_before(asked, *off)) dark.push_back(off);
    }
    // Two whose machines run, or two dark before and none running: which
    // one it was cannot be told, and a false pair blocks two good nodes.
    Culprit culprit;
    if (answering.size() == 1) {
        culprit = {answering.front(), true, {}};
    } else if (answering.empty() && dark.size() == 1) {
        culprit = {dark.front(), false, {}};
    } else {
        return {};
    }
    for (const PowerChange* off : candidates) {
        if (off != culprit.off) culprit.others.push_back(off->node);
    }
    return culprit;
}

std::string seconds_after(TimeMs later, TimeMs earlier) {
    return fmt::format("{:.0f} s", static_cast<double>(std::max<TimeMs>(later - earlier, 0)) / 1000.0);
}

// When a silent node went silent, after `change_at`, in words: a span when
// it was not looked at in between (silence_began()).
std::string silent_when(const CrossedWitness& node, TimeMs change_at) {
    if (*node.silent_since - silence_began(node) <= kLookSlackMs) return seconds_after(*node.silent_since, change_at);
    return fmt::format("between {} and {}", seconds_after(silence_began(node), change_at),
                       seconds_after(*node.silent_since, change_at));
}

// Each node in at most one pair: a node two pairs claim is in neither
// (a crossed mapping is one to one; two claims mean a coincidence).
std::vector<CrossedPair> one_to_one(std::vector<CrossedPair> pairs) {
    std::map<std::string, int> claims;
    for (const CrossedPair& pair : pairs) {
        ++claims[pair.asked];
        ++claims[pair.other];
    }
    std::erase_if(pairs, [&](const CrossedPair& pair) { return claims[pair.asked] > 1 || claims[pair.other] > 1; });
    return pairs;
}

}  // namespace

bool seen_up(const slurm::NodeState& node) {
    return node.responding() && !node.powered_down() && !node.powering_up() && !node.has("POWERING_DOWN");
}

bool found_silent_by_slurm(const slurm::NodeState& node, std::optional<TimeMs> seen_up_at) {
    if (node.base != "DOWN" || !slurm::has_reason(node.reason, slurm::Reason::not_responding)) return false;
    // Slurm's reason time is whole seconds, rounded down.
    return !node.reason_time || !seen_up_at || *node.reason_time * 1000 + 1000 > *seen_up_at;
}

bool silent(const slurm::NodeState& node, std::optional<TimeMs> seen_up_at) {
    if (!node.responding()) return true;
    return (node.powered_down() || node.has("POWERING_DOWN") || node.has("POWER_DOWN")) &&
           found_silent_by_slurm(node, seen_up_at);
}

CrossedWindows crossed_windows(TimeMs resume_timeout_s, TimeMs suspend_timeout_s, TimeMs slurmd_timeout_s) {
    return {.after_on_ms = resume_timeout_s * 1000,
            .after_off_ms = (suspend_timeout_s + slurmd_timeout_s) * 1000 + kLookSlackMs};
}

TimeMs crossed_look_back(const std::vector<CrossedWitness>& nodes, const CrossedWindows& windows, TimeMs now) {
    TimeMs since = now;
    for (const CrossedWitness& node : nodes) {
        // A wake's own power-on may be up to twice ResumeTimeout before its
        // boot (booted_unasked()); the power-ons that may have caused it, one.
        if (node.woke_unasked && now <= wake_judged_until(node.woke_unasked->boot_ms, windows)) {
            since = std::min(since, node.woke_unasked->boot_ms - 2 * windows.after_on_ms);
        }
        // A silence's own power-off and those that may have caused it are
        // within after_off_ms before it; the power-ons since then follow.
        if (silence_judged(node, now)) since = std::min(since, silence_began(node) - windows.after_off_ms);
    }
    return since - kLookSlackMs;
}

bool effect_may_show(const std::vector<CrossedWitness>& nodes, const std::vector<PowerChange>& changes,
                     const CrossedWindows& windows, TimeMs now) {
    // The two nodes seen up last, so that "another node" is one look each.
    const CrossedWitness* latest_up = nullptr;
    const CrossedWitness* second_up = nullptr;
    std::map<std::string_view, const CrossedWitness*> by_name;
    for (const CrossedWitness& node : nodes) {
        by_name.emplace(node.slurm.name, &node);
        if (!node.seen_up_at) continue;
        if (latest_up == nullptr || *node.seen_up_at > *latest_up->seen_up_at) {
            second_up = latest_up;
            latest_up = &node;
        } else if (second_up == nullptr || *node.seen_up_at > *second_up->seen_up_at) {
            second_up = &node;
        }
    }
    return std::any_of(changes.begin(), changes.end(), [&](const PowerChange& change) {
        const TimeMs age = now - change.at;
        if (switches_on(change.action) && age <= windows.after_on_ms + kLookSlackMs) {
            const auto asked = by_name.find(change.node);
            if (asked != by_name.end() && !registered_since(*asked->second, change)) return true;
        }
        if (takes_power(change.action) && age <= windows.after_off_ms + kLookSlackMs) {
            const CrossedWitness* other =
                latest_up != nullptr && latest_up->slurm.name == change.node ? second_up : latest_up;
            if (other != nullptr && *other->seen_up_at >= change.at - kLookSlackMs) return true;
        }
        return false;
    });
}

std::vector<std::string> crossed_probes(const std::vector<CrossedWitness>& nodes,
                                        const std::vector<PowerChange>& changes, const CrossedWindows& windows,
                                        TimeMs now) {
    std::vector<std::string> probes;
    for (const CrossedWitness& other : nodes) {
        if (!silenced_unasked(other, changes, windows, now)) continue;
        for (const PowerChange* off : silenced_candidates(other, nodes, changes, windows)) {
            if (std::ranges::find(probes, off->node) == probes.end()) probes.push_back(off->node);
        }
    }
    return probes;
}

CrossedJudgement suspect_crossed(const std::vector<CrossedWitness>& nodes, const std::vector<PowerChange>& changes,
                                 const CrossedWindows& windows, TimeMs now) {
    CrossedJudgement judged;
    std::vector<CrossedPair> woke_pairs;
    for (const CrossedWitness& other : nodes) {
        const slurm::NodeState& state = other.slurm;
        if (booted_unasked(other, changes, windows, now)) {
            const auto candidates = woke_candidates(other, nodes, changes, windows);
            // Open while any power-on that may have woken it is within its
            // window: each of those nodes may register yet.
            if (std::ranges::any_of(candidates,
                                    [&](const PowerChange* on) { return now - on->at < windows.after_on_ms; })) {
                for (const PowerChange* on : candidates)
                    judged.open.push_back(
                        {on->node, state.name, on->at + windows.after_on_ms, on->action, other.woke_unasked->from});
                continue;
            }
            if (candidates.size() != 1) continue;
            const PowerChange& on = *candidates.front();
            const CrossedWitness& asked = *find(nodes, on.node);
            const bool running = other.woke_unasked->from == BootedFrom::running;
            woke_pairs.push_back(
                {on.node, state.name, running ? CrossedPattern::rebooted_other : CrossedPattern::woke_other,
                 fmt::format("slumber {} {}{}; {}, {}, registered with a boot time {} after that {}; {} has not "
                             "registered{} in the {} since (Slurm shows it {})",
                             on.action == power::Action::cycle ? "power-cycled" : "switched", on.node,
                             on.action == power::Action::cycle ? "" : " on", state.name,
                             running ? "up in Slurm's view until then and restarted by neither Slurm nor slumber"
                                     : "asleep in Slurm's view and switched on by nobody",
                             seconds_after(other.woke_unasked->boot_ms, on.at),
                             on.action == power::Action::cycle ? "power cycle" : "power-on", on.node,
                             stayed_up(asked, on) ? " a boot of its own (it stayed up with the boot time it had "
                                                    "before)"
                                                  : "",
                             seconds_after(now, on.at), asked.slurm.state_text())});
        } else if (silenced_unasked(other, changes, windows, now)) {
            const Culprit culprit = silencing_off(silenced_candidates(other, nodes, changes, windows), nodes);
            if (culprit.off == nullptr) continue;
            const PowerChange& off = *culprit.off;
            const CrossedWitness& asked = *find(nodes, off.node);
            const bool answers = culprit.answers;
            const bool cycled = off.action == power::Action::cycle;
            const std::string_view change = cycled ? "power cycle" : "power-off";
            std::string why =
                answers ? fmt::format("{}'s slurmd still answers", off.node)
                        : fmt::format(
                              "{} was dark in Slurm's view for at least {} before that {} (Slurm shows it "
                              "{}), so the machine it stopped was not its own",
                              off.node, seconds_after(off.at, *asked.dark_since), change, asked.slurm.state_text());
            if (!culprit.others.empty()) {
                why += fmt::format("; of the other power-offs before the silence ({}), none left a slurmd answering{}",
                                   fmt::join(culprit.others, ", "), answers ? "" : " or a node dark before");
            }
            judged.pairs.push_back(
                {off.node, state.name, CrossedPattern::silenced_other,
                 fmt::format("slumber {} {}{}; {}, up until then, stopped responding {} "
                             "after that {} (Slurm shows it {}), and nothing of slumber's or "
                             "Slurm's explains it; {}",
                             cycled ? "power-cycled" : "switched", off.node, cycled ? "" : " off", state.name,
                             silent_when(other, off.at), change, state.state_text(), why),
                 answers});
        }
    }
    judged.pairs = one_to_one(std::move(judged.pairs));
    // One power-on, several nodes woken unasked: one of them is on the
    // switched node's address, the others woke by themselves, and which is
    // which cannot be told. All are blocked with the switched node, each as
    // a pair with it: a tester's node that rebooted by itself in the window
    // was blamed alone once the real partner's wake was no longer judged,
    // and the real partner stayed in service, switching the other machine
    // at every job. Judged together, at the same pass: each wake is judged
    // until ResumeTimeout after its boot, past the power-on's window.
    const std::vector<CrossedPair> silenced = judged.pairs;
    std::map<std::string, std::vector<std::string>> woken;
    for (const CrossedPair& pair : woke_pairs) woken[pair.asked].push_back(pair.other);
    for (CrossedPair& pair : woke_pairs) {
        const std::vector<std::string>& all = woken[pair.asked];
        if (all.size() > 1) {
            pair.evidence += fmt::format(
                "; {} registered unasked after it too ({}): one of them is on {}'s BMC address and the "
                "others woke by themselves, which cannot be told apart, so each is blocked with {}",
                all.size() - 1 == 1 ? "another node" : "other nodes", fmt::join(all, ", "), pair.asked, pair.asked);
        }
        // A node already in a silence pair is judged there alone.
        if (std::ranges::none_of(silenced, [&](const CrossedPair& other) {
                return other.asked == pair.other || other.other == pair.other || other.asked == pair.asked ||
                       other.other == pair.asked;
            })) {
            judged.pairs.push_back(std::move(pair));
        }
    }
    return judged;
}

std::vector<std::string> CrossedJudgement::pending() const {
    std::vector<std::string> nodes;
    for (const OpenWake& wake : open) {
        for (const std::string* node : {&wake.asked, &wake.other}) {
            if (std::ranges::find(nodes, *node) == nodes.end()) nodes.push_back(*node);
        }
    }
    return nodes;
}

std::string crossed_drain_reason(const CrossedPair& pair) {
    const auto& [first, second] = std::minmax(pair.asked, pair.other);
    return fmt::format("slumber: BMC addresses of {} and {} look crossed; check, then slumber unblock {},{}", first,
                       second, first, second);
}

}  // namespace slumber::engine
