// Store::changes(): every committed write of a deployment or a service wakes the subscribers of
// its key, and nobody else's.
#include "store_test_util.h"

namespace ink::store_test {
namespace {

class ChangesTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    workspace_ = NewWorkspace("default");
    project_ = NewProject(workspace_, "demo");
  }

  Store::ServiceAndDeployment Deploy(const std::string& name) {
    ServiceSpec spec;
    spec.image = "127.0.0.1:5000/a/b:1";
    auto made = store_->CreateOrUpdateServiceWithDeployment(workspace_, project_, name, spec);
    EXPECT_TRUE(made.ok()) << made.error().message;
    return *made;
  }

  std::string workspace_, project_;
};

TEST_F(ChangesTest, DeploymentWritesWakeItsWaitersAndItsServices) {
  auto web = Deploy("web");
  auto api = Deploy("api");
  auto on_web_deployment = store_->changes().Subscribe({DeploymentKey(web.deployment.id)});
  auto on_web = store_->changes().Subscribe({ServiceKey(web.service.id)});
  auto on_api =
      store_->changes().Subscribe({DeploymentKey(api.deployment.id), ServiceKey(api.service.id)});

  ASSERT_TRUE(
      store_->UpdateDeploymentStatus(web.deployment.id, DeploymentStatus::kDeploying, "starting")
          .ok());
  EXPECT_TRUE(on_web_deployment->Changed());
  EXPECT_TRUE(on_web->Changed());
  EXPECT_FALSE(on_api->Changed());

  ASSERT_TRUE(store_->SetDeploymentImage(web.deployment.id, "localhost/x:1").ok());
  EXPECT_TRUE(on_web_deployment->Changed());

  ASSERT_TRUE(store_->ActivateDeployment(web.service.id, web.deployment.id).ok());
  EXPECT_TRUE(on_web_deployment->Changed());
  EXPECT_TRUE(on_web->Changed());
  EXPECT_FALSE(on_api->Changed());
}

TEST_F(ChangesTest, ANewDeploymentWakesTheOneItSupersedesOnActivation) {
  auto first = Deploy("web");
  ASSERT_TRUE(store_->ActivateDeployment(first.service.id, first.deployment.id).ok());
  auto on_first = store_->changes().Subscribe({DeploymentKey(first.deployment.id)});
  auto on_service = store_->changes().Subscribe({ServiceKey(first.service.id)});
  auto second = Deploy("web");
  EXPECT_TRUE(on_service->Changed());  // a new deployment of it
  EXPECT_FALSE(on_first->Changed());   // not yet superseded
  ASSERT_TRUE(store_->ActivateDeployment(second.service.id, second.deployment.id).ok());
  EXPECT_TRUE(on_first->Changed());
}

TEST_F(ChangesTest, EventsVariablesAndDeletionWakeTheService) {
  auto web = Deploy("web");
  auto on_web = store_->changes().Subscribe({ServiceKey(web.service.id)});
  auto on_deployment = store_->changes().Subscribe({DeploymentKey(web.deployment.id)});
  Event event;
  event.workspace_id = workspace_;
  event.service_id = web.service.id;
  event.kind = "crashed";
  ASSERT_TRUE(store_->AppendEvent(event).ok());
  EXPECT_TRUE(on_web->Changed());

  Store::VariableChange change;
  change.set = {{"A", "sealed", 0}};
  ASSERT_TRUE(store_->ChangeServiceVariables(workspace_, web.service.id, change).ok());
  EXPECT_FALSE(on_web->Changed());  // no redeploy: nothing to wait for
  change.redeploy = web.service.spec;
  ASSERT_TRUE(store_->ChangeServiceVariables(workspace_, web.service.id, change).ok());
  EXPECT_TRUE(on_web->Changed());

  ASSERT_TRUE(store_->DeleteService(workspace_, web.service.id).ok());
  EXPECT_TRUE(on_web->Changed());
  EXPECT_TRUE(on_deployment->Changed());  // its waiters learn that it is gone
}

TEST_F(ChangesTest, AFailedWriteWakesNobody) {
  auto web = Deploy("web");
  auto on_missing = store_->changes().Subscribe({DeploymentKey("dep_missing")});
  EXPECT_FALSE(store_->UpdateDeploymentStatus("dep_missing", DeploymentStatus::kFailed, "x").ok());
  EXPECT_FALSE(on_missing->Changed());
}

}  // namespace
}  // namespace ink::store_test
