#include "store/journal.hpp"
#include "store/schema.hpp"
#include "util/safe_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <system_error>
#include <unordered_set>

namespace slumber::store {
namespace {

// The first column of every row of `sql`: a set of node names.
DbResult<std::set<std::string>> node_set(Database& db, const char* sql) {
    auto select = db.prepare(sql);
    if (!select) return std::unexpected(select.error());
    std::set<std::string> nodes;
    for (;;) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        nodes.insert(select->text(0));
    }
    return nodes;
}

constexpr std::array kStates{RequestState::pending, RequestState::running, RequestState::done, RequestState::failed,
                             RequestState::superseded};

RequestState state_from(std::string_view text) {
    for (RequestState state : kStates) {
        if (to_string(state) == text) return state;
    }
    return RequestState::failed;
}

// A word this version does not know reads as status: it changes nothing.
power::Action action_from(std::string_view text) { return power::action_from(text).value_or(power::Action::status); }

// The columns that hold a vocabulary's word or '' for none.
std::string_view word_column(const std::optional<OutcomeKind>& kind) { return kind ? to_string(*kind) : ""; }
std::string_view word_column(const std::optional<power::Action>& action) {
    return action ? power::to_string(*action) : "";
}
std::string_view word_column(const std::optional<StepKind>& step) { return step ? to_string(*step) : ""; }

constexpr std::string_view kRequestColumns =
    "id, batch, node, action, source, time_ms, state, outcome, outcome_kind, finished_ms";

Request request_from(const Statement& row) {
    return Request{row.integer(0),
                   row.integer(1),
                   row.text(2),
                   action_from(row.text(3)),
                   request_source_from(row.text(4)).value_or(RequestSource::unknown),
                   row.integer(5),
                   state_from(row.text(6)),
                   row.text(7),
                   outcome_kind_from(row.text(8)),
                   row.is_null(9) ? std::nullopt : std::optional<TimeMs>(row.integer(9))};
}

bool wanted(const std::unordered_set<std::string>& filter, const std::string& node) {
    return filter.empty() || filter.contains(node);
}

}  // namespace

std::string_view to_string(RequestState state) {
    switch (state) {
        case RequestState::pending:
            return "pending";
        case RequestState::running:
            return "running";
        case RequestState::done:
            return "done";
        case RequestState::failed:
            return "failed";
        case RequestState::superseded:
            return "superseded";
    }
    return "?";
}

Event refused_event(TimeMs time, std::string node, std::optional<std::int64_t> request, power::Action action,
                    std::string_view who, std::string_view why) {
    return {0,
            time,
            std::move(node),
            request,
            EventKind::refused,
            fmt::format("{} refused, asked by {}: {}", power::to_string(action), who, why),
            OutcomeKind::refused,
            action};
}

DbResult<Journal> Journal::open(const std::filesystem::path& file, const GroupLookup& group) {
    if (auto made = create_journal(file, group); !made) return std::unexpected(made.error());
    auto db = Database::open(file);
    if (!db) return std::unexpected(db.error());
    if (auto migrated = migrate(*db, file); !migrated) return std::unexpected(migrated.error());
    return Journal(std::move(*db));
}

DbResult<std::int64_t> Journal::add_requests(std::span<const std::string> nodes, power::Action action,
                                             RequestSource source, TimeMs now, std::string_view note) {
    return insert_requests(nodes, action, source, now, note, RequestState::pending, nullptr);
}

DbResult<std::vector<std::int64_t>> Journal::start_requests(std::span<const std::string> nodes, power::Action action,
                                                            RequestSource source, TimeMs now, std::string_view note) {
    std::vector<std::int64_t> ids;
    auto added = insert_requests(nodes, action, source, now, note, RequestState::running, &ids);
    if (!added) return std::unexpected(added.error());
    return ids;
}

DbResult<std::int64_t> Journal::insert_requests(std::span<const std::string> nodes, power::Action action,
                                                RequestSource source, TimeMs now, std::string_view note,
                                                RequestState state, std::vector<std::int64_t>* ids) {
    auto transaction = Transaction::begin(*m_db);
    if (!transaction) return std::unexpected(transaction.error());
    auto supersede = m_db->prepare(
        "UPDATE requests SET state = 'superseded', finished_ms = ?2 "
        "WHERE node = ?1 AND state = 'pending'");
    auto insert =
        m_db->prepare("INSERT INTO requests (batch, node, action, source, time_ms, state) VALUES (?, ?, ?, ?, ?, ?)");
    auto event =
        m_db->prepare("INSERT INTO events (time_ms, node, request, kind, detail, action) VALUES (?, ?, ?, ?, ?, ?)");
    if (!supersede || !insert || !event) {
        return std::unexpected(!supersede ? supersede.error() : !insert ? insert.error() : event.error());
    }
    // Only nodes with a pending request need superseding: one look for all,
    // instead of an UPDATE per node (1,000 nodes: a third of the hook's time).
    std::unordered_set<std::string> pending;
    if (auto select = m_db->prepare("SELECT node FROM requests WHERE state = 'pending'")) {
        for (auto row = select->step(); row && *row; row = select->step()) pending.insert(select->text(0));
    }
    std::int64_t batch = 0;
    // Journaled text may quote a device or Slurm (util/safe_text.hpp).
    const std::string detail = util::safe_text(
        fmt::format("{} asked by {}{}{}", power::to_string(action), to_string(source), note.empty() ? "" : ": ", note));
    for (const std::string& node : nodes) {
        if (pending.contains(node)) {
            if (auto done = supersede->bind(1, node).bind(2, now).run(); !done) return std::unexpected(done.error());
        }
        if (auto done = insert->bind(1, batch)
                            .bind(2, node)
                            .bind(3, power::to_string(action))
                            .bind(4, to_string(source))
                            .bind(5, now)
                            .bind(6, to_string(state))
                            .run();
            !done) {
            return std::unexpected(done.error());
        }
        const std::int64_t id = m_db->last_insert_id();
        if (ids != nullptr) ids->push_back(id);
        if (batch == 0) {
            // The batch is named after its first request.
            batch = id;
            auto fix = m_db->prepare("UPDATE requests SET batch = ? WHERE id = ?");
            if (!fix) return std::unexpected(fix.error());
            if (auto done = fix->bind(1, id).bind(2, id).run(); !done) return std::unexpected(done.error());
        }
        if (auto done = event->bind(1, now)
                            .bind(2, node)
                            .bind(3, id)
                            .bind(4, to_string(EventKind::requested))
                            .bind(5, detail)
                            .bind(6, power::to_string(action))
                            .run();
            !done) {
            return std::unexpected(done.error());
        }
    }
    if (auto committed = transaction->commit(); !committed) return std::unexpected(committed.error());
    return batch;
}

DbResult<std::vector<Request>> Journal::take_pending(std::size_t limit, std::optional<TimeMs> asked_by) {
    auto transaction = Transaction::begin(*m_db);
    if (!transaction) return std::unexpected(transaction.error());
    auto select =
        m_db->prepare(fmt::format("SELECT {} FROM requests WHERE state = 'pending' AND time_ms <= ? AND node NOT IN "
                                  "(SELECT node FROM requests WHERE state = 'running') ORDER BY id LIMIT ?",
                                  kRequestColumns));
    if (!select) return std::unexpected(select.error());
    select->bind(1, asked_by.value_or(std::numeric_limits<TimeMs>::max()));
    select->bind(2, static_cast<std::int64_t>(limit));
    std::vector<Request> taken;
    for (;;) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        taken.push_back(request_from(*select));
    }
    auto mark = m_db->prepare("UPDATE requests SET state = 'running' WHERE id = ?");
    if (!mark) return std::unexpected(mark.error());
    for (Request& request : taken) {
        if (auto done = mark->bind(1, request.id).run(); !done) return std::unexpected(done.error());
        request.state = RequestState::running;
    }
    if (auto committed = transaction->commit(); !committed) return std::unexpected(committed.error());
    return taken;
}

DbResult<bool> Journal::has_pending() {
    auto select = m_db->prepare("SELECT 1 FROM requests WHERE state = 'pending' LIMIT 1");
    if (!select) return std::unexpected(select.error());
    auto row = select->step();
    if (!row) return std::unexpected(row.error());
    return *row;
}

DbResult<int> Journal::requeue_running() {
    if (auto done = m_db->exec("UPDATE requests SET state = 'pending' WHERE state = 'running'"); !done) {
        return std::unexpected(done.error());
    }
    return m_db->changes();
}

DbResult<void> Journal::requeue(std::int64_t request) {
    auto update = m_db->prepare("UPDATE requests SET state = 'pending' WHERE id = ? AND state = 'running'");
    if (!update) return std::unexpected(update.error());
    return update->bind(1, request).run();
}

DbResult<void> Journal::finish(std::int64_t request, OutcomeKind kind, std::string_view outcome, TimeMs now) {
    auto update =
        m_db->prepare("UPDATE requests SET state = ?, outcome = ?, finished_ms = ?, outcome_kind = ? WHERE id = ?");
    if (!update) return std::unexpected(update.error());
    return update->bind(1, to_string(kind == OutcomeKind::ok ? RequestState::done : RequestState::failed))
        .bind(2, util::safe_text(outcome))
        .bind(3, now)
        .bind(4, to_string(kind))
        .bind(5, request)
        .run();
}

DbResult<void> Journal::finish(std::int64_t request, bool ok, std::string_view outcome, TimeMs now) {
    return finish(request, ok ? OutcomeKind::ok : OutcomeKind::error, outcome, now);
}

DbResult<void> Journal::finish_with(std::int64_t request, OutcomeKind kind, std::string_view outcome, Event event) {
    auto transaction = Transaction::begin(*m_db);
    if (!transaction) return std::unexpected(transaction.error());
    if (auto done = finish(request, kind, outcome, event.time); !done) return done;
    if (!event.outcome) event.outcome = kind;
    if (auto done = record(event); !done) return done;
    if (auto done = end_boot_if_off(event); !done) return done;
    return transaction->commit();
}

DbResult<void> Journal::end_boot_if_off(const Event& event) {
    // A machine switched off ends its boot unmeasured: whatever registers
    // later is no boot of the power-on before it. A tester's node failed
    // its resume, recovery switched it off, and a manual power-on long
    // after closed the old boot as a "116 s boot", which doctor then held
    // ResumeTimeout to.
    const bool off = event.kind == EventKind::power_off || event.kind == EventKind::shutdown;
    if (!off || event.outcome != OutcomeKind::ok || event.node.empty()) return {};
    return cancel_boot(event.node);
}

DbResult<void> Journal::finish_with(std::int64_t request, bool ok, std::string_view outcome, const Event& event) {
    return finish_with(request, ok ? OutcomeKind::ok : OutcomeKind::error, outcome, event);
}

DbResult<void> Journal::finish_all(std::span<const Finished> finished) {
    auto transaction = Transaction::begin(*m_db);
    if (!transaction) return std::unexpected(transaction.error());
    for (const Finished& one : finished) {
        const OutcomeKind kind = one.refused ? OutcomeKind::refused : one.ok ? OutcomeKind::ok : OutcomeKind::error;
        if (auto done = finish(one.request, kind, one.outcome, one.event.time); !done) return done;
        Event event = one.event;
        if (!event.outcome) event.outcome = kind;
        if (auto done = record(event); !done) return done;
        if (auto done = end_boot_if_off(event); !done) return done;
        if (one.boot_started) {
            if (auto done = start_boot(one.event.node, *one.boot_started); !done) return done;
        }
    }
    return transaction->commit();
}

DbResult<void> Journal::record_all(std::span<const Event> events) {
    auto transaction = Transaction::begin(*m_db);
    if (!transaction) return std::unexpected(transaction.error());
    for (const Event& event : events) {
        if (auto done = record(event); !done) return done;
    }
    return transaction->commit();
}

DbResult<void> Journal::checkpoint_on_commit(bool yes) {
    return m_db->exec(yes ? "PRAGMA wal_autocheckpoint=1000" : "PRAGMA wal_autocheckpoint=0");
}

DbResult<void> Journal::record(const Event& event) {
    auto insert = m_db->prepare(
        "INSERT INTO events (time_ms, node, request, kind, detail, outcome, action, step) VALUES (?1, ?2, ?3, ?4, ?5, "
        "?6, CASE WHEN ?7 = '' THEN COALESCE((SELECT action FROM requests WHERE id = ?3), '') ELSE ?7 END, ?8)");
    if (!insert) return std::unexpected(insert.error());
    insert->bind(1, event.time)
        .bind(2, event.node)
        .bind(4, to_string(event.kind))
        .bind(5, util::safe_text(event.detail))
        .bind(6, word_column(event.outcome))
        .bind(7, word_column(event.action))
        .bind(8, word_column(event.step));
    if (event.request) {
        insert->bind(3, *event.request);
    } else {
        insert->bind(3, std::nullopt);
    }
    return insert->run();
}

DbResult<std::vector<Event>> Journal::events(std::span<const std::string> nodes, TimeMs since) const {
    const std::unordered_set<std::string> filter(nodes.begin(), nodes.end());
    auto select = m_db->prepare(
        "SELECT id, time_ms, node, request, kind, detail, outcome, action, step FROM events WHERE time_ms >= ? "
        "ORDER BY id");
    if (!select) return std::unexpected(select.error());
    select->bind(1, since);
    std::vector<Event> found;
    for (;;) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        Event event{select->integer(0),
                    select->integer(1),
                    select->text(2),
                    std::nullopt,
                    event_kind_from(select->text(4)).value_or(EventKind::unknown),
                    select->text(5),
                    outcome_kind_from(select->text(6)),
                    power::action_from(select->text(7)),
                    step_kind_from(select->text(8))};
        if (!select->is_null(3)) event.request = select->integer(3);
        if (wanted(filter, event.node) || event.node.empty()) found.push_back(std::move(event));
    }
    return found;
}

DbResult<std::vector<Request>> Journal::requests(std::span<const std::string> nodes, TimeMs since) const {
    const std::unordered_set<std::string> filter(nodes.begin(), nodes.end());
    auto select = m_db->prepare(fmt::format("SELECT {} FROM requests WHERE time_ms >= ? ORDER BY id", kRequestColumns));
    if (!select) return std::unexpected(select.error());
    select->bind(1, since);
    std::vector<Request> found;
    for (;;) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        Request request = request_from(*select);
        if (wanted(filter, request.node)) found.push_back(std::move(request));
    }
    return found;
}

DbResult<std::map<std::string, FailureStreak>> Journal::failure_streaks() const {
    // Failed resumes after the node's latest registration (or the daemon's
    // latest took-control: another daemon's registrations are not in this
    // journal, docs/ha.md). The words for a
    // drain reason: the latest cause found in that time (a diagnosis, a power
    // call that failed), else the latest failure Slurm reported, which only
    // says that the resume timed out.
    auto select = m_db->prepare(R"sql(
        WITH control AS (SELECT COALESCE(MAX(id), 0) AS began FROM events WHERE kind = 'took-control'),
        since AS (
          SELECT node, MAX(COALESCE(MAX(CASE WHEN kind IN ('registered', 'returned') THEN id END), 0),
                           (SELECT began FROM control)) AS after
          FROM events WHERE kind IN ('registered', 'returned', 'resume-failed') GROUP BY node)
        SELECT e.node, COUNT(*), MAX(e.time_ms),
               (SELECT f.detail FROM events f WHERE f.node = e.node AND f.id > s.after
                  AND (f.kind IN ('resume-failed', 'diagnosis') OR (f.outcome = 'error' AND f.step = ''))
                ORDER BY f.kind = 'resume-failed', f.id DESC LIMIT 1)
        FROM events e JOIN since s ON s.node = e.node
        WHERE e.kind = 'resume-failed' AND e.id > s.after
        GROUP BY e.node)sql");
    if (!select) return std::unexpected(select.error());
    std::map<std::string, FailureStreak> streaks;
    for (;;) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        streaks[select->text(0)] =
            FailureStreak{static_cast<int>(select->integer(1)), select->text(3), select->integer(2)};
    }
    return streaks;
}

DbResult<std::map<std::string, TimeMs>> Journal::slumber_drains() const {
    // A drain step Slurm did not take has the outcome error.
    auto select = m_db->prepare(R"sql(
        SELECT d.node, MAX(d.time_ms) FROM events d
        WHERE d.kind IN ('recovery', 'power-lost') AND d.step = 'drain' AND d.outcome = 'ok'
          AND d.id > COALESCE((SELECT MAX(r.id) FROM events r WHERE r.node = d.node AND r.kind = 'returned'), 0)
        GROUP BY d.node)sql");
    if (!select) return std::unexpected(select.error());
    std::map<std::string, TimeMs> drains;
    for (;;) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        drains[select->text(0)] = select->integer(1);
    }
    return drains;
}

DbResult<std::map<std::string, PowerLosses>> Journal::power_losses(TimeMs window_start) const {
    auto select = m_db->prepare(R"sql(
        SELECT p.node, SUM(p.time_ms >= ?1), MAX(p.time_ms)
        FROM events p
        WHERE p.kind = 'power-lost'
          AND p.id > COALESCE((SELECT MAX(r.id) FROM events r WHERE r.node = p.node AND r.kind = 'returned'), 0)
        GROUP BY p.node)sql");
    if (!select) return std::unexpected(select.error());
    select->bind(1, window_start);
    std::map<std::string, PowerLosses> losses;
    for (;;) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        losses[select->text(0)] = PowerLosses{static_cast<int>(select->integer(1)), select->integer(2)};
    }
    return losses;
}

DbResult<std::map<std::string, FailedOffs>> Journal::failed_offs() const {
    auto select = m_db->prepare(R"sql(
        SELECT f.node, COUNT(*), MAX(f.finished_ms),
               (SELECT l.outcome FROM requests l WHERE l.node = f.node AND l.state = 'failed'
                  AND l.action IN ('off', 'soft') AND l.outcome_kind = 'error' ORDER BY l.id DESC LIMIT 1)
        FROM requests f
        WHERE f.state = 'failed' AND f.action IN ('off', 'soft') AND f.outcome_kind = 'error'
          AND f.id > COALESCE((SELECT MAX(w.id) FROM requests w WHERE w.node = f.node AND w.state = 'done'), 0)
          AND f.finished_ms >= COALESCE((SELECT MAX(c.time_ms) FROM events c WHERE c.kind = 'took-control'), 0)
        GROUP BY f.node)sql");
    if (!select) return std::unexpected(select.error());
    std::map<std::string, FailedOffs> found;
    for (;;) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        found[select->text(0)] = FailedOffs{static_cast<int>(select->integer(1)), select->integer(2), select->text(3)};
    }
    return found;
}

DbResult<std::set<std::string>> Journal::open_requests() const {
    return node_set(*m_db, "SELECT DISTINCT node FROM requests WHERE state IN ('pending', 'running')");
}

DbResult<std::set<std::string>> Journal::nodes_in_events() const {
    return node_set(*m_db, "SELECT DISTINCT node FROM events WHERE node != ''");
}

DbResult<std::map<std::string, Request>> Journal::latest_requests() const {
    auto select = m_db->prepare(fmt::format(
        "SELECT {} FROM requests WHERE id IN (SELECT MAX(id) FROM requests GROUP BY node)", kRequestColumns));
    if (!select) return std::unexpected(select.error());
    std::map<std::string, Request> latest;
    for (;;) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        Request request = request_from(*select);
        latest[request.node] = std::move(request);
    }
    return latest;
}

DbResult<std::optional<TimeMs>> Journal::latest_event_time(EventKind kind) const {
    auto select = m_db->prepare("SELECT MAX(time_ms) FROM events WHERE kind = ?");
    if (!select) return std::unexpected(select.error());
    select->bind(1, to_string(kind));
    auto row = select->step();
    if (!row) return std::unexpected(row.error());
    if (!*row || select->is_null(0)) return std::optional<TimeMs>{};
    return std::optional<TimeMs>{select->integer(0)};
}

DbResult<std::map<std::string, TimeMs>> Journal::latest_event_times_by_node(EventKind kind) const {
    auto select = m_db->prepare("SELECT node, MAX(time_ms) FROM events WHERE kind = ? AND node != '' GROUP BY node");
    if (!select) return std::unexpected(select.error());
    select->bind(1, to_string(kind));
    std::map<std::string, TimeMs> latest;
    for (;;) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        latest[select->text(0)] = select->integer(1);
    }
    return latest;
}

DbResult<std::set<std::string>> Journal::nodes_with_phase_rows() const {
    std::string kinds;
    for (const EventKind kind : kPhaseEventKinds)
        kinds += fmt::format("{}'{}'", kinds.empty() ? "" : ", ", to_string(kind));
    return node_set(*m_db,
                    fmt::format("SELECT DISTINCT node FROM events WHERE kind IN ({}) AND node != ''", kinds).c_str());
}

DbResult<std::optional<Request>> Journal::latest_request(std::string_view node) const {
    auto select =
        m_db->prepare(fmt::format("SELECT {} FROM requests WHERE node = ? ORDER BY id DESC LIMIT 1", kRequestColumns));
    if (!select) return std::unexpected(select.error());
    select->bind(1, node);
    auto row = select->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<Request>{};
    return request_from(*select);
}

namespace {

// A block's action column: "" blocks every action (a literal: SQLite takes
// a string_view without data for NULL).
std::string_view action_column(const std::optional<power::Action>& action) {
    return action ? power::to_string(*action) : std::string_view("");
}

std::string block_event(const Block& block) {
    // A crossed pair is blocked on both nodes with the same words, and
    // unblocking one lifts both (Blocks::lift): said, since the event is
    // journaled for each node alone (a tester read it as one node's block).
    return fmt::format(
        "blocked{}: {} (met by {}); automatic power calls stop until {}`slumber unblock {}`{}",
        block.action ? fmt::format(" for {}", power::to_string(*block.action)) : "", block.words, block.source,
        lifted_by(block), block.target,
        block.kind == power::ErrorKind::crossed ? ", which lifts the other node's block of the pair too" : "");
}

}  // namespace

std::string_view lifted_by(const Block& block) {
    // A crossed address is not put right by a new password (Blocks::hold).
    if (block.kind == power::ErrorKind::crossed) return "";
    const std::size_t mark = block.credentials.find(kSettingsMark);
    // A refused password only by its file (Blocks::stopping).
    if (block.kind == power::ErrorKind::auth_failed) {
        return mark == 0 || block.credentials.empty() ? "" : "its credentials file changes or ";
    }
    // A block stored by an older slumber is lifted by its file alone.
    if (mark == std::string::npos) return "its credentials file changes or ";
    return mark == 0 ? "its settings in slumber.toml change or "
                     : "its settings in slumber.toml or its credentials file change or ";
}

DbResult<bool> Journal::add_block(const Block& block) {
    auto transaction = Transaction::begin(*m_db);
    if (!transaction) return std::unexpected(transaction.error());
    auto insert = m_db->prepare(
        "INSERT OR IGNORE INTO blocks (target, action, kind, words, since_ms, credentials, source) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!insert) return std::unexpected(insert.error());
    if (auto done = insert->bind(1, block.target)
                        .bind(2, action_column(block.action))
                        .bind(3, power::to_string(block.kind))
                        .bind(4, block.words)
                        .bind(5, block.since)
                        .bind(6, block.credentials)
                        .bind(7, block.source)
                        .run();
        !done) {
        return std::unexpected(done.error());
    }
    if (m_db->changes() == 0) return false;
    if (auto done = record({0, block.since, block.target, std::nullopt, EventKind::blocked, block_event(block),
                            std::nullopt, block.action});
        !done) {
        return std::unexpected(done.error());
    }
    if (auto committed = transaction->commit(); !committed) return std::unexpected(committed.error());
    return true;
}

DbResult<std::vector<Block>> Journal::blocks(std::span<const std::string> targets) const {
    const std::unordered_set<std::string> filter(targets.begin(), targets.end());
    auto select = m_db->prepare(
        "SELECT target, action, kind, words, since_ms, credentials, source FROM blocks ORDER BY since_ms, target");
    if (!select) return std::unexpected(select.error());
    std::vector<Block> found;
    for (;;) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        Block block{select->text(0), std::nullopt,   power::ErrorKind::internal, select->text(3), select->integer(4),
                    select->text(5), select->text(6)};
        if (const std::string action = select->text(1); !action.empty()) block.action = action_from(action);
        block.kind = power::error_kind_from(select->text(2)).value_or(power::ErrorKind::internal);
        if (wanted(filter, block.target)) found.push_back(std::move(block));
    }
    return found;
}

DbResult<int> Journal::remove_blocks(std::string_view target, std::optional<power::Action> action, std::string_view why,
                                     TimeMs now) {
    // A call that worked proves nothing about crossed addresses (it may
    // have switched the other machine): that block stays.
    return lift_blocks(action
                           ? fmt::format("DELETE FROM blocks WHERE target = ?1 AND action IN ('', ?2) AND kind <> '{}'",
                                         power::to_string(power::ErrorKind::crossed))
                           : std::string("DELETE FROM blocks WHERE target = ?1"),
                       target, action, why, now);
}

DbResult<bool> Journal::widen_crossed_block(std::string_view target, TimeMs now) {
    const std::vector<std::string> one{std::string(target)};
    auto blocked = blocks(one);
    if (!blocked) return std::unexpected(blocked.error());
    const auto narrow = std::ranges::find_if(
        *blocked, [](const Block& block) { return block.kind == power::ErrorKind::crossed && block.action; });
    if (narrow == blocked->end()) return false;
    auto transaction = Transaction::begin(*m_db);
    if (!transaction) return std::unexpected(transaction.error());
    // Several narrow rows become the one row of the target's every action
    // (PRIMARY KEY (target, action)); one already there gives way.
    auto widen = m_db->prepare(
        fmt::format("UPDATE OR REPLACE blocks SET action = '' WHERE target = ?1 AND kind = '{}' AND action <> ''",
                    power::to_string(power::ErrorKind::crossed)));
    if (!widen) return std::unexpected(widen.error());
    if (auto done = widen->bind(1, target).run(); !done) return std::unexpected(done.error());
    Block wide = *narrow;
    wide.action = std::nullopt;
    if (auto done = record({0, now, wide.target, std::nullopt, EventKind::blocked, block_event(wide)}); !done) {
        return std::unexpected(done.error());
    }
    if (auto committed = transaction->commit(); !committed) return std::unexpected(committed.error());
    return true;
}

DbResult<int> Journal::remove_crossed_block(std::string_view target, std::string_view why, TimeMs now) {
    return lift_blocks(fmt::format("DELETE FROM blocks WHERE target = ?1 AND kind = '{}'",
                                   power::to_string(power::ErrorKind::crossed)),
                       target, std::nullopt, why, now);
}

DbResult<int> Journal::lift_blocks(const std::string& sql, std::string_view target, std::optional<power::Action> action,
                                   std::string_view why, TimeMs now) {
    auto transaction = Transaction::begin(*m_db);
    if (!transaction) return std::unexpected(transaction.error());
    auto remove = m_db->prepare(sql);
    if (!remove) return std::unexpected(remove.error());
    remove->bind(1, target);
    if (action) remove->bind(2, power::to_string(*action));
    if (auto done = remove->run(); !done) return std::unexpected(done.error());
    const int lifted = m_db->changes();
    if (lifted == 0) return 0;
    if (auto done = record(
            {0, now, std::string(target), std::nullopt, EventKind::unblocked, std::string(why), std::nullopt, action});
        !done) {
        return std::unexpected(done.error());
    }
    if (auto committed = transaction->commit(); !committed) return std::unexpected(committed.error());
    return lifted;
}

DbResult<void> Journal::boot_started(std::string_view node, TimeMs powered_on) {
    // A new power-on replaces a boot still open for the node (the request was
    // carried out again after a restart): one node boots once at a time.
    auto transaction = Transaction::begin(*m_db);
    if (!transaction) return std::unexpected(transaction.error());
    if (auto done = start_boot(node, powered_on); !done) return done;
    return transaction->commit();
}

DbResult<void> Journal::start_boot(std::string_view node, TimeMs powered_on) {
    if (auto done = cancel_boot(node); !done) return done;
    auto insert = m_db->prepare("INSERT INTO boots (node, powered_on_ms) VALUES (?, ?)");
    if (!insert) return std::unexpected(insert.error());
    return insert->bind(1, node).bind(2, powered_on).run();
}

DbResult<void> Journal::took_control(const Event& event) {
    auto transaction = Transaction::begin(*m_db);
    if (!transaction) return std::unexpected(transaction.error());
    if (auto done = record(event); !done) return done;
    if (auto done = m_db->exec("DELETE FROM boots WHERE registered_ms IS NULL"); !done) return done;
    return transaction->commit();
}

DbResult<void> Journal::cancel_boot(std::string_view node) {
    auto remove = m_db->prepare("DELETE FROM boots WHERE node = ? AND registered_ms IS NULL");
    if (!remove) return std::unexpected(remove.error());
    return remove->bind(1, node).run();
}

DbResult<void> Journal::boot_registered(std::string_view node, TimeMs registered) {
    auto update = m_db->prepare(
        "UPDATE boots SET registered_ms = ?2 WHERE id = "
        "(SELECT MAX(id) FROM boots WHERE node = ?1) AND registered_ms IS NULL");
    if (!update) return std::unexpected(update.error());
    return update->bind(1, node).bind(2, registered).run();
}

DbResult<std::pair<int, int>> Journal::boot_counts(TimeMs booting_since, TimeMs started_since) const {
    auto select = m_db->prepare(
        "SELECT COALESCE(SUM(registered_ms IS NULL AND powered_on_ms >= ?1), 0), "
        "COALESCE(SUM(powered_on_ms >= ?2), 0) FROM boots WHERE powered_on_ms >= MIN(?1, ?2)");
    if (!select) return std::unexpected(select.error());
    select->bind(1, booting_since).bind(2, started_since);
    auto row = select->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::pair{0, 0};
    return std::pair{static_cast<int>(select->integer(0)), static_cast<int>(select->integer(1))};
}

DbResult<std::pair<int, TimeMs>> Journal::measured_shutdowns(std::span<const std::string> nodes) const {
    const std::unordered_set<std::string> filter(nodes.begin(), nodes.end());
    auto select = m_db->prepare(
        "SELECT node, finished_ms - time_ms FROM requests WHERE source = 'slurm-suspend' AND action IN ('off', "
        "'soft') AND state = 'done' AND finished_ms IS NOT NULL");
    if (!select) return std::unexpected(select.error());
    std::pair<int, TimeMs> found{0, 0};
    for (;;) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        if (!wanted(filter, select->text(0))) continue;
        ++found.first;
        found.second = std::max(found.second, select->integer(1));
    }
    return found;
}

DbResult<std::vector<Boot>> Journal::boots(std::span<const std::string> nodes) const {
    const std::unordered_set<std::string> filter(nodes.begin(), nodes.end());
    auto select = m_db->prepare("SELECT node, powered_on_ms, registered_ms FROM boots ORDER BY id");
    if (!select) return std::unexpected(select.error());
    std::vector<Boot> found;
    for (;;) {
        auto row = select->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        Boot boot{select->text(0), select->integer(1), std::nullopt};
        if (!select->is_null(2)) boot.registered = select->integer(2);
        if (wanted(filter, boot.node)) found.push_back(std::move(boot));
    }
    return found;
}

}  // namespace slumber::store
