// The journal's schema and its versions. The version is SQLite's
// user_version (0 for a journal made before versions existed, slumber 0.x
// up to issue 17); each migration takes the file one version up, inside one
// write transaction, so that a hook and the daemon opening an old journal at
// once migrate it once. A new journal is made the same way: the first
// version's tables, then every migration.
#pragma once

#include <filesystem>

#include "store/sqlite.hpp"

namespace slumber::store {

/// The version this slumber writes and reads.
inline constexpr int kSchemaVersion = 4;

/// The file's schema version (PRAGMA user_version).
DbResult<int> schema_version(Database& db);

/// Brings the journal to kSchemaVersion, creating its tables if it has none.
/// Errors: a journal written by a newer slumber (its version above
/// kSchemaVersion), which this one must not write to; SQLite's errors.
DbResult<void> migrate(Database& db, const std::filesystem::path& file);

/// For a reader, which never migrates: succeeds when the file is at
/// kSchemaVersion. Errors say what to do: an older journal is migrated by
/// the next writer (the daemon when it starts, a hook, `slumber power`), a
/// newer one is read by the slumber that wrote it; SQLite's errors.
DbResult<void> check_version(Database& db, const std::filesystem::path& file);

}  // namespace slumber::store
