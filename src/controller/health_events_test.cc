#include "health_events.h"

#include <gtest/gtest.h>

namespace ink::controller_internal {
namespace {

TEST(HealthTransitions, UnhealthyOnceThenRecovered) {
  HealthTransitions t;
  EXPECT_EQ(t.Observe("c1", true), std::nullopt);
  EXPECT_EQ(t.Observe("c1", true), std::nullopt);
  EXPECT_EQ(t.Observe("c1", false), "unhealthy");
  EXPECT_EQ(t.Observe("c1", false), std::nullopt);  // reported once, not every pass
  EXPECT_EQ(t.Observe("c1", true), "recovered");
  EXPECT_EQ(t.Observe("c1", true), std::nullopt);
  EXPECT_EQ(t.Observe("c1", false), "unhealthy");
}

TEST(HealthTransitions, AReplicaThatNeverPassedIsNotReported) {
  HealthTransitions t;
  EXPECT_EQ(t.Observe("starting", false), std::nullopt);
  EXPECT_EQ(t.Observe("starting", false), std::nullopt);
  EXPECT_EQ(t.Observe("starting", true), std::nullopt);  // came up: not a recovery
}

TEST(HealthTransitions, RetainForgetsRemovedContainers) {
  HealthTransitions t;
  EXPECT_EQ(t.Observe("a", true), std::nullopt);
  EXPECT_EQ(t.Observe("b", true), std::nullopt);
  t.Retain({"b"});
  EXPECT_EQ(t.Observe("a", false), std::nullopt);  // a new life of "a": never passed
  EXPECT_EQ(t.Observe("b", false), "unhealthy");
}

}  // namespace
}  // namespace ink::controller_internal
