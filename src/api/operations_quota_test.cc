// Quotas through the operation table: get/set_workspace_quota (admin only to set), and the
// refusals of deploy, update_service, rollback-free scaling, volumes and restores past a cap,
// each changing nothing.
#include "src/api/operations_test_fixture.h"

namespace ink {
namespace {

class QuotaOperationsTest : public api_test::OperationsTest {
 protected:
  void SetUp() override {
    OperationsTest::SetUp();
    deps_->volumes = &host_;
    caller_.admin = true;
  }
  // The quota operations take no project: invoked as they are.
  Result<Json> Quota(const std::string& operation, const Json& input) {
    return table_.Invoke(*table_.Find(operation), caller_, input);
  }
  Json MustQuota(const std::string& operation, const Json& input) {
    auto r = Quota(operation, input);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : Json();
  }
  int Deployments() {
    auto services = store_->ListServices(caller_.workspace_id, ProjectId());
    int n = 0;
    for (const auto& s : *services) {
      n += static_cast<int>(store_->ListDeployments(caller_.workspace_id, s.id)->size());
    }
    return n;
  }
  api_test::FakeVolumeHost host_;
};

TEST_F(QuotaOperationsTest, ShowsCapsAndWhatHoldsThem) {
  MustCall("deploy", {{"service", "web"}, {"image", "localhost/ink/echo:test"}, {"replicas", 2},
                      {"cpu", 0.5}, {"memory", "256m"}});
  MustCall("create_volume", {{"name", "data"}, {"size", "1Gi"}});
  Json q = MustQuota("get_workspace_quota", Json::object());
  EXPECT_EQ(q["workspace"], "default");
  EXPECT_EQ(q["quota"]["cpu"]["limit"], "unlimited");
  EXPECT_EQ(q["quota"]["cpu"]["used"], 1.0);
  EXPECT_EQ(q["quota"]["memory"]["used"], "512m");
  EXPECT_EQ(q["quota"]["replicas"]["used"], 2);
  EXPECT_EQ(q["quota"]["volume"]["used"], "1g");
  EXPECT_EQ(q["quota"]["cpu"]["source"], "default");
  ASSERT_EQ(q["holders"].size(), 2U) << q.dump();
  EXPECT_EQ(q["holders"][0]["name"], "demo/web");
  EXPECT_EQ(q["holders"][1]["name"], "volume demo/data");
}

TEST_F(QuotaOperationsTest, DeployAndScalePastACapAreRefusedAndChangeNothing) {
  MustQuota("set_workspace_quota", {{"cpu", "2"}, {"replicas", "3"}});
  MustCall("deploy", {{"service", "web"}, {"image", "localhost/ink/echo:test"}, {"replicas", 2},
                      {"cpu", 0.5}});
  const int before = Deployments();
  auto scale = Call("update_service", {{"service", "web"}, {"replicas", 4}});
  ASSERT_FALSE(scale.ok());
  EXPECT_EQ(scale.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(scale.error().message.find("replicas would be 4 of 3 allowed (2 in use: demo/web 2; "
                                       "this adds 2)"),
            std::string::npos)
      << scale.error().message;
  auto second = Call("deploy", {{"service", "api"}, {"image", "localhost/ink/echo:test"},
                                {"cpu", 1.5}});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("deploy of demo/api is over this workspace's quota: cpu "
                                        "would be 2.5 cores of 2 cores allowed"),
            std::string::npos)
      << second.error().message;
  EXPECT_EQ(Deployments(), before);
  EXPECT_EQ(store_->ListServices(caller_.workspace_id, ProjectId())->size(), 1U);
  EXPECT_EQ(store_->GetService(caller_.workspace_id, ProjectId(), "web")->spec.replicas, 2);
  // Within the caps: replacing web's reservation, not adding to it.
  MustCall("update_service", {{"service", "web"}, {"replicas", 3}});
  MustCall("update_service", {{"service", "web"}, {"replicas", 1}});
}

TEST_F(QuotaOperationsTest, ALoweredCapRefusesOnlyGrowth) {
  MustCall("deploy", {{"service", "web"}, {"image", "localhost/ink/echo:test"}, {"replicas", 3}});
  MustQuota("set_workspace_quota", {{"replicas", "1"}});
  // A redeploy that reserves no more is fine.
  MustCall("deploy", {{"service", "web"}, {"image", "localhost/ink/echo:test"}});
  MustCall("update_service", {{"service", "web"}, {"replicas", 2}});
  EXPECT_FALSE(Call("deploy", {{"service", "api"}, {"image", "localhost/ink/echo:test"}}).ok());
}

TEST_F(QuotaOperationsTest, VolumesCountTheirSize) {
  MustQuota("set_workspace_quota", {{"volume", "1g"}});
  MustCall("create_volume", {{"name", "a"}, {"size", "768Mi"}});
  auto b = Call("create_volume", {{"name", "b"}, {"size", "512Mi"}});
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("volume demo/b (512m) is over this workspace's quota: volume "
                                   "bytes would be 1.25g of 1g allowed (768m in use: volume "
                                   "demo/a 768m"),
            std::string::npos)
      << b.error().message;
  EXPECT_EQ(store_->ListVolumes(caller_.workspace_id, ProjectId())->size(), 1U);
  EXPECT_EQ(host_.images.size(), 1U);
}

TEST_F(QuotaOperationsTest, SetNeedsAnAdminAndGoodValuesAndChangesNothingOtherwise) {
  MustQuota("set_workspace_quota", {{"cpu", "4"}});
  auto bad = Quota("set_workspace_quota", {{"cpu", "8"}, {"memory", "lots"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("memory quota 'lots'"), std::string::npos);
  auto none = Quota("set_workspace_quota", Json::object());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kInvalidArgument);
  caller_.admin = false;
  auto denied = Quota("set_workspace_quota", {{"cpu", "64"}});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  Json q = MustQuota("get_workspace_quota", Json::object());
  EXPECT_EQ(q["quota"]["cpu"]["limit"], "4");
  EXPECT_EQ(q["quota"]["cpu"]["source"], "workspace");
  // A tenant cannot read another workspace's quota, nor learn that it exists.
  ASSERT_TRUE(store_->CreateWorkspace("other").ok());
  auto other = Quota("get_workspace_quota", {{"workspace", "other"}});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kNotFound);
  caller_.admin = true;
  Json reset = MustQuota("set_workspace_quota", {{"workspace", "other"}, {"cpu", "unlimited"}});
  EXPECT_EQ(reset["workspace"], "other");
  EXPECT_EQ(MustQuota("set_workspace_quota", {{"cpu", "default"}})["quota"]["cpu"]["source"],
            "default");
}

TEST_F(QuotaOperationsTest, InkdDefaultsApplyUntilAWorkspaceSetsItsOwn) {
  deps_->default_quota.replicas = 1;
  MustCall("deploy", {{"service", "web"}, {"image", "localhost/ink/echo:test"}});
  EXPECT_FALSE(Call("deploy", {{"service", "api"}, {"image", "localhost/ink/echo:test"}}).ok());
  MustQuota("set_workspace_quota", {{"replicas", "unlimited"}});
  MustCall("deploy", {{"service", "api"}, {"image", "localhost/ink/echo:test"}});
}

}  // namespace
}  // namespace ink
