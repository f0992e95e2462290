// Store tests: service variables, deployment snapshots, atomicity, scoping, and the one-time
// sealing of plaintext env from older databases. The store never sees plaintext: these tests
// seal with a stand-in function, since sealing itself is SecretBox's job.
#include <fstream>
#include <iterator>

#include "store_test_util.h"

namespace ink::store_test {
namespace {

std::string FakeSeal(std::string_view value) { return "sealed(" + std::string(value) + ")"; }

SealedVariable Var(const std::string& name, const std::string& value) {
  return SealedVariable{name, FakeSeal(value), 0};
}

std::map<std::string, std::string> AsMap(const std::vector<SealedVariable>& variables) {
  std::map<std::string, std::string> out;
  for (const auto& v : variables) out[v.name] = v.sealed_value;
  return out;
}

class VariablesTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    workspace_ = NewWorkspace("default");
    project_ = NewProject(workspace_, "demo");
    service_ = Deploy(workspace_, project_, "web").service.id;
  }

  std::map<std::string, std::string> ServiceVariables() {
    auto list = store_->ListServiceVariables(workspace_, service_);
    EXPECT_TRUE(list.ok()) << list.error().message;
    return list.ok() ? AsMap(*list) : std::map<std::string, std::string>{};
  }

  std::map<std::string, std::string> Snapshot(const std::string& deployment_id) {
    auto list = store_->ListDeploymentVariables(deployment_id);
    EXPECT_TRUE(list.ok()) << list.error().message;
    return list.ok() ? AsMap(*list) : std::map<std::string, std::string>{};
  }

  std::string workspace_, project_, service_;
};

TEST_F(VariablesTest, SetListUpsertAndUnset) {
  clock_.Set(1000);
  auto changed =
      store_->ChangeServiceVariables(workspace_, service_, {.set = {Var("B", "2"), Var("A", "1")}});
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_FALSE(changed->deployment.has_value());  // no redeploy asked for
  auto list = store_->ListServiceVariables(workspace_, service_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "A");  // ordered by name
  EXPECT_EQ((*list)[0].sealed_value, FakeSeal("1"));
  EXPECT_EQ((*list)[0].updated_at, 1000);

  clock_.Set(2000);
  ASSERT_TRUE(
      store_
          ->ChangeServiceVariables(workspace_, service_, {.set = {Var("A", "one")}, .unset = {"B"}})
          .ok());
  list = store_->ListServiceVariables(workspace_, service_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].sealed_value, FakeSeal("one"));
  EXPECT_EQ((*list)[0].updated_at, 2000);
}

TEST_F(VariablesTest, UnsettingAnUnknownNameChangesNothing) {
  ASSERT_TRUE(store_->ChangeServiceVariables(workspace_, service_, {.set = {Var("A", "1")}}).ok());
  auto bad = store_->ChangeServiceVariables(
      workspace_, service_,
      {.set = {Var("NEW", "x")}, .unset = {"A", "TYPO"}, .redeploy = ServiceSpec{}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kNotFound);
  EXPECT_NE(bad.error().message.find("TYPO"), std::string::npos) << bad.error().message;
  EXPECT_EQ(ServiceVariables(), (std::map<std::string, std::string>{{"A", FakeSeal("1")}}));
  EXPECT_EQ(store_->ListDeployments(workspace_, service_)->size(), 1u);  // no new deployment
}

TEST_F(VariablesTest, CountLimitIsEnforcedAtomically) {
  std::vector<SealedVariable> many;
  for (size_t i = 0; i < kMaxVariablesPerService; ++i) {
    many.push_back(Var("V" + std::to_string(i), "x"));
  }
  ASSERT_TRUE(store_->ChangeServiceVariables(workspace_, service_, {.set = many}).ok());
  auto over = store_->ChangeServiceVariables(workspace_, service_,
                                             {.set = {Var("V0", "changed"), Var("ONE_MORE", "x")}});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(over.error().message.find("256"), std::string::npos) << over.error().message;
  auto now = ServiceVariables();
  EXPECT_EQ(now.size(), kMaxVariablesPerService);
  EXPECT_EQ(now["V0"], FakeSeal("x"));  // the replaced value was rolled back too
  // A deploy that would exceed it fails the same way and creates no deployment.
  ServiceSpec spec;
  spec.image = "img:2";
  auto deploy = store_->CreateOrUpdateServiceWithDeployment(workspace_, project_, "web", spec,
                                                            {.set_variables = {Var("X", "y")}});
  ASSERT_FALSE(deploy.ok());
  EXPECT_EQ(store_->ListDeployments(workspace_, service_)->size(), 1u);
}

TEST_F(VariablesTest, EachDeploymentSnapshotsTheVariablesItRunsWith) {
  ServiceSpec spec;
  spec.image = "img:1";
  auto first = store_->CreateOrUpdateServiceWithDeployment(
      workspace_, project_, "web", spec, {.set_variables = {Var("A", "1"), Var("B", "1")}});
  ASSERT_TRUE(first.ok()) << first.error().message;
  const std::string first_id = first->deployment.id;
  EXPECT_EQ(Snapshot(first_id),
            (std::map<std::string, std::string>{{"A", FakeSeal("1")}, {"B", FakeSeal("1")}}));

  // Changing variables without a redeploy leaves every snapshot alone.
  ASSERT_TRUE(
      store_->ChangeServiceVariables(workspace_, service_, {.set = {Var("A", "2")}, .unset = {"B"}})
          .ok());
  EXPECT_EQ(Snapshot(first_id).at("A"), FakeSeal("1"));

  // With a redeploy, the new deployment runs with the changed variables and the given spec.
  spec.image = "img:2";
  auto redeployed = store_->ChangeServiceVariables(workspace_, service_,
                                                   {.set = {Var("C", "3")}, .redeploy = spec});
  ASSERT_TRUE(redeployed.ok()) << redeployed.error().message;
  ASSERT_TRUE(redeployed->deployment.has_value());
  const Deployment& second = *redeployed->deployment;
  EXPECT_EQ(second.status, DeploymentStatus::kPending);
  EXPECT_EQ(second.spec.image, "img:2");
  EXPECT_EQ(store_->GetServiceById(service_)->spec.image, "img:2");
  EXPECT_EQ(Snapshot(second.id),
            (std::map<std::string, std::string>{{"A", FakeSeal("2")}, {"C", FakeSeal("3")}}));

  // A rollback copies the old deployment's snapshot, not the current variables, and leaves
  // the service's variables as they are.
  spec.image = "img:1";
  auto rollback = store_->CreateOrUpdateServiceWithDeployment(
      workspace_, project_, "web", spec, {.variables_from_deployment = first_id});
  ASSERT_TRUE(rollback.ok()) << rollback.error().message;
  EXPECT_EQ(Snapshot(rollback->deployment.id), Snapshot(first_id));
  EXPECT_EQ(ServiceVariables().count("C"), 1u);

  // Another service's deployment cannot be the source.
  auto other = Deploy(workspace_, project_, "api");
  auto foreign = store_->CreateOrUpdateServiceWithDeployment(
      workspace_, project_, "web", spec, {.variables_from_deployment = other.deployment.id});
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(VariablesTest, ScopedToTheWorkspaceAndDeletedWithTheService) {
  ASSERT_TRUE(store_->ChangeServiceVariables(workspace_, service_, {.set = {Var("A", "1")}}).ok());
  std::string other = NewWorkspace("other");
  EXPECT_EQ(store_->ListServiceVariables(other, service_).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(
      store_->ChangeServiceVariables(other, service_, {.set = {Var("A", "evil")}}).error().code,
      ErrorCode::kNotFound);
  EXPECT_EQ(ServiceVariables().at("A"), FakeSeal("1"));

  auto redeployed =
      store_->ChangeServiceVariables(workspace_, service_, {.redeploy = ServiceSpec{}});
  ASSERT_TRUE(redeployed.ok());
  ASSERT_TRUE(store_->DeleteService(workspace_, service_).ok());
  EXPECT_EQ(RawSql(path_, "SELECT count(*) FROM service_variables"), "0");
  EXPECT_EQ(RawSql(path_, "SELECT count(*) FROM deployment_variables"), "0");
}

TEST_F(VariablesTest, SharedVariablesBelongToTheProject) {
  clock_.Set(2000);
  auto changed = store_->ChangeProjectVariables(workspace_, project_,
                                                {.set = {Var("KEY", "k"), Var("A", "1")}});
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_FALSE(changed->deployment.has_value());
  EXPECT_TRUE(changed->referencing.empty());
  auto list = store_->ListProjectVariables(workspace_, project_);
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_EQ(AsMap(*list),
            (std::map<std::string, std::string>{{"A", FakeSeal("1")}, {"KEY", FakeSeal("k")}}));
  EXPECT_EQ((*list)[0].updated_at, 2000);
  EXPECT_TRUE(ServiceVariables().empty());  // not the service's

  // Unknown names and a redeploy of "the project" are refused; nothing changes.
  auto unknown = store_->ChangeProjectVariables(workspace_, project_,
                                                {.set = {Var("A", "2")}, .unset = {"NOPE"}});
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_NE(unknown.error().message.find("NOPE"), std::string::npos);
  EXPECT_EQ(store_->ChangeProjectVariables(workspace_, project_, {.redeploy = ServiceSpec{}})
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(AsMap(*store_->ListProjectVariables(workspace_, project_)).at("A"), FakeSeal("1"));

  // Other workspaces see and change nothing.
  std::string other = NewWorkspace("other");
  EXPECT_EQ(store_->ListProjectVariables(other, project_).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(
      store_->ChangeProjectVariables(other, project_, {.set = {Var("A", "evil")}}).error().code,
      ErrorCode::kNotFound);

  // The project goes (with its shared variables) once its services are gone.
  ASSERT_TRUE(store_->DeleteService(workspace_, service_).ok());
  ASSERT_TRUE(store_->DeleteProject(workspace_, project_).ok());
  EXPECT_EQ(RawSql(path_, "SELECT count(*) FROM project_variables"), "0");
}

TEST_F(VariablesTest, AChangeRedeploysTheServicesThatReferenceIt) {
  auto api = Deploy(workspace_, project_, "api");
  ServiceSpec spec;
  spec.image = "api:2";
  auto changed = store_->ChangeProjectVariables(
      workspace_, project_,
      {.set = {Var("KEY", "k")}, .redeploy_referencing = {{api.service.id, spec}}});
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  ASSERT_EQ(changed->referencing.size(), 1u);
  EXPECT_EQ(changed->referencing[0].service_id, api.service.id);
  EXPECT_EQ(changed->referencing[0].spec.image, "api:2");
  EXPECT_EQ(changed->referencing[0].status, DeploymentStatus::kPending);

  // From a service's change too, alongside its own redeploy.
  spec.image = "api:3";
  ServiceSpec web;
  web.image = "web:2";
  auto both = store_->ChangeServiceVariables(workspace_, service_,
                                             {.set = {Var("URL", "u")},
                                              .redeploy = web,
                                              .redeploy_referencing = {{api.service.id, spec}}});
  ASSERT_TRUE(both.ok()) << both.error().message;
  ASSERT_TRUE(both->deployment.has_value());
  EXPECT_EQ(both->deployment->spec.image, "web:2");
  ASSERT_EQ(both->referencing.size(), 1u);
  EXPECT_EQ(both->referencing[0].spec.image, "api:3");

  // A service of another project is not redeployed, and the whole change is refused.
  std::string elsewhere = NewProject(workspace_, "elsewhere");
  auto foreign = Deploy(workspace_, elsewhere, "x");
  auto refused = store_->ChangeServiceVariables(
      workspace_, service_,
      {.set = {Var("URL", "changed")}, .redeploy_referencing = {{foreign.service.id, spec}}});
  EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ServiceVariables().at("URL"), FakeSeal("u"));
  EXPECT_EQ(store_->ListDeployments(workspace_, foreign.service.id)->size(), 1u);
}

TEST_F(VariablesTest, PlaintextEnvFromOlderDatabasesIsSealedOnce) {
  const std::string secret = "pl41ntext-s3cret $HOME \"q\"";
  // What an issue-2 database holds: env inside the spec JSON of the service and a deployment.
  std::string deployment_id = store_->ListDeployments(workspace_, service_)->front().id;
  ASSERT_TRUE(
      store_->ChangeServiceVariables(workspace_, service_, {.set = {Var("KEEP", "new")}}).ok());
  store_.reset();
  for (const char* table : {"services", "deployments"}) {
    ASSERT_EQ(RawSql(path_, std::string("UPDATE ") + table +
                                " SET spec_json = json_set(spec_json, '$.env', json_object("
                                "'TOKEN', '" +
                                secret + "', 'KEEP', 'old'))"),
              "");
  }
  Reopen();
  ASSERT_TRUE(store_->SealPlaintextEnv(FakeSeal).ok());
  EXPECT_EQ(ServiceVariables(), (std::map<std::string, std::string>{
                                    {"KEEP", FakeSeal("new")},  // set after the upgrade: kept
                                    {"TOKEN", FakeSeal(secret)}}));
  EXPECT_EQ(Snapshot(deployment_id), (std::map<std::string, std::string>{
                                         {"KEEP", FakeSeal("old")}, {"TOKEN", FakeSeal(secret)}}));
  EXPECT_EQ(RawSql(path_,
                   "SELECT count(*) FROM services WHERE json_type(spec_json, '$.env') "
                   "IS NOT NULL"),
            "0");
  EXPECT_EQ(RawSql(path_,
                   "SELECT count(*) FROM deployments WHERE json_type(spec_json, '$.env') "
                   "IS NOT NULL"),
            "0");
  // The rest of the spec survived.
  EXPECT_EQ(store_->GetServiceById(service_)->spec.image, "127.0.0.1:5000/a/b:1");
  // A second run finds nothing to do.
  ASSERT_TRUE(store_
                  ->SealPlaintextEnv([](std::string_view) -> std::string {
                    ADD_FAILURE() << "nothing should be sealed twice";
                    return "";
                  })
                  .ok());
  EXPECT_EQ(ServiceVariables().at("TOKEN"), FakeSeal(secret));
}

}  // namespace
}  // namespace ink::store_test
