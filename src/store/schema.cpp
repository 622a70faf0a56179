#include "store/schema.hpp"

#include <fmt/format.h>

#include <array>
#include <string_view>

namespace slumber::store {
namespace {

// Version 0: the journal as slumber wrote it before schema versions.
constexpr std::string_view kVersion0 = R"sql(
CREATE TABLE IF NOT EXISTS requests (
  id INTEGER PRIMARY KEY,
  batch INTEGER NOT NULL,
  node TEXT NOT NULL,
  action TEXT NOT NULL,
  source TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  outcome TEXT NOT NULL DEFAULT '',
  finished_ms INTEGER
);
CREATE INDEX IF NOT EXISTS requests_open ON requests(state) WHERE state IN ('pending', 'running');
CREATE INDEX IF NOT EXISTS requests_node ON requests(node, id);
CREATE INDEX IF NOT EXISTS requests_failed ON requests(node, id) WHERE state = 'failed';
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  node TEXT NOT NULL,
  request INTEGER,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_time ON events(time_ms);
CREATE INDEX IF NOT EXISTS events_node ON events(node, kind, id);
CREATE INDEX IF NOT EXISTS events_kind ON events(kind, node, id);
CREATE TABLE IF NOT EXISTS boots (
  id INTEGER PRIMARY KEY,
  node TEXT NOT NULL,
  powered_on_ms INTEGER NOT NULL,
  registered_ms INTEGER
);
CREATE INDEX IF NOT EXISTS boots_node ON boots(node, id);
CREATE TABLE IF NOT EXISTS blocks (
  target TEXT NOT NULL,
  action TEXT NOT NULL,
  kind TEXT NOT NULL,
  words TEXT NOT NULL,
  since_ms INTEGER NOT NULL,
  credentials TEXT NOT NULL,
  source TEXT NOT NULL,
  PRIMARY KEY (target, action)
);
)sql";

// Version 1: outcomes and actions as columns, so that the recovery queries
// match words of a vocabulary (store/vocabulary.hpp) instead of prose.
// requests.outcome_kind and events.outcome: '', or OutcomeKind's word;
// events.action: '', or power::Action's word. Rows already written are
// filled from what version 0 said in words, once, here: a failed request
// whose outcome began "refused:" was refused, other failures were errors; an
// event whose detail held ": error: " reported a failed power call, every
// other event of a carried-out action one that worked. Open boots get an
// index of their own: the daemon looks for them every pass.
constexpr std::string_view kVersion1 = R"sql(
ALTER TABLE requests ADD COLUMN outcome_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN action TEXT NOT NULL DEFAULT '';
UPDATE requests SET outcome_kind = CASE
  WHEN state = 'done' THEN 'ok'
  WHEN state = 'failed' AND outcome LIKE 'refused:%' THEN 'refused'
  WHEN state = 'failed' THEN 'error'
  ELSE '' END;
UPDATE events SET outcome = 'error' WHERE detail LIKE '%: error: %';
UPDATE events SET outcome = 'ok'
  WHERE outcome = '' AND kind IN ('power-on', 'power-off', 'shutdown', 'power-cycle', 'status');
UPDATE events SET outcome = 'refused' WHERE kind = 'refused';
UPDATE events SET action = COALESCE((SELECT r.action FROM requests r WHERE r.id = events.request), '')
  WHERE request IS NOT NULL;
CREATE INDEX IF NOT EXISTS requests_time ON requests(time_ms);
CREATE INDEX IF NOT EXISTS requests_outcome ON requests(node, id) WHERE outcome_kind = 'error';
CREATE INDEX IF NOT EXISTS boots_open ON boots(node) WHERE registered_ms IS NULL;
CREATE INDEX IF NOT EXISTS boots_time ON boots(powered_on_ms);
)sql";

// Version 2: a recovery step's event names its step (events.step: '', or
// StepKind's word) and whether it was taken (events.outcome), so that
// Journal::slumber_drains reads columns instead of "drain: …" in a detail.
// Rows already written are filled from their words, once, here: a step's
// detail began "STEP: " when it was taken and "STEP failed (…)" when not.
constexpr std::string_view kVersion2 = R"sql(
ALTER TABLE events ADD COLUMN step TEXT NOT NULL DEFAULT '';
WITH steps(word) AS (VALUES ('resume'), ('drain'), ('power-off'), ('power-on'), ('power-down'), ('forget'),
                            ('power-cycle'))
UPDATE events SET
  step = (SELECT word FROM steps WHERE events.detail LIKE word || ': %' OR events.detail LIKE word || ' failed (%'),
  outcome = CASE WHEN EXISTS (SELECT 1 FROM steps WHERE events.detail LIKE word || ' failed (%') THEN 'error'
                 ELSE 'ok' END
  WHERE kind IN ('recovery', 'power-lost', 'returned')
    AND EXISTS (SELECT 1 FROM steps WHERE events.detail LIKE word || ': %' OR events.detail LIKE word || ' failed (%');
)sql";

// Version 3: the meters' readings and each target's energy counters
// (docs/energy.md). readings: one row per sample of a target, its power (W)
// and its temperature (°C, with the sensor's name), either NULL when the
// target gave none; pruned with the rest by journal_keep, each target's
// latest kept. energy: one row per target, the daemon's running totals
// (J) from since_ms to until_ms: counters, never pruned.
constexpr std::string_view kVersion3 = R"sql(
CREATE TABLE IF NOT EXISTS readings (
  id INTEGER PRIMARY KEY,
  target TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  watts REAL,
  temperature REAL,
  sensor TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS readings_target ON readings(target, time_ms);
CREATE INDEX IF NOT EXISTS readings_time ON readings(time_ms);
CREATE TABLE IF NOT EXISTS energy (
  target TEXT PRIMARY KEY,
  since_ms INTEGER NOT NULL,
  until_ms INTEGER NOT NULL,
  joules REAL NOT NULL DEFAULT 0,
  measured_joules REAL NOT NULL DEFAULT 0,
  saved_joules REAL NOT NULL DEFAULT 0
);
)sql";

// Version 4: what the daemon's crossed-address watch remembers of each
// node (operate::CrossedWatch's words, JSON), saved while a power change of
// slumber's is judged so that a restart does not forget what a node was
// before it (a tester's restart let a crossed pair pass). saved_ms: when.
constexpr std::string_view kVersion4 = R"sql(
CREATE TABLE IF NOT EXISTS watch_memory (
  node TEXT PRIMARY KEY,
  saved_ms INTEGER NOT NULL,
  memory TEXT NOT NULL
);
)sql";

// kMigrations[v] takes a journal from version v to v + 1.
constexpr std::array<std::string_view, kSchemaVersion> kMigrations{kVersion1, kVersion2, kVersion3, kVersion4};

std::string newer_than_this(const std::filesystem::path& file, int version) {
    return fmt::format(
        "{}: the journal's schema version is {}, newer than this slumber's ({}): it was written by a newer "
        "slumber; run that one, or move the journal aside",
        file.string(), version, kSchemaVersion);
}

}  // namespace

DbResult<int> schema_version(Database& db) {
    auto select = db.prepare("PRAGMA user_version");
    if (!select) return std::unexpected(select.error());
    auto row = select->step();
    if (!row) return std::unexpected(row.error());
    return *row ? static_cast<int>(select->integer(0)) : 0;
}

DbResult<void> check_version(Database& db, const std::filesystem::path& file) {
    auto version = schema_version(db);
    if (!version) return std::unexpected(fmt::format("{}: {}", file.string(), version.error()));
    if (*version > kSchemaVersion) return std::unexpected(newer_than_this(file, *version));
    if (*version < kSchemaVersion) {
        return std::unexpected(fmt::format(
            "{}: the journal's schema version is {}, older than this slumber's ({}), and a reader does not "
            "migrate it: start (or restart) `slumber daemon`, which migrates it as it opens it (so does the next "
            "Slurm hook), then read it again",
            file.string(), *version, kSchemaVersion));
    }
    return {};
}

DbResult<void> migrate(Database& db, const std::filesystem::path& file) {
    auto seen = schema_version(db);
    if (!seen) return std::unexpected(seen.error());
    if (*seen == kSchemaVersion) return {};  // the common case: no write lock taken
    auto transaction = Transaction::begin(db);
    if (!transaction) return std::unexpected(transaction.error());
    // Another process may have migrated it between the look and the lock.
    auto version = schema_version(db);
    if (!version) return std::unexpected(version.error());
    if (*version > kSchemaVersion) return std::unexpected(newer_than_this(file, *version));
    if (*version == 0) {
        if (auto made = db.exec(kVersion0); !made) {
            return std::unexpected(
                fmt::format("{}: cannot create the journal's tables: {}", file.string(), made.error()));
        }
    }
    for (int from = *version; from < kSchemaVersion; ++from) {
        if (auto done = db.exec(kMigrations[static_cast<std::size_t>(from)]); !done) {
            return std::unexpected(fmt::format("{}: cannot migrate the journal from schema version {} to {}: {}",
                                               file.string(), from, from + 1, done.error()));
        }
    }
    if (auto set = db.exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion)); !set) {
        return std::unexpected(set.error());
    }
    return transaction->commit();
}

}  // namespace slumber::store
