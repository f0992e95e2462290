// Versioned schema migrations for the SQLite store.
//
// The schema is an ordered list of SQL scripts, version 1..N. `schema_migrations` records which
// versions a database has; at open, every newer script runs in its own transaction together
// with the row recording it, so a crash or a failing script leaves the database at the previous
// version. Never edit a released script: append a new one. Internal to src/store/.
// Thread contract: call with exclusive use of the connection (at open).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "ink/common/clock.h"
#include "ink/common/result.h"
#include "sqlite.h"

namespace ink::store_internal {

struct Migration {
  int64_t version;  // 1, 2, 3, ... in order
  const char* sql;  // one or more statements, run in one transaction
};

// The store's schema, oldest first.
std::span<const Migration> SchemaMigrations();

// Applies the scripts of `migrations` newer than the database's version. Fails with
// FailedPrecondition if the database was written by a newer binary (version above the last
// script), naming `path`. Returns how many scripts were applied.
Result<int> ApplyMigrations(Connection& connection, std::span<const Migration> migrations,
                            Clock& clock, const std::string& path);

}  // namespace ink::store_internal
