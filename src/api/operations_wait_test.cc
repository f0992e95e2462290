// get_deployment {wait}: the wait ends when the deployment's row changes to a finished status
// (woken by the store's watch: the fake clock never moves, so nothing polls), at its deadline on
// the clock, or when the service goes away; progress reports each change.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "ink/api/operations.h"
#include "ink/common/fake_clock.h"
#include "ink/runtime/fake_runtime.h"

namespace ink {
namespace {

class WaitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ink-wait-ops-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    auto store = OpenSqliteStore(":memory:", clock_);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    auto box = SecretBox::LoadOrCreate(dir_ + "/secret.key");
    ASSERT_TRUE(box.ok());
    box_ = std::make_unique<SecretBox>(*box);
    ControllerOptions options;
    options.instance = "waittest";
    // Never started: the test moves the deployment itself.
    controller_ = std::make_unique<ServiceController>(*store_, runtime_, *box_, clock_, options);
    deps_ = std::make_unique<OperationDeps>(
        OperationDeps{*store_, runtime_, *controller_, *box_, clock_, "test"});
    RegisterOperations(table_, *deps_);
    auto workspace = store_->CreateWorkspace("default");
    ASSERT_TRUE(workspace.ok());
    caller_.workspace_id = workspace->id;
    auto project = store_->CreateProject(workspace->id, "demo");
    ASSERT_TRUE(project.ok());
    ServiceSpec spec;
    spec.image = "localhost/ink/echo:test";
    auto made =
        store_->CreateOrUpdateServiceWithDeployment(workspace->id, project->id, "web", spec);
    ASSERT_TRUE(made.ok());
    service_id_ = made->service.id;
    deployment_id_ = made->deployment.id;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // get_deployment with `wait` on another thread.
  std::future<Result<Json>> WaitAsync(int seconds, Progress* progress = nullptr) {
    return std::async(std::launch::async, [this, seconds, progress] {
      return table_.Invoke(*table_.Find("get_deployment"), caller_,
                           {{"deployment", deployment_id_}, {"wait", seconds}}, progress);
    });
  }

  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<SecretBox> box_;
  FakeRuntime runtime_;
  std::unique_ptr<ServiceController> controller_;
  std::unique_ptr<OperationDeps> deps_;
  OperationTable table_;
  Caller caller_;
  std::string service_id_, deployment_id_;
};

TEST_F(WaitTest, EndsWhenTheDeploymentFinishesWithoutTheClockMoving) {
  std::vector<std::string> reports;
  std::mutex mu;
  Progress progress{.report =
                        [&](const std::string& m) {
                          std::lock_guard lock(mu);
                          reports.push_back(m);
                        },
                    .cancelled = nullptr};
  auto start = clock_.Steady();
  auto waiting = WaitAsync(600, &progress);
  clock_.WaitForTimers(1);  // waiting on its deadline (and on the watch)
  ASSERT_TRUE(
      store_->UpdateDeploymentStatus(deployment_id_, DeploymentStatus::kDeploying, "pulling").ok());
  ASSERT_TRUE(store_->ActivateDeployment(service_id_, deployment_id_).ok());
  auto result = waiting.get();
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ((*result)["deployment"]["status"], "active");
  EXPECT_TRUE((*result)["finished"].get<bool>());
  EXPECT_EQ(clock_.Steady(), start);
  std::lock_guard lock(mu);
  ASSERT_GE(reports.size(), 2u);
  EXPECT_EQ(reports.front(), deployment_id_ + ": pending");
  EXPECT_EQ(reports.back(), deployment_id_ + ": active (pulling)");  // the message stays
}

TEST_F(WaitTest, EndsAtTheDeadlineUnfinished) {
  auto waiting = WaitAsync(30);
  clock_.WaitForTimers(1);
  clock_.Advance(std::chrono::seconds(29));
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  clock_.Advance(std::chrono::seconds(1));
  auto result = waiting.get();
  ASSERT_TRUE(result.ok());
  EXPECT_EQ((*result)["deployment"]["status"], "pending");
  EXPECT_FALSE((*result)["finished"].get<bool>());
}

TEST_F(WaitTest, ADeletedServiceEndsTheWaitWithNotFound) {
  auto waiting = WaitAsync(600);
  clock_.WaitForTimers(1);
  ASSERT_TRUE(store_->DeleteService(caller_.workspace_id, service_id_).ok());
  auto result = waiting.get();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound);
}

TEST_F(WaitTest, ACancelledCallerIsLetGoWithinASecond) {
  std::atomic<bool> cancelled{false};
  Progress progress{.report = nullptr, .cancelled = [&] { return cancelled.load(); }};
  auto waiting = WaitAsync(600, &progress);
  clock_.WaitForTimers(1);
  cancelled = true;
  clock_.Advance(std::chrono::seconds(1));
  auto result = waiting.get();
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE((*result)["finished"].get<bool>());
}

TEST_F(WaitTest, ACallerThatWakesTheWaitIsLetGoAtOnce) {
  std::mutex mu;  // guards wake
  std::function<void()> wake;
  std::atomic<bool> cancelled{false};
  Progress progress{.report = nullptr,
                    .cancelled = [&] { return cancelled.load(); },
                    .on_cancel =
                        [&](std::function<void()> w) {
                          std::lock_guard lock(mu);
                          wake = std::move(w);
                        }};
  auto start = clock_.Steady();
  auto waiting = WaitAsync(600, &progress);
  clock_.WaitForTimers(1);  // only the deadline: no one-second look at `cancelled`
  {
    std::lock_guard lock(mu);
    ASSERT_TRUE(wake != nullptr);
    cancelled = true;
    wake();
  }
  auto result = waiting.get();
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE((*result)["finished"].get<bool>());
  EXPECT_EQ(clock_.Steady(), start);  // the clock never moved
  std::lock_guard lock(mu);
  EXPECT_EQ(wake, nullptr) << "the wake-up is unregistered before the wait returns";
}

}  // namespace
}  // namespace ink
