#include "ink/metrics/metrics_store.h"

#include <gtest/gtest.h>

namespace ink::metrics {
namespace {

Sample At(int64_t ms, float cpu) {
  Sample s;
  s.at_ms = ms;
  s.interval_s = 10;
  s.cpu_cores = cpu;
  s.memory_bytes = cpu * 100;
  return s;
}

TEST(MetricsStoreTest, FineSamplesForAnHourThenMinutes) {
  MetricsStore store;
  const int64_t start = 1'800'000'000'000;  // a whole minute
  // Two hours of 10 s samples.
  for (int64_t t = start + 10'000; t <= start + 2 * 3600'000; t += 10'000) {
    store.Record("svc_a", At(t, static_cast<float>((t / 10'000) % 2)));
  }
  int64_t now = start + 2 * 3600'000;
  auto hour = store.Range("svc_a", now, 3600'000);
  EXPECT_EQ(hour.size(), 360u);
  EXPECT_EQ(hour.back().at_ms, now);
  auto ten_minutes = store.Range("svc_a", now, 600'000);
  EXPECT_EQ(ten_minutes.size(), 60u);
  // Older than an hour: the minute rollups (plus the open minute).
  auto day = store.Range("svc_a", now, 24 * 3600'000);
  ASSERT_GE(day.size(), 119u);
  ASSERT_LE(day.size(), 121u);
  EXPECT_FLOAT_EQ(day.front().cpu_cores, 0.5f);    // averaged over the minute
  EXPECT_FLOAT_EQ(day.front().memory_bytes, 100);  // the minute's peak
  EXPECT_TRUE(store.Range("svc_b", now, 3600'000).empty());
}

TEST(MetricsStoreTest, BoundedAfterThirtyDaysAndIdleServicesDropped) {
  MetricsStore store;
  const int64_t start = 1'800'000'000'000;
  // 31 days of one sample a minute keeps at most 30 days of minutes.
  int64_t t = start;
  for (int i = 0; i < 31 * 1440; ++i) {
    t += 60'000;
    store.Record("svc_a", At(t, 1));
  }
  auto month = store.Range("svc_a", t, kCoarseRetentionMs);
  EXPECT_LE(month.size(), kCoarseCapacity + 1);
  EXPECT_GE(month.size(), kCoarseCapacity - 2);
  EXPECT_LE(store.BytesUsed(), (kCoarseCapacity + kFineCapacity + 16) * sizeof(Sample) + 1024);
  EXPECT_EQ(store.Latest().size(), 1u);
  store.DropIdle(t + 1);
  EXPECT_TRUE(store.Latest().empty());
}

TEST(MetricsStoreTest, OutOfOrderSamplesAreIgnored) {
  MetricsStore store;
  store.Record("s", At(20'000, 1));
  store.Record("s", At(10'000, 2));
  auto r = store.Range("s", 30'000, 3600'000);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FLOAT_EQ(r[0].cpu_cores, 1);
}

}  // namespace
}  // namespace ink::metrics
