// Store tests: services, deployments, events, the spec round-trip and transaction atomicity.
#include <limits>

#include "store_test_util.h"

namespace ink::store_test {
namespace {

class DeploymentTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    workspace_ = NewWorkspace("default");
    project_ = NewProject(workspace_, "demo");
  }

  std::string Status(const std::string& deployment_id) {
    auto deployment = store_->GetDeployment(workspace_, deployment_id);
    return deployment.ok() ? std::string(Name(deployment->status))
                           : "error: " + deployment.error().message;
  }

  std::string workspace_, project_;
};

ServiceSpec TrickySpec() {
  ServiceSpec spec;
  spec.image = "127.0.0.1:5000/team/app:v1.2";
  spec.port = 3000;
  spec.cpu = 0.1;
  spec.memory_bytes = int64_t{5} * 1024 * 1024 * 1024 + 7;
  spec.replicas = 3;
  spec.runtime_class = "runc";
  spec.registry_credential_id = "rcr_abc";
  spec.health_check_path = "/héalth?q=\"x\"&y=$HOME #frag";
  return spec;
}

void ExpectSameSpec(const ServiceSpec& actual, const ServiceSpec& expected) {
  EXPECT_EQ(actual.image, expected.image);
  EXPECT_EQ(actual.port, expected.port);
  EXPECT_EQ(actual.cpu, expected.cpu);  // exact, not approximately
  EXPECT_EQ(actual.memory_bytes, expected.memory_bytes);
  EXPECT_EQ(actual.replicas, expected.replicas);
  EXPECT_EQ(actual.runtime_class, expected.runtime_class);
  EXPECT_EQ(actual.registry_credential_id, expected.registry_credential_id);
  EXPECT_EQ(actual.source, expected.source);
  EXPECT_EQ(actual.build_settings, expected.build_settings);
  EXPECT_EQ(actual.health_check_path, expected.health_check_path);
}

TEST_F(DeploymentTest, BuildingStateAndBuiltImage) {
  ServiceSpec spec = TrickySpec();
  spec.image = "";
  spec.source = R"({"kind":"git","url":"file:///srv/app.git","ref":"main"})";
  spec.build_settings = R"({"start_command":"node server.js"})";
  spec.health_check_path = "/healthz";
  auto result = store_->CreateOrUpdateServiceWithDeployment(workspace_, project_, "web", spec);
  ASSERT_TRUE(result.ok()) << result.error().message;
  const std::string id = result->deployment.id;
  ASSERT_TRUE(store_->UpdateDeploymentStatus(id, DeploymentStatus::kBuilding, "step 1/4").ok());
  EXPECT_EQ(Status(id), "building");
  auto unfinished = store_->ListUnfinishedDeployments();
  ASSERT_TRUE(unfinished.ok());
  ASSERT_EQ(unfinished->size(), 1u);
  ASSERT_TRUE(store_->SetDeploymentImage(id, "localhost/ink/build/web:1").ok());
  auto deployment = store_->GetDeployment(workspace_, id);
  ASSERT_TRUE(deployment.ok());
  EXPECT_EQ(deployment->spec.image, "localhost/ink/build/web:1");
  spec.image = "localhost/ink/build/web:1";
  ExpectSameSpec(deployment->spec, spec);
  EXPECT_EQ(store_->SetDeploymentImage("dep_missing", "x").error().code, ErrorCode::kNotFound);
}

TEST_F(DeploymentTest, FirstDeployCreatesServiceAndPendingDeployment) {
  ServiceSpec spec = TrickySpec();
  auto result = store_->CreateOrUpdateServiceWithDeployment(workspace_, project_, "web", spec);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_TRUE(result->created);
  EXPECT_EQ(result->service.id.rfind("svc_", 0), 0u);
  EXPECT_EQ(result->service.name, "web");
  EXPECT_EQ(result->service.project_id, project_);
  EXPECT_EQ(result->service.workspace_id, workspace_);
  EXPECT_EQ(result->service.active_deployment_id, "");
  EXPECT_EQ(result->deployment.id.rfind("dep_", 0), 0u);
  EXPECT_EQ(result->deployment.status, DeploymentStatus::kPending);
  EXPECT_EQ(result->deployment.service_id, result->service.id);

  auto service = store_->GetService(workspace_, project_, "web");
  ASSERT_TRUE(service.ok()) << service.error().message;
  EXPECT_EQ(service->id, result->service.id);
  EXPECT_EQ(service->created_at, clock_.NowMillis());
  ExpectSameSpec(service->spec, spec);
  auto deployment = store_->GetDeployment(workspace_, result->deployment.id);
  ASSERT_TRUE(deployment.ok());
  EXPECT_EQ(deployment->status, DeploymentStatus::kPending);
  ExpectSameSpec(deployment->spec, spec);
}

TEST_F(DeploymentTest, SpecRoundTripsByteExactAcrossReopen) {
  ServiceSpec spec = TrickySpec();
  auto result = store_->CreateOrUpdateServiceWithDeployment(workspace_, project_, "web", spec);
  ASSERT_TRUE(result.ok()) << result.error().message;
  Reopen();
  auto service = store_->GetServiceById(result->service.id);
  ASSERT_TRUE(service.ok()) << service.error().message;
  ExpectSameSpec(service->spec, spec);
  auto deployments = store_->ListDeployments(workspace_, result->service.id);
  ASSERT_TRUE(deployments.ok());
  ASSERT_EQ(deployments->size(), 1u);
  ExpectSameSpec((*deployments)[0].spec, spec);
  // The stored form is JSON text, readable with plain SQL.
  std::string stored =
      RawSql(path_, "SELECT json_extract(spec_json, '$.health_check_path') FROM services");
  EXPECT_EQ(stored, spec.health_check_path);
  // Environment variables are never part of the stored spec.
  EXPECT_EQ(RawSql(path_, "SELECT count(*) FROM services WHERE spec_json LIKE '%env%'"), "0");
}

TEST_F(DeploymentTest, SpecThatCannotBeStoredExactlyIsRejectedAndNothingWritten) {
  ServiceSpec spec;
  spec.build_settings = std::string("\xff\xfe", 2);  // not UTF-8
  auto bad = store_->CreateOrUpdateServiceWithDeployment(workspace_, project_, "web", spec);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  spec.build_settings.clear();
  spec.cpu = std::numeric_limits<double>::infinity();
  EXPECT_EQ(
      store_->CreateOrUpdateServiceWithDeployment(workspace_, project_, "web", spec).error().code,
      ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store_->ListServices(workspace_, project_)->empty());
}

TEST_F(DeploymentTest, SecondDeployUpdatesSpecAndAddsDeployment) {
  auto first = Deploy(workspace_, project_, "web", "img:1");
  clock_.Advance(1000);
  ServiceSpec spec;
  spec.image = "img:2";
  auto second = store_->CreateOrUpdateServiceWithDeployment(workspace_, project_, "web", spec);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->service.id, first.service.id);
  EXPECT_NE(second->deployment.id, first.deployment.id);

  auto service = store_->GetService(workspace_, project_, first.service.id);
  ASSERT_TRUE(service.ok());
  EXPECT_EQ(service->spec.image, "img:2");
  EXPECT_EQ(service->created_at, first.service.created_at);
  EXPECT_EQ(service->updated_at, first.service.created_at + 1000);

  auto deployments = store_->ListDeployments(workspace_, first.service.id);
  ASSERT_TRUE(deployments.ok());
  ASSERT_EQ(deployments->size(), 2u);
  EXPECT_EQ((*deployments)[0].id, second->deployment.id);  // newest first
  EXPECT_EQ((*deployments)[0].spec.image, "img:2");
  EXPECT_EQ((*deployments)[1].spec.image, "img:1");  // each deployment keeps its own copy
}

TEST_F(DeploymentTest, UnknownProjectIsNotFound) {
  auto result = store_->CreateOrUpdateServiceWithDeployment(workspace_, "prj_nope", "web", {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound);
}

TEST_F(DeploymentTest, GetAndListServices) {
  auto web = Deploy(workspace_, project_, "web");
  auto api = Deploy(workspace_, project_, "api");
  std::string other_project = NewProject(workspace_, "other");
  Deploy(workspace_, other_project, "web");  // same name in another project is fine
  std::string other_workspace = NewWorkspace("other");
  // Another workspace may use the same names, as long as the hostname differs ("web-demo" is
  // taken: hostnames_test.cc).
  Deploy(other_workspace, NewProject(other_workspace, "elsewhere"), "web");

  auto list = store_->ListServices(workspace_, project_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "api");
  EXPECT_EQ((*list)[1].name, "web");
  EXPECT_EQ(store_->ListAllServices()->size(), 4u);

  EXPECT_EQ(store_->GetService(workspace_, project_, web.service.id)->name, "web");
  EXPECT_EQ(store_->GetService(workspace_, project_, "api")->id, api.service.id);
  EXPECT_EQ(store_->GetService(workspace_, other_project, web.service.id).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetServiceById(api.service.id)->name, "api");
  EXPECT_EQ(store_->GetServiceById("svc_nope").error().code, ErrorCode::kNotFound);
}

TEST_F(DeploymentTest, DeleteServiceRemovesDeploymentsAndEvents) {
  auto web = Deploy(workspace_, project_, "web");
  auto keep = Deploy(workspace_, project_, "keep");
  Deploy(workspace_, project_, "web");
  ASSERT_TRUE(store_->AppendEvent({0, workspace_, web.service.id, "", "crashed", "x", 0}).ok());
  ASSERT_TRUE(store_->AppendEvent({0, workspace_, keep.service.id, "", "crashed", "y", 0}).ok());

  ASSERT_TRUE(store_->DeleteService(workspace_, web.service.id).ok());
  EXPECT_EQ(store_->GetServiceById(web.service.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetDeployment(workspace_, web.deployment.id).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(
      RawSql(path_, "SELECT COUNT(*) FROM deployments WHERE service_id = '" + web.service.id + "'"),
      "0");
  EXPECT_EQ(RawSql(path_, "SELECT COUNT(*) FROM events"), "1");
  EXPECT_EQ(store_->DeleteService(workspace_, web.service.id).error().code, ErrorCode::kNotFound);
  // The other service is untouched.
  EXPECT_EQ(store_->ListEvents(workspace_, keep.service.id, 10)->size(), 1u);
  EXPECT_EQ(Status(keep.deployment.id), "pending");
}

TEST_F(DeploymentTest, StatusUpdatesAndUnfinishedListOldestFirst) {
  auto a = Deploy(workspace_, project_, "a");
  clock_.Advance(10);
  auto b = Deploy(workspace_, project_, "b");
  clock_.Advance(10);
  auto c = Deploy(workspace_, project_, "c");

  ASSERT_TRUE(
      store_->UpdateDeploymentStatus(a.deployment.id, DeploymentStatus::kDeploying, "pulling")
          .ok());
  ASSERT_TRUE(
      store_->UpdateDeploymentStatus(b.deployment.id, DeploymentStatus::kFailed, "image not found")
          .ok());
  auto b_now = store_->GetDeployment(workspace_, b.deployment.id);
  ASSERT_TRUE(b_now.ok());
  EXPECT_EQ(b_now->status, DeploymentStatus::kFailed);
  EXPECT_EQ(b_now->message, "image not found");
  EXPECT_EQ(b_now->updated_at, clock_.NowMillis());

  auto unfinished = store_->ListUnfinishedDeployments();
  ASSERT_TRUE(unfinished.ok());
  ASSERT_EQ(unfinished->size(), 2u);
  EXPECT_EQ((*unfinished)[0].id, a.deployment.id);
  EXPECT_EQ((*unfinished)[0].status, DeploymentStatus::kDeploying);
  EXPECT_EQ((*unfinished)[1].id, c.deployment.id);

  EXPECT_EQ(store_->UpdateDeploymentStatus("dep_nope", DeploymentStatus::kFailed, "").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(Status(a.deployment.id), "deploying");
}

TEST_F(DeploymentTest, StatusTextIsTheEnumsName) {
  auto a = Deploy(workspace_, project_, "a");
  ASSERT_TRUE(
      store_->UpdateDeploymentStatus(a.deployment.id, DeploymentStatus::kBuilding, "").ok());
  EXPECT_EQ(RawSql(path_, "SELECT status FROM deployments WHERE id = '" + a.deployment.id + "'"),
            "building");
  // The table's CHECK holds the same list: no other text gets in.
  EXPECT_NE(RawSql(path_, "UPDATE deployments SET status = 'hibernating' WHERE id = '" +
                              a.deployment.id + "'")
                .find("CHECK constraint"),
            std::string::npos);
}

TEST_F(DeploymentTest, ActivateSupersedesPreviousActive) {
  auto first = Deploy(workspace_, project_, "web", "img:1");
  auto second = Deploy(workspace_, project_, "web", "img:2");
  auto other = Deploy(workspace_, project_, "other");
  ASSERT_TRUE(store_->ActivateDeployment(other.service.id, other.deployment.id).ok());

  ASSERT_TRUE(store_->ActivateDeployment(first.service.id, first.deployment.id).ok());
  EXPECT_EQ(Status(first.deployment.id), "active");
  EXPECT_EQ(store_->GetServiceById(first.service.id)->active_deployment_id, first.deployment.id);

  ASSERT_TRUE(store_->ActivateDeployment(first.service.id, second.deployment.id).ok());
  EXPECT_EQ(Status(first.deployment.id), "superseded");
  EXPECT_EQ(Status(second.deployment.id), "active");
  EXPECT_EQ(store_->GetServiceById(first.service.id)->active_deployment_id, second.deployment.id);
  EXPECT_EQ(Status(other.deployment.id), "active");  // other services are not touched

  EXPECT_EQ(store_->ActivateDeployment(first.service.id, other.deployment.id).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->ActivateDeployment(first.service.id, "dep_nope").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(Status(second.deployment.id), "active");
}

// A failure inside CreateOrUpdateServiceWithDeployment (here: the deployment insert, made to fail
// by a trigger) must leave neither a new service nor an updated spec behind.
TEST_F(DeploymentTest, FailingDeployLeavesNothingHalfWritten) {
  auto existing = Deploy(workspace_, project_, "web", "img:1");
  ASSERT_EQ(RawSql(path_,
                   "CREATE TRIGGER fail_deploy BEFORE INSERT ON deployments "
                   "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"),
            "");

  ServiceSpec spec;
  spec.image = "img:2";
  auto created = store_->CreateOrUpdateServiceWithDeployment(workspace_, project_, "new", spec);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(store_->GetService(workspace_, project_, "new").error().code, ErrorCode::kNotFound);

  auto updated = store_->CreateOrUpdateServiceWithDeployment(workspace_, project_, "web", spec);
  ASSERT_FALSE(updated.ok());
  auto web = store_->GetService(workspace_, project_, "web");
  ASSERT_TRUE(web.ok());
  EXPECT_EQ(web->spec.image, "img:1");
  EXPECT_EQ(web->updated_at, existing.service.updated_at);
  EXPECT_EQ(store_->ListDeployments(workspace_, web->id)->size(), 1u);

  // The store keeps working after the rollback.
  ASSERT_EQ(RawSql(path_, "DROP TRIGGER fail_deploy"), "");
  EXPECT_TRUE(store_->CreateOrUpdateServiceWithDeployment(workspace_, project_, "new", spec).ok());
}

TEST_F(DeploymentTest, FailingActivationChangesNoStatus) {
  auto first = Deploy(workspace_, project_, "web", "img:1");
  auto second = Deploy(workspace_, project_, "web", "img:2");
  ASSERT_TRUE(store_->ActivateDeployment(first.service.id, first.deployment.id).ok());
  ASSERT_EQ(RawSql(path_,
                   "CREATE TRIGGER fail_point BEFORE UPDATE ON services "
                   "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"),
            "");
  ASSERT_FALSE(store_->ActivateDeployment(first.service.id, second.deployment.id).ok());
  EXPECT_EQ(Status(first.deployment.id), "active");
  EXPECT_EQ(Status(second.deployment.id), "pending");
  EXPECT_EQ(store_->GetServiceById(first.service.id)->active_deployment_id, first.deployment.id);
}

TEST_F(DeploymentTest, EventsAppendListAndLimit) {
  auto web = Deploy(workspace_, project_, "web");
  int64_t last_id = 0;
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(1);
    auto event = store_->AppendEvent({0, workspace_, web.service.id, web.deployment.id, "restarted",
                                      "n" + std::to_string(i), 0});
    ASSERT_TRUE(event.ok()) << event.error().message;
    EXPECT_GT(event->id, last_id);
    EXPECT_EQ(event->created_at, clock_.NowMillis());
    last_id = event->id;
  }
  auto explicit_time =
      store_->AppendEvent({0, workspace_, web.service.id, "", "oom_killed", "m", 42});
  ASSERT_TRUE(explicit_time.ok());
  EXPECT_EQ(explicit_time->created_at, 42);

  auto tail = store_->ListEvents(workspace_, web.service.id, 3);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->size(), 3u);  // the newest three, oldest of them first
  EXPECT_EQ((*tail)[0].message, "n3");
  EXPECT_EQ((*tail)[1].message, "n4");
  EXPECT_EQ((*tail)[2].kind, "oom_killed");
  EXPECT_EQ((*tail)[0].deployment_id, web.deployment.id);
  EXPECT_EQ(store_->ListEvents(workspace_, web.service.id, 0)->size(), 6u);

  EXPECT_EQ(store_->AppendEvent({0, workspace_, "svc_nope", "", "x", "y", 0}).error().code,
            ErrorCode::kNotFound);
}

TEST_F(DeploymentTest, EventsKeepOnlyTheNewestThousandPerService) {
  auto web = Deploy(workspace_, project_, "web");
  auto other = Deploy(workspace_, project_, "other");
  ASSERT_TRUE(store_->AppendEvent({0, workspace_, other.service.id, "", "pulled", "keep", 0}).ok());
  for (int i = 0; i < 1005; ++i) {
    auto event =
        store_->AppendEvent({0, workspace_, web.service.id, "", "restarted", std::to_string(i), 0});
    ASSERT_TRUE(event.ok()) << event.error().message;
  }
  auto all = store_->ListEvents(workspace_, web.service.id, 5000);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1000u);
  EXPECT_EQ(all->front().message, "5");
  EXPECT_EQ(all->back().message, "1004");
  EXPECT_EQ(RawSql(path_, "SELECT COUNT(*) FROM events"), "1001");
  EXPECT_EQ(store_->ListEvents(workspace_, other.service.id, 0)->size(), 1u);
}

}  // namespace
}  // namespace ink::store_test
