#include "operate/carrier.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "engine/pacing.hpp"
#include "engine/recovery.hpp"
#include "operate/blocks.hpp"
#include "operate/dependencies.hpp"
#include "operate/reconciler.hpp"
#include "operate/switching.hpp"
#include "operate/targets.hpp"
#include "slurm/caller.hpp"
#include "slurm/slurm_conf.hpp"
#include "util/process_start.hpp"

namespace slumber::operate {
namespace {

// Outcomes go into the journal in small groups, each at most 20 ms after it
// is known: a thousand BMCs answering at once make a few transactions rather
// than a thousand, so a hook waiting for the journal's write lock waits less,
// and a daemon killed a moment later has still recorded what it learnt.
}  // namespace

class Carrier::OutcomeWriter {
  public:
    /// Each power-on, once written, leaves `ons_in_flight`: pacing then counts
    /// it from the journal's boots instead.
    OutcomeWriter(store::Journal& journal, std::atomic<int>& ons_in_flight)
        : m_journal(journal),
          m_ons_in_flight(ons_in_flight),
          m_flusher([this](const std::stop_token& stop) { run(stop); }) {}
    ~OutcomeWriter() {
        m_flusher.request_stop();
        m_wake.notify_one();
        m_flusher.join();
        write();  // what came after the last flush
    }
    OutcomeWriter(const OutcomeWriter&) = delete;
    OutcomeWriter& operator=(const OutcomeWriter&) = delete;

    void add(store::Finished finished, bool power_on) {
        const std::lock_guard guard(m_lock);
        m_pending.push_back(std::move(finished));
        m_pending_ons += power_on ? 1 : 0;
    }

  private:
    void run(const std::stop_token& stop) {
        std::unique_lock guard(m_lock);
        while (!stop.stop_requested()) {
            m_wake.wait_for(guard, std::chrono::milliseconds(20));
            guard.unlock();
            write();
            guard.lock();
        }
    }
    void write() {
        std::vector<store::Finished> batch;
        int ons = 0;
        {
            const std::lock_guard guard(m_lock);
            batch.swap(m_pending);
            std::swap(ons, m_pending_ons);
        }
        if (!batch.empty()) (void)m_journal.finish_all(batch);
        m_ons_in_flight -= ons;
    }

    store::Journal& m_journal;
    std::atomic<int>& m_ons_in_flight;
    int m_pending_ons = 0;
    std::mutex m_lock;
    std::condition_variable m_wake;
    std::vector<store::Finished> m_pending;
    std::jthread m_flusher;  // last: starts once the rest exists
};

namespace {

// How long a boot slumber started counts as under way: the boot deadline
// recovery applies ([daemon] boot_deadline, or with ResumeTimeout=INFINITE
// from Slurm 25.05 what the measured boots suggest), else Slurm's
// ResumeTimeout, after which Slurm gives up on it; 10 minutes when
// slurm.conf cannot tell, as for pacing.
engine::TimeMs boot_deadline_ms(const config::Config& config, const store::Journal& journal) {
    std::string why;
    if (const engine::TimeMs own = boot_deadline(config, journal, why); own > 0) return own;
    const auto timeout = slurm::resume_timeout(config.slurm.conf);
    return timeout ? std::chrono::duration_cast<std::chrono::milliseconds>(*timeout).count() : 600000;
}

// Slurm's resume hook, or recovery carrying out a wake whose hook never ran.
// From 23.11 reconfigure restarts slurmctld (slurm::kReconfigureRestartsSince).
constexpr store::TimeMs kReconfigureSpacingMs = 300000;

bool asked_by_slurm(const store::Request& request) {
    using enum store::RequestSource;
    return request.source == slurm_resume || request.source == slurm_reboot || request.source == recovery;
}

}  // namespace

std::optional<std::string> unreadable_credentials(const config::Config& config, const std::string& node) {
    const config::PowerTarget* target = config.find(node);
    if (target == nullptr || !target->credentials) return std::nullopt;
    const auto it = config.unreadable_credentials.find(*target->credentials);
    if (it == config.unreadable_credentials.end()) return std::nullopt;
    const std::string user = slurm::user_name(::geteuid());
    return fmt::format(
        "{} cannot read {} ({}) and no daemon runs to: start slumberd (the hooks then need no credentials), or make "
        "the file {}'s, mode 600",
        user, target->credentials->string(), it->second, user);
}

Carrier::Carrier(config::SharedConfig config, store::Journal& journal, const slurm::SlurmView& slurm, std::string who,
                 bool paced, Clock& clock, DriverSource drivers, MachineProbe probe)
    : m_config(std::move(config)),
      m_journal(journal),
      m_slurm(slurm),
      m_who(std::move(who)),
      m_paced(paced),
      m_clock(clock),
      m_drivers(std::move(drivers)),
      m_machine_probe(std::move(probe)) {}

void Carrier::drop_given_up(std::vector<const store::Request*>& ons) {
    const auto held = [this](const store::Request* request) { return m_held.contains(request->id); };
    if (std::ranges::none_of(ons, held)) return;
    auto given_up = m_journal.latest_event_times_by_node(store::EventKind::resume_failed);
    if (!given_up) return;  // the journal's error shows at the next query that needs it
    // Slurm gives up on a resume or reboot ResumeTimeout after it asked
    // (slurm.conf(5)) and runs ResumeFailProgram at its next check of the
    // nodes, seconds later (5 s after a 60 s ResumeTimeout, seen by a
    // tester): a power-on carried out in between boots a node Slurm is
    // marking DOWN.
    const auto timeout = slurm::resume_timeout(m_config->slurm.conf);
    const store::TimeMs now = m_clock.wall_ms();
    std::erase_if(ons, [&](const store::Request* request) {
        if (!held(request)) return false;
        const auto it = given_up->find(request->node);
        const bool failed = it != given_up->end() && it->second >= request->time;
        const bool timed = request->source == store::RequestSource::slurm_resume ||
                           request->source == store::RequestSource::slurm_reboot;
        const bool timed_out =
            timed && timeout &&
            now - request->time >= std::chrono::duration_cast<std::chrono::milliseconds>(*timeout).count();
        if (!failed && !timed_out) return false;
        m_held.erase(request->id);
        refuse(m_journal, *request,
               failed ? std::string("Slurm gave up on it (ResumeTimeout reached) while its power-on was held back: "
                                    "not carried out; recovery takes it from here")
                      : fmt::format("held back for Slurm's ResumeTimeout ({} s), after which Slurm gives up on it: "
                                    "not carried out; recovery takes it from there",
                                    timeout->count()));
        return true;
    });
}

void Carrier::hold_back(std::vector<const store::Request*>& ons) {
    drop_given_up(ons);
    const engine::PacingPolicy policy{m_config->daemon.max_booting, m_config->daemon.boots_per_minute};
    if (!m_paced || (policy.max_booting == 0 && policy.boots_per_minute == 0 && !m_hold_all)) return;
    const store::TimeMs now = m_clock.wall_ms();
    // A boot not registered after 10 minutes is a failure, not a boot in
    // progress: it no longer counts against max_booting.
    auto counts = m_journal.boot_counts(now - 600000, now - 60000).value_or(std::pair{0, 0});
    counts.first += m_ons_in_flight;
    counts.second += m_ons_in_flight;
    const auto allowed =
        m_hold_all ? 0 : static_cast<std::size_t>(engine::boots_allowed(policy, counts.first, counts.second));
    for (std::size_t i = 0; i < std::min(allowed, ons.size()); ++i) m_held.erase(ons[i]->id);  // their turn came
    if (ons.size() <= allowed) return;
    for (std::size_t i = allowed; i < ons.size(); ++i) {
        (void)m_journal.requeue(ons[i]->id);
        if (m_held.insert(ons[i]->id).second) {
            const std::string why = m_hold_all ? *m_hold_all
                                               // Those let through now count: they reach the limit.
                                               : engine::pacing_reason(policy, counts.first + static_cast<int>(allowed),
                                                                       counts.second + static_cast<int>(allowed));
            (void)m_journal.record(
                {0, now, ons[i]->node, ons[i]->id, store::EventKind::paced, "power-on held back: " + why});
        }
    }
    ons.resize(allowed);
}

void Carrier::refuse(store::Journal& journal, const store::Request& request, const std::string& why) const {
    (void)journal.finish_with(request.id, store::OutcomeKind::refused, "refused: " + why,
                              {0, m_clock.wall_ms(), request.node, request.id, store::EventKind::refused,
                               fmt::format("{} refused by the {}: {}", power::to_string(request.action), m_who, why),
                               store::OutcomeKind::refused, request.action});
}

void Carrier::reconfigure_if_owed() {
    const Reconfigures done = reconfigures();
    if (!done.owed || (done.last && m_clock.wall_ms() - *done.last < kReconfigureSpacingMs)) return;
    const auto called = m_slurm.call({"reconfigure"});
    (void)m_journal.record({0, m_clock.wall_ms(), "", std::nullopt, store::EventKind::reconfigured,
                            fmt::format("scontrol reconfigure, postponed so that slurmctld restarts at most once in "
                                        "{} min: nodes whose power-off was refused register again{}",
                                        kReconfigureSpacingMs / 60000, called ? "" : ", failed: " + called.error())});
}

Carrier::Reconfigures Carrier::reconfigures() const {
    // A journal that cannot be read counts as no reconfigure yet: Slurm's
    // view is made true rather than left wrong.
    const auto last = m_journal.latest_event_time(store::EventKind::reconfigured).value_or(std::nullopt);
    const auto owed = m_journal.latest_event_time(store::EventKind::reconfigure_owed).value_or(std::nullopt);
    return {last, owed && (!last || *owed > *last)};
}

std::expected<std::vector<Batch>, std::string> Carrier::take() {
    reconfigure_if_owed();
    m_held_for_watch = 0;
    auto requests = m_journal.take_pending();
    if (!requests) return std::unexpected("journal: " + requests.error());
    if (requests->empty()) return std::vector<Batch>{};

    // Slurm's view decides whether a node may go off; without it, none may.
    // A resume alone needs no look (and is not held up by a slow slurmctld).
    std::unordered_map<std::string, slurm::NodeState> slurm_view;
    std::string slurm_error;
    const auto takes_power = [](const store::Request& r) {
        return r.action == power::Action::off || r.action == power::Action::soft || r.action == power::Action::cycle;
    };
    const bool any_off = std::any_of(requests->begin(), requests->end(), [](const store::Request& r) {
        return r.action == power::Action::off || r.action == power::Action::soft;
    });
    if (any_off) {
        if (auto nodes = m_slurm.nodes()) {
            for (auto& node : *nodes) slurm_view.emplace(node.name, std::move(node));
        } else {
            slurm_error = nodes.error();
        }
    }

    std::map<power::Action, std::vector<const store::Request*>> by_action;
    // Power-offs refused: Slurm may now count these nodes as powered down
    // while they are on, and must be told otherwise.
    std::vector<std::string> refused_offs;
    Blocks blocks(*m_config, &m_journal, Caller::automatic, m_clock.wall());
    for (const store::Request& request : *requests) {
        const bool powers_off = request.action == power::Action::off || request.action == power::Action::soft;
        // Under the daemon's holds (hold_changes()): a change that takes the node's power.
        const bool held = m_holds && takes_power(request);
        const std::string* open_why = nullptr;
        if (held) {
            if (const auto open = m_holds->nodes.find(request.node); open != m_holds->nodes.end()) {
                open_why = &open->second;
            }
        }
        const auto view = slurm_view.find(request.node);
        std::string why;
        if (m_config->find(request.node) == nullptr) {
            why = fmt::format("not in {}", m_config->file.string());
        } else if ((powers_off || request.action == power::Action::cycle) && m_config->excluded(request.node)) {
            // Excluded means never powered off by slumber (a cycle is off
            // too); a power-on that Slurm asks for is carried out.
            why = "excluded in [slurm] exclude: never powered off by slumber";
        } else if (powers_off && !slurm_error.empty()) {
            why = "cannot tell whether it runs a job: " + slurm_error;
        } else if (powers_off && view != slurm_view.end() && view->second.running_jobs()) {
            why = fmt::format("Slurm shows it running a job ({})", view->second.state_text());
        } else if (auto unreadable = unreadable_credentials(*m_config, request.node)) {
            why = std::move(*unreadable);
        } else if (const auto block = powers_off ? blocks.holding(request.node, request.action) : std::nullopt) {
            // Not switched, so still on as far as anyone knows: Slurm is
            // told so below rather than left counting it off. Once
            // unblocked, Slurm suspends the idle node again by itself.
            // A crossed node is kept drained instead (keep_crossed_drained()).
            why = power::describe(blocked_error(*block));
            if (block->kind == power::ErrorKind::crossed) {
                refuse(m_journal, request, why);
                keep_crossed_drained(*block, slurm_view, slurm_error);
                continue;
            }
        } else if (held && request.time >= m_holds->as_of) {
            (void)m_journal.requeue(request.id);  // for the next look, which the hook's wake brings at once
            ++m_held_for_watch;
            continue;
        } else if (open_why != nullptr) {
            (void)m_journal.requeue(request.id);
            ++m_held_for_watch;
            if (m_held.insert(request.id).second) {
                (void)m_journal.record({0, m_clock.wall_ms(), request.node, request.id, store::EventKind::paced,
                                        fmt::format("{} held back: {}",
                                                    request.action == power::Action::off    ? "power-off"
                                                    : request.action == power::Action::soft ? "shutdown"
                                                                                            : "power cycle",
                                                    *open_why)});
            }
            continue;
        } else {
            if (held) m_held.erase(request.id);
            by_action[request.action].push_back(&request);
            continue;
        }
        refuse(m_journal, request, why);
        if (powers_off) refused_offs.push_back(request.node);
        // A job waits for a node that will not come on: Slurm is told why,
        // as for a blocked BMC, instead of waiting out ResumeTimeout silently.
        if (request.action == power::Action::on && asked_by_slurm(request) &&
            unreadable_credentials(*m_config, request.node)) {
            const std::string reason = fmt::format("slumber: not powered on: {}", why);
            const auto drained = m_slurm.update(request.node, "DRAIN", reason);
            (void)m_journal.record({0, m_clock.wall_ms(), request.node, request.id, store::EventKind::drained,
                                    drained
                                        ? fmt::format("drained in Slurm: {}", reason)
                                        : fmt::format("could not drain it in Slurm ({}): {}", drained.error(), reason),
                                    drained ? store::OutcomeKind::ok : store::OutcomeKind::error, std::nullopt,
                                    store::StepKind::slurm_drain});
        }
    }
    if (!refused_offs.empty()) tell_slurm_still_up(refused_offs, slurm_view, slurm_error);
    if (auto ons = by_action.find(power::Action::on); ons != by_action.end()) hold_back(ons->second);

    std::vector<Batch> batches;
    for (const auto& [action, list] : by_action) {
        if (list.empty()) continue;
        Batch& batch = batches.emplace_back();
        batch.action = action;
        batch.config = m_config;
        for (const store::Request* request : list) batch.requests.push_back(*request);
        if (action == power::Action::on) m_ons_in_flight += static_cast<int>(list.size());
    }
    return batches;
}

void Carrier::keep_crossed_drained(const store::Block& block,
                                   const std::unordered_map<std::string, slurm::NodeState>& view,
                                   const std::string& slurm_error) {
    // Telling Slurm that the node is up (State=RESUME, reconfigure) lifted
    // the drain, and Slurm, which suspends a drained idle node too (22.05,
    // 24.11), suspended it again after SuspendTime: seen by a tester, the
    // crossed node drained, idle, idle, drained… with nine reconfigures in
    // two minutes, and a job ran on it in an idle moment. Drained, a node
    // Slurm counts as powered down gets no job, so its view is left as it
    // is, and Slurm does not suspend a powered-down node again: one
    // refusal, then quiet. `slumber unblock` resumes it; recovery then
    // switches the running machine off if Slurm still counts it asleep.
    const std::string reason = drain_reason(block);
    const auto it = view.find(block.target);
    std::string done;
    if (!slurm_error.empty()) {
        done = "cannot read Slurm's view: " + slurm_error;
    } else if (it != view.end() && it->second.has("DRAIN") && it->second.reason.find(reason) != std::string::npos) {
        done = fmt::format(
            "Slurm shows it {}, drained: left counting it as powered down (no job waits for a drained "
            "node; telling Slurm it is up would lift the drain, and Slurm would suspend it again)",
            it->second.state_text());
    } else if (it != view.end() && drained_by_others(it->second)) {
        done = fmt::format(
            "Slurm shows it {}, drained by someone else (reason \"{}\"): that drain is left as it is, and Slurm "
            "counting it as powered down",
            it->second.state_text(), it->second.reason);
    } else {
        const auto drained = m_slurm.update(block.target, "DRAIN", reason);
        done = drained ? fmt::format(
                             "drained it in Slurm ({}) and left Slurm counting it as powered down (no job "
                             "waits for a drained node)",
                             reason)
                       : fmt::format("could not drain it in Slurm ({}): {}", drained.error(), reason);
    }
    (void)m_journal.record({0, m_clock.wall_ms(), block.target, std::nullopt, store::EventKind::slurm_view,
                            "power-off refused (BMC addresses look crossed): not switched; " + done});
}

void Carrier::tell_slurm_still_up(const std::vector<std::string>& nodes,
                                  const std::unordered_map<std::string, slurm::NodeState>& view,
                                  const std::string& slurm_error) {
    const store::TimeMs now = m_clock.wall_ms();
    auto note = [&](const std::string& node, const std::string& detail) {
        (void)m_journal.record({0, now, node, std::nullopt, store::EventKind::slurm_view, detail});
    };
    if (!slurm_error.empty()) {
        for (const std::string& node : nodes) {
            note(node, "power-off refused; cannot tell Slurm it is still up: " + slurm_error);
        }
        return;
    }
    std::vector<slurm::NodeState> states;
    for (const std::string& node : nodes) {
        const auto it = view.find(node);
        if (it == view.end()) {
            note(node, "power-off refused; Slurm does not know the node: nothing to tell it");
        } else if (!slurm::shows_powered_down(it->second)) {
            note(node,
                 fmt::format("power-off refused; Slurm shows it {}: nothing to tell it", it->second.state_text()));
        } else {
            states.push_back(it->second);
        }
    }
    if (states.empty()) return;
    const auto version = m_slurm.version();
    auto calls = slurm::still_up_calls(version.value_or(slurm::kOldestSupported), states);
    // From 23.11 reconfigure restarts slurmctld: at most one per spacing,
    // the next one owed (24.11.5: a restart every SuspendTime held a job
    // CONFIGURING for minutes).
    const bool spaced = version && *version >= slurm::kReconfigureRestartsSince;
    bool postponed = false;
    const Reconfigures before = reconfigures();
    if (spaced && before.last && now - *before.last < kReconfigureSpacingMs) {
        postponed =
            std::erase_if(calls, [](const slurm::ScontrolCall& call) { return call.front() == "reconfigure"; }) > 0;
    }
    std::string done;
    std::string failed;
    for (const slurm::ScontrolCall& call : calls) {
        const std::string text = fmt::format("scontrol {}", fmt::join(call, " "));
        done += (done.empty() ? "" : "; ") + text;
        const auto called = m_slurm.call(call);
        if (!called) failed += (failed.empty() ? "" : "; ") + called.error();
        if (call.front() == "reconfigure") {
            (void)m_journal.record({0, now, "", std::nullopt, store::EventKind::reconfigured,
                                    fmt::format("scontrol reconfigure: nodes whose power-off was refused register "
                                                "again{}",
                                                called ? "" : ", failed: " + called.error())});
        }
    }
    if (postponed) {
        (void)m_journal.record({0, now, "", std::nullopt, store::EventKind::reconfigure_owed,
                                fmt::format("scontrol reconfigure postponed: it restarts slurmctld from 23.11, at "
                                            "most once in {} min; owed",
                                            kReconfigureSpacingMs / 60000)});
    }
    const std::string release = version ? fmt::format("Slurm {}.{:02}", version->major, version->minor)
                                        : fmt::format("Slurm of unknown release ({})", version.error());
    for (const slurm::NodeState& state : states) {
        note(state.name, fmt::format("power-off refused, the node stays on; {} showed it {}: told it the node is "
                                     "still up ({}){}{}",
                                     release, state.state_text(), done, failed.empty() ? "" : ", failed: " + failed,
                                     postponed ? fmt::format("; scontrol reconfigure postponed (it restarts slurmctld "
                                                             "from 23.11: at most once in {} min)",
                                                             kReconfigureSpacingMs / 60000)
                                               : ""));
    }
}

int Carrier::carry_out(const Batch& batch, store::Journal& journal) {
    const power::Action action = batch.action;
    // Never m_config here: a batch runs on its own thread while a reload
    // may replace m_config.
    const config::Config& config = *batch.config;
    // A target blocked after a failure that cannot heal fails at once,
    // without a login (docs/power.md, "Blocked targets").
    Blocks blocks(config, &journal, Caller::automatic, m_clock.wall());
    SwitchPlan plan{.action = action,
                    .fanout = bounded_fanout(config.daemon.fanout, util::open_files_limit()),
                    .wait = kConfirmWithin};
    for (const store::Request& request : batch.requests) plan.targets.push_back(request.node);
    // Switches and other devices these nodes need go on first; a node whose
    // device did not come on is not booted into a dead fabric.
    if (action == power::Action::on) {
        plan.dependencies = [&journal](const store::Event& event) { (void)journal.record(event); };
    }
    plan.source = [&](std::size_t i) {
        return fmt::format("the {} for {}", m_who, store::to_string(batch.requests[i].source));
    };
    // Power-ons Slurm asked for start their nodes afresh (fresh_boot.hpp).
    RegisteredNodes registered(m_slurm);
    std::vector<std::unique_ptr<FreshBootDriver>> fresh;
    std::vector<const FreshBootDriver*> fresh_of(batch.requests.size(), nullptr);
    // Journaled as each target finishes, so that a daemon killed while a
    // slow BMC holds one node has already recorded the others; written out
    // before the blocks the failures call for (one connection, one writer
    // at a time).
    std::optional<OutcomeWriter> writer;
    plan.prepare = [&](std::span<const std::size_t> called, std::vector<power::Task>& tasks) {
        if (action == power::Action::on) {
            std::vector<const store::Request*> carried;
            for (const std::size_t i : called) carried.push_back(&batch.requests[i]);
            fresh.resize(tasks.size());
            fresh_boot_drivers(config, carried, tasks, journal, registered, fresh);
            for (std::size_t k = 0; k < called.size(); ++k) fresh_of[called[k]] = fresh[k].get();
        }
        writer.emplace(journal, m_ons_in_flight);
    };
    std::atomic<int> failed{0};
    plan.on_target = [&](std::size_t i, const TargetOutcome& target) {
        failed += journal_outcome(batch.requests[i], target, fresh_of[i], journal, blocks, writer ? &*writer : nullptr)
                      ? 0
                      : 1;
    };
    plan.settled = [&writer] { writer.reset(); };
    const std::vector<TargetOutcome> outcomes = Switcher{m_drivers, &m_clock}.run(config, blocks, plan);
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        if (outcomes[i].block) drain_if_waited_for(journal, batch.requests[i], outcomes[i].block);
    }
    return failed;
}

bool Carrier::journal_outcome(const store::Request& request, const TargetOutcome& target, const FreshBootDriver* fresh,
                              store::Journal& journal, const Blocks& blocks, OutcomeWriter* writer) {
    const power::Action action = request.action;
    const power::Outcome& outcome = target.outcome;
    const store::TimeMs now = m_clock.wall_ms();
    const std::string said = outcome.result ? std::string(power::to_string(*outcome.result))
                                            : "error: " + power::describe(outcome.result.error());
    switch (target.not_called) {
        case NotCalled::no_driver:
            refuse(journal, request, target.no_driver);
            break;
        case NotCalled::blocked:
            // Refused, not failed: nothing was tried, and recovery must not
            // take it for a power-off to retry (a tester's retry after
            // `slumber unblock` went through a still-crossed address).
            refuse(journal, request, power::describe(outcome.result.error()));
            drain_if_waited_for(journal, request, blocks.find(request.node, action));
            break;
        case NotCalled::no_device:
            (void)journal.finish_with(request.id, false, said,
                                      {0, now, request.node, request.id, store::EventKind::failed,
                                       fmt::format("{} by the {} for {}: {}", power::to_string(action), m_who,
                                                   store::to_string(request.source), said)});
            break;
        case NotCalled::no: {
            std::optional<store::TimeMs> boot;
            // A cycle is a boot too: the boot deadline and registration count from it.
            if ((action == power::Action::on || action == power::Action::cycle) && outcome.result) {
                boot = now - outcome.elapsed.count();
            }
            // A power-on carried out as a power cycle is journaled as a
            // power-on (Slurm's resume) whose action is the cycle: what
            // happened to the machine (engine/crossed.hpp judges it so).
            const bool cycled = fresh != nullptr && fresh->cycled();
            writer->add({request.id, outcome.result.has_value(), said,
                         store::Event{0, now, outcome.target, request.id, store::event_kind(action),
                                      fmt::format("{} by the {} for {}: {}{} after {} attempt(s), {} ms",
                                                  power::to_string(action), m_who, store::to_string(request.source),
                                                  !cycled ? ""
                                                  : request.source == store::RequestSource::slurm_reboot
                                                      ? "power cycle (a reboot Slurm asked for): "
                                                      : "power cycle (on at the BMC but not registered with Slurm, "
                                                        "and no boot of slumber's under way): ",
                                                  said, outcome.attempts, outcome.elapsed.count()),
                                      std::nullopt, cycled ? std::optional(power::Action::cycle) : std::nullopt},
                         boot},
                        action == power::Action::on);
            return outcome.result.has_value();
        }
    }
    if (action == power::Action::on) --m_ons_in_flight;
    return false;
}

void Carrier::drain_if_waited_for(store::Journal& journal, const store::Request& request,
                                  const std::optional<store::Block>& block) const {
    // A job waits for a node Slurm (or recovery, for Slurm) is waking: drain
    // it with the fault and the fix, or Slurm waits out ResumeTimeout and
    // tries it again later, and nobody is told why.
    if (!block || request.action != power::Action::on || !asked_by_slurm(request)) return;
    const std::string reason = drain_reason(*block);
    const auto drained = m_slurm.update(request.node, "DRAIN", reason);
    (void)journal.record({0, m_clock.wall_ms(), request.node, request.id, store::EventKind::drained,
                          drained ? fmt::format("drained in Slurm: {}", reason)
                                  : fmt::format("could not drain it in Slurm ({}): {}", drained.error(), reason),
                          drained ? store::OutcomeKind::ok : store::OutcomeKind::error, std::nullopt,
                          store::StepKind::slurm_drain});
}

void Carrier::fresh_boot_drivers(const config::Config& config, const std::vector<const store::Request*>& carried,
                                 std::vector<power::Task>& tasks, const store::Journal& journal,
                                 RegisteredNodes& registered,
                                 std::vector<std::unique_ptr<FreshBootDriver>>& fresh) const {
    const engine::TimeMs now = m_clock.wall_ms();
    const engine::TimeMs deadline = boot_deadline_ms(config, journal);
    std::vector<std::string> names;
    names.reserve(carried.size());
    for (const store::Request* request : carried) names.push_back(request->node);
    const auto open_boot = journal.open_boots(names).value_or(std::map<std::string, store::TimeMs>{});
    for (std::size_t i = 0; i < carried.size(); ++i) {
        // Excluded means never powered off by slumber: not even for a cycle.
        if (config.excluded(carried[i]->node)) continue;
        engine::PowerOnFacts facts;
        facts.asked_by_slurm = asked_by_slurm(*carried[i]);
        facts.reboot = carried[i]->source == store::RequestSource::slurm_reboot;
        if (const auto it = open_boot.find(carried[i]->node); it != open_boot.end()) facts.open_boot = it->second;
        facts.boot_elsewhere = now < m_took_over_until.load();
        if (engine::power_on_step(facts, deadline, now) != engine::PowerOnStep::read_bmc) continue;
        fresh[i] = std::make_unique<FreshBootDriver>(*tasks[i].driver, carried[i]->node, facts, deadline, now,
                                                     registered, m_machine_probe);
        tasks[i].driver = fresh[i].get();
    }
}

void Carrier::give_back(const Batch& batch) {
    for (const store::Request& request : batch.requests) (void)m_journal.requeue(request.id);
    if (batch.action == power::Action::on) m_ons_in_flight -= static_cast<int>(batch.requests.size());
}

std::expected<int, std::string> Carrier::run_pending() {
    auto batches = take();
    if (!batches) return std::unexpected(batches.error());
    int carried = 0;
    for (const Batch& batch : *batches) {
        carry_out(batch, m_journal);
        carried += static_cast<int>(batch.requests.size());
    }
    return carried;
}

std::expected<void, std::string> Carrier::start_pending(const std::filesystem::path& journal_file, BatchDone done) {
    (void)under_way();  // the workers that have finished go
    auto batches = take();
    if (!batches) return std::unexpected(batches.error());
    for (Batch& batch : *batches) {
        auto connection = store::Journal::open(journal_file);
        if (!connection) {
            // Back to pending: the next call tries again (left running,
            // their nodes would wait for a daemon restart).
            give_back(batch);
            done(batch, std::unexpected(connection.error()));
            continue;
        }
        auto finished = std::make_shared<std::atomic<bool>>(false);
        m_workers.push_back(
            {std::jthread([this, batch = std::move(batch), journal = std::move(*connection), done, finished]() mutable {
                 done(batch, carry_out(batch, journal));
                 *finished = true;
             }),
             finished});
    }
    return {};
}

std::size_t Carrier::under_way() {
    std::erase_if(m_workers, [](const Worker& worker) { return worker.done->load(); });
    return m_workers.size();
}

std::expected<void, std::string> Carrier::observe_registrations(const std::vector<slurm::NodeState>& nodes) {
    std::vector<std::string> names;
    names.reserve(nodes.size());
    for (const auto& node : nodes) names.push_back(node.name);
    // Only the open boots: the whole boots table is never read in a pass.
    auto open = m_journal.open_boots(names);
    if (!open) return std::unexpected("journal: " + open.error());
    for (const slurm::NodeState& node : nodes) {
        const auto it = open->find(node.name);
        if (it == open->end()) continue;
        const store::Boot boot{node.name, it->second, std::nullopt};
        // Slurm compares whole seconds; a boot time in the power-on's second counts.
        const bool fresh = node.boot_time && *node.boot_time * 1000 >= boot.powered_on - 1000;
        if (node.powering_up() || node.powered_down() || !node.responding()) continue;
        if (!fresh) {
            // Up and answering since before the power-on: the "on" found it
            // running (Slurm asked twice) and there was no boot to time.
            (void)m_journal.cancel_boot(node.name);
            continue;
        }
        const store::TimeMs now = m_clock.wall_ms();
        (void)m_journal.boot_registered(node.name, now);
        (void)m_journal.record({0, now, node.name, std::nullopt, store::EventKind::registered,
                                fmt::format("slurmd registered {:.1f} s after power-on ({})",
                                            static_cast<double>(now - boot.powered_on) / 1000.0, node.state_text())});
    }
    return {};
}

}  // namespace slumber::operate
