// Store tests: workspaces, tokens, projects, registry credentials, isolation between workspaces,
// durability and concurrency. Services, deployments and events: deployments_test.cc.
#include <sys/stat.h>

#include <thread>

#include "store_test_util.h"

namespace ink::store_test {
namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

using WorkspaceTest = StoreTest;

TEST_F(WorkspaceTest, CreateAndList) {
  auto first = store_->CreateWorkspace("default");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->id.rfind("wsp_", 0), 0u);
  EXPECT_EQ(first->name, "default");
  EXPECT_EQ(first->created_at, clock_.NowMillis());
  clock_.Advance(5);
  auto second = store_->CreateWorkspace("other");
  ASSERT_TRUE(second.ok());

  auto all = store_->ListWorkspaces();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, first->id);
  EXPECT_EQ((*all)[1].id, second->id);
  EXPECT_EQ((*all)[1].created_at, second->created_at);
}

TEST_F(WorkspaceTest, DuplicateNameIsAlreadyExists) {
  NewWorkspace("default");
  auto again = store_->CreateWorkspace("default");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_TRUE(Contains(again.error().message, "workspace 'default' already exists"));
}

TEST_F(WorkspaceTest, DatabaseFileIsPrivate) {
  struct stat info {};
  ASSERT_EQ(stat(path_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

using TokenTest = StoreTest;

TEST_F(TokenTest, CreateAndFindByHash) {
  std::string workspace = NewWorkspace("default");
  ApiToken token;
  token.workspace_id = workspace;
  token.name = "bootstrap";
  token.hash = std::string(64, 'a');
  auto created = store_->CreateToken(token);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->id.rfind("tok_", 0), 0u);
  EXPECT_EQ(created->created_at, clock_.NowMillis());

  auto found = store_->FindTokenByHash(std::string(64, 'a'));
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->id, created->id);
  EXPECT_EQ(found->workspace_id, workspace);
  EXPECT_EQ(found->name, "bootstrap");

  auto missing = store_->FindTokenByHash(std::string(64, 'b'));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(TokenTest, RejectsUnknownWorkspaceDuplicateHashAndEmptyHash) {
  std::string workspace = NewWorkspace("default");
  ApiToken token{"", "wsp_nope", "t", "hash1", 0};
  auto orphan = store_->CreateToken(token);
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code, ErrorCode::kNotFound);

  token.workspace_id = workspace;
  ASSERT_TRUE(store_->CreateToken(token).ok());
  auto duplicate = store_->CreateToken(token);
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);

  token.hash = "";
  auto empty = store_->CreateToken(token);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(TokenTest, AdminFlagIsStored) {
  std::string workspace = NewWorkspace("default");
  ApiToken admin{"", workspace, "admin", std::string(64, 'c'), 0, true};
  ASSERT_TRUE(store_->CreateToken(admin).ok());
  ApiToken tenant{"", workspace, "ci", std::string(64, 'd'), 0, false};
  ASSERT_TRUE(store_->CreateToken(tenant).ok());
  EXPECT_TRUE(store_->FindTokenByHash(std::string(64, 'c'))->admin);
  EXPECT_FALSE(store_->FindTokenByHash(std::string(64, 'd'))->admin);
}

using QuotaTest = StoreTest;

TEST_F(QuotaTest, UnsetIsEveryDefaultThenSetReplacesAndOthersAreUntouched) {
  std::string a = NewWorkspace("a"), b = NewWorkspace("b");
  auto none = store_->GetWorkspaceQuota(a);
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_EQ(none->cpu, kQuotaDefault);
  EXPECT_EQ(none->memory_bytes, kQuotaDefault);
  EXPECT_EQ(none->updated_at, 0);
  WorkspaceQuota q{.cpu = 2.5, .memory_bytes = 1 << 30, .replicas = kQuotaUnlimited,
                   .volume_bytes = 0};
  ASSERT_TRUE(store_->SetWorkspaceQuota(a, q).ok());
  q.cpu = 3;
  ASSERT_TRUE(store_->SetWorkspaceQuota(a, q).ok());
  auto got = store_->GetWorkspaceQuota(a);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->cpu, 3);
  EXPECT_EQ(got->memory_bytes, 1 << 30);
  EXPECT_EQ(got->replicas, kQuotaUnlimited);
  EXPECT_EQ(got->volume_bytes, 0);
  EXPECT_EQ(got->updated_at, clock_.NowMillis());
  EXPECT_EQ(store_->GetWorkspaceQuota(b)->cpu, kQuotaDefault);
  EXPECT_EQ(store_->GetWorkspaceQuota("wsp_nope").error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(store_->SetWorkspaceQuota("wsp_nope", q).ok());
  q.memory_bytes = -7;  // the schema's CHECK refuses what no caller should send
  EXPECT_FALSE(store_->SetWorkspaceQuota(a, q).ok());
}

using ProjectTest = StoreTest;

TEST_F(ProjectTest, CreateGetByIdOrNameAndList) {
  std::string workspace = NewWorkspace("default");
  auto project = store_->CreateProject(workspace, "demo");
  ASSERT_TRUE(project.ok()) << project.error().message;
  EXPECT_EQ(project->id.rfind("prj_", 0), 0u);
  EXPECT_EQ(project->network, "ink-" + project->id);
  EXPECT_EQ(project->workspace_id, workspace);
  EXPECT_EQ(project->created_at, clock_.NowMillis());
  NewProject(workspace, "alpha");

  for (const std::string& key : {project->id, std::string("demo")}) {
    auto got = store_->GetProject(workspace, key);
    ASSERT_TRUE(got.ok()) << key << ": " << got.error().message;
    EXPECT_EQ(got->id, project->id);
    EXPECT_EQ(got->name, "demo");
    EXPECT_EQ(got->network, project->network);
  }
  auto list = store_->ListProjects(workspace);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "alpha");  // ordered by name
  EXPECT_EQ((*list)[1].name, "demo");

  auto missing = store_->GetProject(workspace, "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(ProjectTest, DuplicateNameInWorkspaceIsAlreadyExistsButOtherWorkspaceIsFine) {
  std::string a = NewWorkspace("a"), b = NewWorkspace("b");
  NewProject(a, "demo");
  auto duplicate = store_->CreateProject(a, "demo");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);
  EXPECT_TRUE(
      Contains(duplicate.error().message, "project 'demo' already exists in this workspace"))
      << duplicate.error().message;
  EXPECT_TRUE(store_->CreateProject(b, "demo").ok());
}

TEST_F(ProjectTest, CreateInUnknownWorkspaceIsNotFound) {
  auto project = store_->CreateProject("wsp_missing", "demo");
  ASSERT_FALSE(project.ok());
  EXPECT_EQ(project.error().code, ErrorCode::kNotFound);
}

TEST_F(ProjectTest, DeleteRefusedWhileServicesExist) {
  std::string workspace = NewWorkspace("default");
  std::string project = NewProject(workspace, "demo");
  auto service = Deploy(workspace, project, "web");

  Status refused = store_->DeleteProject(workspace, project);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(refused.error().message, "delete its services first"))
      << refused.error().message;
  EXPECT_TRUE(store_->GetProject(workspace, project).ok());

  ASSERT_TRUE(store_->DeleteService(workspace, service.service.id).ok());
  Status deleted = store_->DeleteProject(workspace, project);
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  EXPECT_EQ(store_->GetProject(workspace, project).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->DeleteProject(workspace, project).error().code, ErrorCode::kNotFound);
  // The name is free again.
  EXPECT_TRUE(store_->CreateProject(workspace, "demo").ok());
}

TEST_F(ProjectTest, NamesAreDataNeverSql) {
  std::string workspace = NewWorkspace("default");
  const std::string hostile = "x'); DROP TABLE projects; --";
  auto project = store_->CreateProject(workspace, hostile);
  ASSERT_TRUE(project.ok()) << project.error().message;
  auto got = store_->GetProject(workspace, hostile);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, hostile);
  EXPECT_EQ(store_->GetProject(workspace, "' OR '1'='1").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(RawSql(path_, "SELECT COUNT(*) FROM projects"), "1");
}

// Every tenant-scoped lookup with another workspace's id answers NotFound and changes nothing.
TEST_F(StoreTest, WorkspaceIsolation) {
  std::string mine = NewWorkspace("mine"), theirs = NewWorkspace("theirs");
  std::string project = NewProject(mine, "demo");
  auto deployed = Deploy(mine, project, "web");
  const std::string& service = deployed.service.id;
  ASSERT_TRUE(store_->AppendEvent(Event{0, mine, service, "", "restarted", "x", 0}).ok());
  RegistryCredential credential{"", mine, "127.0.0.1:5000", "user", "sealed", 0};
  ASSERT_TRUE(store_->PutRegistryCredential(credential).ok());

  auto expect_not_found = [](const auto& result, const char* what) {
    ASSERT_FALSE(result.ok()) << what;
    EXPECT_EQ(result.error().code, ErrorCode::kNotFound) << what << ": " << result.error().message;
  };
  expect_not_found(store_->GetProject(theirs, project), "GetProject by id");
  expect_not_found(store_->GetProject(theirs, "demo"), "GetProject by name");
  expect_not_found(store_->DeleteProject(theirs, project), "DeleteProject");
  expect_not_found(store_->ListServices(theirs, project), "ListServices");
  expect_not_found(store_->GetService(theirs, project, "web"), "GetService");
  expect_not_found(store_->GetService(theirs, project, service), "GetService by id");
  expect_not_found(store_->CreateOrUpdateServiceWithDeployment(theirs, project, "web", {}),
                   "CreateOrUpdateServiceWithDeployment");
  expect_not_found(store_->DeleteService(theirs, service), "DeleteService");
  expect_not_found(store_->GetDeployment(theirs, deployed.deployment.id), "GetDeployment");
  expect_not_found(store_->ListDeployments(theirs, service), "ListDeployments");
  expect_not_found(store_->AppendEvent(Event{0, theirs, service, "", "crashed", "x", 0}),
                   "AppendEvent");
  expect_not_found(store_->ListEvents(theirs, service, 10), "ListEvents");
  expect_not_found(store_->FindRegistryCredential(theirs, "127.0.0.1:5000"),
                   "FindRegistryCredential");
  expect_not_found(store_->DeleteRegistryCredential(theirs, "127.0.0.1:5000"),
                   "DeleteRegistryCredential");
  EXPECT_TRUE(store_->ListProjects(theirs)->empty());
  EXPECT_TRUE(store_->ListRegistryCredentials(theirs)->empty());

  // Nothing of mine was touched.
  EXPECT_TRUE(store_->GetProject(mine, project).ok());
  EXPECT_EQ(store_->ListDeployments(mine, service)->size(), 1u);
  EXPECT_EQ(store_->ListEvents(mine, service, 10)->size(), 1u);
  EXPECT_TRUE(store_->FindRegistryCredential(mine, "127.0.0.1:5000").ok());
}

using RegistryCredentialTest = StoreTest;

TEST_F(RegistryCredentialTest, PutReplacesFindListDelete) {
  std::string workspace = NewWorkspace("default");
  const std::string sealed("\x00\x01nonce\xff\xfe cipher", 17);  // binary, with NUL bytes
  auto first = store_->PutRegistryCredential({"", workspace, "127.0.0.1:5000", "alice", sealed, 0});
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->id.rfind("rcr_", 0), 0u);
  ASSERT_TRUE(store_->PutRegistryCredential({"", workspace, "ghcr.io", "carol", "s", 0}).ok());

  auto found = store_->FindRegistryCredential(workspace, "127.0.0.1:5000");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->username, "alice");
  EXPECT_EQ(found->sealed_password, sealed);

  clock_.Advance(1000);
  auto second = store_->PutRegistryCredential({"", workspace, "127.0.0.1:5000", "bob", "new", 0});
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->id, first->id);  // replaced in place: references stay valid
  found = store_->FindRegistryCredential(workspace, "127.0.0.1:5000");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->username, "bob");
  EXPECT_EQ(found->sealed_password, "new");
  EXPECT_EQ(found->created_at, clock_.NowMillis());

  auto list = store_->ListRegistryCredentials(workspace);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].registry, "127.0.0.1:5000");
  EXPECT_EQ((*list)[1].registry, "ghcr.io");

  ASSERT_TRUE(store_->DeleteRegistryCredential(workspace, "127.0.0.1:5000").ok());
  EXPECT_EQ(store_->FindRegistryCredential(workspace, "127.0.0.1:5000").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store_->DeleteRegistryCredential(workspace, "127.0.0.1:5000").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store_->ListRegistryCredentials(workspace)->size(), 1u);
}

TEST_F(RegistryCredentialTest, RejectsUnknownWorkspaceAndEmptyRegistry) {
  std::string workspace = NewWorkspace("default");
  EXPECT_EQ(store_->PutRegistryCredential({"", "wsp_x", "r", "u", "p", 0}).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store_->PutRegistryCredential({"", workspace, "", "u", "p", 0}).error().code,
            ErrorCode::kInvalidArgument);
}

TEST_F(StoreTest, EverythingSurvivesCloseAndReopen) {
  std::string workspace = NewWorkspace("default");
  ASSERT_TRUE(store_->CreateToken({"", workspace, "t", "hash", 0}).ok());
  std::string project = NewProject(workspace, "demo");
  auto deployed = Deploy(workspace, project, "web");
  ASSERT_TRUE(store_->ActivateDeployment(deployed.service.id, deployed.deployment.id).ok());
  ASSERT_TRUE(store_->AppendEvent({0, workspace, deployed.service.id, "", "pulled", "ok", 0}).ok());
  ASSERT_TRUE(store_->PutRegistryCredential({"", workspace, "reg", "u", "p", 0}).ok());

  Reopen();
  EXPECT_EQ(store_->ListWorkspaces()->size(), 1u);
  EXPECT_EQ(store_->FindTokenByHash("hash")->workspace_id, workspace);
  EXPECT_EQ(store_->GetProject(workspace, "demo")->id, project);
  auto service = store_->GetService(workspace, project, "web");
  ASSERT_TRUE(service.ok());
  EXPECT_EQ(service->active_deployment_id, deployed.deployment.id);
  EXPECT_EQ(store_->GetDeployment(workspace, deployed.deployment.id)->status,
            DeploymentStatus::kActive);
  EXPECT_EQ(store_->ListEvents(workspace, service->id, 0)->size(), 1u);
  EXPECT_EQ(store_->FindRegistryCredential(workspace, "reg")->username, "u");
}

TEST_F(StoreTest, ConcurrentCallersAreSerialized) {
  std::string workspace = NewWorkspace("default");
  std::string project = NewProject(workspace, "demo");
  constexpr int kThreads = 4, kPerThread = 10;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string name = "s" + std::to_string(t) + "-" + std::to_string(i);
        auto deployed = store_->CreateOrUpdateServiceWithDeployment(workspace, project, name, {});
        EXPECT_TRUE(deployed.ok()) << deployed.error().message;
        EXPECT_TRUE(store_->ListAllServices().ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(store_->ListServices(workspace, project)->size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(store_->ListUnfinishedDeployments()->size(), size_t{kThreads * kPerThread});
}

}  // namespace
}  // namespace ink::store_test
