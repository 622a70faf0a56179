// A thin RAII layer over SQLite's C API: a connection and prepared statements
// with typed binds and columns. Errors are values carrying SQLite's message.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace slumber::store {

template <typename T>
using DbResult = std::expected<T, std::string>;

class Statement {
  public:
    Statement(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}
    ~Statement();
    Statement(Statement&& other) noexcept : m_db(other.m_db), m_stmt(other.m_stmt) { other.m_stmt = nullptr; }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement& operator=(Statement&&) = delete;

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, std::nullopt_t);
    /// A floating-point value (a name of its own: an int argument would
    /// match both this and the int64 bind).
    Statement& bind_real(int index, double value);
    /// true: a row is ready to read; false: done.
    DbResult<bool> step();
    /// Runs to completion, for statements that return no rows.
    DbResult<void> run();
    void reset();

    [[nodiscard]] std::int64_t integer(int column) const;
    [[nodiscard]] double real(int column) const;
    [[nodiscard]] std::string text(int column) const;
    [[nodiscard]] bool is_null(int column) const;

  private:
    sqlite3* m_db;
    sqlite3_stmt* m_stmt;
};

/// How a connection may use its file.
enum class Access {
    read_write,  ///< creates the file if missing; sets WAL mode
    read_only,   ///< SQLITE_OPEN_READONLY: never creates, writes or locks it for writing
    /// read_only, the file taken as unchanging while open (SQLite's
    /// immutable URI parameter, https://sqlite.org/uri.html): for a WAL
    /// journal without a -wal file in a directory this user cannot write,
    /// where SQLite cannot make the -shm file a WAL reader needs.
    snapshot,
};

class Database {
  public:
    /// Opens the file with a busy timeout, so that the hooks and the daemon
    /// can share the same journal. read_write creates it and puts it in WAL
    /// mode; read_only opens an existing file as it is (Errors: the file is
    /// missing; a WAL file whose -shm file this user can neither find nor
    /// make, SQLite's "attempt to write a readonly database").
    static DbResult<Database> open(const std::filesystem::path& file, Access access = Access::read_write);
    ~Database();
    Database(Database&& other) noexcept : m_db(other.m_db) { other.m_db = nullptr; }
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    Database& operator=(Database&&) = delete;

    DbResult<Statement> prepare(std::string_view sql);
    DbResult<void> exec(std::string_view sql);
    [[nodiscard]] std::int64_t last_insert_id() const;
    [[nodiscard]] int changes() const;

  private:
    explicit Database(sqlite3* db) : m_db(db) {}
    sqlite3* m_db;
};

/// BEGIN IMMEDIATE … COMMIT, rolled back if not committed: a writer takes the
/// lock up front, so two writers never deadlock half-way.
class Transaction {
  public:
    static DbResult<Transaction> begin(Database& db);
    ~Transaction();
    Transaction(Transaction&& other) noexcept : m_db(other.m_db) { other.m_db = nullptr; }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    Transaction& operator=(Transaction&&) = delete;
    DbResult<void> commit();

  private:
    explicit Transaction(Database* db) : m_db(db) {}
    Database* m_db;
};

}  // namespace slumber::store
