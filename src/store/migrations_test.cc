// Store tests: opening, pragmas, and versioned schema migrations.
#include "migrations.h"

#include <fstream>

#include "store_test_util.h"

namespace ink::store_test {
namespace {

using store_internal::ApplyMigrations;
using store_internal::Connection;
using store_internal::Migration;
using store_internal::SchemaMigrations;

std::string LatestVersion() { return std::to_string(SchemaMigrations().size()); }

TEST_F(StoreTest, OpenAppliesEveryMigrationOnceAndReopenAppliesNothing) {
  const std::string first_applied_at = std::to_string(clock_.NowMillis());
  EXPECT_EQ(RawSql(path_, "SELECT MAX(version) FROM schema_migrations"), LatestVersion());
  EXPECT_EQ(RawSql(path_, "SELECT COUNT(*) FROM schema_migrations"), LatestVersion());
  EXPECT_EQ(RawSql(path_, "SELECT MIN(applied_at) FROM schema_migrations"), first_applied_at);
  const std::string schema = RawSql(path_, "SELECT group_concat(sql, ';') FROM sqlite_schema");

  clock_.Advance(60'000);
  Reopen();
  Reopen();
  EXPECT_EQ(RawSql(path_, "SELECT COUNT(*) FROM schema_migrations"), LatestVersion());
  EXPECT_EQ(RawSql(path_, "SELECT MAX(applied_at) FROM schema_migrations"), first_applied_at);
  EXPECT_EQ(RawSql(path_, "SELECT group_concat(sql, ';') FROM sqlite_schema"), schema);
}

TEST_F(StoreTest, UsesWalJournal) { EXPECT_EQ(RawSql(path_, "PRAGMA journal_mode"), "wal"); }

TEST_F(StoreTest, DatabaseFromNewerBinaryIsRefusedWithClearError) {
  store_.reset();
  ASSERT_EQ(RawSql(path_, "INSERT INTO schema_migrations VALUES (999, 1)"), "");
  auto opened = OpenSqliteStore(path_, clock_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(opened.error().message.find("schema version 999"), std::string::npos)
      << opened.error().message;
  EXPECT_NE(opened.error().message.find("newer"), std::string::npos);
  EXPECT_NE(opened.error().message.find(path_), std::string::npos);
}

TEST(OpenSqliteStore, ReportsUnusablePaths) {
  TempDir dir;
  FakeClock clock;
  auto missing_dir = OpenSqliteStore(dir.File("no/such/dir/ink.db"), clock);
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(missing_dir.error().message.find("no/such/dir/ink.db"), std::string::npos);

  std::string garbage = dir.File("garbage.db");
  std::ofstream(garbage) << std::string(8192, 'x');
  auto not_db = OpenSqliteStore(garbage, clock);
  ASSERT_FALSE(not_db.ok());
  EXPECT_NE(not_db.error().message.find("not"), std::string::npos) << not_db.error().message;

  EXPECT_EQ(OpenSqliteStore("", clock).error().code, ErrorCode::kInvalidArgument);
}

TEST(OpenSqliteStore, InMemoryDatabaseWorks) {
  FakeClock clock;
  auto store = OpenSqliteStore(":memory:", clock);
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_TRUE((*store)->CreateWorkspace("default").ok());
}

// The migration runner on its own, with scripts made up for the test.
class MigrationRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto connection = Connection::Open(path_);
    ASSERT_TRUE(connection.ok()) << connection.error().message;
    connection_ = std::make_unique<Connection>(std::move(*connection));
  }

  TempDir dir_;
  std::string path_ = dir_.File("m.db");
  FakeClock clock_;
  std::unique_ptr<Connection> connection_;
};

TEST_F(MigrationRunnerTest, AppliesOnlyNewScriptsInOrder) {
  const Migration v1[] = {{1, "CREATE TABLE a (x INTEGER)"}};
  auto applied = ApplyMigrations(*connection_, v1, clock_, path_);
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_EQ(*applied, 1);
  EXPECT_EQ(*ApplyMigrations(*connection_, v1, clock_, path_), 0);

  const Migration v3[] = {{1, "CREATE TABLE a (x INTEGER)"},
                          {2, "ALTER TABLE a ADD COLUMN y TEXT"},
                          {3, "INSERT INTO a (x, y) VALUES (1, 'one')"}};
  applied = ApplyMigrations(*connection_, v3, clock_, path_);
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_EQ(*applied, 2);
  EXPECT_EQ(RawSql(path_, "SELECT y FROM a"), "one");
  EXPECT_EQ(RawSql(path_, "SELECT group_concat(version) FROM schema_migrations"), "1,2,3");
}

TEST_F(MigrationRunnerTest, FailingScriptIsRolledBackEntirely) {
  const Migration broken[] = {{1, "CREATE TABLE a (x INTEGER)"},
                              {2,
                               "CREATE TABLE b (x INTEGER); INSERT INTO a VALUES (1); "
                               "THIS IS NOT SQL"}};
  auto applied = ApplyMigrations(*connection_, broken, clock_, path_);
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.error().message.find("migration 2"), std::string::npos)
      << applied.error().message;
  EXPECT_EQ(RawSql(path_, "SELECT MAX(version) FROM schema_migrations"), "1");
  EXPECT_EQ(RawSql(path_, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'b'"), "0");
  EXPECT_EQ(RawSql(path_, "SELECT COUNT(*) FROM a"), "0");
}

TEST_F(MigrationRunnerTest, RejectsMisnumberedList) {
  const Migration gap[] = {{1, "SELECT 1"}, {3, "SELECT 1"}};
  auto applied = ApplyMigrations(*connection_, gap, clock_, path_);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace ink::store_test
