// ServiceController with a fake runtime, a fake clock and a fake prober over a real (in-memory)
// store: a rollout converges after inkd crashes at any point of it, a deploy and a delete of the
// same service race without leaving anything behind, 50 deploys at once all go live, and one
// tenant's stuck, hanging or crash-looping services do not delay another tenant's rollout.
#include "ink/controller/service_controller.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "ink/build/builder.h"
#include "ink/common/fake_clock.h"
#include "ink/runtime/fake_runtime.h"
#include "test_eventually.h"

namespace ink {
namespace {

using namespace std::chrono_literals;
using controller_test::Eventually;

// Healthy, except replicas whose health check path is "/never" (false at once) or "/hang"
// (blocks until the gate opens: the HealthProber's deadline gives up on it).
class FakeProber : public Prober {
 public:
  bool Probe(const ProbeTarget& target, std::chrono::milliseconds) override {
    if (target.http_path == "/never") return false;
    if (target.http_path != "/hang") return true;
    gate_.Pass();
    return false;
  }
  Gate& gate() { return gate_; }

 private:
  Gate gate_;
};

// Builds "src-hang" until told to stop (and says whether it was), anything else at once.
class FakeBuilder : public Builder {
 public:
  Result<BuiltImage> Build(const Deployment& d, const Service&,
                           const std::function<void(const std::string&)>&,
                           const std::function<bool()>& should_stop) override {
    if (d.spec.source == "src-hang") {
      while (!should_stop()) std::this_thread::sleep_for(1ms);
      stopped_ = true;
      return Unavailable("stopped");
    }
    return BuiltImage{"localhost/built:" + d.id, 0};
  }
  bool stopped() const { return stopped_; }

 private:
  std::atomic<bool> stopped_{false};
};

class ServiceControllerTest : public ::testing::Test {
 protected:
  ServiceControllerTest() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ink-ctl-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    dir_ = pattern;
    auto store = OpenSqliteStore(":memory:", clock_);
    if (!store.ok()) ADD_FAILURE() << store.error().message;
    store_ = std::move(*store);
    box_ = std::make_unique<SecretBox>(*SecretBox::LoadOrCreate(dir_ + "/secret.key"));
    workspace_ = store_->CreateWorkspace("acme")->id;
  }
  ~ServiceControllerTest() override {
    prober_.gate().Open();
    runtime_gate_.Open();
    controller_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StartController() {
    ControllerOptions options;
    options.instance = "t";
    options.routes_path = dir_ + "/routes.json";  // no edge: a written file counts as served
    options.health_timeout = 600s;                // fake time runs fast beside the real threads
    options.policy.allow_runc = true;
    controller_ = std::make_unique<ServiceController>(*store_, runtime_, *box_, clock_, options,
                                                      &builder_, &prober_);
    controller_->Start();
  }

  std::string Project(const std::string& name) {
    if (!projects_.count(name)) projects_[name] = store_->CreateProject(workspace_, name)->id;
    return projects_[name];
  }

  // Deploys `image` as `service` of `project`; returns the deployment id.
  std::string Deploy(const std::string& project, const std::string& service,
                     const std::string& image, int replicas = 1,
                     const std::string& health_check_path = "", const std::string& source = "") {
    ServiceSpec spec;
    spec.source = source;
    spec.health_check_path = health_check_path;
    spec.image = image;
    spec.replicas = replicas;
    spec.runtime_class = "runc";
    auto made =
        store_->CreateOrUpdateServiceWithDeployment(workspace_, Project(project), service, spec);
    EXPECT_TRUE(made.ok()) << made.error().message;
    if (controller_) controller_->Wake();
    return made.ok() ? made->deployment.id : "";
  }

  Service ServiceNamed(const std::string& project, const std::string& name) {
    return *store_->GetService(workspace_, Project(project), name);
  }
  DeploymentStatus StatusOf(const std::string& deployment_id) {
    auto d = store_->GetDeployment(workspace_, deployment_id);
    return d.ok() ? d->status : DeploymentStatus::kFailed;
  }

  // Containers of `deployment_id` by state.
  int Count(const std::string& deployment_id, const std::string& state = "running") {
    int n = 0;
    for (const auto& [id, c] : runtime_.containers()) {
      auto it = c.labels.find(kLabelDeployment);
      if (it != c.labels.end() && it->second == deployment_id &&
          (state.empty() || c.state == state))
        ++n;
    }
    return n;
  }

  // Advances the fake time in 50 ms steps (letting the controller's threads run between them)
  // until `pred` holds or `limit` of fake time passed.
  template <typename Pred>
  bool Converge(Pred pred, std::chrono::milliseconds limit = 300s) {
    for (auto t = 0ms; t < limit; t += 50ms) {
      if (pred()) return true;
      clock_.Advance(50ms);
      std::this_thread::sleep_for(1ms);
    }
    return pred();
  }
  // Fake time from now until `deployment_id` is active (or -1s).
  std::chrono::milliseconds TimeToActive(const std::string& deployment_id) {
    auto start = clock_.Steady();
    if (!Converge([&] { return StatusOf(deployment_id) == DeploymentStatus::kActive; })) return -1s;
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Steady() - start);
  }

  FakeClock clock_;
  FakeRuntime runtime_;
  FakeProber prober_;
  FakeBuilder builder_;
  Gate runtime_gate_;
  std::string dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<SecretBox> box_;
  std::string workspace_;
  std::map<std::string, std::string> projects_;
  std::unique_ptr<ServiceController> controller_;
};

TEST_F(ServiceControllerTest, ARolloutReplacesThePreviousRelease) {
  StartController();
  std::string v1 = Deploy("shop", "web", "web:1", 2);
  ASSERT_GE(TimeToActive(v1), 0ms);
  EXPECT_EQ(Count(v1), 2);
  std::string v2 = Deploy("shop", "web", "web:2", 2);
  ASSERT_GE(TimeToActive(v2), 0ms);
  EXPECT_TRUE(Converge([&] { return Count(v1, "") == 0; }));
  EXPECT_EQ(Count(v2), 2);
  EXPECT_EQ(ServiceNamed("shop", "web").active_deployment_id, v2);
  EXPECT_EQ(StatusOf(v1), DeploymentStatus::kSuperseded);
}

TEST_F(ServiceControllerTest, AReplicaThatNeverGetsReadyFailsTheDeploymentAndTheOldOneServes) {
  StartController();
  std::string v1 = Deploy("shop", "web", "web:1");
  ASSERT_GE(TimeToActive(v1), 0ms);
  runtime_.CrashOnStart("web:bad", 3);
  std::string v2 = Deploy("shop", "web", "web:bad");
  ASSERT_TRUE(Converge([&] { return StatusOf(v2) == DeploymentStatus::kFailed; }));
  auto d = store_->GetDeployment(workspace_, v2);
  EXPECT_NE(d->message.find("replica 0 exited with code 3 before it became healthy"),
            std::string::npos)
      << d->message;
  EXPECT_TRUE(Converge([&] { return Count(v2, "") == 0; }));
  EXPECT_EQ(ServiceNamed("shop", "web").active_deployment_id, v1);
  EXPECT_EQ(Count(v1), 1);
}

// inkd is killed after the runtime answered N calls of a rollout (every N until one completes):
// the next inkd, on the same store and runtime, finishes it with exactly the new release running.
TEST_F(ServiceControllerTest, ARolloutConvergesAfterACrashAtEveryStep) {
  StartController();
  std::string v1 = Deploy("shop", "web", "web:1", 2);
  ASSERT_GE(TimeToActive(v1), 0ms);
  std::string previous = v1;
  for (int crash_after = 1;; ++crash_after) {
    SCOPED_TRACE("crash after call " + std::to_string(crash_after));
    std::atomic<int> calls{0};
    std::atomic<bool> crashed{false};
    runtime_gate_.Close();
    runtime_.SetHook([&](const std::string&, const std::string&) -> Status {
      if (++calls <= crash_after) return {};
      crashed = true;
      runtime_gate_.Pass();  // frozen: the process is gone
      return Unavailable("inkd was killed");
    });
    std::string next = Deploy("shop", "web", "web:" + std::to_string(crash_after + 1), 2);
    bool finished = Converge([&] {
      return crashed || (StatusOf(next) == DeploymentStatus::kActive && Count(previous, "") == 0);
    });
    ASSERT_TRUE(finished);
    // The crash: the controller stops (the loop first), then the calls it was making return
    // (with an error that a stopping controller must not take for the rollout's failure).
    std::thread stopper([&] { controller_->Stop(); });
    std::this_thread::sleep_for(200ms);
    runtime_gate_.Open();
    stopper.join();
    controller_.reset();
    runtime_.SetHook(nullptr);
    StartController();
    EXPECT_TRUE(Converge([&] {
      return StatusOf(next) == DeploymentStatus::kActive && Count(previous, "") == 0 &&
             Count(next) == 2 && Count(next, "") == 2;
    })) << "status "
        << Name(StatusOf(next)) << ", old " << Count(previous, "") << ", new " << Count(next, "");
    EXPECT_EQ(ServiceNamed("shop", "web").active_deployment_id, next);
    EXPECT_EQ(static_cast<int>(runtime_.containers().size()), 2);
    previous = next;
    if (!crashed) break;  // the rollout finished before call N: every step had its crash
  }
}

TEST_F(ServiceControllerTest, ADeployAndADeleteOfTheSameServiceLeaveNothingBehind) {
  StartController();
  std::string other = Deploy("shop", "db", "db:1");
  for (int delay = 0; delay < 12; ++delay) {
    SCOPED_TRACE("delete after " + std::to_string(delay * 50) + " ms");
    std::string d = Deploy("shop", "web", "web:1", 2);
    for (int i = 0; i < delay; ++i) {
      clock_.Advance(50ms);
      std::this_thread::sleep_for(1ms);
    }
    Service s = ServiceNamed("shop", "web");
    ASSERT_TRUE(store_->DeleteService(workspace_, s.id).ok());
    controller_->Wake();
    EXPECT_TRUE(Converge([&] { return Count(d, "") == 0 && controller_->Replicas(s.id).empty(); }))
        << Count(d, "") << " containers left";
    auto unfinished = store_->ListUnfinishedDeployments();
    ASSERT_TRUE(unfinished.ok());
    for (const auto& u : *unfinished) EXPECT_NE(u.service_id, s.id);
  }
  EXPECT_EQ(StatusOf(other), DeploymentStatus::kActive);
  EXPECT_EQ(static_cast<int>(runtime_.containers().size()), 1);
}

// A new deploy cancels the build in progress (it would hold a build slot until its timeout
// while the new deployment waited behind it); so does deleting the service.
TEST_F(ServiceControllerTest, ANewerDeployOrADeleteStopsTheBuildInProgress) {
  StartController();
  std::string hung = Deploy("p", "web", "", 1, "", "src-hang");
  ASSERT_TRUE(Converge([&] { return StatusOf(hung) == DeploymentStatus::kBuilding; }));
  std::string next = Deploy("p", "web", "img:2");
  EXPECT_GE(TimeToActive(next), 0ms);
  EXPECT_TRUE(builder_.stopped());
  auto d = store_->GetDeployment(workspace_, hung);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->status, DeploymentStatus::kFailed);
  EXPECT_NE(d->message.find("superseded by " + next), std::string::npos) << d->message;
}

TEST_F(ServiceControllerTest, FiftyDeploysAtOnceAllGoLive) {
  StartController();
  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    ids.push_back(Deploy("p" + std::to_string(i % 5), "s" + std::to_string(i), "web:1"));
  }
  EXPECT_TRUE(Converge([&] {
    for (const auto& id : ids) {
      if (StatusOf(id) != DeploymentStatus::kActive) return false;
    }
    return true;
  }));
  for (const auto& id : ids) EXPECT_EQ(Count(id, ""), 1) << id;
  EXPECT_EQ(static_cast<int>(runtime_.containers().size()), 50);
}

// A tenant's services that crash-loop, never get ready, hang their probes, or hang in a pull
// from a stuck registry: another tenant's deploy still goes live with the clock standing still,
// as on an idle controller (the rollout advances on its steps' outcomes and its probe results
// alone, and the noise holds none of the workers it needs).
TEST_F(ServiceControllerTest, AStuckTenantNeverDelaysAnotherTenantsRollout) {
  StartController();
  std::string idle = Deploy("quiet", "warm", "web:1");
  EXPECT_TRUE(Eventually([&] { return StatusOf(idle) == DeploymentStatus::kActive; }));

  // Ten services go live, then crash: restarted with backoff, they crash again at once.
  std::vector<std::string> crashing;
  for (int i = 0; i < 10; ++i) {
    crashing.push_back(Deploy("noisy", "crash" + std::to_string(i), "crash:1"));
  }
  ASSERT_TRUE(Converge([&] {
    for (const auto& id : crashing) {
      if (StatusOf(id) != DeploymentStatus::kActive) return false;
    }
    return true;
  }));
  runtime_.CrashOnStart("crash:1", 1);
  for (const auto& [id, c] : runtime_.containers()) {
    if (c.image == "crash:1") runtime_.Crash(id, 1);
  }
  runtime_.SetHook([&](const std::string& call, const std::string& subject) -> Status {
    if (call == "PullImage" && subject.find("stuck") != std::string::npos) runtime_gate_.Pass();
    return {};
  });
  for (int i = 0; i < 10; ++i) {
    std::string n = std::to_string(i);
    Deploy("noisy", "never" + n, "web:1", 1, "/never");
    Deploy("noisy", "hang" + n, "web:1", 1, "/hang");
    Deploy("stuckreg", "pull" + n, "127.0.0.1:5000/stuck:" + n);
  }
  auto crashes = [&](const std::string& service) {
    auto events = store_->ListEvents(workspace_, ServiceNamed("noisy", service).id, 0);
    int n = 0;
    for (const auto& e : events.ok() ? *events : std::vector<Event>{}) n += e.kind == "crashed";
    return n;
  };
  ASSERT_TRUE(Converge([&] {  // the noise is going: every crash loop went round twice
    for (int i = 0; i < 10; ++i) {
      if (crashes("crash" + std::to_string(i)) < 2) return false;
    }
    return prober_.gate().waiting() > 0 && runtime_gate_.waiting() > 0;
  })) <<
      [&] {
        std::string counts;
        for (int i = 0; i < 10; ++i)
          counts += std::to_string(crashes("crash" + std::to_string(i))) + " ";
        return counts + "probes hanging " + std::to_string(prober_.gate().waiting()) + ", pulls " +
               std::to_string(runtime_gate_.waiting());
      }();

  std::string busy = Deploy("quiet", "web", "web:1");
  EXPECT_TRUE(Eventually([&] { return StatusOf(busy) == DeploymentStatus::kActive; }));
  for (int i = 0; i < 10; ++i) {
    std::string n = std::to_string(i);
    EXPECT_TRUE(ServiceNamed("noisy", "hang" + n).active_deployment_id.empty());
    EXPECT_TRUE(ServiceNamed("noisy", "never" + n).active_deployment_id.empty());
    EXPECT_TRUE(ServiceNamed("stuckreg", "pull" + n).active_deployment_id.empty());
  }
}

}  // namespace
}  // namespace ink
