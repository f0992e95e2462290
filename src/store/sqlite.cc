#include "sqlite.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ink::store_internal {

Error SqliteError(sqlite3* db, int code, std::string_view what) {
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  std::string prefix = "store: " + std::string(what) + ": ";
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable(prefix + "the database stayed locked by another connection for longer " +
                         "than the 5 s busy timeout (" + detail + "); retry the request");
    case SQLITE_FULL:
      return Unavailable(prefix + "the disk holding the database is full (" + detail +
                         "); free some space and retry");
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return Unavailable(prefix + detail +
                         "; check that the database file and its directory exist and are "
                         "writable by inkd");
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return Internal(prefix + detail +
                      "; the file is not an intact Ink database: point Ink at another path or "
                      "restore a backup");
    default:
      return Internal(prefix + "sqlite error " + std::to_string(code) + ": " + detail);
  }
}

Result<Connection> Connection::Open(const std::string& path) {
  if (path.empty()) {
    return InvalidArgument(
        "store: the database path is empty; pass a file path such as "
        "/var/lib/ink/ink.db");
  }
  if (path != ":memory:") {
    // Create the file ourselves so it gets mode 0600; SQLite gives its -wal and -shm files the
    // same mode as the database file.
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return Unavailable("store: cannot open database file '" + path +
                         "': " + std::strerror(errno) +
                         "; check that the directory exists and is writable");
    }
    ::close(fd);
  }
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error error = SqliteError(db, rc, "open '" + path + "'");
    sqlite3_close(db);  // sqlite3_open_v2 may allocate a handle even on failure
    return error;
  }
  sqlite3_extended_result_codes(db, 1);
  return Connection(db);
}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close(db_);
    db_ = other.db_;
    other.db_ = nullptr;
  }
  return *this;
}

Connection::~Connection() {
  // sqlite3_close (not _v2) fails if statements leak; every Statement is RAII, so none do.
  if (db_ != nullptr) sqlite3_close(db_);
}

Status Connection::ExecScript(std::string_view sql, std::string_view what) {
  std::string owned(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    Error error = SqliteError(db_, rc, what);
    if (error.code == ErrorCode::kInternal) {
      error.message = "store: " + std::string(what) + ": " + detail;
    }
    return error;
  }
  return {};
}

Result<Statement> Statement::Prepare(sqlite3* db, std::string_view sql, std::string_view what) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteError(db, rc, what);
  }
  return Statement(db, stmt, what);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      stmt_(other.stmt_),
      what_(std::move(other.what_)),
      next_index_(other.next_index_),
      bind_error_(other.bind_error_),
      last_error_code_(other.last_error_code_) {
  other.stmt_ = nullptr;
}

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement& Statement::Bind(std::string_view text) {
  // A null data pointer would bind SQL NULL; an empty value must stay an empty string.
  const char* data = text.data() != nullptr ? text.data() : "";
  int rc =
      sqlite3_bind_text64(stmt_, next_index_++, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::Bind(int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, next_index_++, value);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::Bind(double value) {
  int rc = sqlite3_bind_double(stmt_, next_index_++, value);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::BindBlob(std::string_view bytes) {
  const char* data = bytes.data() != nullptr ? bytes.data() : "";
  int rc = sqlite3_bind_blob64(stmt_, next_index_++, data, bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Result<bool> Statement::Step() {
  if (bind_error_ != SQLITE_OK) {
    last_error_code_ = bind_error_;
    return Internal("store: " + what_ +
                    ": binding a parameter failed: " + sqlite3_errstr(bind_error_));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  last_error_code_ = sqlite3_extended_errcode(db_);
  return SqliteError(db_, last_error_code_, what_);
}

Status Statement::Run() {
  while (true) {
    auto row = Step();
    if (!row.ok()) return row.error();
    if (!*row) return {};
  }
}

std::string Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string Statement::Blob(int column) const {
  const void* bytes = sqlite3_column_blob(stmt_, column);
  if (bytes == nullptr) return "";
  return std::string(static_cast<const char*>(bytes),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::Double(int column) const { return sqlite3_column_double(stmt_, column); }

Result<Transaction> Transaction::Begin(Connection& connection, std::string_view what) {
  INK_RETURN_IF_ERROR(connection.ExecScript("BEGIN IMMEDIATE", what));
  return Transaction(connection, what);
}

Transaction::~Transaction() {
  if (connection_ != nullptr) {
    // Best effort: if ROLLBACK itself fails SQLite has already rolled back (or the connection is
    // unusable and the next statement will report it).
    (void)connection_->ExecScript("ROLLBACK", what_);
  }
}

Status Transaction::Commit() {
  Status status = connection_->ExecScript("COMMIT", what_);
  if (status.ok()) connection_ = nullptr;
  return status;
}

}  // namespace ink::store_internal
