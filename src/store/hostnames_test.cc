// Store tests: hostname claims ("<service>-<project>" belongs to one service) and their
// migration from databases written before claims existed.
#include "ink/common/names.h"
#include "migrations.h"
#include "store_test_util.h"

namespace ink::store_test {
namespace {

using store_internal::ApplyMigrations;
using store_internal::Connection;
using store_internal::SchemaMigrations;

class HostnameTest : public StoreTest {
 protected:
  Result<Store::ServiceAndDeployment> TryDeploy(const std::string& workspace_id,
                                                const std::string& project_id,
                                                const std::string& name) {
    ServiceSpec spec;
    spec.image = "127.0.0.1:5000/a/b:1";
    return store_->CreateOrUpdateServiceWithDeployment(workspace_id, project_id, name, spec);
  }
  std::string Count(const std::string& table) {
    return RawSql(path_, "SELECT COUNT(*) FROM " + table);
  }
};

TEST_F(HostnameTest, CollidingPairInOneWorkspaceIsRefusedNamingTheHolder) {
  std::string ws = NewWorkspace("default");
  std::string demo = NewProject(ws, "demo");
  std::string api_demo = NewProject(ws, "api-demo");
  auto first = Deploy(ws, demo, "web-api");
  ASSERT_EQ(ServiceHostLabel("web-api", "demo"), ServiceHostLabel("web", "api-demo"));

  auto second = TryDeploy(ws, api_demo, "web");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kAlreadyExists);
  const std::string& message = second.error().message;
  EXPECT_NE(message.find("'web-api-demo'"), std::string::npos) << message;
  EXPECT_NE(message.find("service 'web-api' of project 'demo'"), std::string::npos) << message;
  EXPECT_NE(message.find("choose another service name"), std::string::npos) << message;
  // Nothing of the refused deploy was written.
  EXPECT_EQ(Count("services"), "1");
  EXPECT_EQ(Count("deployments"), "1");
  EXPECT_EQ(Count("hostnames"), "1");

  auto claim = store_->FindHostnameClaim("web-api-demo");
  ASSERT_TRUE(claim.ok()) << claim.error().message;
  EXPECT_EQ(claim->service_id, first.service.id);
  EXPECT_EQ(claim->service_name, "web-api");
  EXPECT_EQ(claim->project_name, "demo");
  EXPECT_EQ(claim->workspace_id, ws);
}

TEST_F(HostnameTest, CollisionAcrossWorkspacesDoesNotRevealTheOtherTenant) {
  std::string mine = NewWorkspace("mine");
  std::string theirs = NewWorkspace("theirs");
  Deploy(theirs, NewProject(theirs, "demo"), "web-api");
  auto refused = TryDeploy(mine, NewProject(mine, "api-demo"), "web");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kAlreadyExists);
  const std::string& message = refused.error().message;
  EXPECT_NE(message.find("another workspace"), std::string::npos) << message;
  EXPECT_EQ(message.find("'web-api'"), std::string::npos) << message;
  EXPECT_EQ(message.find("'demo'"), std::string::npos) << message;
  EXPECT_EQ(message.find(theirs), std::string::npos) << message;
}

TEST_F(HostnameTest, SameNamesInTwoWorkspacesCollideToo) {
  std::string a = NewWorkspace("a");
  std::string b = NewWorkspace("b");
  Deploy(a, NewProject(a, "demo"), "web");
  auto refused = TryDeploy(b, NewProject(b, "demo"), "web");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kAlreadyExists);
}

TEST_F(HostnameTest, RedeployKeepsTheClaimAndDeleteReleasesIt) {
  std::string ws = NewWorkspace("default");
  std::string demo = NewProject(ws, "demo");
  std::string api_demo = NewProject(ws, "api-demo");
  auto first = Deploy(ws, demo, "web-api");
  auto again = TryDeploy(ws, demo, "web-api");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->created);
  EXPECT_EQ(Count("hostnames"), "1");

  ASSERT_TRUE(store_->DeleteService(ws, first.service.id).ok());
  EXPECT_EQ(Count("hostnames"), "0");
  EXPECT_EQ(store_->FindHostnameClaim("web-api-demo").error().code, ErrorCode::kNotFound);
  auto now_free = TryDeploy(ws, api_demo, "web");
  ASSERT_TRUE(now_free.ok()) << now_free.error().message;
  auto claims = store_->ListHostnameClaims();
  ASSERT_TRUE(claims.ok());
  ASSERT_EQ(claims->size(), 1u);
  EXPECT_EQ((*claims)[0].service_id, now_free->service.id);
}

TEST_F(HostnameTest, DeleteProjectAfterItsServicesLeavesNoClaim) {
  std::string ws = NewWorkspace("default");
  std::string demo = NewProject(ws, "demo");
  auto web = Deploy(ws, demo, "web");
  ASSERT_TRUE(store_->DeleteService(ws, web.service.id).ok());
  ASSERT_TRUE(store_->DeleteProject(ws, demo).ok());
  EXPECT_EQ(Count("hostnames"), "0");
}

// A database from before schema 5 that already has a collision: the oldest service keeps the
// label, the younger holds none, and its next deploy is refused like a new one would be.
TEST(HostnameMigration, ExistingServicesClaimOldestFirst) {
  TempDir dir;
  FakeClock clock;
  const std::string path = dir.File("ink.db");
  {
    auto connection = Connection::Open(path);
    ASSERT_TRUE(connection.ok()) << connection.error().message;
    auto applied = ApplyMigrations(*connection, SchemaMigrations().first(4), clock, path);
    ASSERT_TRUE(applied.ok()) << applied.error().message;
  }
  const char* rows = R"sql(
    INSERT INTO workspaces VALUES ('wsp_1', 'default', 1);
    INSERT INTO projects VALUES ('prj_demo', 'wsp_1', 'demo', 'ink-prj_demo', 1);
    INSERT INTO projects VALUES ('prj_api', 'wsp_1', 'api-demo', 'ink-prj_api', 1);
    INSERT INTO services VALUES ('svc_new', 'wsp_1', 'prj_api', 'web', '{"image":"x"}', '', 20, 20);
    INSERT INTO services VALUES ('svc_old', 'wsp_1', 'prj_demo', 'web-api', '{"image":"x"}', '', 10, 10);
    INSERT INTO services VALUES ('svc_solo', 'wsp_1', 'prj_demo', 'db', '{"image":"x"}', '', 30, 30);
  )sql";
  ASSERT_EQ(RawSql(path, rows), "");
  auto store = OpenSqliteStore(path, clock);
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto claims = (*store)->ListHostnameClaims();
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  ASSERT_EQ(claims->size(), 2u);
  EXPECT_EQ((*claims)[0].label, "db-demo");
  EXPECT_EQ((*claims)[0].service_id, "svc_solo");
  EXPECT_EQ((*claims)[1].label, "web-api-demo");
  EXPECT_EQ((*claims)[1].service_id, "svc_old");

  ServiceSpec spec;
  spec.image = "127.0.0.1:5000/a/b:2";
  auto redeploy = (*store)->CreateOrUpdateServiceWithDeployment("wsp_1", "prj_api", "web", spec);
  ASSERT_FALSE(redeploy.ok());
  EXPECT_EQ(redeploy.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(redeploy.error().message.find("service 'web-api' of project 'demo'"), std::string::npos)
      << redeploy.error().message;
}

}  // namespace
}  // namespace ink::store_test
