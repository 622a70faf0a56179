// The journal's upkeep: open boots read through their own index, and
// retention (prune), so that neither the daemon's pass nor the file grows
// with the journal's age.
#include <fmt/format.h>

#include <unordered_set>

#include "store/journal.hpp"

namespace slumber::store {

DbResult<std::map<std::string, TimeMs>> Journal::open_boots(std::span<const std::string> nodes) const {
    const std::unordered_set<std::string> filter(nodes.begin(), nodes.end());
    // boots_open (schema.cpp) holds only these rows; start_boot() cancels a
    // node's open boot before it starts another, so there is one per node.
    auto select = m_db->prepare("SELECT node, MAX(powered_on_ms) FROM boots WHERE registered_ms IS NULL GROUP BY node");
    if (!select) return std::unexpected(select.error());
    std::map<std::string, TimeMs> found;
    for (;;) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        std::string node = select->text(0);
        if (filter.empty() || filter.contains(node)) found.emplace(std::move(node), select->integer(1));
    }
    return found;
}

namespace {

// Each keeps, whatever its age, what a recovery query starts from: a node's
// latest event of each kind (its latest registration, return, drain), its
// latest request in each state (its latest that worked), open requests and
// open boots.
constexpr std::string_view kPruneEvents = R"sql(
    DELETE FROM events WHERE time_ms < ?1
      AND id NOT IN (SELECT MAX(id) FROM events GROUP BY node, kind))sql";
constexpr std::string_view kPruneRequests = R"sql(
    DELETE FROM requests WHERE time_ms < ?1 AND state NOT IN ('pending', 'running')
      AND id NOT IN (SELECT MAX(id) FROM requests GROUP BY node, state))sql";
constexpr std::string_view kPruneBoots = R"sql(
    DELETE FROM boots WHERE powered_on_ms < ?1 AND registered_ms IS NOT NULL
      AND id NOT IN (SELECT MAX(id) FROM boots GROUP BY node))sql";
constexpr std::string_view kPruneReadings = R"sql(
    DELETE FROM readings WHERE time_ms < ?1
      AND id NOT IN (SELECT MAX(id) FROM readings GROUP BY target))sql";

}  // namespace

DbResult<Pruned> Journal::prune(TimeMs before, TimeMs now) {
    auto transaction = Transaction::begin(*m_db);
    if (!transaction) return std::unexpected(transaction.error());
    std::array<int, 4> removed{};
    const std::array queries{kPruneEvents, kPruneRequests, kPruneBoots, kPruneReadings};
    for (std::size_t i = 0; i < queries.size(); ++i) {
        auto remove = m_db->prepare(queries[i]);
        if (!remove) return std::unexpected(remove.error());
        if (auto done = remove->bind(1, before).run(); !done) return std::unexpected(done.error());
        removed[i] = m_db->changes();
    }
    const Pruned pruned{removed[0], removed[1], removed[2], removed[3]};
    if (pruned.events + pruned.requests + pruned.boots + pruned.readings > 0) {
        const Event event{0,
                          now,
                          "",
                          std::nullopt,
                          EventKind::pruned,
                          fmt::format("retention: removed {} event(s), {} request(s), {} boot(s) and {} reading(s) "
                                      "older than {} s (Unix time), keeping what recovery still reads",
                                      pruned.events, pruned.requests, pruned.boots, pruned.readings, before / 1000)};
        if (auto done = record(event); !done) return std::unexpected(done.error());
    }
    if (auto committed = transaction->commit(); !committed) return std::unexpected(committed.error());
    return pruned;
}

}  // namespace slumber::store
