// The journal's readings (power and temperature, per target) and energy
// counters (per target, kept forever: one row each).
#include <fmt/format.h>

#include <unordered_set>

#include "store/journal.hpp"

namespace slumber::store {
namespace {

std::optional<double> real_or_null(const Statement& row, int column) {
    if (row.is_null(column)) return std::nullopt;
    return row.real(column);
}

Reading reading_from(const Statement& row) {
    return Reading{row.text(0), row.integer(1), real_or_null(row, 2), real_or_null(row, 3), row.text(4)};
}

constexpr std::string_view kReadingColumns = "target, time_ms, watts, temperature, sensor";

DbResult<std::vector<Reading>> all_readings(Statement& select) {
    std::vector<Reading> found;
    for (;;) {
        auto row = select.step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        found.push_back(reading_from(select));
    }
    return found;
}

}  // namespace

DbResult<void> Journal::add_readings(std::span<const Reading> readings) {
    if (readings.empty()) return {};
    auto transaction = Transaction::begin(*m_db);
    if (!transaction) return std::unexpected(transaction.error());
    auto insert =
        m_db->prepare("INSERT INTO readings (target, time_ms, watts, temperature, sensor) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!insert) return std::unexpected(insert.error());
    for (const Reading& reading : readings) {
        insert->bind(1, reading.target).bind(2, reading.time).bind(5, reading.sensor);
        if (reading.watts) {
            insert->bind_real(3, *reading.watts);
        } else {
            insert->bind(3, std::nullopt);
        }
        if (reading.temperature) {
            insert->bind_real(4, *reading.temperature);
        } else {
            insert->bind(4, std::nullopt);
        }
        if (auto done = insert->run(); !done) return std::unexpected(done.error());
    }
    return transaction->commit();
}

DbResult<std::vector<Reading>> Journal::readings(std::span<const std::string> targets, TimeMs since,
                                                 TimeMs until) const {
    const std::unordered_set<std::string> filter(targets.begin(), targets.end());
    auto select = m_db->prepare(fmt::format(
        "SELECT {} FROM readings WHERE time_ms >= ?1 AND time_ms <= ?2 ORDER BY target, time_ms, id", kReadingColumns));
    if (!select) return std::unexpected(select.error());
    select->bind(1, since).bind(2, until);
    auto found = all_readings(*select);
    if (!found || filter.empty()) return found;
    std::erase_if(*found, [&](const Reading& reading) { return !filter.contains(reading.target); });
    return found;
}

DbResult<std::map<std::string, Reading>> Journal::latest_readings() const {
    // SQLite gives a bare column the values of the row MAX() chose.
    auto select = m_db->prepare(
        fmt::format("SELECT {}, MAX(time_ms) FROM readings GROUP BY target ORDER BY target", kReadingColumns));
    if (!select) return std::unexpected(select.error());
    auto found = all_readings(*select);
    if (!found) return std::unexpected(found.error());
    std::map<std::string, Reading> latest;
    for (Reading& reading : *found) latest.emplace(reading.target, std::move(reading));
    return latest;
}

DbResult<void> Journal::add_energy(std::span<const EnergyTotal> increments) {
    if (increments.empty()) return {};
    auto transaction = Transaction::begin(*m_db);
    if (!transaction) return std::unexpected(transaction.error());
    auto upsert = m_db->prepare(R"sql(
        INSERT INTO energy (target, since_ms, until_ms, joules, measured_joules, saved_joules)
          VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        ON CONFLICT (target) DO UPDATE SET
          since_ms = MIN(since_ms, excluded.since_ms), until_ms = MAX(until_ms, excluded.until_ms),
          joules = joules + excluded.joules, measured_joules = measured_joules + excluded.measured_joules,
          saved_joules = saved_joules + excluded.saved_joules)sql");
    if (!upsert) return std::unexpected(upsert.error());
    for (const EnergyTotal& total : increments) {
        upsert->bind(1, total.target).bind(2, total.since).bind(3, total.until);
        upsert->bind_real(4, total.joules).bind_real(5, total.measured_joules).bind_real(6, total.saved_joules);
        if (auto done = upsert->run(); !done) return std::unexpected(done.error());
    }
    return transaction->commit();
}

DbResult<std::map<std::string, EnergyTotal>> Journal::energy_totals() const {
    auto select = m_db->prepare(
        "SELECT target, since_ms, until_ms, joules, measured_joules, saved_joules FROM energy ORDER BY target");
    if (!select) return std::unexpected(select.error());
    std::map<std::string, EnergyTotal> found;
    for (;;) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        EnergyTotal total{select->text(0), select->integer(1), select->integer(2),
                          select->real(3), select->real(4),    select->real(5)};
        found.emplace(total.target, std::move(total));
    }
    return found;
}

}  // namespace slumber::store
