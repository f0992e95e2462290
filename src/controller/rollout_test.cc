// Rollout: the pure state machine of one deployment's rollout. Each test feeds outcomes and
// times in and checks the actions it asks for: no runtime, no clock, no threads.
#include "rollout.h"

#include <gtest/gtest.h>

namespace ink::controller_internal {
namespace {

using namespace std::chrono_literals;
using Kind = Rollout::Action::Kind;
using Step = Rollout::Step;

const Clock::TimePoint kT0 = Clock::TimePoint{} + 1000s;

Deployment MakeDeployment(int replicas = 2, std::string source = "") {
  Deployment d;
  d.id = "dep_new";
  d.service_id = "svc_web";
  d.spec.image = source.empty() ? "127.0.0.1:5000/web:1" : "";
  d.spec.source = source;
  d.spec.port = 8080;
  d.spec.replicas = replicas;
  return d;
}

std::vector<ReplicaCheck> Checks(int ready, int total) {
  std::vector<ReplicaCheck> checks;
  for (int i = 0; i < total; ++i) {
    ReplicaCheck c;
    c.container_id = "c" + std::to_string(i);
    c.address = "10.88.0." + std::to_string(i + 2);
    c.ready = i < ready;
    checks.push_back(c);
  }
  return checks;
}

// Feeds successful outcomes of a one-replica rollout at kT0 until it reaches `step`.
void SucceedUntil(Rollout& r, Step step) {
  while (r.step() != step) {
    switch (r.Next(kT0).kind) {
      case Kind::kPrepareImage:
        r.ImageReady({}, kT0);
        break;
      case Kind::kStartReplicas:
        r.Started(std::vector<std::string>{"c0"}, kT0);
        break;
      case Kind::kCheckReplicas:
        r.Checked(Checks(1, 1), kT0);
        break;
      case Kind::kPromote:
        r.Promoted({}, kT0);
        break;
      case Kind::kCheckRoute:
        r.Routed({RouteObservation::State::kLoaded}, kT0);
        break;
      case Kind::kActivate:
        r.Activated({}, kT0);
        break;
      default:
        FAIL() << "no way on to " << Name(step) << " from " << Name(r.step());
    }
  }
}

// Drives a rollout with `previous` through every step with outcomes that succeed.
Rollout::Action UntilActive(Rollout& r, Clock::TimePoint& now) {
  EXPECT_EQ(r.Next(now).kind, Kind::kPrepareImage);
  r.ImageReady({}, now);
  EXPECT_EQ(r.Next(now).kind, Kind::kStartReplicas);
  r.Started(std::vector<std::string>{"c0", "c1"}, now += 1s);
  EXPECT_EQ(r.Next(now).kind, Kind::kCheckReplicas);
  r.Checked(Checks(2, 2), now);
  EXPECT_EQ(r.Next(now).kind, Kind::kPromote);
  r.Promoted({}, now);
  EXPECT_EQ(r.Next(now).kind, Kind::kCheckRoute);
  r.Routed({RouteObservation::State::kLoaded}, now);
  EXPECT_EQ(r.Next(now).kind, Kind::kActivate);
  r.Activated({}, now);
  return r.Next(now);
}

TEST(RolloutTest, AnImageGoesThroughEveryStepToActiveAndDrainsThePrevious) {
  Clock::TimePoint now = kT0;
  Rollout r(MakeDeployment(), "dep_old", {}, now);
  EXPECT_EQ(r.step(), Step::kImage);
  auto drain = UntilActive(r, now);
  EXPECT_TRUE(r.activated());
  ASSERT_EQ(drain.kind, Kind::kWait);  // the old release serves in-flight requests for 1.5 s
  EXPECT_EQ(drain.wake_at, now + 1500ms);
  EXPECT_EQ(r.Next(now + 1499ms).kind, Kind::kWait);
  EXPECT_EQ(r.Next(now + 1500ms).kind, Kind::kRemovePrevious);
  r.Removed(now + 2s);
  EXPECT_EQ(r.Next(now + 2s).kind, Kind::kFinished);
  EXPECT_NE(r.timings().find("image ready at 0 ms, replicas started at 1000 ms"), std::string::npos)
      << r.timings();
}

Deployment WithVolume(Deployment d) {
  d.spec.replicas = 1;
  d.spec.volumes.push_back({"vol_data", "/var/lib/data"});
  return d;
}

TEST(RolloutTest, ADeploymentWithVolumesStopsThePreviousReleaseBeforeItStartsAndDrainsNothing) {
  Clock::TimePoint now = kT0;
  Rollout r(WithVolume(MakeDeployment()), "dep_old", {}, now);
  EXPECT_TRUE(r.stop_first());
  EXPECT_EQ(r.Next(now).kind, Kind::kPrepareImage);
  r.ImageReady({}, now);
  EXPECT_FALSE(r.stopped_previous());
  EXPECT_EQ(r.Next(now).kind, Kind::kStopPrevious);
  EXPECT_TRUE(r.stopped_previous());
  EXPECT_EQ(r.Next(now).kind, Kind::kWait);        // nothing starts until the stop is done
  r.Started(std::vector<std::string>{"c0"}, now);  // an outcome of another step is ignored
  EXPECT_EQ(r.step(), Step::kStopPrevious);
  r.PreviousStopped(now);
  EXPECT_EQ(r.Next(now).kind, Kind::kStartReplicas);
  r.Started(std::vector<std::string>{"c0"}, now);
  SucceedUntil(r, Step::kDone);
  EXPECT_EQ(r.Next(now).kind, Kind::kFinished);  // the previous release is gone already
  EXPECT_NE(r.timings().find("image ready at 0 ms, previous release stopped at 0 ms"),
            std::string::npos)
      << r.timings();
}

TEST(RolloutTest, AFirstDeploymentWithVolumesOrOneWithoutStartsBeforeItStops) {
  EXPECT_FALSE(Rollout(WithVolume(MakeDeployment()), "", {}, kT0).stop_first());
  EXPECT_FALSE(Rollout(MakeDeployment(), "dep_old", {}, kT0).stop_first());
  Rollout r(MakeDeployment(1), "dep_old", {}, kT0);
  SucceedUntil(r, Step::kStart);  // straight from the image to the start
}

TEST(RolloutTest, AFailureAfterTheStopSaysThePreviousReleaseIsStartedAgain) {
  Rollout r(WithVolume(MakeDeployment()), "dep_old", {}, kT0);
  r.Next(kT0);
  r.ImageReady({}, kT0);
  r.Next(kT0);
  r.PreviousStopped(kT0);
  r.Next(kT0);
  r.Started(Error{ErrorCode::kInternal, "starting replica 0 failed: no space"}, kT0);
  EXPECT_EQ(r.Next(kT0).kind, Kind::kFail);
  EXPECT_EQ(r.failure(),
            "starting replica 0 failed: no space; the previous release is started again");
  // A failure before the stop leaves the previous release serving, as ever.
  Rollout early(WithVolume(MakeDeployment()), "dep_old", {}, kT0);
  early.Next(kT0);
  early.ImageReady(Error{ErrorCode::kNotFound, "image x is not in this host's image store"}, kT0);
  EXPECT_EQ(early.failure(), "image x is not in this host's image store");
  EXPECT_FALSE(early.stopped_previous());
}

TEST(RolloutTest, AFirstDeploymentIsDoneOnceActive) {
  Clock::TimePoint now = kT0;
  Rollout r(MakeDeployment(), "", {}, now);
  EXPECT_EQ(UntilActive(r, now).kind, Kind::kFinished);
}

TEST(RolloutTest, OneActionAtATimeUntilItsOutcomeArrives) {
  Rollout r(MakeDeployment(), "", {}, kT0);
  EXPECT_EQ(r.Next(kT0).kind, Kind::kPrepareImage);
  auto wait = r.Next(kT0 + 10s);
  EXPECT_EQ(wait.kind, Kind::kWait);
  EXPECT_EQ(wait.wake_at, Clock::TimePoint::max());
  // An outcome of another step (late, from before an abort) changes nothing.
  r.Started(std::vector<std::string>{"c0"}, kT0);
  EXPECT_EQ(r.step(), Step::kImage);
}

TEST(RolloutTest, ASourceIsBuiltFirstAndTheBuildPortWins) {
  Rollout r(MakeDeployment(1, "git:https://127.0.0.1/x.git"), "", {}, kT0);
  EXPECT_EQ(r.Next(kT0).kind, Kind::kBuild);
  r.Built(BuiltImage{"localhost/ink/web:dep_new", 3000}, kT0);
  EXPECT_EQ(r.deployment().spec.image, "localhost/ink/web:dep_new");
  EXPECT_EQ(r.deployment().spec.port, 3000);
  EXPECT_EQ(r.Next(kT0).kind, Kind::kPrepareImage);
}

TEST(RolloutTest, AFailedBuildFailsTheDeployment) {
  Rollout r(MakeDeployment(1, "git:https://127.0.0.1/x.git"), "dep_old", {}, kT0);
  r.Next(kT0);
  r.Built(Internal("step 3/7 exited 1"), kT0);
  EXPECT_EQ(r.Next(kT0).kind, Kind::kFail);
  EXPECT_EQ(r.failure(), "build failed: step 3/7 exited 1");
  r.FailRecorded(kT0);
  EXPECT_EQ(r.Next(kT0).kind, Kind::kFinished);
  EXPECT_FALSE(r.activated());
}

TEST(RolloutTest, ABusyImageLookUpIsAskedAgainThenFails) {
  RolloutTimeouts t;
  t.image_attempts = 3;
  Rollout r(MakeDeployment(), "", t, kT0);
  Clock::TimePoint now = kT0;
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(r.Next(now).kind, Kind::kPrepareImage);
    r.ImageReady(Unavailable("podman busy"), now);
    EXPECT_EQ(r.Next(now).kind, Kind::kWait);
    now += 500ms;
  }
  ASSERT_EQ(r.Next(now).kind, Kind::kPrepareImage);
  r.ImageReady(Unavailable("podman busy"), now);
  EXPECT_EQ(r.Next(now).kind, Kind::kFail);
  EXPECT_EQ(r.failure(), "podman busy");
}

TEST(RolloutTest, AMissingImageFailsAtOnce) {
  Rollout r(MakeDeployment(), "", {}, kT0);
  r.Next(kT0);
  r.ImageReady(NotFound("image x is not in this host's image store"), kT0);
  EXPECT_EQ(r.Next(kT0).kind, Kind::kFail);
}

TEST(RolloutTest, ReadinessIsCheckedAgainUntilTheHealthDeadline) {
  RolloutTimeouts t;
  t.health = 5s;
  Rollout r(MakeDeployment(2), "dep_old", t, kT0);
  Clock::TimePoint now = kT0;
  r.Next(now);
  r.ImageReady({}, now);
  r.Next(now);
  r.Started(std::vector<std::string>{"c0", "c1"}, now);
  int checks = 0;
  while (true) {
    auto a = r.Next(now);
    if (a.kind == Kind::kFail) break;
    if (a.kind == Kind::kWait) {
      ASSERT_NE(a.wake_at, Clock::TimePoint::max());
      now = a.wake_at;
      continue;
    }
    ASSERT_EQ(a.kind, Kind::kCheckReplicas);
    ++checks;
    r.Checked(Checks(1, 2), now);  // one of two never gets ready
  }
  EXPECT_EQ(checks, 52);  // at 0, 100, ..., 5000 ms, and at 5100 ms (past the deadline)
  EXPECT_NE(r.failure().find("health check failed: nothing accepted TCP connections on port 8080"),
            std::string::npos)
      << r.failure();
  EXPECT_EQ(r.log_tail_of(), "c0");
}

TEST(RolloutTest, AProbeResultMakesTheNextCheckDueAtOnce) {
  Rollout r(MakeDeployment(1), "", {}, kT0);
  SucceedUntil(r, Step::kHealthy);
  r.Next(kT0);
  r.Checked(Checks(0, 1), kT0);
  EXPECT_EQ(r.Next(kT0 + 10ms).kind, Kind::kWait);
  r.Poke(kT0 + 10ms);
  EXPECT_EQ(r.Next(kT0 + 10ms).kind, Kind::kCheckReplicas);
}

TEST(RolloutTest, AReplicaThatExitsFailsTheDeploymentWithItsLogTail) {
  Rollout r(MakeDeployment(2), "dep_old", {}, kT0);
  r.Next(kT0);
  r.ImageReady({}, kT0);
  r.Next(kT0);
  r.Started(std::vector<std::string>{"c0", "c1"}, kT0);
  r.Next(kT0);
  auto checks = Checks(1, 2);
  checks[1].exited = true;
  checks[1].exit_reason = "exited with code 3";
  r.Checked(checks, kT0);
  EXPECT_EQ(r.Next(kT0).kind, Kind::kFail);
  EXPECT_EQ(r.failure(), "replica 1 exited with code 3 before it became healthy");
  EXPECT_EQ(r.log_tail_of(), "c1");
}

TEST(RolloutTest, TheEdgeMustLoadTheRouteInTimeOrThePreviousReleaseKeepsServing) {
  RolloutTimeouts t;
  t.route = 2s;
  Rollout r(MakeDeployment(1), "dep_old", t, kT0);
  Clock::TimePoint now = kT0;
  SucceedUntil(r, Step::kRoute);
  ASSERT_EQ(r.Next(now).kind, Kind::kPromote);
  EXPECT_EQ(r.ready_addresses(), std::vector<std::string>{"10.88.0.2"});
  r.Promoted({}, now);
  EXPECT_TRUE(r.promoted());
  while (true) {
    auto a = r.Next(now);
    if (a.kind == Kind::kWait) {
      now = a.wake_at;
      continue;
    }
    if (a.kind != Kind::kCheckRoute) break;
    r.Routed({RouteObservation::State::kPending, "the edge is 2 versions behind", 7}, now);
  }
  EXPECT_EQ(r.step(), Step::kFailing);
  EXPECT_EQ(r.failure(),
            "ink-edge did not load route table version 7 within 2s (the edge is 2 versions "
            "behind); the previous release keeps serving");
}

TEST(RolloutTest, ARefusedRouteFailsAtOnce) {
  Rollout r(MakeDeployment(1), "", {}, kT0);
  SucceedUntil(r, Step::kRoute);
  r.Next(kT0);
  r.Promoted({}, kT0);
  r.Next(kT0);
  r.Routed({RouteObservation::State::kUnrouted, "hostname w-p.localhost belongs to another"}, kT0);
  EXPECT_EQ(r.Next(kT0).kind, Kind::kFail);
  EXPECT_EQ(r.failure(),
            "hostname w-p.localhost belongs to another; the previous release keeps serving");
}

TEST(RolloutTest, AFailedActivationFails) {
  Rollout r(MakeDeployment(1), "dep_old", {}, kT0);
  SucceedUntil(r, Step::kActivate);
  r.Next(kT0);
  r.Activated(Internal("database is locked"), kT0);
  EXPECT_EQ(r.Next(kT0).kind, Kind::kFail);
  EXPECT_EQ(r.failure(), "activating failed: database is locked");
}

TEST(RolloutTest, AnAbortFailsAnUnfinishedRolloutButNotAnActiveOne) {
  Rollout r(MakeDeployment(1), "", {}, kT0);
  r.Next(kT0);  // the image step is in flight
  r.Abort("the service was deleted", kT0);
  EXPECT_EQ(r.Next(kT0).kind, Kind::kFail);
  EXPECT_EQ(r.failure(), "the service was deleted");
  r.ImageReady({}, kT0);  // the late outcome of the aborted step is ignored
  EXPECT_EQ(r.step(), Step::kFailing);

  Clock::TimePoint now = kT0;
  Rollout active(MakeDeployment(), "dep_old", {}, now);
  UntilActive(active, now);
  active.Abort("the service was deleted", now);
  EXPECT_EQ(active.step(), Step::kDrain);
}

}  // namespace
}  // namespace ink::controller_internal
