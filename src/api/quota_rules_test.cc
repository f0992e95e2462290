// Quota rules: effective caps from defaults and overrides, admission (refuse only growth past a
// cap, messages that say what is in use), and the parsing of set_workspace_quota's values.
#include "src/api/quota_rules.h"

#include <gtest/gtest.h>

namespace ink::api_internal {
namespace {

constexpr int64_t kGiB = int64_t{1} << 30;

QuotaUsage Usage(std::vector<QuotaHolder> holders) {
  QuotaUsage u;
  for (auto& h : holders) u.Add(std::move(h));
  return u;
}

TEST(QuotaRulesTest, OverridesReplaceDefaultsPerResource) {
  QuotaLimits defaults{.cpu = 4, .memory_bytes = 8 * kGiB, .replicas = 10, .volume_bytes = {}};
  QuotaOverrides o;
  o.cpu = std::optional<double>{};            // unlimited for this workspace
  o.volume_bytes = std::optional<int64_t>{kGiB};  // capped though the default is not
  QuotaLimits q = EffectiveQuota(defaults, o);
  EXPECT_FALSE(q.cpu.has_value());
  EXPECT_EQ(q.memory_bytes, 8 * kGiB);
  EXPECT_EQ(q.replicas, 10);
  EXPECT_EQ(q.volume_bytes, kGiB);
}

TEST(QuotaRulesTest, AdmitsWithinCapsAndAtTheCap) {
  QuotaLimits q{.cpu = 2, .memory_bytes = 2 * kGiB, .replicas = 4, .volume_bytes = kGiB};
  QuotaUsage before = Usage({{"demo/web", 1, kGiB, 2, 0}});
  QuotaUsage after = Usage({{"demo/web", 1, kGiB, 2, 0}, {"demo/api", 1, kGiB, 2, kGiB}});
  EXPECT_TRUE(AdmitQuota(q, before, after, "deploy of demo/api").ok());
  // Three replicas of 0.33 and 0.34 cores sum to a little over 1 in floating point: still fine.
  QuotaLimits one{.cpu = 1};
  QuotaUsage thirds = Usage({{"a", 0.33, 0, 1, 0}, {"b", 0.33, 0, 1, 0}, {"c", 0.34, 0, 1, 0}});
  EXPECT_TRUE(AdmitQuota(one, QuotaUsage{}, thirds, "x").ok());
}

TEST(QuotaRulesTest, RefusesGrowthPastACapAndSaysWhatIsInUse) {
  QuotaLimits q{.memory_bytes = 4 * kGiB, .replicas = 5};
  QuotaUsage before = Usage({{"demo/web", 1, 2 * kGiB, 2, 0},
                             {"demo/db", 1, int64_t{1} << 29, 1, 0},
                             {"sandbox sbx_1", 1, int64_t{1} << 29, 0, 0}});
  QuotaUsage after = before;
  after.Add({"demo/api", 1, 2 * kGiB, 2, 0});
  Status s = AdmitQuota(q, before, after, "deploy of demo/api");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
  const std::string& m = s.error().message;
  EXPECT_NE(m.find("deploy of demo/api is over this workspace's quota"), std::string::npos) << m;
  EXPECT_NE(m.find("memory would be 5g of 4g allowed (3g in use: demo/web 2g, demo/db 512m, "
                   "sandbox sbx_1 512m; this adds 2g)"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("replicas would be"), std::string::npos) << "5 of 5 is within: " << m;
  EXPECT_NE(m.find("set_workspace_quota"), std::string::npos);
  EXPECT_NE(m.find("Nothing was changed"), std::string::npos);
}

TEST(QuotaRulesTest, AWorkspaceOverALoweredCapMayShrinkButNotGrow) {
  QuotaLimits q{.cpu = 1, .replicas = 2};
  QuotaUsage before = Usage({{"demo/web", 3, 0, 3, 0}});
  EXPECT_TRUE(AdmitQuota(q, before, Usage({{"demo/web", 2, 0, 2, 0}}), "scale").ok());
  EXPECT_TRUE(AdmitQuota(q, before, before, "restart").ok());
  Status grow = AdmitQuota(q, before, Usage({{"demo/web", 4, 0, 4, 0}}), "scale of demo/web");
  ASSERT_FALSE(grow.ok());
  EXPECT_NE(grow.error().message.find("cpu would be 4 cores of 1 cores allowed"),
            std::string::npos)
      << grow.error().message;
  EXPECT_NE(grow.error().message.find("replicas would be 4 of 2 allowed"), std::string::npos);
}

TEST(QuotaRulesTest, ListsTheThreeLargestHoldersAndCountsTheRest) {
  QuotaLimits q{.replicas = 5};
  QuotaUsage before = Usage({{"p/a", 0, 0, 1, 0},
                             {"p/b", 0, 0, 2, 0},
                             {"p/c", 0, 0, 1, 0},
                             {"p/d", 0, 0, 1, 0},
                             {"volume p/v", 0, 0, 0, kGiB}});
  QuotaUsage after = before;
  after.Add({"p/e", 0, 0, 1, 0});
  Status s = AdmitQuota(q, before, after, "deploy of p/e");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("(5 in use: p/b 2, p/a 1, p/c 1, and 1 more; this adds 1)"),
            std::string::npos)
      << s.error().message;
}

TEST(QuotaRulesTest, ParsesQuotaValues) {
  auto cpu = ParseCpuQuota("2.5");
  ASSERT_TRUE(cpu.ok());
  EXPECT_EQ(**cpu, std::optional<double>(2.5));
  EXPECT_FALSE(ParseCpuQuota("default")->has_value());
  auto unlimited = ParseCpuQuota("Unlimited");
  ASSERT_TRUE(unlimited.ok());
  ASSERT_TRUE(unlimited->has_value());
  EXPECT_FALSE((*unlimited)->has_value());
  for (const char* bad : {"", "-1", "lots", "2 cores", "1e9", "nan"}) {
    EXPECT_FALSE(ParseCpuQuota(bad).ok()) << bad;
  }
  EXPECT_EQ(**ParseBytesQuota("8g", "memory"), std::optional<int64_t>(8 * kGiB));
  EXPECT_EQ(**ParseBytesQuota("0", "volume"), std::optional<int64_t>(0));
  auto bad_bytes = ParseBytesQuota("8 apples", "volume");
  ASSERT_FALSE(bad_bytes.ok());
  EXPECT_NE(bad_bytes.error().message.find("--quota-volume"), std::string::npos);
  EXPECT_EQ(**ParseCountQuota("10", "replicas"), std::optional<int64_t>(10));
  EXPECT_FALSE(ParseCountQuota("1.5", "replicas").ok());
  EXPECT_FALSE(ParseCountQuota("-3", "replicas").ok());
}

}  // namespace
}  // namespace ink::api_internal
