// Test helpers for the store tests: a settable clock, a temporary directory, and raw SQL access
// to a database file (for checks and fault injection the Store interface does not offer).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "ink/common/fake_clock.h"
#include "ink/store/store.h"

namespace ink::store_test {

// The shared FakeClock with the millisecond setters these tests use.
class FakeClock : public ink::FakeClock {
 public:
  void Set(int64_t millis) { SetWallMillis(millis); }
  void Advance(int64_t millis) { ink::FakeClock::Advance(std::chrono::milliseconds(millis)); }
};

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ink-store-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Runs `sql` on its own connection to `path`; returns the first column of the first row ("" if
// none), or "error: <message>".
inline std::string RawSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    return "error: open";
  }
  sqlite3_busy_timeout(db, 5000);
  std::string first;
  char* message = nullptr;
  auto callback = [](void* out, int columns, char** values, char**) {
    auto* text = static_cast<std::string*>(out);
    if (text->empty() && columns > 0 && values[0] != nullptr) *text = values[0];
    return 0;
  };
  if (sqlite3_exec(db, sql.c_str(), callback, &first, &message) != SQLITE_OK) {
    first = std::string("error: ") + (message != nullptr ? message : "?");
    sqlite3_free(message);
  }
  sqlite3_close(db);
  return first;
}

// Base fixture: a store on a fresh file with a fake clock, reopenable.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    auto opened = OpenSqliteStore(path_, clock_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
  }

  std::string NewWorkspace(const std::string& name) {
    auto workspace = store_->CreateWorkspace(name);
    EXPECT_TRUE(workspace.ok()) << workspace.error().message;
    return workspace.ok() ? workspace->id : "";
  }

  std::string NewProject(const std::string& workspace_id, const std::string& name) {
    auto project = store_->CreateProject(workspace_id, name);
    EXPECT_TRUE(project.ok()) << project.error().message;
    return project.ok() ? project->id : "";
  }

  Store::ServiceAndDeployment Deploy(const std::string& workspace_id, const std::string& project_id,
                                     const std::string& name,
                                     const std::string& image = "127.0.0.1:5000/a/b:1") {
    ServiceSpec spec;
    spec.image = image;
    auto deployed =
        store_->CreateOrUpdateServiceWithDeployment(workspace_id, project_id, name, spec);
    EXPECT_TRUE(deployed.ok()) << deployed.error().message;
    return deployed.ok() ? *deployed : Store::ServiceAndDeployment{};
  }

  TempDir dir_;
  std::string path_ = dir_.File("ink.db");
  FakeClock clock_;
  std::unique_ptr<Store> store_;
};

}  // namespace ink::store_test
