// Thin RAII layer over the SQLite C API used by the store: a connection, prepared statements
// with bound parameters (the only way values reach SQL, so injection is impossible), and a
// scoped write transaction. Internal to src/store/.
//
// Thread contract: none of these types lock. A Connection and the statements prepared on it must
// be used by one thread at a time (SqliteStore serializes all use behind its mutex).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "ink/common/result.h"

namespace ink::store_internal {

// Turns a failed SQLite call into an Error a person can act on. `what` names the operation
// ("create project"). Busy/locked and disk-full map to Unavailable, the rest to Internal.
Error SqliteError(sqlite3* db, int code, std::string_view what);

// An open database handle; closes it on destruction.
class Connection {
 public:
  // Opens (creating if needed) the database at `path`. A new file is created with mode 0600
  // because it holds token hashes and sealed registry passwords.
  static Result<Connection> Open(const std::string& path);

  Connection(Connection&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  sqlite3* get() const { return db_; }
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t Changes() const { return sqlite3_changes64(db_); }
  // Rowid of the last successful INSERT.
  int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

  // Runs one or more SQL statements that take no parameters (schema scripts, pragmas, BEGIN).
  Status ExecScript(std::string_view sql, std::string_view what);

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// A prepared statement. Bind parameters with Bind(...) (1-based, in order), then call Step()
// until it returns false, or Run() for statements that return no rows.
class Statement {
 public:
  // Prepares `sql` on `db`; `what` names the operation for error messages.
  static Result<Statement> Prepare(sqlite3* db, std::string_view sql, std::string_view what);

  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds the next positional parameter. Failures surface from the next Step().
  Statement& Bind(std::string_view text);
  Statement& Bind(const std::string& text) { return Bind(std::string_view(text)); }
  Statement& Bind(const char* text) { return Bind(std::string_view(text)); }
  Statement& Bind(int64_t value);
  Statement& Bind(int value) { return Bind(static_cast<int64_t>(value)); }
  Statement& Bind(double value);
  // Binds raw bytes as a BLOB (for values that need not be text, like sealed passwords).
  Statement& BindBlob(std::string_view bytes);

  // Binds every argument in order.
  template <typename... Args>
  Statement& BindAll(const Args&... args) {
    (Bind(args), ...);
    return *this;
  }

  // Advances to the next row: true if a row is available, false when done.
  Result<bool> Step();
  // Steps to completion, ignoring any rows.
  Status Run();

  // The extended result code of the last failed step (e.g. SQLITE_CONSTRAINT_UNIQUE), or
  // SQLITE_OK.
  int last_error_code() const { return last_error_code_; }
  bool FailedOnUniqueConstraint() const {
    return last_error_code_ == SQLITE_CONSTRAINT_UNIQUE ||
           last_error_code_ == SQLITE_CONSTRAINT_PRIMARYKEY;
  }

  // Column readers for the current row (0-based). NULL reads as "" / 0.
  std::string Text(int column) const;
  int64_t Int(int column) const;
  double Double(int column) const;
  std::string Blob(int column) const;

 private:
  Statement(sqlite3* db, sqlite3_stmt* stmt, std::string_view what)
      : db_(db), stmt_(stmt), what_(what) {}
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string what_;
  int next_index_ = 1;
  int bind_error_ = SQLITE_OK;
  int last_error_code_ = SQLITE_OK;
};

// A write transaction (BEGIN IMMEDIATE, so the write lock is taken up front and a concurrent
// writer in another process waits for busy_timeout instead of failing mid-transaction).
// Rolls back on destruction unless Commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> Begin(Connection& connection, std::string_view what);
  Transaction(Transaction&& other) noexcept : connection_(other.connection_), what_(other.what_) {
    other.connection_ = nullptr;
  }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status Commit();

 private:
  Transaction(Connection& connection, std::string_view what)
      : connection_(&connection), what_(what) {}
  Connection* connection_;  // null once committed or rolled back
  std::string what_;
};

}  // namespace ink::store_internal
