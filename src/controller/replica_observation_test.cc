// ReplicaObservation: replicas a rollout activated after the last pass are read at once (a
// service is never "crashed" between activation and the next pass), a pass replaces them, and
// roles are told against the active release the caller read.
#include "replica_observation.h"

#include <gtest/gtest.h>

#include "ink/common/fake_clock.h"
#include "ink/runtime/fake_runtime.h"

namespace ink::controller_internal {
namespace {

class NoProber : public Prober {
 public:
  bool Probe(const ProbeTarget&, std::chrono::milliseconds) override { return false; }
};

class ReplicaObservationTest : public ::testing::Test {
 protected:
  ReplicaObservationTest() : health_(prober_, clock_, {}, nullptr), observation_(health_) {}

  std::string Started(const std::string& name) {
    ContainerSpec spec;
    spec.name = name;
    spec.image = "img";
    auto id = runtime_.CreateContainer(spec);
    EXPECT_TRUE(id.ok());
    EXPECT_TRUE(runtime_.StartContainer(*id).ok());
    return *id;
  }

  static ReplicaStatus Replica(const std::string& container, const std::string& deployment) {
    ReplicaStatus r;
    r.container_id = container;
    r.deployment_id = deployment;
    r.state = "running";
    return r;
  }

  FakeClock clock_;
  NoProber prober_;
  HealthProber health_;
  FakeRuntime runtime_;
  ReplicaObservation observation_;
  const std::function<bool(const std::string&)> none_rolling_ = [](const std::string&) {
    return false;
  };
};

TEST_F(ReplicaObservationTest, AnActivatedReleaseIsReadBeforeThePassThatListsIt) {
  Service s;
  s.id = "svc_web";
  Deployment old_release, release;
  old_release.id = "dep_old";
  release.id = "dep_new";
  release.spec.port = 8080;
  observation_.Replace({{s.id, {Replica("c-old", "dep_old")}}});
  std::string fresh = Started("web-new-0");

  observation_.AddActivated(runtime_, s, release, {fresh, "no-such-container"});

  auto read = observation_.Read(s.id, release.id, none_rolling_);
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].role, ReplicaRole::kDraining);
  EXPECT_EQ(read[1].container_id, fresh);
  EXPECT_EQ(read[1].deployment_id, release.id);
  EXPECT_EQ(read[1].role, ReplicaRole::kServing);
  EXPECT_EQ(read[1].state, "running");
  EXPECT_NE(read[1].address.find(":8080"), std::string::npos) << read[1].address;

  // Added twice (the pass saw it too): listed once.
  observation_.AddActivated(runtime_, s, release, {fresh});
  EXPECT_EQ(observation_.Read(s.id, release.id, none_rolling_).size(), 2u);

  // The next pass's observation replaces it all.
  observation_.Replace({{s.id, {Replica(fresh, release.id)}}});
  EXPECT_EQ(observation_.Read(s.id, release.id, none_rolling_).size(), 1u);
}

TEST_F(ReplicaObservationTest, RolesAreToldAgainstTheActiveReleaseGiven) {
  observation_.Replace(
      {{"svc", {Replica("a", "dep_a"), Replica("b", "dep_b"), Replica("c", "dep_c")}}});
  auto rolling = [](const std::string& id) { return id == "dep_c"; };
  auto read = observation_.Read("svc", "dep_b", rolling);
  ASSERT_EQ(read.size(), 3u);
  EXPECT_EQ(read[0].role, ReplicaRole::kDraining);
  EXPECT_EQ(read[1].role, ReplicaRole::kServing);
  EXPECT_EQ(read[2].role, ReplicaRole::kStarting);
  // No active release given: the roles as observed.
  for (const auto& r : observation_.Read("svc", "", rolling))
    EXPECT_EQ(r.role, ReplicaRole::kServing);
  EXPECT_TRUE(observation_.Read("svc_unknown", "dep_b", rolling).empty());
}

}  // namespace
}  // namespace ink::controller_internal
