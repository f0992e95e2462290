#include "ink/metrics/cost_rules.h"

#include <gtest/gtest.h>

namespace ink::metrics {
namespace {

constexpr double kMiB = 1024.0 * 1024;
constexpr double kGiB = 1024 * kMiB;

// `n` samples 10 s apart, each with the same figures.
std::vector<Sample> Steady(int n, float cpu, float memory, float tx = 0) {
  std::vector<Sample> out;
  for (int i = 0; i < n; ++i) {
    out.push_back({.at_ms = (i + 1) * 10'000,
                   .interval_s = 10,
                   .replicas = 1,
                   .cpu_cores = cpu,
                   .memory_bytes = memory,
                   .tx_bytes_per_s = tx});
  }
  return out;
}

TEST(CostRulesTest, DefaultsAreRailwaysPublicRatesPerHour) {
  PriceTable p;
  EXPECT_NEAR(p.vcpu_hour * kHoursPerMonth, 20, 1e-9);
  EXPECT_NEAR(p.memory_gib_hour * kHoursPerMonth, 10, 1e-9);
  EXPECT_EQ(p.currency, "USD");
}

TEST(CostRulesTest, ParsesAPartialTableAndRefusesWhatItDoesNotKnow) {
  auto t = ParsePriceTable(R"({"currency":"EUR","vcpu_hour":0.05})");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->currency, "EUR");
  EXPECT_DOUBLE_EQ(t->vcpu_hour, 0.05);
  EXPECT_DOUBLE_EQ(t->egress_gib, 0.05);  // kept its default

  auto unknown = ParsePriceTable(R"({"gpu_hour":1})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown key \"gpu_hour\""), std::string::npos);
  EXPECT_NE(unknown.error().message.find("vcpu_hour"), std::string::npos);
  EXPECT_FALSE(ParsePriceTable(R"({"vcpu_hour":-1})").ok());
  EXPECT_FALSE(ParsePriceTable(R"({"vcpu_hour":"cheap"})").ok());
  EXPECT_FALSE(ParsePriceTable(R"([1])").ok());
  EXPECT_FALSE(ParsePriceTable("{").ok());
}

TEST(CostRulesTest, UsageIsTimeWeightedAndKeepsTheLargerOomCount) {
  std::vector<Sample> s = Steady(2, 1.0F, 100 * kMiB, 1000);
  s.push_back(
      {.at_ms = 50'000, .interval_s = 30, .cpu_cores = 0, .memory_bytes = 0, .oom_kills = 2});
  Usage u = UsageOf(s, 1);
  EXPECT_DOUBLE_EQ(u.covered_s, 50);
  EXPECT_DOUBLE_EQ(u.cpu_cores_mean, 20.0 / 50);
  EXPECT_DOUBLE_EQ(u.memory_bytes_max, 100 * kMiB);
  // 20,000 bytes sent in 50 s are spread over 10 minutes, not priced as a sustained rate.
  EXPECT_DOUBLE_EQ(u.egress_bytes_per_s, 20'000.0 / kMinCoveredSecondsForSuggestion);
  EXPECT_DOUBLE_EQ(UsageOf(Steady(120, 0, 0, 1000), 0).egress_bytes_per_s, 1000);
  EXPECT_EQ(u.oom_kills, 2);
  EXPECT_EQ(UsageOf(s, 5).oom_kills, 5);
  EXPECT_DOUBLE_EQ(UsageOf({}, 0).cpu_cores_mean, 0);
}

TEST(CostRulesTest, ReservedCountsLimitsTimesReplicasMeasuredCountsUse) {
  PriceTable p{
      .vcpu_hour = 0.04, .memory_gib_hour = 0.01, .volume_gib_month = 0.2, .egress_gib = 0.1};
  Reservation r{.cpu_cores = 1, .memory_bytes = 2 * kGiB, .replicas = 2, .volume_bytes = 10 * kGiB};
  Usage u{.covered_s = 3600,
          .cpu_cores_mean = 0.5,
          .cpu_cores_p95 = 0.8,
          .memory_bytes_mean = kGiB,
          .memory_bytes_max = 1.5 * kGiB,
          .egress_bytes_per_s = kGiB / 3600};
  CostEstimate e = EstimateCost(r, u, p);
  EXPECT_DOUBLE_EQ(e.reserved_hourly.cpu, 2 * 0.04);
  EXPECT_DOUBLE_EQ(e.reserved_hourly.memory, 4 * 0.01);
  EXPECT_DOUBLE_EQ(e.reserved_hourly.volume, 10 * 0.2 / kHoursPerMonth);
  EXPECT_DOUBLE_EQ(e.reserved_hourly.egress, 0.1);
  EXPECT_DOUBLE_EQ(e.measured_hourly.cpu, 0.5 * 0.04);
  EXPECT_DOUBLE_EQ(e.measured_hourly.memory, 0.01);
  EXPECT_DOUBLE_EQ(e.measured_hourly.egress, e.reserved_hourly.egress);
  EXPECT_NEAR(e.reserved_monthly, e.reserved_hourly.Total() * 730, 1e-9);
}

TEST(CostRulesTest, AnIdleServiceIsToldToShrinkAndWhatItSaves) {
  Reservation r{.cpu_cores = 1, .memory_bytes = 1 * kGiB, .replicas = 1};
  CostEstimate e = EstimateCost(r, UsageOf(Steady(360, 0.02F, 50 * kMiB), 0), PriceTable{});
  ASSERT_EQ(e.suggestion.reasons.size(), 2U) << e.note;
  EXPECT_DOUBLE_EQ(e.suggestion.cpu_cores, 0.05);
  EXPECT_DOUBLE_EQ(e.suggestion.memory_bytes, 128 * kMiB);  // 1.5 x 50 MiB, in 64 MiB steps
  EXPECT_LT(e.suggestion.monthly_change, -20);              // most of $20 + $10 a month
  EXPECT_NE(e.suggestion.reasons[0].find("2% of its limit 1"), std::string::npos)
      << e.suggestion.reasons[0];
  EXPECT_NE(e.suggestion.reasons[1].find("memory 128m"), std::string::npos)
      << e.suggestion.reasons[1];
}

TEST(CostRulesTest, AThrottledOrOomKilledServiceIsToldToGrow) {
  Reservation r{.cpu_cores = 0.5, .memory_bytes = 256 * kMiB, .replicas = 1};
  CostEstimate e = EstimateCost(r, UsageOf(Steady(360, 0.49F, 200 * kMiB), 3), PriceTable{});
  EXPECT_DOUBLE_EQ(e.suggestion.cpu_cores, 1);
  EXPECT_DOUBLE_EQ(e.suggestion.memory_bytes, 512 * kMiB);
  EXPECT_GT(e.suggestion.monthly_change, 0);
  ASSERT_EQ(e.suggestion.reasons.size(), 2U);
  EXPECT_NE(e.suggestion.reasons[0].find("throttled; raise cpu to 1"), std::string::npos)
      << e.suggestion.reasons[0];
  EXPECT_NE(e.suggestion.reasons[1].find("3 OOM kill(s)"), std::string::npos)
      << e.suggestion.reasons[1];
}

TEST(CostRulesTest, AWellSizedServiceGetsNoSuggestion) {
  Reservation r{.cpu_cores = 1, .memory_bytes = 512 * kMiB, .replicas = 1};
  CostEstimate e = EstimateCost(r, UsageOf(Steady(360, 0.5F, 300 * kMiB), 0), PriceTable{});
  EXPECT_TRUE(e.suggestion.reasons.empty());
  EXPECT_DOUBLE_EQ(e.suggestion.monthly_change, 0);
}

TEST(CostRulesTest, ReplicasThatTogetherUseLessThanHalfOfOneAreNamed) {
  Reservation r{.cpu_cores = 1, .memory_bytes = 512 * kMiB, .replicas = 3};
  CostEstimate e = EstimateCost(r, UsageOf(Steady(360, 0.3F, 200 * kMiB), 0), PriceTable{});
  EXPECT_EQ(e.suggestion.replicas, 1);
  EXPECT_DOUBLE_EQ(e.suggestion.cpu_cores, 0.6);  // sized for the one replica left: 2 x 0.3
  EXPECT_DOUBLE_EQ(e.suggestion.memory_bytes, 320 * kMiB);
  EXPECT_NE(e.suggestion.reasons.front().find("unless you keep them for availability"),
            std::string::npos);
}

TEST(CostRulesTest, TooFewSamplesSayHowMuchMoreIsNeeded) {
  Reservation r{.cpu_cores = 1, .memory_bytes = kGiB, .replicas = 1};
  CostEstimate e = EstimateCost(r, UsageOf(Steady(6, 0.01F, kMiB), 0), PriceTable{});
  EXPECT_TRUE(e.suggestion.reasons.empty());
  EXPECT_NE(e.note.find("only 60 s of samples"), std::string::npos) << e.note;
  EXPECT_GT(e.reserved_monthly, 29);  // the estimate is there anyway
}

TEST(CostRulesTest, WithoutALimitReservedCountsThePeak) {
  Reservation r{.cpu_cores = 0, .memory_bytes = kGiB, .replicas = 1};
  Usage u{.covered_s = 3600, .cpu_cores_mean = 0.2, .cpu_cores_p95 = 0.7};
  CostEstimate e = EstimateCost(r, u, PriceTable{.vcpu_hour = 1});
  EXPECT_DOUBLE_EQ(e.reserved_hourly.cpu, 0.7);
  EXPECT_NE(e.note.find("no limit on CPU"), std::string::npos);
}

TEST(CostRulesTest, MoneyIsShownToTheCentOrThreeDigitsBelowIt) {
  EXPECT_EQ(FormatMoney(12.345, "USD"), "$12.35");  // NOLINT: rounding is printf's
  EXPECT_EQ(FormatMoney(0, "USD"), "$0.00");
  EXPECT_EQ(FormatMoney(0.00412, "USD"), "$0.00412");
  EXPECT_EQ(FormatMoney(-3, "EUR"), "-€3.00");
  EXPECT_EQ(FormatMoney(1.5, "CHF"), "CHF 1.50");
}

}  // namespace
}  // namespace ink::metrics
