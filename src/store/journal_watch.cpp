// What the daemon's crossed-address watch remembers of each node, kept across
// a restart (schema version 4: watch_memory).
#include "store/journal.hpp"

namespace slumber::store {

DbResult<void> Journal::save_watch_memory(const std::map<std::string, std::string>& memory, TimeMs now) {
    auto transaction = Transaction::begin(*m_db);
    if (!transaction) return std::unexpected(transaction.error());
    // Nodes no longer managed go with the rest: the memory is one pass's.
    if (auto cleared = m_db->exec("DELETE FROM watch_memory"); !cleared) return std::unexpected(cleared.error());
    auto insert = m_db->prepare("INSERT INTO watch_memory (node, saved_ms, memory) VALUES (?1, ?2, ?3)");
    if (!insert) return std::unexpected(insert.error());
    for (const auto& [node, words] : memory) {
        insert->bind(1, node).bind(2, now).bind(3, words);
        if (auto done = insert->run(); !done) return std::unexpected(done.error());
    }
    return transaction->commit();
}

DbResult<Journal::WatchMemory> Journal::watch_memory(TimeMs since) const {
    // SQLite orders any text after every number, so a saved_ms that is text
    // would pass `>= since` however old: such a row is named instead.
    auto select = m_db->prepare(
        "SELECT node, memory, typeof(saved_ms) = 'integer' FROM watch_memory "
        "WHERE typeof(saved_ms) <> 'integer' OR saved_ms >= ?1");
    if (!select) return std::unexpected(select.error());
    select->bind(1, since);
    WatchMemory memory;
    for (;;) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        if (select->integer(2) == 1) {
            memory.words[select->text(0)] = select->text(1);
        } else {
            memory.undated.push_back(select->text(0));
        }
    }
    return memory;
}

}  // namespace slumber::store
