#include <fmt/format.h>

#include <system_error>

#include "store/journal.hpp"
#include "store/schema.hpp"
#include "store/sharing.hpp"

namespace slumber::store {

DbResult<JournalReader> JournalReader::open(const std::filesystem::path& file) {
    std::error_code error;
    if (!std::filesystem::exists(file, error) && !error) {
        // An empty journal of today's schema, in memory: every query answers
        // "nothing", and nothing is made where the journal would be.
        auto empty = Database::open(":memory:");
        if (!empty) return std::unexpected(empty.error());
        if (auto made = migrate(*empty, ":memory:"); !made) return std::unexpected(made.error());
        return JournalReader(Journal(std::move(*empty)),
                             fmt::format("no journal at {} yet: nothing journaled (the daemon or the first Slurm "
                                         "hook makes it)",
                                         file.string()));
    }
    const auto opened = [&](Access access) -> DbResult<Database> {
        auto db = Database::open(file, access);
        if (!db) return std::unexpected(db.error());
        if (auto checked = check_version(*db, file); !checked) return std::unexpected(checked.error());
        return db;
    };
    auto db = opened(Access::read_only);
    // A WAL journal whose -shm file is gone (no writer has it open) in a
    // directory this user cannot write: SQLite cannot make the -shm file a
    // WAL reader needs. With no -wal file either, every commit is in the
    // file itself, which is read as it is.
    std::filesystem::path wal = file;
    wal += "-wal";
    if (!db && !std::filesystem::exists(wal, error)) {
        auto snapshot = opened(Access::snapshot);
        if (snapshot) return JournalReader(Journal(std::move(*snapshot)), std::nullopt);
    }
    if (!db) {
        // SQLite says "unable to open database file" where a directory above
        // refuses this user: that directory is named instead.
        if (auto refused = journal_refused_by_directory(file, false)) return std::unexpected(std::move(*refused));
        return std::unexpected(db.error());
    }
    return JournalReader(Journal(std::move(*db)), std::nullopt);
}

}  // namespace slumber::store
