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

// A carried-out call: where it ends if it worked.
std::optional<PowerPhase> call_result(const PhaseRow& row, PowerPhase worked, std::optional<PowerPhase> current) {
    if (row.outcome == store::OutcomeKind::error) return PowerPhase::failed;
    if (row.outcome == store::OutcomeKind::refused) return current;
    return worked;
}

}  // namespace

std::string_view to_string(PowerPhase phase) { return util::word_of(kPhases, phase); }

std::optional<PowerPhase> next_phase(std::optional<PowerPhase> current, std::optional<PowerPhase> before_request,
                                     const PhaseRow& row) {
    using store::EventKind;
    switch (row.kind) {
        case EventKind::requested:
            if (switches_on(row.action)) return PowerPhase::powering_on;
            if (switches_off(row.action)) return PowerPhase::powering_off;
            return current;
        case EventKind::power_on:
        case EventKind::power_cycle:
            return call_result(row, PowerPhase::booting, current);
        case EventKind::power_off:
        case EventKind::shutdown:
            return call_result(row, PowerPhase::off, current);
        case EventKind::failed:
        case EventKind::resume_failed:
            return PowerPhase::failed;
        case EventKind::refused:
            return before_request;
        case EventKind::registered:
            return PowerPhase::up;
        case EventKind::power_lost:
            return PowerPhase::off;
        default:
            return current;
    }
}

std::vector<PhaseChange> phase_timeline(std::span<const PhaseRow> rows) {
    std::vector<PhaseChange> timeline;
    std::optional<PowerPhase> current;
    std::optional<PowerPhase> before_request;
    for (const PhaseRow& row : rows) {
        if (row.kind == store::EventKind::requested) before_request = current;
        const std::optional<PowerPhase> next = next_phase(current, before_request, row);
        if (next && next != current) timeline.push_back({*next, row.time});
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
