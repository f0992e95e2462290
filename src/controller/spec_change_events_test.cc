#include "spec_change_events.h"

#include <gtest/gtest.h>

namespace ink::controller_internal {
namespace {

ServiceSpec Spec(int replicas, double cpu, int64_t memory, std::vector<VolumeMount> volumes = {}) {
  ServiceSpec s;
  s.replicas = replicas;
  s.cpu = cpu;
  s.memory_bytes = memory;
  s.volumes = std::move(volumes);
  return s;
}

TEST(SpecChangeEvents, ScaleSaysFromAndToOfWhatChanged) {
  ServiceSpec one = Spec(1, 0.5, int64_t{256} << 20);
  ServiceSpec three = Spec(3, 0.5, int64_t{256} << 20);
  auto events = SpecChangeEvents(&one, three);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "scale");
  EXPECT_EQ(events[0].message, "replicas 1 → 3");
  ServiceSpec bigger = Spec(3, 1, int64_t{1} << 30);
  events = SpecChangeEvents(&three, bigger);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].message, "cpu 0.5 → 1, memory 256m → 1g");
  events = SpecChangeEvents(&bigger, Spec(3, 0, 0));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].message, "cpu 1 → default, memory 1g → default");
}

TEST(SpecChangeEvents, NothingForTheSameShapeOrAFirstReleaseWithoutVolumes) {
  ServiceSpec a = Spec(2, 1, 0);
  EXPECT_TRUE(SpecChangeEvents(&a, a).empty());
  EXPECT_TRUE(SpecChangeEvents(nullptr, a).empty());  // a first release is not a scale
}

TEST(SpecChangeEvents, VolumesAttachedAndDetached) {
  ServiceSpec none = Spec(1, 0, 0);
  ServiceSpec data = Spec(1, 0, 0, {{"data", "/data"}});
  ServiceSpec moved = Spec(1, 0, 0, {{"data", "/var/lib/data"}, {"cache", "/cache"}});
  auto first = SpecChangeEvents(nullptr, data);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].kind, "volume_attached");
  EXPECT_EQ(first[0].message, "volume data mounted at /data");
  auto changed = SpecChangeEvents(&data, moved);
  ASSERT_EQ(changed.size(), 3u);
  EXPECT_EQ(changed[0].kind, "volume_detached");
  EXPECT_EQ(changed[0].message, "volume data is no longer mounted at /data");
  EXPECT_EQ(changed[1].kind, "volume_attached");
  EXPECT_EQ(changed[1].message, "volume data mounted at /var/lib/data");
  EXPECT_EQ(changed[2].message, "volume cache mounted at /cache");
  auto gone = SpecChangeEvents(&data, none);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].kind, "volume_detached");
  EXPECT_TRUE(SpecChangeEvents(&data, data).empty());
}

TEST(SpecChangeEvents, DeployStartedNamesWhatRollsOut) {
  Deployment d;
  d.spec.image = "localhost/ink/web:1";
  d.spec.replicas = 2;
  EXPECT_EQ(DeployStartedMessage(d, "dep_a"),
            "rolling out localhost/ink/web:1 with 2 replica(s), replacing dep_a");
  d.spec.image.clear();
  d.spec.replicas = 1;
  EXPECT_EQ(DeployStartedMessage(d, ""),
            "rolling out a build of the service's source with 1 replica(s)");
}

}  // namespace
}  // namespace ink::controller_internal
