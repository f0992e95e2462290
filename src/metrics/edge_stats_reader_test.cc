#include "ink/metrics/edge_stats_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "ink/edge/edge_stats.h"
#include "ink/metrics/metric_rules.h"

namespace ink::metrics {
namespace {

const char* kBounds =
    R"("latency_bounds_ms": [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000])";

std::string Doc(const std::string& services) {
  return std::string("{\"pid\": 7, ") + kBounds + ", \"services\": {" + services + "}}";
}

std::string Entry(const std::string& id, const std::string& status, const std::string& buckets) {
  return "\"" + id + "\": {\"status\": " + status + ", \"latency_buckets\": " + buckets + "}";
}

const char* kStatus = R"({"2xx": 7, "3xx": 1, "4xx": 2, "5xx": 3})";
const char* kBuckets = "[3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6]";

TEST(EdgeStatsReaderTest, ReadsCountersPerService) {
  auto parsed = ParseEdgeStats(Doc(Entry("svc_web", kStatus, kBuckets)));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 1u);
  const EdgeServiceCounters& web = parsed->at("svc_web");
  EXPECT_EQ(web.status[0], 7u);
  EXPECT_EQ(web.status[1], 1u);
  EXPECT_EQ(web.status[2], 2u);
  EXPECT_EQ(web.status[3], 3u);
  ASSERT_EQ(web.latency_buckets.size(), LatencyBucketsMs().size());
  EXPECT_EQ(web.latency_buckets[0], 3u);
  EXPECT_EQ(web.latency_buckets[1], 4u);
  EXPECT_EQ(web.latency_buckets.back(), 6u);  // the open-ended bucket
}

TEST(EdgeStatsReaderTest, ReadsWhatTheEdgeWrites) {
  // The contract between the two binaries: the edge's buckets are inkd's.
  ASSERT_EQ(edge::kLatencyBuckets, LatencyBucketsMs().size());
  for (size_t i = 0; i < edge::kLatencyBoundsMs.size(); ++i) {
    EXPECT_EQ(static_cast<double>(edge::kLatencyBoundsMs[i]), LatencyBucketsMs()[i]) << i;
  }
  edge::TrafficByService traffic;
  traffic["svc_web"].status = {200, 0, 3, 1};
  traffic["svc_web"].latency_buckets[edge::LatencyBucket(3'000)] = 204;  // 3 ms
  auto parsed = ParseEdgeStats(edge::FormatEdgeStats(traffic, 42, 1, 2));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const EdgeServiceCounters& web = parsed->at("svc_web");
  EXPECT_EQ(web.status[0], 200u);
  EXPECT_EQ(web.status[2], 3u);
  EXPECT_EQ(web.latency_buckets[2], 204u);  // (2, 5] ms
  EXPECT_NEAR(HistogramQuantile(web.latency_buckets, 0.5), 3.5, 0.01);
}

TEST(EdgeStatsReaderTest, MalformedEntriesAreSkipped) {
  std::string zeros = "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]";
  auto parsed = ParseEdgeStats(Doc(
      Entry("ok", kStatus, kBuckets) + ", " +
      Entry("negative", R"({"2xx": -1, "3xx": 0, "4xx": 0, "5xx": 0})", zeros) + ", " +
      Entry("float", R"({"2xx": 1.5, "3xx": 0, "4xx": 0, "5xx": 0})", zeros) + ", " +
      Entry("huge", R"({"2xx": 1e30, "3xx": 0, "4xx": 0, "5xx": 0})", zeros) + ", " +
      Entry("missing_class", R"({"2xx": 1, "3xx": 0, "4xx": 0})", zeros) + ", " +
      Entry("short", kStatus, "[1, 2]") + ", " +
      Entry("text_count", kStatus, "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \"1\"]") + ", " +
      Entry("", kStatus, kBuckets) + ", " + R"("not_object": [1], "no_status": {})"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ(parsed->count("ok"), 1u);
}

TEST(EdgeStatsReaderTest, MalformedFilesAreErrors) {
  for (const std::string& text : {
           std::string(""), std::string("{"), std::string("[]"), std::string("null"),
           std::string("{\"services\": {}}"),                        // no bounds
           std::string("{") + kBounds + "}",                        // no services
           std::string("{") + kBounds + ", \"services\": []}",      // not an object
           std::string(R"({"latency_bounds_ms": [1, 2, 5], "services": {}})"),  // other buckets
           std::string(R"({"latency_bounds_ms": [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500,
                           5000, 10000, 60000], "services": {}})"),
           std::string(R"({"latency_bounds_ms": "1,2", "services": {}})"),
       }) {
    auto parsed = ParseEdgeStats(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_FALSE(parsed.error().message.empty());
  }
}

TEST(EdgeStatsReaderTest, MissingOrBadFileMeansNoFigures) {
  char tmpl[] = "/tmp/ink-edge-stats-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string path = dir + "/edge-stats.json";
  EXPECT_TRUE(ReadEdgeStatsFile(path).empty());  // no edge (yet)
  std::ofstream(path) << "{\"services\": ";       // cut short
  EXPECT_TRUE(ReadEdgeStatsFile(path).empty());
  std::ofstream(path) << Doc(Entry("svc_web", kStatus, kBuckets));
  auto read = ReadEdgeStatsFile(path);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read["svc_web"].status[0], 7u);
  std::remove(path.c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace ink::metrics
