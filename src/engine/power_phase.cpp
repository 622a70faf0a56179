#include "engine/power_phase.hpp"

#include <algorithm>

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

// One node's timeline as its rows come. The requests journaled since the
// phase was last set by a fact are pending: the phase they lead to stands
// until a fact replaces it, and when every one of them is withdrawn, the
// phases they made are taken back.
class Timeline {
  public:
    void add(const PhaseRow& row) {
        if (row.kind == store::EventKind::requested) {
            request(row);
        } else if (withdraws(row)) {
            withdraw(row);
        } else if (const auto phase = fact_phase(row)) {
            m_pending.clear();
            move_to(*phase, row.time);
        }
    }

    std::vector<PhaseChange> take() { return std::move(m_changes); }

  private:
    struct Pending {
        std::optional<std::int64_t> request;
        PowerPhase leads_to;
    };

    void move_to(PowerPhase phase, TimeMs time) {
        if (phase == m_current) return;
        m_changes.push_back({phase, time});
        m_current = phase;
    }

    void request(const PhaseRow& row) {
        std::optional<PowerPhase> phase;
        if (switches_on(row.action)) phase = PowerPhase::powering_on;
        if (switches_off(row.action)) phase = PowerPhase::powering_off;
        if (!phase) return;  // a status read changes nothing
        // Asked for what the node already is (Slurm's resume run twice
        // for a node that is booting): nothing to wait for.
        const bool on_already = m_current == PowerPhase::booting || m_current == PowerPhase::up;
        if ((row.action == power::Action::on && on_already) ||
            (switches_off(row.action) && m_current == PowerPhase::off)) {
            phase = m_current;
        }
        if (m_pending.empty()) {
            m_before = m_current;
            m_first_change = m_changes.size();
        }
        m_pending.push_back({row.request, *phase});
        move_to(*phase, row.time);
    }

    void withdraw(const PhaseRow& row) {
        if (!row.request) return;  // no request journaled: nothing was asked
        const auto it = std::find_if(m_pending.begin(), m_pending.end(),
                                     [&](const Pending& pending) { return pending.request == row.request; });
        if (it == m_pending.end()) return;  // carried out, or withdrawn, already
        m_pending.erase(it);
        if (!m_pending.empty()) {
            move_to(m_pending.back().leads_to, row.time);
            return;
        }
        m_changes.resize(m_first_change);
        m_current = m_before;
    }

    std::vector<PhaseChange> m_changes;
    std::optional<PowerPhase> m_current;
    std::vector<Pending> m_pending;
    std::optional<PowerPhase> m_before;  ///< the phase when the first pending request came
    std::size_t m_first_change = 0;      ///< the first change the pending requests made
};

}  // namespace

std::string_view to_string(PowerPhase phase) { return util::word_of(kPhases, phase); }

std::vector<PhaseChange> phase_timeline(std::span<const PhaseRow> rows) {
    Timeline timeline;
    for (const PhaseRow& row : rows) timeline.add(row);
    return timeline.take();
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
