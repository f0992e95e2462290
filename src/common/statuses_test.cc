#include "ink/common/statuses.h"

#include <gtest/gtest.h>

namespace ink {
namespace {

constexpr DeploymentStatus kAll[] = {DeploymentStatus::kPending,   DeploymentStatus::kBuilding,
                                     DeploymentStatus::kDeploying, DeploymentStatus::kActive,
                                     DeploymentStatus::kFailed,    DeploymentStatus::kSuperseded};

TEST(DeploymentStatus, NamesRoundTrip) {
  for (DeploymentStatus s : kAll) EXPECT_EQ(ParseDeploymentStatus(Name(s)), s) << Name(s);
  EXPECT_EQ(Name(DeploymentStatus::kSuperseded), "superseded");
  EXPECT_FALSE(ParseDeploymentStatus("Active").has_value());
  EXPECT_FALSE(ParseDeploymentStatus("").has_value());
}

TEST(DeploymentStatus, FinishedAndInFlightSplitTheStates) {
  for (DeploymentStatus s : kAll) EXPECT_NE(IsFinished(s), IsInFlight(s)) << Name(s);
  EXPECT_TRUE(IsInFlight(DeploymentStatus::kBuilding));
  EXPECT_TRUE(IsFinished(DeploymentStatus::kFailed));
  EXPECT_TRUE(HasRun(DeploymentStatus::kSuperseded));
  EXPECT_FALSE(HasRun(DeploymentStatus::kFailed));
}

TEST(ServiceStatus, Summary) {
  using D = DeploymentStatus;
  using S = ServiceStatus;
  EXPECT_EQ(SummarizeServiceStatus(std::nullopt, false, 0, 1), S::kStopped);
  EXPECT_EQ(SummarizeServiceStatus(D::kBuilding, true, 1, 1), S::kDeploying);
  EXPECT_EQ(SummarizeServiceStatus(D::kFailed, false, 0, 1), S::kFailed);
  EXPECT_EQ(SummarizeServiceStatus(D::kFailed, true, 2, 2), S::kRunning);  // old release serves
  EXPECT_EQ(SummarizeServiceStatus(D::kActive, true, 1, 2), S::kDegraded);
  EXPECT_EQ(SummarizeServiceStatus(D::kActive, true, 0, 2), S::kCrashed);
  for (S s : {S::kStopped, S::kDeploying, S::kRunning, S::kDegraded, S::kCrashed, S::kFailed}) {
    EXPECT_EQ(ParseServiceStatus(Name(s)), s);
  }
}

}  // namespace
}  // namespace ink
