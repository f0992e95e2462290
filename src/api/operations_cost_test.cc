// get_cost: reserved and measured estimates per service from its limits, replicas, volumes and
// samples; a suggestion when the samples show it oversized; prices from deps; bad input refused.
#include "ink/metrics/cost_rules.h"
#include "ink/metrics/metrics_store.h"
#include "src/api/operations_test_fixture.h"

namespace ink {
namespace {

class CostOperationTest : public api_test::OperationsTest {
 protected:
  void SetUp() override {
    OperationsTest::SetUp();
    prices_.vcpu_hour = 0.04;
    prices_.memory_gib_hour = 0.01;
    deps_->metrics = &metrics_;
    deps_->prices = &prices_;
  }
  // `count` samples 10 s apart for the service, the newest now.
  void RecordSamples(int count, float cpu, float memory) {
    int64_t now = clock_.NowMillis();
    for (int i = count - 1; i >= 0; --i) {
      metrics_.Record(ServiceId(), {.at_ms = now - i * 10'000,
                                    .interval_s = 10,
                                    .replicas = 1,
                                    .cpu_cores = cpu,
                                    .memory_bytes = memory});
    }
  }
  metrics::MetricsStore metrics_;
  metrics::PriceTable prices_;
};

TEST_F(CostOperationTest, ReservedFromLimitsMeasuredFromSamplesWithASuggestion) {
  MustCall("deploy", {{"service", "web"},
                      {"image", "localhost/ink/echo:test"},
                      {"cpu", 1},
                      {"memory", "1g"},
                      {"replicas", 2}});
  RecordSamples(120, 0.1F, 100 << 20);  // 20 minutes
  Json c = MustCall("get_cost", {});
  ASSERT_EQ(c["services"].size(), 1U) << c.dump();
  const Json& web = c["services"][0];
  EXPECT_EQ(web["service"], "web");
  EXPECT_EQ(web["replicas"], 2);
  // 2 cores at 0.04 + 2 GiB at 0.01 per hour.
  EXPECT_DOUBLE_EQ(web["reserved"]["hourly"].get<double>(), 0.1);
  EXPECT_DOUBLE_EQ(web["reserved"]["monthly"].get<double>(), 73);
  EXPECT_DOUBLE_EQ(web["measured"]["monthly_by_resource"]["cpu"].get<double>(), 0.1 * 0.04 * 730);
  EXPECT_EQ(web["sampled_seconds"], 1200);
  ASSERT_TRUE(web.contains("suggestion")) << web.dump();
  EXPECT_EQ(web["suggestion"]["replicas"], 1);
  EXPECT_LT(web["suggestion"]["monthly_change"].get<double>(), -50);
  EXPECT_EQ(c["window"], "24h");
  EXPECT_EQ(c["prices"]["currency"], "USD");
  EXPECT_DOUBLE_EQ(c["total"]["reserved_monthly"].get<double>(), 73);
}

TEST_F(CostOperationTest, FewSamplesGiveAnEstimateAndANoteNotASuggestion) {
  DeployWeb();
  RecordSamples(3, 0.01F, 1 << 20);
  Json web = MustCall("get_cost", {{"service", "web"}, {"window", "1h"}})["services"][0];
  EXPECT_FALSE(web.contains("suggestion"));
  EXPECT_NE(web["note"].get<std::string>().find("only 30 s of samples"), std::string::npos);
  EXPECT_GT(web["reserved"]["monthly"].get<double>(), 0);  // the policy's default limits
}

TEST_F(CostOperationTest, BadInputIsRefusedClearly) {
  DeployWeb();
  auto window = Call("get_cost", {{"window", "forever"}});
  ASSERT_FALSE(window.ok());
  EXPECT_EQ(window.error().code, ErrorCode::kInvalidArgument);
  auto service = Call("get_cost", {{"service", "nope"}});
  ASSERT_FALSE(service.ok());
  EXPECT_EQ(service.error().code, ErrorCode::kNotFound);
  auto project = Call("get_cost", {{"project", "nope"}});
  ASSERT_FALSE(project.ok());
  EXPECT_EQ(project.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace ink
