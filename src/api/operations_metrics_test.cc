// get_metrics: the summary of a service's samples over a window, with its limits, the journal's
// restarts and OOM kills, hints, and the optional replica breakdown and chart series; bad input
// is refused with what to give instead.
#include "ink/metrics/metrics_store.h"
#include "src/api/operations_test_fixture.h"

namespace ink {
namespace {

class MetricsOperationTest : public api_test::OperationsTest {
 protected:
  void SetUp() override {
    OperationsTest::SetUp();
    deps_->metrics = &metrics_;
  }
  // Records `count` samples 10 s apart for `key`, the newest now.
  void RecordSamples(const std::string& key, int count, float cpu, float memory,
                     float requests = 0) {
    int64_t now = clock_.NowMillis();
    for (int i = count - 1; i >= 0; --i) {
      metrics::Sample s;
      s.at_ms = now - i * 10'000;
      s.interval_s = 10;
      s.replicas = 1;
      s.cpu_cores = cpu;
      s.cpu_limit = 0.5;
      s.memory_bytes = memory;
      s.memory_limit = 100 << 20;
      s.rx_bytes_per_s = 2000;
      s.requests = requests;
      s.status_2xx = requests;
      s.latency_p50_ms = requests > 0 ? 4 : 0;
      s.latency_p95_ms = requests > 0 ? 9 : 0;
      s.latency_p99_ms = requests > 0 ? 20 : 0;
      metrics_.Record(key, s);
    }
  }
  metrics::MetricsStore metrics_;
};

TEST_F(MetricsOperationTest, SummarizesTheWindowWithLimitsEventsAndHints) {
  DeployWeb();
  RecordSamples(ServiceId(), 30, 0.49f, 95 << 20);
  Event oom{.workspace_id = caller_.workspace_id,
            .service_id = ServiceId(),
            .kind = "oom_killed",
            .message = "replica 0 was killed: out of memory (OOM)"};
  ASSERT_TRUE(store_->AppendEvent(oom).ok());
  Event restart = oom;
  restart.kind = "restarted";
  ASSERT_TRUE(store_->AppendEvent(restart).ok());

  Json m = MustCall("get_metrics", {{"service", "web"}});
  EXPECT_EQ(m["window"], "1h");
  EXPECT_EQ(m["points"], 30);
  EXPECT_DOUBLE_EQ(m["cpu"]["cores"]["current"].get<double>(), 0.49);
  EXPECT_DOUBLE_EQ(m["cpu"]["cores"]["p95"].get<double>(), 0.49);
  EXPECT_DOUBLE_EQ(m["cpu"]["limit_cores"].get<double>(), 0.5);
  EXPECT_EQ(m["memory"]["bytes"]["max"], 95 << 20);
  EXPECT_EQ(m["memory"]["limit_bytes"], 100 << 20);
  EXPECT_DOUBLE_EQ(m["network"]["rx_bytes_per_s"]["p50"].get<double>(), 2000);
  EXPECT_EQ(m["oom_kills"], 1);
  EXPECT_EQ(m["restarts"], 1);
  // No requests through the edge: counts, but no latencies to speak of.
  EXPECT_EQ(m["requests"]["total"], 0);
  EXPECT_FALSE(m["requests"].contains("latency_ms"));
  std::string hints = m["hints"].dump();
  EXPECT_NE(hints.find("memory at 95% of limit"), std::string::npos) << hints;
  EXPECT_NE(hints.find("1 OOM kill in 1h"), std::string::npos) << hints;
  EXPECT_NE(hints.find("CPU at 98% of its limit"), std::string::npos) << hints;
  EXPECT_FALSE(m.contains("series"));
  EXPECT_FALSE(m.contains("replica_breakdown"));
}

TEST_F(MetricsOperationTest, RequestsAndLatenciesWhenTheEdgeCounted) {
  DeployWeb();
  RecordSamples(ServiceId(), 6, 0.1f, 10 << 20, 50);
  Json m = MustCall("get_metrics", {{"service", "web"}, {"window", "30m"}});
  EXPECT_EQ(m["window"], "30m");
  EXPECT_EQ(m["requests"]["total"], 300);
  EXPECT_EQ(m["requests"]["status"]["2xx"], 300);
  EXPECT_DOUBLE_EQ(m["requests"]["per_second"]["current"].get<double>(), 5);
  EXPECT_DOUBLE_EQ(m["requests"]["latency_ms"]["p99"]["max"].get<double>(), 20);
}

TEST_F(MetricsOperationTest, SeriesAreAtMostSixtyPointsOldestFirst) {
  DeployWeb();
  RecordSamples(ServiceId(), 300, 0.25f, 10 << 20);
  Json m = MustCall("get_metrics", {{"service", "web"}, {"series", true}});
  ASSERT_EQ(m["series"]["cpu_cores"].size(), 60u);
  EXPECT_DOUBLE_EQ(m["series"]["cpu_cores"][0].get<double>(), 0.25);
  EXPECT_LT(m["series"]["at"][0].get<int64_t>(), m["series"]["at"][59].get<int64_t>());
  EXPECT_EQ(m["series"]["memory_bytes"].size(), 60u);
}

TEST_F(MetricsOperationTest, ReplicaBreakdownOfTheRunningReplicas) {
  std::string deployment = DeployWeb();
  AddReplicaContainer("c0", deployment, "0");
  AddReplicaContainer("c1", deployment, "1");
  AddReplicaContainer("c2", deployment, "2", "exited");
  RecordSamples(ServiceId(), 5, 0.3f, 20 << 20);
  RecordSamples(metrics::ReplicaSeriesKey(ServiceId(), "0"), 5, 0.2f, 12 << 20);
  RecordSamples(metrics::ReplicaSeriesKey(ServiceId(), "1"), 5, 0.1f, 8 << 20);
  Json m = MustCall("get_metrics", {{"service", "web"}, {"replicas", true}});
  Json breakdown = m["replica_breakdown"];
  ASSERT_EQ(breakdown.size(), 2u) << breakdown.dump();
  EXPECT_EQ(breakdown[0]["replica"], 0);
  EXPECT_DOUBLE_EQ(breakdown[0]["cpu"]["cores"]["current"].get<double>(), 0.2);
  EXPECT_EQ(breakdown[1]["replica"], 1);
  EXPECT_EQ(breakdown[1]["memory"]["bytes"]["current"], 8 << 20);
}

TEST_F(MetricsOperationTest, NoSamplesSaysWhy) {
  DeployWeb();
  Json m = MustCall("get_metrics", {{"service", "web"}, {"window", "24h"}});
  EXPECT_EQ(m["points"], 0);
  EXPECT_NE(m["hints"].dump().find("no samples in 24h"), std::string::npos) << m.dump();
}

TEST_F(MetricsOperationTest, BadInputIsRefusedClearly) {
  DeployWeb();
  auto unknown = Call("get_metrics", {{"service", "nope"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_NE(unknown.error().message.find("nope"), std::string::npos);
  for (const char* window : {"1y", "10s", "31d", "h", "-1h", "1.5h"}) {
    auto bad = Call("get_metrics", {{"service", "web"}, {"window", window}});
    ASSERT_FALSE(bad.ok()) << window;
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument) << window;
    EXPECT_NE(bad.error().message.find("\"24h\""), std::string::npos) << bad.error().message;
  }
  deps_->metrics = nullptr;
  auto none = Call("get_metrics", {{"service", "web"}});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace ink
