#include "operate/reconciler.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "engine/look_pace.hpp"
#include "operate/blocks.hpp"
#include "operate/diagnosis.hpp"
#include "operate/targets.hpp"
#include "slurm/slurm_conf.hpp"
#include "util/parallel.hpp"
#include "util/safe_text.hpp"

namespace slumber::operate {

std::vector<engine::BootStats> measured_boots(const store::Journal& journal, const std::vector<std::string>& nodes) {
    std::vector<engine::BootSample> samples;
    if (auto boots = journal.boots(nodes)) {
        for (const store::Boot& boot : *boots) {
            if (boot.registered) samples.push_back({boot.node, *boot.registered - boot.powered_on});
        }
    }
    return engine::boot_stats(std::move(samples));
}

engine::TimeMs boot_deadline(const config::Config& config, const store::Journal& journal, std::string& why) {
    slurm::ResumeTimeout slurm_timeout;
    const auto text = slurm::read_conf(config.slurm.conf);
    if (const auto value = text ? slurm::conf_option(*text, "ResumeTimeout") : std::nullopt) {
        if (auto parsed = slurm::parse_resume_timeout(*value)) slurm_timeout = *parsed;
    }
    std::optional<engine::TimeMs> configured;
    if (config.daemon.boot_deadline) configured = config.daemon.boot_deadline->count();
    std::vector<std::string> nodes;
    for (const auto& target : config.nodes) nodes.push_back(target.name);
    const auto measured =
        slurm_timeout.infinite() && !configured ? measured_boots(journal, nodes) : std::vector<engine::BootStats>{};
    const engine::TimeMs deadline = engine::boot_deadline(configured, slurm_timeout, measured);
    why = configured      ? "[daemon] boot_deadline"
          : deadline == 0 ? "none: Slurm's ResumeTimeout decides"
          : measured.empty()
              ? "ResumeTimeout=INFINITE and no boot measured yet: the default"
              : fmt::format("ResumeTimeout=INFINITE: 1.5 x the slowest of {} measured boots", measured.back().count);
    return deadline;
}

engine::CrossedWindows crossed_windows(const config::Config& config, const store::Journal& journal) {
    std::string why;
    return crossed_windows(config, boot_deadline(config, journal, why));
}

Reconciler::Reconciler(config::SharedConfig config, store::Journal& journal, const slurm::SlurmView& slurm,
                       Clock& clock, PowerReader reader)
    : m_journal(journal),
      m_slurm(slurm),
      m_clock(&clock),
      m_crossed(journal, slurm, clock),
      m_reads(std::move(reader), clock.wall()) {
    reconfigure(std::move(config));
}

void Reconciler::reconfigure(config::SharedConfig config) {
    m_config = std::move(config);
    m_policy.max_failures = m_config->daemon.max_failures;
    m_policy.late_boot_grace_ms = m_config->daemon.late_boot_grace.count();
    m_policy.keep_drained_on = m_config->daemon.keep_drained_on;
    m_policy.power_loss_window_ms = m_config->daemon.power_loss_window.count();
    m_policy.boot_deadline_ms = boot_deadline(*m_config, m_journal, m_boot_deadline_source);
    m_policy.late_off_grace_ms = m_config->daemon.late_off_grace.count();
    m_crossed.reconfigure(crossed_windows(*m_config, m_policy.boot_deadline_ms));
}

namespace {

bool powers_off(power::Action action) { return action == power::Action::off || action == power::Action::soft; }

// SuspendExc* can change at run time (scontrol update, 23.02 and later), and
// show config is one call to slurmctld: once a minute is enough.
constexpr engine::TimeMs kRulesMaxAgeMs = 60000;

}  // namespace

const slurm::PowerSaveRules& Reconciler::rules() const {
    const engine::TimeMs now = m_clock->wall_ms();
    if (m_rules_read_at && now - *m_rules_read_at < kRulesMaxAgeMs) return m_rules;
    m_rules_read_at = now;
    if (auto rules = m_slurm.power_save_rules()) {
        if (!rules->error.empty() && rules->error != m_rules.error) {
            (void)m_journal.record(
                {0, now, "", std::nullopt, store::EventKind::slurm_view, "power-saving rules: " + rules->error});
        }
        m_rules = std::move(*rules);
    }
    return m_rules;
}

std::expected<std::vector<engine::NodeFacts>, std::string> Reconciler::gather_facts(
    const std::vector<slurm::NodeState>& nodes) const {
    auto streaks = m_journal.failure_streaks();
    if (!streaks) return std::unexpected("journal: " + streaks.error());
    auto open = m_journal.open_requests();
    if (!open) return std::unexpected("journal: " + open.error());
    auto failed_offs = m_journal.failed_offs();
    if (!failed_offs) return std::unexpected("journal: " + failed_offs.error());
    auto drains = m_journal.slumber_drains();
    if (!drains) return std::unexpected("journal: " + drains.error());
    auto losses = m_journal.power_losses(m_clock->wall_ms() - m_policy.power_loss_window_ms);
    if (!losses) return std::unexpected("journal: " + losses.error());
    auto latest = m_journal.latest_requests();
    if (!latest) return std::unexpected("journal: " + latest.error());
    auto unblocked = m_journal.latest_event_times_by_node(store::EventKind::unblocked);
    if (!unblocked) return std::unexpected("journal: " + unblocked.error());
    // With several controllers, a power-on carried out before this daemon
    // last began acting answers no wake: another daemon acted in between
    // (a tester's lost wake went unseen for an hour-old power-on).
    auto control = m_journal.latest_event_time(store::EventKind::took_control);
    if (!control) return std::unexpected("journal: " + control.error());
    const engine::TimeMs control_began = control->value_or(0);
    // The journal's open boots, for the boot deadline: read only when one
    // applies and a node is being woken.
    // Also read for a node whose failed-boot words are an older part of
    // its reason (engine::failed_boot_now()).
    std::vector<std::string> waking;
    for (const slurm::NodeState& node : nodes) {
        const bool older_words = node.base == "DOWN" && engine::is_failed_boot_reason(node.reason) &&
                                 !engine::is_failed_boot_reason(slurm::latest_reason(node.reason));
        if ((node.powering_up() && m_policy.boot_deadline_ms > 0) || older_words) waking.push_back(node.name);
    }
    auto open_boots =
        waking.empty() ? store::DbResult<std::map<std::string, store::TimeMs>>{} : m_journal.open_boots(waking);
    if (!open_boots) return std::unexpected("journal: " + open_boots.error());
    const std::map<std::string, engine::TimeMs>& booting = *open_boots;
    const slurm::PowerSaveRules& power_rules = rules();
    slurm::PowerSaveRules rules_by_name = power_rules;
    rules_by_name.exc_states.clear();
    std::vector<engine::NodeFacts> facts;
    facts.reserve(nodes.size());
    for (const slurm::NodeState& node : nodes) {
        if (m_config->find(node.name) == nullptr) continue;  // not slumber's to manage
        engine::NodeFacts fact;
        fact.slurm = node;
        fact.request_open = open->contains(node.name);
        fact.excluded = m_config->excluded(node.name);
        if (const auto it = streaks->find(node.name); it != streaks->end()) {
            fact.failed_resumes = it->second.failed_resumes;
            fact.last_failure = it->second.last_failure;
            fact.failed_at = it->second.failed_at;
        }
        const auto request = latest->find(node.name);
        const store::Request* last = request == latest->end() ? nullptr : &request->second;
        // What slumber did with it here. A request handed over to another
        // controller's daemon (docs/ha.md) was not carried out: a resume
        // handed over is a lost wake for the daemon that acts now, a suspend
        // a node left on.
        const store::Request* answered =
            last != nullptr && last->outcome_kind != store::OutcomeKind::handed_over ? last : nullptr;
        const bool last_off = answered != nullptr && powers_off(answered->action);
        // An off from before its latest boot (Slurm's BootTime) did not make
        // it dark, nor one carried out before this daemon last began acting:
        // the other controller's daemon may have switched it on since, and
        // such a node was read only at the routine 10-minute re-read (a
        // tester's stayed on, idle~, for 10 min after a takeover).
        const bool off_this_period = last_off && answered->finished.value_or(answered->time) >= control_began;
        fact.latest_request_off = off_this_period && (!node.boot_time || answered->time >= *node.boot_time * 1000);
        fact.off_before_acting = last_off && !off_this_period;
        // A block lifted since slumber was last asked to switch it: what it
        // switched before may have been another machine (crossed addresses).
        if (const auto it = unblocked->find(node.name);
            it != unblocked->end() && (last == nullptr || last->time <= it->second)) {
            fact.unblocked_at = it->second;
        }
        if (const auto it = drains->find(node.name); it != drains->end()) {
            fact.drained_at = it->second;
            fact.off_since_drain = last_off && answered->time >= it->second;
            // Slurm ran its suspend hook after the drain: with
            // idle_on_node_suspend that suspend is what lifted it.
            fact.drain_lifted_by_suspend =
                power_rules.idle_on_node_suspend && last != nullptr && powers_off(last->action) &&
                last->source == store::RequestSource::slurm_suspend && last->time >= it->second;
        }
        fact.keep_on = slurm::keep_on_reason(power_rules, node, nodes);
        fact.keep_on_by_name = slurm::keep_on_reason(rules_by_name, node, nodes);
        fact.power_on_refused = slurm::power_on_refusal(power_rules, node, nodes);
        if (const auto it = losses->find(node.name); it != losses->end()) {
            fact.recent_power_losses = it->second.recent;
            fact.last_power_loss = it->second.latest;
        }
        if (const auto it = m_dark_read.find(node.name); it != m_dark_read.end()) fact.dark_bmc_read_at = it->second;
        if (node.powering_up()) {
            fact.powering_up_since = m_first_seen_powering_up.try_emplace(node.name, m_clock->wall_ms()).first->second;
            fact.wake_adopted = m_wake_adopted.contains(node.name);
            // A cycle ends with the node on too (the boot deadline's step).
            fact.latest_request_on =
                answered != nullptr &&
                (answered->action == power::Action::on || answered->action == power::Action::cycle) &&
                answered->finished.value_or(answered->time) >= control_began;
        } else {
            m_first_seen_powering_up.erase(node.name);
            m_wake_adopted.erase(node.name);
        }
        if (const auto it = booting.find(node.name); it != booting.end()) fact.booting_since = it->second;
        if (const auto it = failed_offs->find(node.name); it != failed_offs->end()) {
            fact.failed_offs = it->second.count;
            fact.last_failed_off = it->second.last;
            fact.failed_off_error = it->second.last_error;
        }
        if (const auto it = m_last_recovery.find(node.name); it != m_last_recovery.end()) {
            fact.last_recovery = it->second;
        }
        // Slurm marks the node down a moment before ResumeFailProgram runs,
        // and a site may not use slumber's: the failure counts from when it
        // was first seen, if the journal has no earlier record of it.
        if (engine::failed_boot_now(fact)) {
            const engine::TimeMs seen = m_first_seen_failed.try_emplace(node.name, m_clock->wall_ms()).first->second;
            if (!fact.failed_at || *fact.failed_at > seen) fact.failed_at = seen;
        } else {
            m_first_seen_failed.erase(node.name);
            m_last_diagnosis.erase(node.name);  // a new failure is diagnosed afresh
        }
        if (engine::asleep_in_slurm(fact)) {
            const AsleepWatch& watch =
                m_asleep
                    .try_emplace(
                        node.name,
                        AsleepWatch{.since = m_clock->wall_ms(), .bmc_read_at = {}, .on_since = {}, .bmc_error = {}})
                    .first->second;
            fact.asleep_since = watch.since;
            fact.asleep_bmc_read_at = watch.bmc_read_at;
            fact.on_while_asleep_since = watch.on_since;
        } else {
            m_asleep.erase(node.name);  // woken, powering down, asked for: watched afresh next time
        }
        facts.push_back(std::move(fact));
    }
    return facts;
}

void Reconciler::began_acting(engine::TimeMs now) {
    m_policy.several_controllers = true;  // only called with several
    m_first_seen_failed.clear();
    m_last_diagnosis.clear();
    m_dark_read.clear();
    m_first_seen_powering_up.clear();
    m_wake_adopted.clear();
    m_asleep.clear();
    m_crossed.began_acting(now);
}

engine::TimeMs Reconciler::takeover_window_ms() const {
    return std::max(m_crossed.windows().after_on_ms, m_policy.late_off_grace_ms);
}

std::expected<std::vector<engine::Step>, std::string> Reconciler::run(const std::vector<slurm::NodeState>& nodes) {
    const engine::TimeMs now = m_clock->wall_ms();
    m_policy.left_on_hold_until = m_took_over_at ? *m_took_over_at + takeover_window_ms() : 0;
    auto gathered = gather_facts(nodes);
    if (!gathered) return std::unexpected(gathered.error());
    std::vector<engine::NodeFacts>& facts = *gathered;
    m_in_flux = engine::first_in_flux(facts, m_policy, now);
    // Crossed BMC addresses first: recovery must not power-cycle or switch
    // off a node whose power changes land on another machine.
    std::vector<slurm::NodeState> managed;
    managed.reserve(facts.size());
    for (const engine::NodeFacts& fact : facts) managed.push_back(fact.slurm);
    const std::set<std::string> crossed = m_crossed.run(managed);
    std::erase_if(facts, [&](const engine::NodeFacts& fact) { return crossed.contains(fact.slurm.name); });
    keep_drain_reasons(managed, crossed);
    // The BMCs are asked only about the nodes whose next step depends on
    // them, on a worker: this pass decides with the answers that have come
    // (a silent BMC holds its own read for its timeouts, never the daemon).
    const std::vector<std::string> ask = engine::needs_bmc(facts, m_policy, now);
    std::map<std::string, BmcReading> answers = m_reads.collect();
    if (!answers.empty()) {
        auto latest = std::make_shared<std::map<std::string, BmcReading>>(*m_latest_reads);
        for (const auto& [node, reading] : answers) latest->insert_or_assign(node, reading);
        m_latest_reads = std::move(latest);
    }
    for (const auto& [node, reading] : answers) m_urgent_reads.erase(node);
    std::vector<std::string> unread;
    for (engine::NodeFacts& fact : facts) {
        if (std::ranges::find(ask, fact.slurm.name) == ask.end()) continue;
        const auto it = answers.find(fact.slurm.name);
        if (it == answers.end() || !take_reading(fact, it->second)) {
            unread.push_back(fact.slurm.name);
            if (!engine::read_can_wait(fact, m_policy, now)) m_urgent_reads.insert(fact.slurm.name);
        }
    }
    auto steps = engine::reconcile(facts, m_policy, now);
    if (auto blocks = m_journal.blocks()) {
        for (engine::Step& drain : drains_for_blocks(facts, *blocks, steps)) steps.push_back(std::move(drain));
    }
    diagnose(facts, steps);
    for (const engine::Step& step : steps) take(step);
    m_reads.start(m_config, unread);  // after the steps: asked after what they changed
    if (!m_in_flux) {
        if (!steps.empty()) {
            m_in_flux = fmt::format("{}: {} just taken", steps.front().node, engine::to_string(steps.front().kind));
        } else if (m_reads.busy() && !m_urgent_reads.empty()) {
            m_in_flux = "BMC reads under way";
        } else if (m_crossed.watching()) {
            m_in_flux = "a power change's effect on other nodes is watched (crossed BMC addresses)";
        }
    }
    return steps;
}

void Reconciler::keep_drain_reasons(const std::vector<slurm::NodeState>& managed,
                                    const std::set<std::string>& crossed) {
    for (const slurm::NodeState& node : managed) {
        if (!node.has("DRAIN")) {
            m_drain_reasons.erase(node.name);
            continue;
        }
        if (!node.reason.empty()) {
            m_drain_reasons.insert_or_assign(node.name, node.reason);
            continue;
        }
        const auto it = m_drain_reasons.find(node.name);
        if (it == m_drain_reasons.end() || crossed.contains(node.name)) continue;
        // Once: a failed update is journaled, not tried at every pass.
        const std::string reason = std::move(it->second);
        m_drain_reasons.erase(it);
        const auto given = m_slurm.update(node.name, "DRAIN", reason);
        (void)m_journal.record(
            {0, m_clock->wall_ms(), node.name, std::nullopt, store::EventKind::slurm_view,
             given ? fmt::format("Slurm dropped the reason of its drain (it does when a powered-down node registers "
                                 "again, 22.05): given back, \"{}\" (now in slumber's name and time)",
                                 util::safe_text(reason))
                   : fmt::format("Slurm dropped the reason of its drain, \"{}\", and it could not be given back: {}",
                                 util::safe_text(reason), given.error())});
    }
}

bool Reconciler::take_reading(engine::NodeFacts& fact, const BmcReading& reading) {
    const std::string& node = fact.slurm.name;
    // Asked before slumber last acted on the node, or before it went to
    // sleep this time: the power may have changed since.
    if (const auto it = m_last_recovery.find(node); it != m_last_recovery.end() && reading.asked_at < it->second) {
        return false;
    }
    if (const auto it = m_asleep.find(node); it != m_asleep.end() && reading.asked_at < it->second.since) return false;
    m_dark_read[node] = reading.taken_at;
    const PowerReading& state = reading.state;
    const std::string said = state ? std::string(power::to_string(*state)) : fmt::format("error: {}", state.error());
    const bool news =
        watch_asleep(fact, state ? std::optional(*state) : std::optional<power::PowerState>{}, said, reading.taken_at);
    if (state) {
        fact.bmc = *state;
    } else {
        fact.bmc_error = said;
        if (news) {
            diagnosed(node,
                      fmt::format("{} ({}): BMC unreadable: {}", fact.slurm.state_text(), fact.slurm.reason, said));
        }
    }
    return true;
}

bool Reconciler::watch_asleep(engine::NodeFacts& fact, const std::optional<power::PowerState>& state,
                              const std::string& said, engine::TimeMs now) {
    const auto it = m_asleep.find(fact.slurm.name);
    if (it == m_asleep.end()) return true;
    AsleepWatch& watch = it->second;
    watch.bmc_read_at = now;
    // A sleeping node's BMC is read again and again: the same error is news
    // once while it sleeps.
    const bool news = state || watch.bmc_error != said;
    watch.bmc_error = state ? std::string() : said;
    // Only reads in a row that all say on count; one that is off, or on its
    // way (a node's own shutdown), starts the grace afresh. An unreadable BMC
    // says nothing either way.
    if (state == power::PowerState::on || state == power::PowerState::paused) {
        watch.on_since = watch.on_since.value_or(now);
    } else if (state) {
        watch.on_since.reset();
    }
    fact.asleep_bmc_read_at = watch.bmc_read_at;
    fact.on_while_asleep_since = watch.on_since;
    return news;
}

void Reconciler::diagnosed(const std::string& node, const std::string& diagnosis) {
    // Every pass finds the same trouble again; the journal needs it once.
    std::string& last = m_last_diagnosis[node];
    if (last == diagnosis) return;
    last = diagnosis;
    (void)m_journal.record({0, m_clock->wall_ms(), node, std::nullopt, store::EventKind::diagnosis, diagnosis});
}

void Reconciler::diagnose(const std::vector<engine::NodeFacts>& facts, const std::vector<engine::Step>& steps) {
    // A node about to be switched off because it never registered: before it
    // goes, find out what an admin would check, for the journal and a drain
    // reason. The probes run side by side, each bounded by its timeout.
    std::vector<const slurm::NodeState*> silent;
    for (const engine::Step& step : steps) {
        if (step.kind != engine::StepKind::power_off) continue;
        for (const engine::NodeFacts& fact : facts) {
            // DOWN: a failed boot (not a retried power-off of a sleeping
            // node, nor a drained one, diagnosed before its drain).
            if (fact.slurm.name == step.node && fact.slurm.base == "DOWN" && !fact.slurm.has("DRAIN")) {
                silent.push_back(&fact.slurm);
            }
        }
    }
    std::vector<std::string> found(silent.size());
    util::parallel_for(silent.size(), 16,
                       [&](std::size_t i) { found[i] = diagnose_unregistered(*silent[i], std::chrono::seconds(2)); });
    // Soon after a takeover, the slurmctld now in control may have loaded
    // its state from before a registration the other one saw (a tester was
    // sent to munge and clocks for that).
    const engine::TimeMs now = m_clock->wall_ms();
    const bool after_takeover = m_took_over_at && now - *m_took_over_at < takeover_window_ms();
    for (std::size_t i = 0; i < silent.size(); ++i) {
        diagnosed(silent[i]->name,
                  "powered on, not registered: " + found[i] +
                      (after_takeover ? "; or, this soon after a takeover, the slurmctld now in control holds state "
                                        "from before a registration the other one saw (docs/ha.md)"
                                      : ""));
    }
}

std::expected<void, std::string> Reconciler::return_to_pool(const std::string& node) const {
    // POWER_DOWN_FORCE (scontrol(1), 22.05 and later; `scontrol power down
    // force` from 24.05, slurm::power_call()): Slurm cancels
    // the node's jobs and runs SuspendProgram (slumber's off finds it off).
    // Seen on 22.05.8: a DOWN* node goes DOWN+POWERING_DOWN, then, after
    // SuspendTimeout, DOWN+POWERED_DOWN "Not responding"; the engine's next
    // step then resumes it (State=RESUME: IDLE+POWERED_DOWN, woken by the
    // next job). A plain State=RESUME of a DOWN* node would leave it
    // NOT_RESPONDING until Slurm's own SuspendTime powers it down.
    return m_slurm.power(slurm::PowerRequest::down_force, node);
}

void Reconciler::take(const engine::Step& step) {
    const engine::TimeMs now = m_clock->wall_ms();
    m_last_recovery[step.node] = now;
    if (step.failed_resume) {
        // Counted as ResumeFailProgram's record is: the failure streak.
        (void)m_journal.record(
            {0, now, step.node, std::nullopt, store::EventKind::resume_failed, "slumber: " + step.why});
    }
    std::expected<void, std::string> done;
    switch (step.kind) {
        case engine::StepKind::slurm_resume:
            done = m_slurm.update(step.node, "RESUME");
            break;
        case engine::StepKind::slurm_drain:
            done = m_slurm.update(step.node, "DRAIN", step.why);
            break;
        case engine::StepKind::slurm_power_down:
            done = return_to_pool(step.node);
            break;
        case engine::StepKind::forget_failures:
            break;  // the journal's event is the step
        case engine::StepKind::adopt_boot:
            m_wake_adopted.insert(step.node);  // and the journal's event
            break;
        case engine::StepKind::power_off:
        case engine::StepKind::power_on:
        case engine::StepKind::power_cycle: {
            const std::vector<std::string> node{step.node};
            const auto action = step.kind == engine::StepKind::power_on      ? power::Action::on
                                : step.kind == engine::StepKind::power_cycle ? power::Action::cycle
                                                                             : power::Action::off;
            if (auto added = m_journal.add_requests(node, action, store::RequestSource::recovery, now, step.why);
                !added) {
                done = std::unexpected("journal: " + added.error());
            }
            break;
        }
    }
    // The step and whether it was taken are columns: the journal reads a
    // drain Slurm took back (Journal::slumber_drains) to notice an admin
    // lifting it.
    const std::string what = done ? std::string(engine::to_string(step.kind))
                                  : fmt::format("{} failed ({})", engine::to_string(step.kind), done.error());
    (void)m_journal.record({0, now, step.node, std::nullopt, step.event, what + ": " + step.why,
                            done ? store::OutcomeKind::ok : store::OutcomeKind::error, std::nullopt, step.kind});
}

}  // namespace slumber::operate
