#include "ink/metrics/sampler.h"

#include <gtest/gtest.h>

#include "ink/common/fake_clock.h"
#include "ink/metrics/metric_rules.h"
#include "ink/runtime/fake_runtime.h"

namespace ink::metrics {
namespace {

TEST(MetricsSamplerTest, CpuFromDeltasPerServiceAndEdgeTraffic) {
  FakeRuntime runtime;
  FakeClock clock;
  MetricsStore store;
  for (const char* replica : {"0", "1"}) {
    ContainerSpec spec;
    spec.name = std::string("web-") + replica;
    spec.image = "img";
    spec.labels = {{"ink.instance", "t"}, {"ink.service", "svc_web"}, {"ink.replica", replica}};
    auto id = runtime.CreateContainer(spec);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(runtime.StartContainer(*id).ok());
  }
  uint64_t cpu_ns = 0;
  uint64_t edge_2xx = 0;
  MetricsSampler sampler(runtime, store, clock,
                         {.instance = "t",
                          .interval = std::chrono::seconds(10),
                          .read_counters =
                              [&](const ContainerInfo&, int64_t now) {
                                ContainerCounters c;
                                c.at_ms = now;
                                c.has_cpu = c.has_memory = true;
                                c.cpu_usage_ns = cpu_ns;
                                c.cpu_limit = 0.5;
                                c.memory_bytes = 1000;
                                c.memory_limit = 4000;
                                return c;
                              },
                          .edge_counters =
                              [&] {
                                EdgeServiceCounters e;
                                e.status[0] = edge_2xx;
                                e.latency_buckets.assign(LatencyBucketsMs().size(), 0);
                                e.latency_buckets[3] = edge_2xx;
                                return std::map<std::string, EdgeServiceCounters>{{"svc_web", e}};
                              }});
  sampler.SampleOnce();  // baselines only
  EXPECT_TRUE(store.Latest().empty());
  clock.Advance(std::chrono::seconds(10));
  cpu_ns += 4'000'000'000ULL;  // each replica used 4 s of CPU in 10 s
  edge_2xx = 50;
  sampler.SampleOnce();
  auto latest = store.Latest();
  ASSERT_EQ(latest.count("svc_web"), 1u);
  const Sample& s = latest["svc_web"];
  EXPECT_FLOAT_EQ(s.replicas, 2);
  EXPECT_NEAR(s.cpu_cores, 0.8, 1e-5);
  EXPECT_FLOAT_EQ(s.cpu_limit, 1.0);
  EXPECT_FLOAT_EQ(s.memory_bytes, 2000);
  EXPECT_FLOAT_EQ(s.requests, 50);
  EXPECT_GT(s.latency_p50_ms, 5);
  EXPECT_LE(s.latency_p50_ms, 10);
  // Each replica has its own series too (for get_metrics' breakdown), not listed as a service.
  EXPECT_EQ(latest.size(), 1u);
  auto replica = store.Range(ReplicaSeriesKey("svc_web", "1"), clock.NowMillis(), 3600'000);
  ASSERT_EQ(replica.size(), 1u);
  EXPECT_NEAR(replica[0].cpu_cores, 0.4, 1e-5);
  EXPECT_FLOAT_EQ(replica[0].replicas, 1);
  EXPECT_FLOAT_EQ(replica[0].requests, 0);
}

}  // namespace
}  // namespace ink::metrics
