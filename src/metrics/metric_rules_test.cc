#include "ink/metrics/metric_rules.h"

#include <gtest/gtest.h>

namespace ink::metrics {
namespace {

TEST(MetricRulesTest, CpuCoresComeFromTheCounterDeltaNotTheSinceStartAverage) {
  ContainerCounters a{.at_ms = 10'000, .has_cpu = true, .cpu_usage_ns = 50'000'000'000ULL};
  ContainerCounters b = a;
  b.at_ms = 20'000;
  b.cpu_usage_ns += 5'000'000'000ULL;  // 5 s of CPU in 10 s
  EXPECT_DOUBLE_EQ(RatesBetween(a, b).cpu_cores, 0.5);
}

TEST(MetricRulesTest, NetworkRatesAndOomKillsFromDeltas) {
  ContainerCounters a{.at_ms = 0,
                      .has_memory = true,
                      .oom_kills = 1,
                      .has_network = true,
                      .rx_bytes = 1000,
                      .tx_bytes = 0};
  ContainerCounters b = a;
  b.at_ms = 2000;
  b.rx_bytes = 5000;
  b.tx_bytes = 2000;
  b.oom_kills = 3;
  auto r = RatesBetween(a, b);
  EXPECT_DOUBLE_EQ(r.rx_bytes_per_s, 2000);
  EXPECT_DOUBLE_EQ(r.tx_bytes_per_s, 1000);
  EXPECT_DOUBLE_EQ(r.oom_kills, 2);
}

TEST(MetricRulesTest, ACounterThatWentDownCountsFromZeroAndNoTimeMeansNoRate) {
  ContainerCounters a{.at_ms = 0, .has_cpu = true, .cpu_usage_ns = 9'000'000'000ULL};
  ContainerCounters b{.at_ms = 1000, .has_cpu = true, .cpu_usage_ns = 1'000'000'000ULL};
  EXPECT_DOUBLE_EQ(RatesBetween(a, b).cpu_cores, 1.0);
  EXPECT_DOUBLE_EQ(RatesBetween(a, a).cpu_cores, 0);
}

TEST(MetricRulesTest, PercentileIsNearestRank) {
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  EXPECT_DOUBLE_EQ(Percentile(v, 0.5), 50);
  EXPECT_DOUBLE_EQ(Percentile(v, 0.95), 95);
  EXPECT_DOUBLE_EQ(Percentile(v, 1.0), 100);
  EXPECT_DOUBLE_EQ(Percentile({}, 0.5), 0);
  EXPECT_DOUBLE_EQ(Percentile({7}, 0.99), 7);
}

TEST(MetricRulesTest, HistogramQuantileInterpolatesInsideTheBucket) {
  std::vector<uint64_t> counts(LatencyBucketsMs().size(), 0);
  counts[3] = 100;  // all in (5, 10] ms
  EXPECT_NEAR(HistogramQuantile(counts, 0.5), 7.5, 1e-9);
  EXPECT_NEAR(HistogramQuantile(counts, 1.0), 10, 1e-9);
  counts[9] = 100;  // and as many in (500, 1000]
  EXPECT_LE(HistogramQuantile(counts, 0.5), 10);
  EXPECT_GT(HistogramQuantile(counts, 0.99), 500);
  EXPECT_EQ(HistogramQuantile(std::vector<uint64_t>(counts.size(), 0), 0.5), 0);
}

TEST(MetricRulesTest, RollupAveragesRatesAndKeepsPeaksAndSums) {
  std::vector<Sample> minute;
  for (int i = 0; i < 6; ++i) {
    Sample s;
    s.at_ms = 60'000 + i * 10'000;
    s.interval_s = 10;
    s.cpu_cores = i % 2 ? 1.0f : 0.0f;
    s.memory_bytes = 100.0f * i;
    s.requests = 10;
    s.latency_p99_ms = static_cast<float>(i);
    minute.push_back(s);
  }
  Sample r = Rollup(minute, 120'000);
  EXPECT_EQ(r.at_ms, 120'000);
  EXPECT_FLOAT_EQ(r.interval_s, 60);
  EXPECT_FLOAT_EQ(r.cpu_cores, 0.5f);
  EXPECT_FLOAT_EQ(r.memory_bytes, 500);
  EXPECT_FLOAT_EQ(r.requests, 60);
  EXPECT_FLOAT_EQ(r.latency_p99_ms, 5);
}

TEST(MetricRulesTest, WindowsParseAndBadOnesSayWhatIsAccepted) {
  EXPECT_EQ(*ParseWindowMs("1h"), 3600'000);
  EXPECT_EQ(*ParseWindowMs("24h"), 86400'000);
  EXPECT_EQ(*ParseWindowMs("30m"), 1800'000);
  EXPECT_EQ(*ParseWindowMs("7d"), 7 * 86400'000LL);
  for (const char* bad : {"", "h", "1", "10s", "31d", "1x", "-1h", "1h30m"}) {
    auto r = ParseWindowMs(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("\"24h\""), std::string::npos);
  }
  EXPECT_EQ(FormatWindow(3600'000), "1h");
  EXPECT_EQ(FormatWindow(86400'000), "24h");
  EXPECT_EQ(FormatWindow(7 * 86400'000LL), "7d");
  EXPECT_EQ(FormatWindow(90 * 60'000), "90m");
}

std::vector<Sample> Flat(int n, float cpu, float cpu_limit, float memory, float memory_limit) {
  std::vector<Sample> v;
  for (int i = 0; i < n; ++i) {
    Sample s;
    s.at_ms = i * 10'000;
    s.interval_s = 10;
    s.replicas = 1;
    s.cpu_cores = cpu;
    s.cpu_limit = cpu_limit;
    s.memory_bytes = memory;
    s.memory_limit = memory_limit;
    v.push_back(s);
  }
  return v;
}

TEST(MetricRulesTest, HintsSayMemoryNearItsLimitWithOomKills) {
  auto samples = Flat(360, 0.2f, 1, 236.0f * 1024 * 1024, 256.0f * 1024 * 1024);
  auto s = Summarize(samples, 3600'000, 0, 3);
  ASSERT_FALSE(s.hints.empty());
  EXPECT_NE(s.hints[0].find("memory at 92% of limit"), std::string::npos) << s.hints[0];
  EXPECT_NE(s.hints[0].find("3 OOM kills in 1h"), std::string::npos) << s.hints[0];
  EXPECT_EQ(s.oom_kills, 3);
}

TEST(MetricRulesTest, HintsSayCpuIdleUnderItsLimitOverTheWindow) {
  auto samples = Flat(1440, 0.01f, 1, 100.0f * 1024 * 1024, 256.0f * 1024 * 1024);
  auto s = Summarize(samples, 24 * 3600'000, 0, 0);
  bool found = false;
  for (const auto& h : s.hints) found |= h.find("CPU under 5% of its limit for 24h") == 0;
  EXPECT_TRUE(found);
  EXPECT_DOUBLE_EQ(s.cpu_cores.p95, 0.01f);
  EXPECT_DOUBLE_EQ(s.cpu_limit, 1);
}

TEST(MetricRulesTest, HintsSayThrottledRestartsAnd5xx) {
  auto samples = Flat(30, 0.5f, 0.5f, 10, 1000);
  samples.back().requests = 100;
  samples.back().status_5xx = 10;
  auto s = Summarize(samples, 3600'000, 2, 0);
  std::string all;
  for (const auto& h : s.hints) all += h + "\n";
  EXPECT_NE(all.find("CPU at 100% of its limit"), std::string::npos) << all;
  EXPECT_NE(all.find("2 restarts in 1h"), std::string::npos) << all;
  EXPECT_NE(all.find("10.0% of 100 requests answered 5xx"), std::string::npos) << all;
}

TEST(MetricRulesTest, NoSamplesSaysSo) {
  auto s = Summarize({}, 3600'000, 0, 0);
  ASSERT_EQ(s.hints.size(), 1u);
  EXPECT_NE(s.hints[0].find("no samples in 1h"), std::string::npos);
}

TEST(MetricRulesTest, SummaryDistributions) {
  auto samples = Flat(100, 0, 0, 0, 0);
  for (int i = 0; i < 100; ++i) samples[i].cpu_cores = static_cast<float>(i + 1) / 100;
  auto s = Summarize(samples, 3600'000, 0, 0);
  EXPECT_FLOAT_EQ(s.cpu_cores.current, 1.0f);
  EXPECT_FLOAT_EQ(s.cpu_cores.p50, 0.5f);
  EXPECT_FLOAT_EQ(s.cpu_cores.p95, 0.95f);
  EXPECT_FLOAT_EQ(s.cpu_cores.max, 1.0f);
}

TEST(MetricRulesTest, PrometheusTextHasOneHelpAndTypePerFamily) {
  LabeledSample a{"demo", "web", {}};
  a.sample.cpu_cores = 0.5;
  a.sample.interval_s = 10;
  a.sample.status_2xx = 20;
  LabeledSample b{"demo", "we\"ird", {}};
  auto text = PrometheusText({a, b}, 1024, 2.5, 100);
  EXPECT_NE(text.find("# TYPE ink_service_cpu_cores gauge\n"), std::string::npos);
  EXPECT_NE(text.find("ink_service_cpu_cores{project=\"demo\",service=\"web\"} 0.5\n"),
            std::string::npos);
  EXPECT_NE(text.find("service=\"we\\\"ird\""), std::string::npos);
  EXPECT_NE(
      text.find(
          "ink_service_requests_per_second{project=\"demo\",service=\"web\",class=\"2xx\"} 2\n"),
      std::string::npos);
  EXPECT_NE(text.find("ink_process_cpu_seconds_total 2.5\n"), std::string::npos);
  size_t helps = 0;
  for (size_t p = text.find("# HELP ink_service_cpu_cores "); p != std::string::npos;
       p = text.find("# HELP ink_service_cpu_cores ", p + 1)) {
    ++helps;
  }
  EXPECT_EQ(helps, 1u);
}

}  // namespace
}  // namespace ink::metrics
