// Store tests: domains (one holder across workspaces, the taken message names nobody, workspace
// scope, status changes, removal with the service).
#include "store_test_util.h"

namespace ink::store_test {
namespace {

class DomainsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    ws_ = NewWorkspace("default");
    project_ = NewProject(ws_, "demo");
    service_ = Deploy(ws_, project_, "web").service.id;
  }
  Domain Make(const std::string& name, const std::string& status = "pending_dns") {
    return {.name = name,
            .workspace_id = ws_,
            .project_id = project_,
            .service_id = service_,
            .kind = "custom",
            .token = "tok",
            .status = status};
  }
  std::string ws_, project_, service_;
};

TEST_F(DomainsTest, AddListVerifyRemove) {
  clock_.Set(1000);
  auto added = store_->CreateDomain(Make("www.example.com"));
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(added->created_at, 1000);
  EXPECT_EQ(added->verified_at, 0);
  ASSERT_TRUE(store_->CreateDomain(Make("a.example.com", "verified")).ok());

  auto listed = store_->ListDomains(ws_, project_, "");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].name, "a.example.com");
  EXPECT_EQ((*listed)[0].verified_at, 1000);
  EXPECT_EQ(store_->ListDomains(ws_, project_, "svc_other")->size(), 0u);
  EXPECT_EQ(store_->ListVerifiedDomains()->size(), 1u);

  clock_.Set(2000);
  auto failed = store_->SetDomainStatus(ws_, "www.example.com", "failed", "no TXT record");
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->reason, "no TXT record");
  auto verified = store_->SetDomainStatus(ws_, "www.example.com", "verified", "");
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(verified->verified_at, 2000);
  EXPECT_EQ(store_->ListVerifiedDomains()->size(), 2u);

  ASSERT_TRUE(store_->DeleteDomain(ws_, "www.example.com").ok());
  EXPECT_EQ(store_->GetDomain(ws_, "www.example.com").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->DeleteDomain(ws_, "www.example.com").error().code, ErrorCode::kNotFound);
}

TEST_F(DomainsTest, ANameHasOneHolderAcrossWorkspacesAndTheRefusalNamesNobody) {
  ASSERT_TRUE(store_->CreateDomain(Make("www.example.com")).ok());
  auto again = store_->CreateDomain(Make("www.example.com"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);

  std::string other = NewWorkspace("other");
  std::string their_project = NewProject(other, "shop");
  Domain theirs = Make("www.example.com");
  theirs.workspace_id = other;
  theirs.project_id = their_project;
  theirs.service_id = Deploy(other, their_project, "front").service.id;
  auto taken = store_->CreateDomain(theirs);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(taken.error().message.find("already taken"), std::string::npos);
  EXPECT_EQ(taken.error().message.find("demo"), std::string::npos) << taken.error().message;
  EXPECT_EQ(taken.error().message.find(ws_), std::string::npos) << taken.error().message;
  // Another workspace neither sees nor changes it.
  EXPECT_EQ(store_->GetDomain(other, "www.example.com").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->DeleteDomain(other, "www.example.com").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->SetDomainStatus(other, "www.example.com", "verified", "").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(RawSql(path_, "SELECT COUNT(*) FROM domains"), "1");
}

TEST_F(DomainsTest, AServiceOfAnotherWorkspaceIsRefusedAndDeleteServiceReleasesItsDomains) {
  std::string other = NewWorkspace("other");
  Domain wrong = Make("x.example.com");
  wrong.workspace_id = other;
  EXPECT_FALSE(store_->CreateDomain(wrong).ok());
  ASSERT_TRUE(store_->CreateDomain(Make("x.example.com")).ok());
  ASSERT_TRUE(store_->DeleteService(ws_, service_).ok());
  EXPECT_EQ(RawSql(path_, "SELECT COUNT(*) FROM domains"), "0");
}

TEST_F(DomainsTest, PlatformDomainsAndDefaultHostnamesShareOneNamespace) {
  // "web-demo" is the default hostname label of demo/web: a platform domain cannot take it.
  Domain same = Make("web-demo.apps.example.com", "verified");
  same.kind = "platform";
  auto refused = store_->CreateDomain(same);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(refused.error().message.find("default hostname"), std::string::npos);
  // And a service whose default label a platform domain holds is refused.
  Domain api = Make("api-demo.apps.example.com", "verified");
  api.kind = "platform";
  ASSERT_TRUE(store_->CreateDomain(api).ok());
  auto clash = store_->CreateOrUpdateServiceWithDeployment(ws_, project_, "api", ServiceSpec{}, {});
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(clash.error().message.find("platform domain"), std::string::npos)
      << clash.error().message;
  // A custom domain with the same first label is another name entirely.
  ASSERT_TRUE(store_->CreateDomain(Make("api-demo.example.org")).ok());
}

TEST_F(DomainsTest, NamesBelowAnotherWorkspacesVerifiedDomainAreRefused) {
  ASSERT_TRUE(store_->CreateDomain(Make("example.com", "verified")).ok());
  std::string other = NewWorkspace("other");
  std::string their_project = NewProject(other, "shop");
  Domain theirs = Make("shop.example.com");
  theirs.workspace_id = other;
  theirs.project_id = their_project;
  theirs.service_id = Deploy(other, their_project, "front").service.id;
  auto refused = store_->CreateDomain(theirs);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  // The owner may; a look-alike suffix is not "below".
  ASSERT_TRUE(store_->CreateDomain(Make("www.example.com")).ok());
  theirs.name = "myexample.com";
  EXPECT_TRUE(store_->CreateDomain(theirs).ok());
}

}  // namespace
}  // namespace ink::store_test
