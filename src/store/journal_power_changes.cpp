// The power changes the journal recorded as carried out: what the daemon's
// crossed-address check compares other nodes' changes with
// (engine/crossed.hpp).
#include <fmt/format.h>

#include "store/journal.hpp"

namespace slumber::store {

DbResult<std::vector<Event>> Journal::power_changes(TimeMs since) const {
    // events_time bounds the rows read to the window; the kinds are the
    // vocabulary's words for carried-out power calls.
    auto select = m_db->prepare(
        fmt::format("SELECT e.id, e.time_ms, e.node, e.kind, r.time_ms, e.action FROM events e LEFT JOIN requests r ON "
                    "r.id = e.request WHERE e.time_ms >= ? AND e.outcome = ? AND e.kind IN ('{}', '{}', '{}', '{}') "
                    "ORDER BY e.id",
                    to_string(EventKind::power_on), to_string(EventKind::power_off), to_string(EventKind::shutdown),
                    to_string(EventKind::power_cycle)));
    if (!select) return std::unexpected(select.error());
    select->bind(1, since).bind(2, to_string(OutcomeKind::ok));
    std::vector<Event> found;
    for (;;) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        Event event;
        event.id = select->integer(0);
        event.time = select->integer(1);
        event.node = select->text(2);
        event.kind = event_kind_from(select->text(3)).value_or(EventKind::unknown);
        if (!select->is_null(4)) event.asked = select->integer(4);
        event.outcome = OutcomeKind::ok;
        // The kind says what was carried out, except for a power-on that
        // power-cycled a node that was on: a power-on event whose action
        // is the cycle (Carrier::journal_outcome()).
        for (const power::Action action :
             {power::Action::on, power::Action::off, power::Action::soft, power::Action::cycle}) {
            if (event_kind(action) == event.kind) event.action = action;
        }
        if (event.kind == EventKind::power_on && select->text(5) == power::to_string(power::Action::cycle)) {
            event.action = power::Action::cycle;
        }
        found.push_back(std::move(event));
    }
    return found;
}

}  // namespace slumber::store
