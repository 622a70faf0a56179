#include "engine/power_phase.hpp"

#include <algorithm>
#include <set>

#include "util/vocabulary.hpp"

namespace slumber::engine {
namespace {

constexpr std::array<util::Word<PowerPhase>, kPowerPhases> kPhases{{
    {PowerPhase::off, "off"},
    {PowerPhase::powering_on, "powering-on"},
    {PowerPhase::booting, "booting"},
    {PowerPhase::up, "up"},
    {PowerPhase::powering_off, "powering-off"},
    {PowerPhase::failed, "failed"},
}};

bool switches_on(std::optional<power::Action> action) {
    return action == power::Action::on || action == power::Action::cycle;
}

bool switches_off(std::optional<power::Action> action) {
    return action == power::Action::off || action == power::Action::soft;
}

// Where a row that reports a fact (a carried-out call, Slurm's or the BMC's
// word) puts the node; nullopt for a row that reports none.
std::optional<PowerPhase> fact_phase(const PhaseRow& row) {
    using store::EventKind;
    const bool failed = row.outcome == store::OutcomeKind::error;
    switch (row.kind) {
        case EventKind::power_on:
        case EventKind::power_cycle:
            return failed ? PowerPhase::failed : PowerPhase::booting;
        case EventKind::power_off:
        case EventKind::shutdown:
            return failed ? PowerPhase::failed : PowerPhase::off;
        case EventKind::resume_failed:
            return PowerPhase::failed;
        case EventKind::registered:
            return PowerPhase::up;
        case EventKind::power_lost:
            return PowerPhase::off;
        case EventKind::first_seen:
            if (row.action == power::Action::on) return PowerPhase::up;
            if (row.action == power::Action::off) return PowerPhase::off;
            return std::nullopt;
        default:
            return std::nullopt;
    }
}

// A request that was not carried out: refused, or a call that could not be
// made (nothing was contacted).
bool withdraws(const PhaseRow& row) {
    using store::EventKind;
    if (row.kind == EventKind::refused || row.kind == EventKind::failed) return true;
    const bool call = row.kind == EventKind::power_on || row.kind == EventKind::power_cycle ||
                      row.kind == EventKind::power_off || row.kind == EventKind::shutdown;
    return call && row.outcome == store::OutcomeKind::refused;
}

// Where a `requested` row puts the node: waiting for the call, unless it
// already is what was asked (Slurm's resume run twice for a node that is
// booting); nullopt for a request that switches nothing (a status read).
std::optional<PowerPhase> requested_phase(std::optional<PowerPhase> current, const PhaseRow& row) {
    if (row.action == power::Action::on && (current == PowerPhase::booting || current == PowerPhase::up)) {
        return current;
    }
    if (switches_off(row.action) && current == PowerPhase::off) return current;
    if (switches_on(row.action)) return PowerPhase::powering_on;
    if (switches_off(row.action)) return PowerPhase::powering_off;
    return std::nullopt;
}

}  // namespace

std::string_view to_string(PowerPhase phase) { return util::word_of(kPhases, phase); }

std::vector<PhaseChange> phase_timeline(std::span<const PhaseRow> rows) {
    // A request that ends refused or not called is as if it had never been
    // asked: its `requested` row is passed over too.
    std::set<std::int64_t> withdrawn;
    // A call that failed left the machine as it was: from its request to
    // the failure the node stays in its phase (a failed power-off is no
    // time powering off), then it is failed.
    std::set<std::int64_t> failed_calls;
    for (const PhaseRow& row : rows) {
        if (row.request && withdraws(row)) withdrawn.insert(*row.request);
        if (row.request && row.kind != store::EventKind::requested && row.outcome == store::OutcomeKind::error &&
            fact_phase(row) == PowerPhase::failed) {
            failed_calls.insert(*row.request);
        }
    }
    std::vector<PhaseChange> timeline;
    std::optional<PowerPhase> current;
    for (const PhaseRow& row : rows) {
        std::optional<PowerPhase> next;
        if (row.kind == store::EventKind::requested) {
            if (!row.request || (!withdrawn.contains(*row.request) && !failed_calls.contains(*row.request))) {
                next = requested_phase(current, row);
            }
        } else if (row.kind == store::EventKind::resume_failed && current == PowerPhase::off) {
            // Slurm gave up on a node whose power-on was never carried out
            // (held by pacing or the thermal guard, then refused): it never
            // left off, and draws what an off node draws.
            continue;
        } else if (!withdraws(row)) {
            next = fact_phase(row);
        }
        if (!next || next == current) continue;
        timeline.push_back({*next, row.time});
        current = next;
    }
    return timeline;
}

std::array<TimeMs, kPowerPhases> time_in_phases(std::span<const PhaseChange> timeline, TimeMs until) {
    std::array<TimeMs, kPowerPhases> spent{};
    for (std::size_t i = 0; i < timeline.size(); ++i) {
        const TimeMs end = std::min(until, i + 1 < timeline.size() ? timeline[i + 1].since : until);
        spent[static_cast<std::size_t>(timeline[i].phase)] += std::max<TimeMs>(0, end - timeline[i].since);
    }
    return spent;
}

}  // namespace slumber::engine
