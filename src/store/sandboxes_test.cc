// Store tests: sandboxes (workspace scope, live versus ended rows, one ender, purge).
#include "store_test_util.h"

namespace ink::store_test {
namespace {

class SandboxesTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    workspace_ = NewWorkspace("default");
    other_ = NewWorkspace("other");
  }

  Sandbox Make(const std::string& workspace, int64_t expires_at) {
    Sandbox s{.workspace_id = workspace,
              .image = "localhost/ink/base:bookworm",
              .cpu = 1,
              .memory_bytes = 512 << 20,
              .network = "none",
              .expires_at = expires_at};
    auto made = store_->CreateSandbox(s);
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? *made : Sandbox{};
  }

  std::string workspace_, other_;
};

TEST_F(SandboxesTest, CreateRunExpireAndPurge) {
  clock_.Set(1000);
  Sandbox a = Make(workspace_, 61000);
  EXPECT_EQ(a.id.rfind("sbx_", 0), 0u);
  EXPECT_EQ(a.status, "starting");
  EXPECT_EQ(a.created_at, 1000);
  Make(other_, 61000);
  ASSERT_TRUE(store_->MarkSandboxRunning(a.id, "c1").ok());
  auto got = store_->GetSandbox(workspace_, a.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, "running");
  EXPECT_EQ(got->container_id, "c1");
  EXPECT_FALSE(store_->GetSandbox(other_, a.id).ok()) << "scoped to its workspace";
  EXPECT_EQ(store_->ListSandboxes(workspace_)->size(), 1u);
  EXPECT_EQ(store_->ListSandboxes("")->size(), 2u);

  ASSERT_TRUE(store_->SetSandboxExpiry(workspace_, a.id, 99000).ok());
  EXPECT_EQ(store_->GetSandbox(workspace_, a.id)->expires_at, 99000);
  EXPECT_FALSE(store_->SetSandboxExpiry(other_, a.id, 1).ok());

  clock_.Set(2000);
  EXPECT_TRUE(*store_->EndSandbox(a.id, "expired", "its ttl passed"));
  EXPECT_FALSE(*store_->EndSandbox(a.id, "deleted", "")) << "ended once";
  got = store_->GetSandbox(workspace_, a.id);
  EXPECT_EQ(got->status, "expired");
  EXPECT_EQ(got->end_reason, "its ttl passed");
  EXPECT_EQ(got->ended_at, 2000);
  EXPECT_TRUE(store_->ListSandboxes(workspace_)->empty());
  EXPECT_EQ(store_->SetSandboxExpiry(workspace_, a.id, 5).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(store_->MarkSandboxRunning(a.id, "c2").ok());

  EXPECT_EQ(*store_->PurgeEndedSandboxes(2000), 0);
  EXPECT_EQ(*store_->PurgeEndedSandboxes(2001), 1);
  EXPECT_EQ(store_->GetSandbox(workspace_, a.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->ListSandboxes("")->size(), 1u) << "the live one stays";
}

TEST_F(SandboxesTest, UnknownWorkspaceIsRefused) {
  Sandbox s{
      .workspace_id = "ws_missing", .image = "i", .cpu = 1, .memory_bytes = 1, .network = "none"};
  EXPECT_EQ(store_->CreateSandbox(s).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace ink::store_test
