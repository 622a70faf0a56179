#include "service/verify_mapping.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "config/config.hpp"
#include "hostlist/hostlist.hpp"
#include "operate/blocks.hpp"
#include "operate/clock.hpp"
#include "operate/shared_journal.hpp"
#include "service/doctor_checks.hpp"
#include "service/mapping_check.hpp"
#include "slurm/conf_file.hpp"
#include "slurm/scontrol.hpp"
#include "slurm/slurm_conf.hpp"

namespace slumber::service {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

// Progress while waiting for a node: a line this often.
constexpr seconds kProgressEvery{5};
// After SuspendTimeout, the margin for Slurm to mark a node powered down.
constexpr seconds kPowerDownMargin{15};
// When slurm.conf cannot tell (ResumeTimeout INFINITE, from 25.05): as
// long as the carrier's boot deadline defaults to.
constexpr seconds kResumeLimitUnknown{600};

enum class Ending { registered, crossed, unclear, silent, interrupted };

struct Outcome {
    Ending ending = Ending::silent;
    std::string other;  ///< the node that registered instead (crossed; unclear: empty when the node itself did)
    std::string why;    ///< silent: what slumber's power-on said, when it failed; unclear: the nodes powered up
    double seconds = 0;
};

std::string signal_name(int signal) {
    if (signal == SIGINT) return "SIGINT";
    if (signal == SIGTERM) return "SIGTERM";
    return fmt::format("signal {}", signal);
}

// What every step reads and writes, gathered once.
struct Run {
    const config::Config& config;
    std::filesystem::path config_file;
    const slurm::SlurmView& slurm;
    store::Journal& journal;
    const VerifyMappingOptions& options;
    seconds resume_limit;
    seconds suspend_limit;
    DoctorReport& report;
    std::function<operate::PowerReading(const std::string&)> bmc_power;
    std::set<std::string> crossed;  ///< nodes already found in a crossed pair
    int stopped_by = 0;             ///< the signal that asked to stop; 0: none yet
    bool stop_journaled = false;    ///< the interruption is in the journal

    // Whether a signal asked to stop; once it has, it stays so.
    bool stopping() {
        if (stopped_by == 0 && options.stop_signal) stopped_by = options.stop_signal();
        return stopped_by != 0;
    }

    void say(const std::string& line) const {
        if (options.progress) options.progress(line);
    }
    // Each step is journaled on the node, as the daemon's own are.
    void note(const std::string& node, const std::string& detail) const {
        (void)journal.record({0, operate::wall_clock_ms(), node, std::nullopt, store::EventKind::mapping_check,
                              "doctor --verify-mapping: " + detail});
    }
    void find(Check check, std::string what, std::string fix, std::vector<std::string> nodes) const {
        report.findings.push_back({check, std::move(what), config_file, 0, std::move(fix), "", std::move(nodes)});
    }
    // The fix, unless given: wait until Slurm shows it asleep.
    void skip(const std::string& node, const std::string& why, std::string fix = {}) const {
        say(fmt::format("{}: not checked: {}", node, why));
        if (fix.empty()) {
            fix = fmt::format(
                "check it when Slurm shows it idle and powered down (idle~, `sinfo -n {}`); once it "
                "is idle, `scontrol update nodename={} state=power_down` puts it there",
                node, node);
        }
        find(Check::mapping_skipped, fmt::format("{} was not powered on to check its BMC: {}", node, why),
             std::move(fix), {node});
    }
};

const slurm::NodeState* state_of(const std::vector<slurm::NodeState>& nodes, std::string_view name) {
    const auto it = std::find_if(nodes.begin(), nodes.end(), [&](const slurm::NodeState& n) { return n.name == name; });
    return it == nodes.end() ? nullptr : &*it;
}

seconds suspend_timeout(const std::filesystem::path& slurm_conf) {
    constexpr seconds kDefault{30};  // slurm.conf(5), 22.05 to 24.11
    const auto conf = slurm::read_slurm_conf(slurm_conf);
    const slurm::ConfSetting* setting = conf ? conf->find("SuspendTimeout") : nullptr;
    if (setting == nullptr) return kDefault;
    long long value = 0;
    const std::string& text = setting->value;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && value > 0 ? seconds{value} : kDefault;
}

// Nodes that boot for a reason of their own since `since`: Slurm is powering
// them up, or someone asked slumber to power them on.
std::set<std::string> asked_elsewhere(const Run& run, const std::vector<slurm::NodeState>& now,
                                      const std::string& checked, store::TimeMs since) {
    std::set<std::string> out;
    for (const slurm::NodeState& node : now) {
        if (node.name != checked && node.powering_up()) out.insert(node.name);
    }
    if (auto requests = run.journal.requests({}, since)) {
        for (const store::Request& request : *requests) {
            if (request.node != checked &&
                (request.action == power::Action::on || request.action == power::Action::cycle)) {
                out.insert(request.node);
            }
        }
    }
    return out;
}

// The words of slumber's power-on of `node` since `since` when it failed or
// was refused: no boot is coming then.
std::optional<std::string> failed_power_on(const Run& run, const std::string& node, store::TimeMs since) {
    const std::vector<std::string> names{node};
    auto requests = run.journal.requests(names, since);
    if (!requests) return std::nullopt;
    for (const store::Request& request : *requests) {
        if (request.action == power::Action::on && request.state == store::RequestState::failed) {
            return request.outcome;
        }
    }
    return std::nullopt;
}

// When Slurm ran ResumeProgram for `node` since `since` (the journal's
// first power-on request of it), Unix ms.
std::optional<store::TimeMs> resumed_at(const Run& run, const std::string& node, store::TimeMs since) {
    const std::vector<std::string> names{node};
    auto requests = run.journal.requests(names, since);
    if (!requests) return std::nullopt;
    for (const store::Request& request : *requests) {
        if (request.action == power::Action::on) return request.time;
    }
    return std::nullopt;
}

// `names` as one hostlist ("n[1-3]").
std::string compressed(const std::set<std::string>& names) {
    const std::vector<std::string> list(names.begin(), names.end());
    return hostlist::compress(list, false).value_or(list.front());
}

// Other nodes powering up or down now, as Slurm shows them.
std::set<std::string> in_flux(const std::vector<slurm::NodeState>& nodes, const std::string& checked) {
    std::set<std::string> out;
    for (const slurm::NodeState& node : nodes) {
        if (node.name != checked && (node.powering_up() || node.has("POWERING_DOWN") || node.has("POWER_DOWN"))) {
            out.insert(node.name);
        }
    }
    return out;
}

// Waits until Slurm shows no other node powering up or down, for at most
// ResumeTimeout and SuspendTimeout: a machine booting for another node's
// resume, through a crossed address, registers as the checked node or a
// sleeper, and the check would take it for the checked node's BMC's doing
// (a tester's check verified a crossed node so, then powered it down
// through its BMC: the other node's job died). False, after a finding, when
// they do not settle.
bool wait_quiet(Run& run, const std::string& node) {
    const auto deadline = SteadyClock::now() + run.resume_limit + run.suspend_limit;
    auto next_progress = SteadyClock::now();
    while (true) {
        auto nodes = run.slurm.nodes();
        if (!nodes) {
            run.skip(node, "Slurm cannot be asked: " + nodes.error());
            return false;
        }
        const std::set<std::string> busy = in_flux(*nodes, node);
        if (busy.empty()) return true;
        const std::string names = compressed(busy);
        // Interrupted, it says so, not that Slurm was slow (a tester's
        // SIGINT 3 s into the wait read "for 90 s").
        if (run.stopping()) {
            run.skip(node,
                     fmt::format("the check was interrupted ({}) while it waited for Slurm to power {} up or down",
                                 signal_name(run.stopped_by), names),
                     fmt::format("run --verify-mapping {} again while no node powers up or down", node));
            return false;
        }
        if (SteadyClock::now() >= deadline) {
            run.skip(node,
                     fmt::format("Slurm kept powering {} up or down for {} s: what registers meanwhile could be "
                                 "their machines",
                                 names, (run.resume_limit + run.suspend_limit).count()),
                     fmt::format("run --verify-mapping {} again while no node powers up or down", node));
            return false;
        }
        if (SteadyClock::now() >= next_progress) {
            next_progress += kProgressEvery;
            run.say(fmt::format("{}: waiting until Slurm has powered {} up or down, before checking it", node, names));
        }
        std::this_thread::sleep_for(run.options.poll);
    }
}

Outcome wait_for_registration(Run& run, const std::string& node, const std::vector<Sleeper>& before,
                              store::TimeMs asked_ms) {
    const auto start = SteadyClock::now();
    // Every other node powered up while the check waited: a registration
    // then may be their machines', through a crossed address of theirs.
    std::set<std::string> elsewhere;
    auto deadline = start + run.resume_limit;
    auto next_progress = start + kProgressEvery;
    const auto elapsed = [&] { return std::chrono::duration<double>(SteadyClock::now() - start).count(); };
    while (SteadyClock::now() < deadline) {
        std::this_thread::sleep_for(run.options.poll);
        // Slurm counts ResumeTimeout from its ResumeProgram, which a busy
        // slurmctld runs seconds after `scontrol power up` (11 s in a 24.11
        // run under load, and the node was given up on 19 s into its boot):
        // the wait ends ResumeTimeout after that.
        if (const auto resumed = resumed_at(run, node, asked_ms); resumed && *resumed > asked_ms) {
            deadline = std::max(deadline, start + std::chrono::milliseconds(*resumed - asked_ms) + run.resume_limit);
        }
        // Read once more after a signal: what registered by now is put back
        // the way it must be.
        const bool stopping = run.stopping();
        auto now = run.slurm.nodes();
        if (now) {
            const std::set<std::string> asked = asked_elsewhere(run, *now, node, asked_ms);
            elsewhere.insert(asked.begin(), asked.end());
            const auto seen = observe_mapping(node, asked_ms / 1000, before, *now, asked);
            if (seen.verdict != MappingVerdict::waiting && !elsewhere.empty()) {
                return {Ending::unclear, seen.other, compressed(elsewhere), elapsed()};
            }
            if (seen.verdict == MappingVerdict::registered) return {Ending::registered, "", "", elapsed()};
            if (seen.verdict == MappingVerdict::other_registered) return {Ending::crossed, seen.other, "", elapsed()};
        }
        if (auto failed = failed_power_on(run, node, asked_ms)) return {Ending::silent, "", *failed, elapsed()};
        if (stopping) return {Ending::interrupted, "", "", elapsed()};
        if (SteadyClock::now() >= next_progress) {
            next_progress += kProgressEvery;
            run.say(fmt::format("{}: waiting for it to register: {:.0f} s of {} s (ResumeTimeout){}", node, elapsed(),
                                run.resume_limit.count(), now ? "" : "; Slurm did not answer: " + now.error()));
        }
    }
    return {Ending::silent, "", "", elapsed()};
}

// Asks Slurm for `request` on `node`; journals it, and a failure is a
// finding: the node is not checked (POWER_UP), or not put back.
bool ask(Run& run, slurm::PowerRequest request, const std::string& node, const std::string& why) {
    const auto done = run.slurm.power(request, node);
    const std::string call = fmt::format(
        "{}", fmt::join(slurm::power_call(run.slurm.version().value_or(slurm::kOldestSupported), request, node), " "));
    run.note(node, fmt::format("scontrol {} ({}){}", call, why, done ? "" : ", failed: " + done.error()));
    if (!done && request == slurm::PowerRequest::up) {
        run.skip(node, fmt::format("Slurm refused `scontrol {}`: {}", call, done.error()),
                 fmt::format("see `scontrol show node {}`", node));
    } else if (!done) {
        run.find(Check::mapping_not_restored,
                 fmt::format("Slurm refused `scontrol {}` for {}: {}", call, node, done.error()),
                 fmt::format("see `scontrol show node {}`; return it to power saving by hand (`scontrol update "
                             "nodename={} state=power_down`) once it is idle",
                             node, node),
                 {node});
    }
    return done.has_value();
}

// Waits until Slurm shows every one of `nodes` powered down again (idle~,
// after SuspendTimeout), so that the next node is checked against a quiet
// cluster; one that does not is a finding. Returns those that are.
// `each_look`: called with every view of Slurm's while it waits.
std::vector<std::string> wait_powered_down(
    Run& run, const std::vector<std::string>& nodes,
    const std::function<void(const std::vector<slurm::NodeState>&)>& each_look = {}) {
    const auto deadline = SteadyClock::now() + run.suspend_limit + kPowerDownMargin;
    std::vector<std::string> left = nodes;
    while (!left.empty() && SteadyClock::now() < deadline) {
        std::this_thread::sleep_for(run.options.poll);
        auto now = run.slurm.nodes();
        if (!now) continue;
        if (each_look) each_look(*now);
        std::erase_if(left, [&](const std::string& name) {
            const slurm::NodeState* node = state_of(*now, name);
            return node != nullptr && node->powered_down() && !node->has("POWERING_DOWN");
        });
    }
    for (const std::string& node : left) {
        run.find(Check::mapping_not_restored,
                 fmt::format("{} was asked to power down again and Slurm did not show it powered down within {} s "
                             "(SuspendTimeout and a margin)",
                             node, (run.suspend_limit + kPowerDownMargin).count()),
                 fmt::format("see `scontrol show node {}` and `slumber journal {}`", node, node), {node});
    }
    std::vector<std::string> done = nodes;
    std::erase_if(done,
                  [&](const std::string& node) { return std::find(left.begin(), left.end(), node) != left.end(); });
    return done;
}

// Powered down is not yet as the check found them: idle~. A tester's
// interrupted check left its node `down~`, "Not responding" (Slurm 22.05
// sets DOWN on a node that stops answering while a power change is under
// way), which Slurm never powers up for a job again. A node the check found
// idle~ and that Slurm now shows DOWN is returned with RESUME, which keeps
// it powered down (idle~); one that cannot be is a finding that gives the
// command.
void restore_idle(Run& run, const std::vector<std::string>& nodes) {
    if (nodes.empty()) return;
    const auto now = run.slurm.nodes();
    for (const std::string& node : nodes) {
        const slurm::NodeState* state = now ? state_of(*now, node) : nullptr;
        if (state != nullptr && state->base != "DOWN") continue;
        const std::string shown =
            state == nullptr
                ? fmt::format("unknown: Slurm did not answer ({})", now ? "no such node" : now.error())
                : fmt::format("DOWN{}", state->reason.empty() ? "" : fmt::format(", \"{}\"", state->reason));
        const auto resumed = state != nullptr ? run.slurm.update(node, "RESUME", "")
                                              : std::expected<void, std::string>(std::unexpected(shown));
        run.note(node, fmt::format("powered down again, Slurm showed it {}; scontrol update nodename={} state=resume{}",
                                   shown, node, resumed ? "" : ", failed: " + resumed.error()));
        if (resumed) {
            run.say(fmt::format("{}: Slurm showed it {} once powered down; resumed it (idle~, as the check found it)",
                                node, shown));
            continue;
        }
        run.find(Check::mapping_not_restored,
                 fmt::format("{} is powered down again, but Slurm shows it {} where the check found it idle~, and "
                             "RESUME failed: {}",
                             node, shown, resumed.error()),
                 fmt::format("`scontrol update nodename={} state=resume` returns it to idle~", node), {node});
    }
}

// A crossed pair stays out of service until the addresses are corrected:
// the next resume of either would start the other's machine, and the next
// suspend stop it, jobs included. Slurm already shows the node that
// registered unasked DOWN ("Node unexpectedly rebooted", 22.05.8); DRAIN
// keeps both out, with the pair in the reason, whatever Slurm set. Drained
// at once, before the pair is powered down again: until then a job could
// wake either through the crossed addresses (a tester: drained only some
// 30 s after the check saw it).
// What a crossed check saw: `node`'s power-up started `other`'s machine.
std::string started(const std::string& node, const std::string& other) {
    return fmt::format("{}'s BMC started {}", node, other);
}

// The nodes of a pair drain_pair() drained, with its reason.
struct PairDrain {
    std::vector<std::string> nodes;
    std::string reason;
};

// `seen`: what the check saw ("vnode1's BMC started vnode2"); `fix`: what
// to do before `slumber unblock` ("swap them").
PairDrain drain_pair(Run& run, const std::string& node, const std::string& other, const std::string& seen,
                     std::string_view fix) {
    const auto& [first, second] = std::minmax(node, other);
    // The daemon's words (engine::crossed_drain_reason()), with what the
    // check saw.
    const std::string reason = fmt::format(
        "slumber: BMC addresses of {} and {} look crossed: {}; {}, then slumber "
        "unblock {},{}",
        first, second, seen, fix, node, other);
    // An admin's drain (a node drained to be checked, a repair) stays as it
    // is: replaced by slumber's, `slumber unblock` would lift it.
    const auto now = run.slurm.nodes();
    std::vector<std::string> ours;
    for (const std::string& each : {node, other}) {
        const slurm::NodeState* state = now ? state_of(*now, each) : nullptr;
        if (state != nullptr && operate::drained_by_others(*state)) {
            run.note(each, fmt::format("drained by someone else (reason \"{}\"): that drain is left as it is",
                                       state->reason));
        } else {
            ours.push_back(each);
        }
    }
    if (ours.empty()) return {};
    const std::string drained_nodes = fmt::format("{}", fmt::join(ours, ","));
    const auto drained = run.slurm.update(drained_nodes, "DRAIN", reason);
    for (const std::string& each : ours) {
        run.note(each, drained ? fmt::format("drained in Slurm: {}", reason)
                               : fmt::format("could not drain it in Slurm ({}): {}", drained.error(), reason));
    }
    run.say(drained ? fmt::format("{}: drained in Slurm until the addresses are corrected: {}", drained_nodes, reason)
                    : fmt::format("{}: could not drain them in Slurm: {}", drained_nodes, drained.error()));
    return {std::move(ours), reason};
}

// Drains again the nodes of `drain` that `now` shows without DRAIN: Slurm
// 22.05 clears DRAIN as the forced power-down it was asked for begins
// (IDLE+DRAIN+POWER_DOWN, then IDLE+POWERING_DOWN with the reason left), so
// a tester's checked node could be given a job for its whole power-down
// and once powered down, until the daemon drained the blocked pair. A drain
// given while it powers down stays.
void keep_drained(Run& run, const PairDrain& drain, const std::vector<slurm::NodeState>& now) {
    std::vector<std::string> undrained;
    for (const std::string& each : drain.nodes) {
        const slurm::NodeState* state = state_of(now, each);
        if (state != nullptr && !state->has("DRAIN")) undrained.push_back(each);
    }
    if (undrained.empty()) return;
    const auto drained = run.slurm.update(fmt::format("{}", fmt::join(undrained, ",")), "DRAIN", drain.reason);
    for (const std::string& each : undrained) {
        run.note(each, drained ? "drained again in Slurm: its power-down cleared the drain"
                               : fmt::format("could not drain it again in Slurm after its power-down cleared the "
                                             "drain: {}",
                                             drained.error()));
    }
}

// Blocked too, as the daemon blocks a pair it suspects
// (operate/crossed_watch.hpp, the same words on both, which is how
// `slumber unblock` of one finds the other): until then `slumber power on`
// of either still switched the other's machine. For every action once the
// pair is powered down again (before, the block would refuse the power-offs
// that do it); for power-ons and cycles (`only`) while it powers down: a tester's
// `slumber power on` of the checked node went through the crossed address
// then, and cancelled the check's power-off.
void block_pair(Run& run, const std::string& node, const std::string& other, const std::string& seen,
                std::optional<power::Action> only = std::nullopt) {
    if (!only) {
        // Blocked for power-ons while it powered down: now for everything.
        for (const std::string& each : {node, other})
            (void)run.journal.widen_crossed_block(each, operate::wall_clock_ms());
    }
    const auto& [first, second] = std::minmax(node, other);
    const std::string words = fmt::format(
        "BMC addresses of {} and {} look crossed: {} (slumber doctor --verify-mapping)", first, second, seen);
    for (const std::string& each : {node, other}) {
        (void)run.journal.add_block({each,
                                     only,
                                     power::ErrorKind::crossed,
                                     words,
                                     operate::wall_clock_ms(),
                                     {},
                                     "slumber doctor --verify-mapping"});
        // Its power-on started the other's machine: no boot of its own
        // to measure (as operate::CrossedWatch).
        (void)run.journal.cancel_boot(each);
    }
}

// Back to the way Slurm expects it: powered down, Slurm's view true.
void put_back(Run& run, const std::string& node, const Outcome& outcome) {
    auto now = run.slurm.nodes();
    const slurm::NodeState* checked = now ? state_of(*now, node) : nullptr;
    std::vector<std::string> asked;
    PairDrain pair_drain;  // a crossed pair's, kept through its power-down
    if (outcome.ending == Ending::unclear && !outcome.other.empty() && outcome.other != node) {
        // A sleeper nobody asked for registered while the node did not: a
        // BMC not its own started its machine, the checked node's or that of
        // a node Slurm powered up meanwhile. Switching either through its
        // address may switch the other's machine, jobs included, and the
        // checked node's power-up, left to Slurm, ends at ResumeTimeout in a
        // recovery that would switch it off so (a tester's was left so): both
        // are drained and blocked as a crossed pair until someone has looked.
        const std::string seen = fmt::format(
            "{} registered unasked while {} was powered up (and {}: whose BMC "
            "started it is unclear)",
            outcome.other, node, outcome.why);
        drain_pair(run, node, outcome.other, seen, "check which machine each BMC address drives");
        block_pair(run, node, outcome.other, seen);
        run.say(fmt::format("{}: left as they are, drained and blocked: their BMCs are not proven their own",
                            fmt::join(std::vector{node, outcome.other}, ",")));
        run.note(node, "left as it is, drained and blocked: its BMC is not proven its own");
        return;
    }
    if (outcome.ending == Ending::unclear) {
        // It registered, but another node powered up meanwhile: its BMC may
        // have started that one's machine and that one's BMC this one's.
        // Powering it down goes through a BMC not proven its own, which may
        // drive a machine running the other node's job. It stays up; Slurm
        // suspends it after SuspendTime, as it did before the check.
        run.say(fmt::format("{}: left as it is: its BMC is not proven its own", node));
        run.note(node, "left as it is: its BMC is not proven its own");
        return;
    }
    if (outcome.ending == Ending::registered) {
        if (checked != nullptr && checked->running_jobs()) {
            run.say(fmt::format("{}: Slurm gave it a job meanwhile; left on (Slurm powers it down after SuspendTime)",
                                node));
            run.note(node, "left on: Slurm gave it a job while it was checked");
            return;
        }
        // POWER_DOWN: Slurm runs SuspendProgram (slumber powers it off
        // through the BMC just proven its own) and shows it idle~.
        if (ask(run, slurm::PowerRequest::down, node, "its check is over")) asked.push_back(node);
    } else if (outcome.ending == Ending::crossed) {
        const slurm::NodeState* other = now ? state_of(*now, outcome.other) : nullptr;
        if (other != nullptr && other->running_jobs()) {
            // Its machine is on through `node`'s BMC: powering that off
            // would kill the job. Slurm ends `node`'s power-up at
            // ResumeTimeout (down~); the drain lets the job finish and
            // starts no other.
            run.find(Check::mapping_not_restored,
                     fmt::format("{} registered in {}'s place and Slurm gave it a job meanwhile; {}'s BMC keeps its "
                                 "machine on, so {} was not powered down (that would kill the job)",
                                 outcome.other, node, node, node),
                     fmt::format("once the job ends, correct the addresses, then `scontrol update nodename={},{} "
                                 "state=power_down_force`",
                                 node, outcome.other),
                     {node, outcome.other});
            drain_pair(run, node, outcome.other, started(node, outcome.other), "swap them");
            block_pair(run, node, outcome.other, started(node, outcome.other));
            return;
        }
        pair_drain = drain_pair(run, node, outcome.other, started(node, outcome.other), "swap them");
        block_pair(run, node, outcome.other, started(node, outcome.other), power::Action::on);
        block_pair(run, node, outcome.other, started(node, outcome.other), power::Action::cycle);
        // The other node first, so that Slurm gives it no job; then the
        // checked node's POWER_DOWN_FORCE ends its pending power-up, and its
        // SuspendProgram switches off through the same crossed BMC the
        // machine it started.
        if (ask(run, slurm::PowerRequest::down, outcome.other, fmt::format("it registered in {}'s place", node))) {
            asked.push_back(outcome.other);
        }
        if (ask(run, slurm::PowerRequest::down_force, node,
                fmt::format("its BMC started {}; end its power-up and switch that machine off", outcome.other))) {
            asked.push_back(node);
        }
    } else {
        // Slurm would wait out ResumeTimeout (down~) and call ResumeFailProgram.
        const std::string why =
            outcome.ending == Ending::interrupted
                ? fmt::format("the check was interrupted ({}); end its power-up", signal_name(run.stopped_by))
                : std::string("it did not register; end its power-up");
        if (ask(run, slurm::PowerRequest::down_force, node, why)) asked.push_back(node);
    }
    if (!asked.empty()) {
        run.say(fmt::format("{}: powering down again through Slurm (up to {} s){}", fmt::join(asked, ", "),
                            (run.suspend_limit + kPowerDownMargin).count(),
                            run.stopped_by != 0 ? "; interrupt again to leave it as it is" : ""));
        const auto down = wait_powered_down(run, asked, [&](const std::vector<slurm::NodeState>& look) {
            if (!pair_drain.nodes.empty()) keep_drained(run, pair_drain, look);
        });
        // Cleared as the power-down ended, which the last look may not have shown.
        if (!pair_drain.nodes.empty()) {
            if (const auto look = run.slurm.nodes()) keep_drained(run, pair_drain, *look);
        }
        // As found, idle~; a crossed pair stays out of service (drained
        // below), and a node that did not register is Slurm's to fail.
        if (outcome.ending == Ending::registered || outcome.ending == Ending::interrupted) restore_idle(run, down);
    }
    if (outcome.ending == Ending::crossed) block_pair(run, node, outcome.other, started(node, outcome.other));
}

void report_outcome(Run& run, const std::string& node, const Outcome& outcome) {
    switch (outcome.ending) {
        case Ending::registered:
            run.report.verified->push_back(node);
            run.say(fmt::format("{}: registered {:.1f} s after the power-up: the BMC at its address is its own", node,
                                outcome.seconds));
            run.note(node, fmt::format("registered {:.1f} s after the power-up: its BMC is its own", outcome.seconds));
            break;
        case Ending::crossed: {
            const std::string what = fmt::format("{}'s BMC started {}: crossed addresses?", node, outcome.other);
            run.say(fmt::format("{}: {}", node, what));
            run.note(node, what);
            run.crossed.insert({node, outcome.other});
            run.find(Check::mapping_crossed,
                     fmt::format("{} Slurm powered up {} through the BMC at its address in slumber.toml, and {}, "
                                 "powered down and asked for by nobody, registered {:.1f} s later while {} did not: "
                                 "suspending {} would power off {}, jobs included",
                                 what, node, outcome.other, outcome.seconds, node, node, outcome.other),
                     fmt::format("compare the BMC addresses of {0} and {1} in slumber.toml with the machines' "
                                 "labels (`slumber power info {0},{1}` shows each BMC's GUID) and swap them if they "
                                 "are crossed; have the daemon load the file (`systemctl reload slumberd`); then "
                                 "`slumber unblock {0},{1}`, which lifts the block this check put on both and "
                                 "returns them to service in Slurm (an `scontrol update state=resume` alone does "
                                 "not: the daemon drains a blocked pair again); then run --verify-mapping {0},{1} "
                                 "again",
                                 node, outcome.other),
                     {node, outcome.other});
            break;
        }
        case Ending::unclear: {
            if (!outcome.other.empty() && outcome.other != node) {
                const std::string what = fmt::format(
                    "{} registered {:.1f} s after Slurm powered {} up, while {} did not: {}, powered down and asked "
                    "for by nobody, was started by a BMC not its own, {}'s or, through a crossed address, that of {}, "
                    "which Slurm powered up meanwhile; both drained and blocked until checked",
                    outcome.other, outcome.seconds, node, node, outcome.other, node, outcome.why);
                run.say(fmt::format("{}: {}", node, what));
                run.note(node, what);
                run.find(Check::mapping_unclear, what,
                         fmt::format("compare the BMC addresses of {0}, {1} and {2} in slumber.toml with the "
                                     "machines' labels (`slumber power info {0},{1},{2}` shows each BMC's GUID) and "
                                     "correct them; have the daemon load the file (`systemctl reload slumberd`); "
                                     "then `slumber unblock {0},{1}`, which returns both to service in Slurm; then "
                                     "run --verify-mapping {0},{1} again while no other node powers up",
                                     node, outcome.other, outcome.why),
                         {node, outcome.other});
                break;
            }
            const std::string who = node;
            const std::string what = fmt::format(
                "{} registered {:.1f} s after Slurm powered {} up, but Slurm powered up {} meanwhile: through a "
                "crossed address either's BMC may have started that machine; not verified",
                who, outcome.seconds, node, outcome.why);
            run.say(fmt::format("{}: {}", node, what));
            run.note(node, what);
            run.find(Check::mapping_unclear, what,
                     fmt::format("while the machines are up, `slumber doctor {0},{1}` with [doctor] "
                                 "node_uuid_command compares each BMC's GUID with the machines' own UUIDs; or run "
                                 "--verify-mapping {0} again while no other node powers up",
                                 node, outcome.why),
                     {node});
            break;
        }
        case Ending::interrupted: {
            const std::string what =
                fmt::format("interrupted ({}) {:.0f} s after Slurm powered it up, before it registered: not checked",
                            signal_name(run.stopped_by), outcome.seconds);
            run.say(fmt::format("{}: {}; putting it back to sleep first", node, what));
            run.note(node, what);
            run.stop_journaled = true;
            run.find(Check::mapping_skipped, fmt::format("{} was {}", node, what),
                     fmt::format("run --verify-mapping {} again", node), {node});
            break;
        }
        case Ending::silent: {
            const std::string what =
                outcome.why.empty()
                    ? fmt::format(
                          "{} did not register within {} s (ResumeTimeout) after Slurm powered it up, and no "
                          "powered-down node registered instead",
                          node, run.resume_limit.count())
                    : fmt::format("{} was not powered on: slumber's power-on failed: {}", node, outcome.why);
            run.say(fmt::format("{}: {}", node, what));
            run.note(node, what);
            run.find(Check::mapping_silent, what,
                     fmt::format("`slumber power status {}` and `slumber journal {}` say what its BMC did; check "
                                 "that its address reaches its own BMC and that the node boots and starts slurmd",
                                 node, node),
                     {node});
            break;
        }
    }
}

// Whether the BMC at the node's address says its machine is off, as a node
// asleep in Slurm's view should be. One that says on is not powered up:
// slumber's carrier power-cycles a machine that is on and not registered
// when Slurm resumes its node, and that machine may be another node's,
// running a job, through a crossed address (a tester's job was requeued
// so). A state that cannot be read is no leave to touch the node either.
bool bmc_says_off(Run& run, const std::string& node) {
    const operate::PowerReading reading = run.bmc_power(node);
    if (!reading) {
        run.skip(
            node,
            fmt::format("its BMC's power state cannot be read ({}): --verify-mapping powers up no node whose "
                        "BMC it cannot read first",
                        reading.error()),
            fmt::format("`slumber power status {}`; `slumber doctor {}` says what is wrong with its BMC", node, node));
        return false;
    }
    if (*reading == power::PowerState::off) return true;
    if (*reading == power::PowerState::powering_off) {
        run.skip(node, "its BMC says its machine is powering off",
                 fmt::format("check it again once `slumber power status {}` says off", node));
        return false;
    }
    const std::string what = fmt::format(
        "Slurm shows {0} powered down, and the BMC at its address says its machine is {1}: that address may drive "
        "another, running machine (crossed addresses?), or {0} was left on behind Slurm's back. Powering {0} up "
        "would have slumber power-cycle that machine (on, and not registered as {0}), jobs included: not checked",
        node, power::to_string(*reading));
    run.say(fmt::format("{}: not checked: Slurm shows it powered down, and its BMC says {}", node,
                        power::to_string(*reading)));
    run.note(node, what);
    run.find(Check::mapping_bmc_on, what,
             fmt::format("find out which machine the BMC at {0}'s address drives before anything switches it: "
                         "`slumber doctor {0}` with [doctor] node_uuid_command compares that BMC's GUID with the "
                         "machines' own UUIDs (`slumber power info {0}` shows the GUID), or look at the machine at "
                         "that address; correct the address if it is another node's. Only when it is {0}'s own "
                         "machine, left on, switch it off (`slumber power off {0}`) and check again",
                         node),
             {node});
    return false;
}

// The fix for a node why_not_verifiable() turns down, where it is not
// Run::skip()'s (wait until it sleeps): a `down~` node never becomes idle
// by itself, and a tester was told to wait for it (Slurm shows it DOWN and
// powered down; RESUME returns it to idle~, still powered down); nor does
// a drained one.
std::string skipped_fix(const slurm::NodeState& state) {
    // Drained while it sleeps: the drain, not its power, stands in the way
    // (a tester was told to power down a node that was).
    if (state.has("DRAIN") && state.powered_down() && !state.powering_up() && !state.running_jobs()) {
        return fmt::format(
            "once what it was drained for is dealt with, `scontrol update nodename={0} state=resume` returns it to "
            "idle~, still powered down; then run --verify-mapping {0} again",
            state.name);
    }
    if (state.base != "DOWN" || !state.powered_down() || state.powering_up() || state.has("DRAIN")) return {};
    return fmt::format(
        "Slurm never powers up a node it shows down and powered down (down~): `scontrol update nodename={0} "
        "state=resume` returns it to idle~, still powered down; then run --verify-mapping {0} again",
        state.name);
}

// Why a reservation holds `node`, if one does: active, or beginning before
// the check could be over (ResumeTimeout, SuspendTimeout and a margin).
// Slurm 22.05 shows no reservation in a node's state (slurm/reservations.hpp):
// a tester's reserved node was powered up. Reservations that cannot be
// read hold every node: nothing is powered up blind.
std::optional<std::string> reserved(const Run& run, const std::string& node) {
    const auto reservations = run.slurm.reservations();
    if (!reservations) return fmt::format("Slurm's reservations cannot be read: {}", reservations.error());
    const std::int64_t now = operate::wall_clock_ms() / 1000;
    const std::int64_t over = now + (run.resume_limit + run.suspend_limit + kPowerDownMargin).count();
    for (const slurm::Reservation& reservation : *reservations) {
        if (std::ranges::find(reservation.nodes, node) == reservation.nodes.end()) continue;
        if (reservation.end && *reservation.end <= now) continue;
        if (reservation.active) return fmt::format("in reservation {}, active", reservation.name);
        if (reservation.start && *reservation.start <= over) {
            return fmt::format("in reservation {}, which begins in {} s, before the check could be over",
                               reservation.name, std::max<std::int64_t>(*reservation.start - now, 0));
        }
    }
    return std::nullopt;
}

// One node: powered up through Slurm, waited for, put back.
void check_one(Run& run, const std::string& node) {
    auto nodes = run.slurm.nodes();
    if (!nodes) return run.skip(node, "Slurm cannot be asked: " + nodes.error());
    const slurm::NodeState* state = state_of(*nodes, node);
    if (state == nullptr) return run.skip(node, "Slurm does not know it");
    if (auto why = why_not_verifiable(*state)) return run.skip(node, *why, skipped_fix(*state));
    if (!bmc_says_off(run, node)) return;
    if (!wait_quiet(run, node)) return;
    nodes = run.slurm.nodes();  // as it is once quiet
    if (!nodes) return run.skip(node, "Slurm cannot be asked: " + nodes.error());
    state = state_of(*nodes, node);
    if (state == nullptr) return run.skip(node, "Slurm does not know it");
    if (auto why = why_not_verifiable(*state)) return run.skip(node, *why, skipped_fix(*state));
    if (auto why = reserved(run, node)) {
        return run.skip(node, *why, "check it when no reservation holds it (`scontrol show reservation`)");
    }
    const std::vector<Sleeper> before = sleepers(*nodes, node);
    const store::TimeMs asked_ms = operate::wall_clock_ms();
    // Through Slurm (POWER_UP): Slurm runs ResumeProgram, slumber's hook,
    // and the power-on goes through slumber's carrier (target locks, blocks,
    // dependencies); Slurm then expects the registration. docs/doctor.md.
    if (!ask(run, slurm::PowerRequest::up, node, "to check that the BMC at its address starts it")) return;
    run.say(fmt::format("{}: powering up through Slurm; waiting up to {} s (ResumeTimeout) for it to register", node,
                        run.resume_limit.count()));
    const Outcome outcome = wait_for_registration(run, node, before, asked_ms);
    report_outcome(run, node, outcome);
    put_back(run, node, outcome);
}

// The hooks must be slumber's, for this configuration: through Slurm, the
// power-up is theirs to carry out.
std::vector<Finding> hook_problems(const config::Config& config, const std::filesystem::path& config_file,
                                   const slurm::SlurmConf& conf) {
    auto user = doctor::slurm_user_of(conf);
    doctor::Setup setup{config,
                        config_file,
                        &conf,
                        user ? std::optional(*user) : std::nullopt,
                        user ? *user : slurm::SlurmUser{"root", 0, 0, ""},
                        false,
                        true};
    std::vector<Finding> found;
    doctor::check_hooks(setup, found);
    std::erase_if(found, [](const Finding& f) { return f.check == Check::resume_fail_unset; });
    return found;
}

}  // namespace

DoctorReport verify_mapping(const std::filesystem::path& config_file, const VerifyMappingOptions& options) {
    DoctorReport report;
    report.verified.emplace();
    const auto loaded = doctor::load_config(config_file, report);
    if (!loaded) return report;
    const config::Config& config = *loaded;
    // One finding for every node, with the one reason none was checked.
    const auto skip_all = [&](const std::string& why, const std::string& fix) {
        report.findings.push_back({Check::mapping_skipped,
                                   fmt::format("no node was powered on to check its BMC: {}", why), report.config_file,
                                   0, fix + ", then run --verify-mapping again", "", options.nodes});
    };
    const auto slurm_conf = slurm::read_slurm_conf(config.slurm.conf);
    if (!slurm_conf) {
        skip_all(fmt::format("[slurm] conf {} cannot be read", config.slurm.conf.string()),
                 "point [slurm] conf at the slurm.conf slurmctld reads, readable by this user");
        return report;
    }
    if (auto problems = hook_problems(config, report.config_file, *slurm_conf); !problems.empty()) {
        report.findings = std::move(problems);
        skip_all("they are powered up through Slurm, whose hooks must be slumber's for this configuration",
                 "fix what the other findings say");
        return report;
    }
    auto journal = operate::open_journal(config.daemon, config.slurm);
    if (!journal) {
        // Each step is journaled, and Slurm's POWER_UP needs a Slurm
        // administrator anyway.
        skip_all("the journal cannot be opened for writing by this user: " + journal.error(),
                 "run it as root (or SlurmUser), who may write the journal and ask Slurm for POWER_UP");
        return report;
    }
    const slurm::Scontrol scontrol(config.slurm.bin_dir, config.slurm.conf);
    verify_mapping_with(config, scontrol, *journal, options, report);
    return report;
}

void verify_mapping_with(const config::Config& config, const slurm::SlurmView& slurm, store::Journal& journal,
                         const VerifyMappingOptions& options, DoctorReport& report) {
    if (!report.verified) report.verified.emplace();
    Run run{config,
            report.config_file,
            slurm,
            journal,
            options,
            slurm::resume_timeout(config.slurm.conf).value_or(kResumeLimitUnknown),
            suspend_timeout(config.slurm.conf),
            report,
            {},
            {},
            0,
            false};
    auto blocks =
        std::make_shared<operate::Blocks>(config, &journal, operate::Caller::automatic, operate::wall_clock_ms);
    run.bmc_power = options.bmc_power;
    if (!run.bmc_power) {
        run.bmc_power = [&config, blocks](const std::string& node) -> operate::PowerReading {
            auto read = operate::read_power(config, {node}, *blocks, "slumber doctor --verify-mapping");
            const auto it = read.find(node);
            if (it == read.end()) return std::unexpected(std::string("no reading"));
            return it->second;
        };
    }
    for (const std::string& node : options.nodes) {
        if (run.stopping()) {
            // The node under way, if any, is back to sleep already.
            const std::string why =
                fmt::format("the check was interrupted ({}) before it", signal_name(run.stopped_by));
            if (!run.stop_journaled) run.note(node, "not checked: " + why);
            run.stop_journaled = true;
            run.skip(node, why, fmt::format("run --verify-mapping {} again", node));
            continue;
        }
        if (config.find(node) == nullptr) {
            run.skip(node, fmt::format("not in {}", report.config_file.string()), "name the nodes of slumber.toml");
        } else if (config.excluded(node)) {
            run.skip(node, "excluded in [slurm] exclude: slumber never powers it off, so it could not be put back",
                     "check its BMC address by hand (`slumber power info NODE` shows the BMC's GUID)");
        } else if (run.crossed.contains(node)) {
            run.skip(node, "already found in a crossed pair above", "see the mapping-crossed finding");
        } else if (auto block = blocks->find(node, power::Action::on);
                   block || blocks->find(node, power::Action::off)) {
            const auto shown = block ? block : blocks->find(node, power::Action::off);
            run.skip(node, fmt::format("its BMC is blocked: {}", shown->words),
                     fmt::format("put the cause right, then `slumber unblock {}`", node));
        } else {
            check_one(run, node);
        }
    }
    std::stable_sort(report.findings.begin(), report.findings.end(), [](const Finding& a, const Finding& b) {
        return static_cast<int>(a.check) < static_cast<int>(b.check);
    });
}

}  // namespace slumber::service
