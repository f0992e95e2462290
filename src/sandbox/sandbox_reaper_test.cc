// Sandbox start, destroy and the reaper over a scratch store and the fake runtime, in fake time.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "ink/common/fake_clock.h"
#include "ink/controller/service_controller.h"
#include "ink/runtime/fake_runtime.h"
#include "ink/sandbox/sandboxes.h"

namespace ink {
namespace {

class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "ink-sbx-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto opened = OpenSqliteStore(dir_ + "/ink.db", clock_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    workspace_ = store_->CreateWorkspace("default")->id;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Sandbox Start(const std::string& network, int ttl_seconds) {
    Sandbox request{.workspace_id = workspace_,
                    .image = "localhost/ink/base:bookworm",
                    .cpu = 0.5,
                    .memory_bytes = 256 << 20,
                    .network = network,
                    .expires_at = clock_.NowMillis() + ttl_seconds * 1000};
    auto s = StartSandbox(*store_, runtime_, policy_, "ink", request);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? *s : Sandbox{};
  }

  FakeClock clock_;
  FakeRuntime runtime_;
  RuntimePolicy policy_;
  std::string dir_, workspace_;
  std::unique_ptr<Store> store_;
};

TEST_F(SandboxTest, StartsAGvisorContainerWithItsLimitsLabelsAndNetwork) {
  Sandbox s = Start("on", 60);
  EXPECT_EQ(s.status, "running");
  auto specs = runtime_.specs();
  ASSERT_EQ(specs.size(), 1u);
  const ContainerSpec& spec = specs.begin()->second;
  EXPECT_EQ(spec.runtime_class, "gvisor");
  EXPECT_EQ(spec.cpu, 0.5);
  EXPECT_EQ(spec.memory_bytes, 256 << 20);
  EXPECT_EQ(spec.pids_limit, policy_.pids_limit);
  EXPECT_TRUE(spec.no_new_privileges);
  EXPECT_EQ(spec.labels.at(kLabelSandbox), s.id);
  EXPECT_EQ(spec.labels.at(kLabelWorkspace), workspace_);
  EXPECT_EQ(spec.network, SandboxNetworkName("ink", s.id));
  EXPECT_TRUE(runtime_.networks().count(spec.network));

  ASSERT_TRUE(DestroySandbox(runtime_, "ink", s.id).ok());
  EXPECT_TRUE(runtime_.containers().empty());
  EXPECT_TRUE(runtime_.networks().empty());
}

TEST_F(SandboxTest, NetworkNoneHasNoNetworkButItsLoopbackIsBroughtUp) {
  Start("none", 60);
  EXPECT_EQ(runtime_.specs().begin()->second.network, "");
  EXPECT_TRUE(runtime_.networks().empty());
  EXPECT_EQ(runtime_.calls()["BringUpLoopback"], 1);
  Start("on", 60);  // a bridge network's namespace has lo up already
  EXPECT_EQ(runtime_.calls()["BringUpLoopback"], 1);
}

TEST_F(SandboxTest, ALoopbackThatCannotBeBroughtUpFailsTheStart) {
  runtime_.SetHook([](const std::string& call, const std::string&) -> Status {
    if (call == "BringUpLoopback") return Internal("bringing lo up: Operation not permitted");
    return {};
  });
  Sandbox request{.workspace_id = workspace_,
                  .image = "localhost/ink/base:bookworm",
                  .cpu = 0.5,
                  .memory_bytes = 256 << 20,
                  .network = "none",
                  .expires_at = clock_.NowMillis() + 60'000};
  auto s = StartSandbox(*store_, runtime_, policy_, "ink", request);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("lo up"), std::string::npos) << s.error().message;
  EXPECT_TRUE(runtime_.containers().empty());
}

TEST_F(SandboxTest, AFailedStartLeavesNothingAndEndsTheRow) {
  runtime_.SetHook([](const std::string& call, const std::string&) -> Status {
    if (call == "StartContainer") return Unavailable("podman is down");
    return {};
  });
  Sandbox request{.workspace_id = workspace_,
                  .image = "i",
                  .cpu = 1,
                  .memory_bytes = 1 << 30,
                  .network = "on",
                  .expires_at = clock_.NowMillis() + 1000};
  auto s = StartSandbox(*store_, runtime_, policy_, "ink", request);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(runtime_.containers().empty());
  EXPECT_TRUE(runtime_.networks().empty());
  EXPECT_TRUE(store_->ListSandboxes("")->empty());
}

TEST_F(SandboxTest, ReaperDestroysExpiredSandboxesOnly) {
  Sandbox short_lived = Start("on", 10);
  Sandbox long_lived = Start("none", 100);
  SandboxReaper reaper(*store_, runtime_, clock_, "ink");
  EXPECT_EQ(reaper.Sweep(), 0);
  clock_.Advance(std::chrono::seconds(11));
  EXPECT_EQ(reaper.Sweep(), 1);
  auto ended = store_->GetSandbox(workspace_, short_lived.id);
  EXPECT_EQ(ended->status, "expired");
  EXPECT_EQ(runtime_.containers().size(), 1u);
  EXPECT_TRUE(runtime_.networks().empty());
  ASSERT_TRUE(
      store_->SetSandboxExpiry(workspace_, long_lived.id, clock_.NowMillis() + 500'000).ok());
  clock_.Advance(std::chrono::seconds(100));
  EXPECT_EQ(reaper.Sweep(), 0) << "its timeout was extended";
  clock_.Advance(std::chrono::hours(25));
  reaper.Sweep();
  EXPECT_EQ(store_->GetSandbox(workspace_, short_lived.id).error().code, ErrorCode::kNotFound)
      << "ended rows are purged after a day";
}

TEST_F(SandboxTest, ReaperRemovesOrphansAndEndsVanishedOnes) {
  Sandbox orphaned = Start("on", 100);
  Sandbox vanished = Start("none", 1000);
  ASSERT_TRUE(*store_->EndSandbox(orphaned.id, "deleted", "a crash before its container went"));
  ASSERT_TRUE(runtime_.RemoveContainer(vanished.container_id, true).ok());
  SandboxReaper reaper(*store_, runtime_, clock_, "ink");
  EXPECT_EQ(reaper.Sweep(), 1) << "the orphan; the vanished one is within its grace";
  EXPECT_TRUE(runtime_.containers().empty());
  EXPECT_TRUE(runtime_.networks().empty());
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_EQ(reaper.Sweep(), 1);
  EXPECT_EQ(store_->GetSandbox(workspace_, vanished.id)->status, "failed");
}

TEST_F(SandboxTest, ReaperEndsASandboxWhoseContainerDiedAsFailedWithTheReason) {
  Sandbox dead = Start("none", 1000);
  Sandbox alive = Start("none", 1000);
  runtime_.Crash(dead.container_id, 137, /*oom=*/true);
  SandboxReaper reaper(*store_, runtime_, clock_, "ink");
  EXPECT_EQ(reaper.Sweep(), 1);
  auto ended = store_->GetSandbox(workspace_, dead.id);
  EXPECT_EQ(ended->status, "failed");
  EXPECT_NE(ended->end_reason.find("exit code 137"), std::string::npos) << ended->end_reason;
  EXPECT_NE(ended->end_reason.find("memory"), std::string::npos) << ended->end_reason;
  EXPECT_EQ(store_->GetSandbox(workspace_, alive.id)->status, "running");
  EXPECT_EQ(runtime_.containers().size(), 1u) << "the dead container was removed";
  EXPECT_EQ(reaper.Sweep(), 0);
}

TEST_F(SandboxTest, ReaperThreadSweepsOnTheClock) {
  Start("none", 5);
  SandboxReaper reaper(*store_, runtime_, clock_, "ink");
  reaper.Start(std::chrono::seconds(1));
  clock_.WaitForTimers(1);
  clock_.Advance(std::chrono::seconds(6));
  for (int i = 0; i < 500 && !runtime_.containers().empty(); ++i) {
    clock_.WaitForTimers(1);
    clock_.Advance(std::chrono::seconds(1));
  }
  EXPECT_TRUE(runtime_.containers().empty());
  reaper.Stop();
}

}  // namespace
}  // namespace ink
