#include "store/sqlite.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <fmt/format.h>

#include <system_error>

namespace slumber::store {
namespace {

// "file:/path?immutable=1", the path's '?', '#' and '%' escaped as
// https://sqlite.org/uri.html asks.
std::string immutable_uri(const std::filesystem::path& file) {
    std::string uri = "file:";
    std::error_code error;
    const std::filesystem::path absolute = std::filesystem::absolute(file, error);
    for (const char c : (error ? file : absolute).string()) {
        if (c == '?' || c == '#' || c == '%') {
            uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
        } else {
            uri += c;
        }
    }
    return uri + "?immutable=1";
}

}  // namespace

Statement::~Statement() {
    if (m_stmt != nullptr) sqlite3_finalize(m_stmt);
}

Statement& Statement::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(m_stmt, index, value);
    return *this;
}

Statement& Statement::bind_real(int index, double value) {
    sqlite3_bind_double(m_stmt, index, value);
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    sqlite3_bind_text(m_stmt, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind(int index, std::nullopt_t) {
    sqlite3_bind_null(m_stmt, index);
    return *this;
}

DbResult<bool> Statement::step() {
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return std::unexpected(std::string(sqlite3_errmsg(m_db)));
}

DbResult<void> Statement::run() {
    for (;;) {
        auto row = step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
    }
    reset();
    return {};
}

void Statement::reset() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(m_stmt, column); }

double Statement::real(int column) const { return sqlite3_column_double(m_stmt, column); }

std::string Statement::text(int column) const {
    const auto* data = sqlite3_column_text(m_stmt, column);
    return data == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(data));
}

bool Statement::is_null(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }

DbResult<Database> Database::open(const std::filesystem::path& file, Access access) {
    sqlite3* db = nullptr;
    const int flags = access == Access::read_write  ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                      : access == Access::read_only ? SQLITE_OPEN_READONLY
                                                    : SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
    const std::string name = access == Access::snapshot ? immutable_uri(file) : file.string();
    const int rc = sqlite3_open_v2(name.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    Database database(db);
    if (rc != SQLITE_OK) {
        return std::unexpected(
            fmt::format("cannot open {}: {}", file.string(), db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    }
    // A hook and the daemon may write at the same moment: wait, do not fail.
    // SQLite's own busy timeout sleeps up to 100 ms between looks; a hook
    // that Slurm waits for looks again every millisecond, for up to 10 s.
    sqlite3_busy_handler(
        db,
        [](void*, int attempts) -> int {
            if (attempts >= 10000) return 0;
            ::usleep(1000);
            return 1;
        },
        nullptr);
    if (access != Access::read_write) return database;
    // WAL with synchronous=NORMAL survives a killed process without losing a
    // committed transaction; only a power loss of the head node could.
    if (auto wal = database.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"); !wal) {
        return std::unexpected(fmt::format("{}: {}", file.string(), wal.error()));
    }
    return database;
}

Database::~Database() {
    if (m_db != nullptr) sqlite3_close(m_db);
}

DbResult<Statement> Database::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
        return std::unexpected(std::string(sqlite3_errmsg(m_db)));
    }
    return Statement(m_db, stmt);
}

DbResult<void> Database::exec(std::string_view sql) {
    char* message = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        std::string error = message != nullptr ? message : "unknown SQLite error";
        sqlite3_free(message);
        return std::unexpected(std::move(error));
    }
    return {};
}

std::int64_t Database::last_insert_id() const { return sqlite3_last_insert_rowid(m_db); }
int Database::changes() const { return sqlite3_changes(m_db); }

DbResult<Transaction> Transaction::begin(Database& db) {
    if (auto begun = db.exec("BEGIN IMMEDIATE"); !begun) return std::unexpected(begun.error());
    return Transaction(&db);
}

Transaction::~Transaction() {
    if (m_db != nullptr) (void)m_db->exec("ROLLBACK");
}

DbResult<void> Transaction::commit() {
    auto committed = m_db->exec("COMMIT");
    if (committed) m_db = nullptr;
    return committed;
}

}  // namespace slumber::store
