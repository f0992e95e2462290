// ReplicaReconciler and GarbageCollector: a crashed replica is counted once, removed and started
// again after a backoff that doubles; a restart that hangs in the runtime holds neither the pass
// nor another service's restart; garbage is found by rule and removed off the loop.
#include "replica_reconciler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "garbage_collector.h"
#include "ink/common/fake_clock.h"
#include "ink/runtime/fake_runtime.h"
#include "job_runner.h"
#include "test_eventually.h"

namespace ink::controller_internal {
namespace {

using namespace std::chrono_literals;
using controller_test::Eventually;

// Every probe says healthy at once.
class HealthyProber : public Prober {
 public:
  bool Probe(const ProbeTarget&, std::chrono::milliseconds) override { return true; }
};

class ReplicaReconcilerTest : public ::testing::Test {
 protected:
  ReplicaReconcilerTest()
      : health_(prober_, clock_, {}, nullptr),
        jobs_(4, nullptr),
        reconciler_(runtime_, health_, jobs_, clock_,
                    {.ensure_replica = [this](const Service& s, const Deployment& d,
                                              int index) { return Create(s, d, index); },
                     .event =
                         [this](const Service& s, const std::string&, const std::string& kind,
                                const std::string& message) {
                           std::lock_guard lock(mu_);
                           events_.push_back(s.name + " " + kind + ": " + message);
                         }}) {
    health_.Start();
    jobs_.Start();
  }
  ~ReplicaReconcilerTest() override {
    gate_.Open();
    jobs_.Stop();
    health_.Stop();
  }

  // What EnsureReplica does, in short: a container with the replica's labels, started.
  Status Create(const Service& s, const Deployment& d, int index) {
    ContainerSpec spec;
    spec.name = s.name + "-" + d.id + "-" + std::to_string(index);
    spec.image = d.spec.image;
    spec.labels = {
        {kLabelService, s.id}, {kLabelDeployment, d.id}, {kLabelReplica, std::to_string(index)}};
    auto id = runtime_.CreateContainer(spec);
    if (!id.ok()) return id.error();
    return runtime_.StartContainer(*id);
  }

  void AddService(const std::string& name) {
    Service s;
    s.id = "svc_" + name;
    s.name = name;
    s.active_deployment_id = "dep_" + name;
    Deployment d;
    d.id = s.active_deployment_id;
    d.service_id = s.id;
    d.spec.image = "img/" + name;
    services_[s.id] = s;
    active_[s.id] = d;
    ASSERT_TRUE(Create(s, d, 0).ok());
  }

  std::string ContainerOf(const std::string& name) {
    for (const auto& [id, c] : runtime_.containers()) {
      if (c.labels.at(kLabelService) == "svc_" + name && !IsExited(c)) return id;
    }
    return "";
  }

  std::map<std::string, std::vector<ReplicaStatus>> Pass() {
    auto list = runtime_.ListContainers({});
    return reconciler_.Reconcile(services_, active_, *list, {});
  }

  // Waits until the replica's job (removal or restart) has ended.
  void Idle(const std::string& name) {
    ASSERT_TRUE(Eventually([&] { return !jobs_.Busy("replica/svc_" + name + "/0"); }));
  }

  std::vector<std::string> Events() {
    std::lock_guard lock(mu_);
    return events_;
  }

  FakeClock clock_;
  FakeRuntime runtime_;
  HealthyProber prober_;
  HealthProber health_;
  JobRunner jobs_;
  ReplicaReconciler reconciler_;
  Gate gate_{true};
  std::map<std::string, Service> services_;
  std::map<std::string, Deployment> active_;
  std::mutex mu_;
  std::vector<std::string> events_;
};

TEST_F(ReplicaReconcilerTest, RestartDelayDoublesToAMinute) {
  EXPECT_EQ(RestartDelay(1), 1s);
  EXPECT_EQ(RestartDelay(2), 2s);
  EXPECT_EQ(RestartDelay(6), 32s);
  EXPECT_EQ(RestartDelay(7), 60s);
  EXPECT_EQ(RestartDelay(40), 60s);
}

TEST_F(ReplicaReconcilerTest, CrashedReplicaIsCountedOnceAndRestartedAfterBackoff) {
  AddService("web");
  std::string first = ContainerOf("web");
  runtime_.Crash(first, 3);
  Pass();
  Pass();  // a second pass before the removal is done counts nothing again
  ASSERT_TRUE(Eventually([&] { return !runtime_.containers().count(first); }));
  Idle("web");
  EXPECT_EQ(Events(), std::vector<std::string>{"web crashed: replica 0 exited with code 3; "
                                               "restarting in 1s"});
  Pass();  // within the backoff: nothing is started
  EXPECT_TRUE(ContainerOf("web").empty());
  clock_.Advance(1s);
  Pass();
  ASSERT_TRUE(Eventually([&] { return !ContainerOf("web").empty(); }));
  Idle("web");
  // Crashes again: the backoff doubles, and get_service sees the restarts.
  runtime_.Crash(ContainerOf("web"), 1);
  Pass();
  ASSERT_TRUE(Eventually([&] { return ContainerOf("web").empty() && Events().size() == 3; }));
  Idle("web");
  EXPECT_EQ(Events()[2], "web crashed: replica 0 exited with code 1; restarting in 2s");
  clock_.Advance(2s);
  Pass();
  ASSERT_TRUE(Eventually([&] { return !ContainerOf("web").empty(); }));
  Idle("web");
  ASSERT_TRUE(Eventually([&] { return Pass()["svc_web"].size() == 1; }));
  EXPECT_EQ(Pass()["svc_web"][0].restarts, 2);
}

TEST_F(ReplicaReconcilerTest, AHungRestartHoldsNeitherThePassNorAnotherService) {
  AddService("stuck");
  AddService("other");
  // The runtime hangs creating "stuck"'s containers.
  Gate& create_gate = gate_;
  create_gate.Close();
  runtime_.SetHook([this](const std::string& call, const std::string& subject) {
    if (call == "CreateContainer" && subject.rfind("stuck-", 0) == 0) gate_.Pass();
    return Status{};
  });
  runtime_.Crash(ContainerOf("stuck"), 1);
  runtime_.Crash(ContainerOf("other"), 1);
  Pass();
  ASSERT_TRUE(Eventually([&] { return runtime_.containers().empty(); }));
  Idle("stuck");
  Idle("other");
  clock_.Advance(1s);
  Pass();  // returns although "stuck"'s create hangs
  create_gate.WaitForWaiting(1);
  EXPECT_TRUE(Eventually([&] { return !ContainerOf("other").empty(); }));
  for (int i = 0; i < 5; ++i) Pass();  // the hung restart is asked for once, not again
  EXPECT_EQ(create_gate.waiting(), 1);
  create_gate.Open();
  EXPECT_TRUE(Eventually([&] { return !ContainerOf("stuck").empty(); }));
}

TEST_F(ReplicaReconcilerTest, ReplicasOfARolloutAreLeftToIt) {
  AddService("web");
  runtime_.Crash(ContainerOf("web"), 1);
  Pass();
  ASSERT_TRUE(Eventually([&] { return runtime_.containers().empty(); }));
  Idle("web");
  clock_.Advance(1s);
  auto list = runtime_.ListContainers({});
  reconciler_.Reconcile(services_, active_, *list, {"dep_web"});
  EXPECT_TRUE(Eventually([&] { return jobs_.queued() == 0 && !jobs_.Busy("replica/svc_web/0"); }));
  EXPECT_TRUE(runtime_.containers().empty());
}

TEST_F(ReplicaReconcilerTest, AnActiveReleaseStoppedByAStopThenStartRolloutIsNoCrash) {
  AddService("db");
  std::string first = ContainerOf("db");
  runtime_.Crash(first, 143);  // SIGTERM from the rollout's stop
  auto list = runtime_.ListContainers({});
  reconciler_.Reconcile(services_, active_, *list, {"dep_db"});
  clock_.Advance(5s);
  list = runtime_.ListContainers({});
  reconciler_.Reconcile(services_, active_, *list, {"dep_db"});
  EXPECT_TRUE(Eventually([&] { return jobs_.queued() == 0 && !jobs_.Busy("replica/svc_db/0"); }));
  EXPECT_TRUE(Events().empty());  // neither "crashed" nor a restart
  EXPECT_TRUE(ContainerOf("db").empty());
}

TEST_F(ReplicaReconcilerTest, ReplicasOfARolloutAndOfADrainingReleaseAreShownApart) {
  AddService("web");
  Deployment next = active_["svc_web"];
  next.id = "dep_next";
  Deployment old = active_["svc_web"];
  old.id = "dep_old";
  ASSERT_TRUE(Create(services_["svc_web"], next, 0).ok());
  ASSERT_TRUE(Create(services_["svc_web"], old, 0).ok());
  auto list = runtime_.ListContainers({});
  auto observed = reconciler_.Reconcile(services_, active_, *list, {"dep_next"},
                                        {{"dep_next", next}, {"dep_old", old}});
  std::map<std::string, ReplicaRole> roles;
  for (const auto& r : observed["svc_web"]) roles[r.deployment_id] = r.role;
  EXPECT_EQ(roles, (std::map<std::string, ReplicaRole>{{"dep_web", ReplicaRole::kServing},
                                                       {"dep_next", ReplicaRole::kStarting},
                                                       {"dep_old", ReplicaRole::kDraining}}));
  EXPECT_EQ(Name(ReplicaRole::kDraining), "draining");
  // Shown, not repaired: a crash of a draining replica starts nothing.
  for (const auto& [id, c] : runtime_.containers()) {
    if (c.labels.at(kLabelDeployment) == "dep_old") runtime_.Crash(id, 1);
  }
  list = runtime_.ListContainers({});
  reconciler_.Reconcile(services_, active_, *list, {"dep_next"}, {{"dep_old", old}});
  EXPECT_TRUE(Events().empty());
}

TEST(ReleasesInTransitionTest, OnlyRollingOrDrainingReleasesOfKnownServicesBesidesTheActive) {
  std::map<std::string, Service> services;
  services["svc_a"].id = "svc_a";
  services["svc_a"].active_deployment_id = "dep_a1";
  auto container = [](const std::string& service, const std::string& deployment) {
    ContainerInfo c;
    c.labels = {{kLabelService, service}, {kLabelDeployment, deployment}};
    return c;
  };
  std::vector<ContainerInfo> containers = {
      container("svc_a", "dep_a1"),    // active: shown as serving elsewhere
      container("svc_a", "dep_a2"),    // being rolled out
      container("svc_a", "dep_a0"),    // draining
      container("svc_a", "dep_old"),   // superseded, neither: garbage
      container("svc_gone", "dep_g"),  // a service not in the snapshot
      ContainerInfo{},                 // not Ink's
  };
  auto out = ReleasesInTransition(services, containers, {"dep_a2", "dep_g"}, {"dep_a0"});
  EXPECT_EQ(out, (std::map<std::string, std::string>{{"dep_a0", "svc_a"}, {"dep_a2", "svc_a"}}));
}

TEST(GarbageTest, FindsDeletedServicesOldDeploymentsAndScaledDownReplicas) {
  auto container = [](std::string id, std::string service, std::string deployment, int index) {
    ContainerInfo c;
    c.id = id;
    c.name = id;
    c.labels = {{kLabelService, service},
                {kLabelDeployment, deployment},
                {kLabelReplica, std::to_string(index)}};
    return c;
  };
  Service web;
  web.id = "svc_web";
  web.active_deployment_id = "dep_2";
  Deployment active;
  active.id = "dep_2";
  active.spec.replicas = 2;
  std::vector<ContainerInfo> containers = {
      container("gone", "svc_deleted", "dep_x", 0), container("old", "svc_web", "dep_1", 0),
      container("next", "svc_web", "dep_3", 0),     container("r0", "svc_web", "dep_2", 0),
      container("r1", "svc_web", "dep_2", 1),       container("r2", "svc_web", "dep_2", 2)};
  auto garbage = FindGarbage({{web.id, web}}, {{web.id, active}}, containers, {"dep_3"});
  std::map<std::string, std::string> why;
  for (const auto& g : garbage) why[g.container_id] = g.why;
  EXPECT_EQ(why, (std::map<std::string, std::string>{{"gone", "its service was deleted"},
                                                     {"old", "its deployment is no longer active"},
                                                     {"r2", "the service was scaled down"}}));

  FakeRuntime runtime;
  JobRunner jobs(2, nullptr);
  jobs.Start();
  GarbageCollector collector(runtime, jobs);
  ASSERT_TRUE(runtime.EnsureNetwork("ink-prj_1", {}).ok());
  collector.ForgetNetwork("ink-prj_1");
  ContainerInfo in_project = container("c", "svc_web", "dep_2", 0);
  in_project.labels[kLabelProject] = "prj_1";
  collector.Collect({{web.id, web}}, {{web.id, active}}, {in_project}, {});
  jobs.Stop();
  EXPECT_TRUE(runtime.networks().count("ink-prj_1")) << "kept while its containers run";
  JobRunner again(2, nullptr);
  again.Start();
  GarbageCollector later(runtime, again);
  later.ForgetNetwork("ink-prj_1");
  later.Collect({{web.id, web}}, {{web.id, active}}, {}, {});
  EXPECT_TRUE(Eventually([&] { return !runtime.networks().count("ink-prj_1"); }));
  again.Stop();  // before `later` goes: its job may still be finishing
}

}  // namespace
}  // namespace ink::controller_internal
