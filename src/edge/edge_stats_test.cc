// The edge's request counters: the bucket and class rules, one worker's counters, the stats
// file, and end to end over loopback (what a request through ink-edge adds to its service).
#include "ink/edge/edge_stats.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <numeric>
#include <sstream>
#include <thread>

#include "edge_test_fixture.h"
#include "ink/common/json.h"
#include "traffic.h"

namespace ink::edge {
namespace {

using testing::EdgeTest;
using testing::Get;
using testing::Response;
using testing::RouteJson;
using testing::TestBackend;
using testing::TestClient;

uint64_t Total(const ServiceTraffic& t) {
  return std::accumulate(t.status.begin(), t.status.end(), uint64_t{0});
}

uint64_t BucketTotal(const ServiceTraffic& t) {
  return std::accumulate(t.latency_buckets.begin(), t.latency_buckets.end(), uint64_t{0});
}

TEST(EdgeStatsRules, LatencyBucketsAreUpperBoundsInclusive) {
  EXPECT_EQ(LatencyBucket(0), 0u);
  EXPECT_EQ(LatencyBucket(1000), 0u);  // 1 ms is within "at most 1 ms"
  EXPECT_EQ(LatencyBucket(1001), 1u);
  EXPECT_EQ(LatencyBucket(30'000'000), kLatencyBoundsMs.size() - 1);
  EXPECT_EQ(LatencyBucket(30'000'001), kLatencyBoundsMs.size());  // the open bucket
  EXPECT_EQ(LatencyBucket(int64_t{1} << 50), kLatencyBuckets - 1);
  EXPECT_EQ(LatencyBucket(-5), 0u);  // a clock that went back counts as fast, not out of range
}

TEST(EdgeStatsRules, StatusClasses) {
  EXPECT_EQ(StatusClass(101), 0);
  EXPECT_EQ(StatusClass(200), 0);
  EXPECT_EQ(StatusClass(304), 1);
  EXPECT_EQ(StatusClass(404), 2);
  EXPECT_EQ(StatusClass(502), 3);
  EXPECT_EQ(StatusClass(599), 3);
  EXPECT_EQ(StatusClass(0), 0);
  EXPECT_EQ(StatusClass(999), 3);
}

TEST(EdgeStatsRules, WorkerCountersPerServiceId) {
  internal::WorkerTraffic traffic;
  EXPECT_EQ(traffic.For(""), nullptr);  // a route without an id is not counted
  internal::ServiceCounters* web = traffic.For("svc_web");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(traffic.For("svc_web"), web);
  internal::ServiceCounters* api = traffic.For("svc_api");
  ASSERT_NE(api, nullptr);
  for (int i = 0; i < 1000; ++i) traffic.For("svc_other_" + std::to_string(i));
  EXPECT_EQ(traffic.For("svc_web"), web);  // addresses stay put as services are added
  web->Count(200, 400);
  web->Count(204, 1500);
  web->Count(503, 40'000);
  api->Count(302, 0);
  TrafficByService sum;
  traffic.AddTo(&sum);
  traffic.AddTo(&sum);  // a second worker with the same counts
  EXPECT_EQ(sum.size(), 1002u);
  EXPECT_EQ(sum["svc_web"].status, (std::array<uint64_t, 4>{4, 0, 0, 2}));
  EXPECT_EQ(sum["svc_web"].latency_buckets[0], 2u);  // 0.4 ms
  EXPECT_EQ(sum["svc_web"].latency_buckets[1], 2u);  // 1.5 ms
  EXPECT_EQ(sum["svc_web"].latency_buckets[5], 2u);  // 40 ms: (25, 50]
  EXPECT_EQ(sum["svc_api"].status, (std::array<uint64_t, 4>{0, 2, 0, 0}));
  EXPECT_EQ(Total(sum["svc_other_7"]), 0u);
}

TEST(EdgeStatsRules, FileFormat) {
  TrafficByService t;
  t["svc_web"].status = {7, 1, 2, 3};
  t["svc_web"].latency_buckets[0] = 10;
  t["svc_web"].latency_buckets[kLatencyBuckets - 1] = 3;
  t["we\"ird\xff"].status[0] = 1;  // whatever bytes a route file held: still valid JSON
  auto doc = ParseJson(FormatEdgeStats(t, 42, 1000, 2000));
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ((*doc)["pid"], 42);
  EXPECT_EQ((*doc)["started_at"], 1000);
  EXPECT_EQ((*doc)["updated_at"], 2000);
  EXPECT_EQ((*doc)["latency_bounds_ms"].size(), kLatencyBoundsMs.size());
  EXPECT_EQ((*doc)["latency_bounds_ms"].back(), 30000);
  const Json& web = (*doc)["services"]["svc_web"];
  EXPECT_EQ(web["status"], Json({{"2xx", 7}, {"3xx", 1}, {"4xx", 2}, {"5xx", 3}}));
  ASSERT_EQ(web["latency_buckets"].size(), kLatencyBuckets);
  EXPECT_EQ(web["latency_buckets"][0], 10);
  EXPECT_EQ(web["latency_buckets"][kLatencyBuckets - 1], 3);
  EXPECT_EQ((*doc)["services"].size(), 2u);
  auto empty = ParseJson(FormatEdgeStats({}, 1, 0, 0));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE((*empty)["services"].is_object());
}

class EdgeStatsTest : public EdgeTest {
 protected:
  // Polls the server's counters until `service` has `requests` (the worker counts after the
  // last byte went out, so a client may read the response a moment before).
  ServiceTraffic WaitForRequests(const std::string& service, uint64_t requests) {
    ServiceTraffic t;
    for (int i = 0; i < 500; ++i) {
      auto all = server_->Traffic();
      t = all[service];
      if (Total(t) >= requests) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return t;
  }
  std::string StatsPath() const { return dir_ + "/edge-stats.json"; }
  void TearDown() override {
    std::remove(StatsPath().c_str());
    EdgeTest::TearDown();
  }
};

TEST_F(EdgeStatsTest, CountsEachRequestOnceByStatusClassPerService) {
  TestBackend a("a");
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {a.port()}, "svc_web"),
                  RouteJson("down-demo.localhost", "down", "demo", {}, "svc_down"),
                  RouteJson("gone-demo.localhost", "gone", "demo", {testing::UnusedPort()},
                            "svc_gone"),
                  RouteJson("old-demo.localhost", "old", "demo", {a.port()})});
  StartEdge();
  // Three on one keep-alive connection, two on their own.
  TestClient client(port_);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.Send("GET /k HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n"));
    EXPECT_EQ(client.Read().status, 200);
  }
  EXPECT_EQ(Get(port_, "web-demo.localhost", "/").status, 200);
  EXPECT_EQ(Get(port_, "web-demo.localhost", "/204").status, 204);
  EXPECT_EQ(Get(port_, "web-demo.localhost", "/bad-framing").status, 502);
  EXPECT_EQ(Get(port_, "down-demo.localhost", "/").status, 503);  // no replica: still its own
  EXPECT_EQ(Get(port_, "gone-demo.localhost", "/").status, 502);
  EXPECT_EQ(Get(port_, "old-demo.localhost", "/").status, 200);    // no service_id
  EXPECT_EQ(Get(port_, "nope-demo.localhost", "/").status, 404);   // no route
  ServiceTraffic web = WaitForRequests("svc_web", 6);
  EXPECT_EQ(web.status, (std::array<uint64_t, 4>{5, 0, 0, 1}));
  EXPECT_EQ(BucketTotal(web), 6u);
  ServiceTraffic down = WaitForRequests("svc_down", 1);
  EXPECT_EQ(down.status, (std::array<uint64_t, 4>{0, 0, 0, 1}));
  EXPECT_EQ(WaitForRequests("svc_gone", 1).status, (std::array<uint64_t, 4>{0, 0, 0, 1}));
  auto all = server_->Traffic();
  EXPECT_EQ(all.size(), 3u);  // old-demo (no id) and the unknown host belong to no service
  // Nothing was counted twice meanwhile (the keep-alive connection is still open).
  EXPECT_EQ(Total(all["svc_web"]), 6u);
}

TEST_F(EdgeStatsTest, LatencyIsHeadParsedToResponseComplete) {
  TestBackend a("a");
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {a.port()}, "svc_web")});
  StartEdge();
  EXPECT_EQ(Get(port_, "web-demo.localhost", "/slow/60").status, 200);
  ServiceTraffic t = WaitForRequests("svc_web", 1);
  ASSERT_EQ(BucketTotal(t), 1u);
  // The backend waited 60 ms: the request lands in a bucket above 50 ms, whatever the load.
  for (size_t i = 0; kLatencyBoundsMs[i] <= 50; ++i) EXPECT_EQ(t.latency_buckets[i], 0u) << i;
}

TEST_F(EdgeStatsTest, ClientLeavingMidResponseCountsTheStatusItGot) {
  TestBackend a("a");
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {a.port()}, "svc_web")});
  StartEdge();
  {
    TestClient client(port_);
    ASSERT_TRUE(client.Send("GET /large/67108864 HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n"));
    EXPECT_NE(client.ReadSome(4096).find("200 OK"), std::string::npos);
  }  // closed with most of 64 MiB unread
  ServiceTraffic t = WaitForRequests("svc_web", 1);
  EXPECT_EQ(t.status, (std::array<uint64_t, 4>{1, 0, 0, 0}));
}

TEST_F(EdgeStatsTest, CountsSurviveReloadAcrossWorkersAndStop) {
  TestBackend a("a"), b("b");
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {a.port()}, "svc_web")});
  EdgeOptions options;
  options.workers = 3;
  StartEdge(options);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(Get(port_, "web-demo.localhost", "/").status, 200);
  ASSERT_EQ(Total(WaitForRequests("svc_web", 20)), 20u);
  // A new table (other backend, another route before it): the service's counts continue.
  WriteRoutes(2, {RouteJson("api-demo.localhost", "api", "demo", {b.port()}, "svc_api"),
                  RouteJson("web-demo.localhost", "web", "demo", {b.port()}, "svc_web")});
  ASSERT_TRUE(WaitForVersion(2));
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Get(port_, "web-demo.localhost", "/").status, 200);
  ASSERT_EQ(Total(WaitForRequests("svc_web", 30)), 30u);
  server_->Stop(std::chrono::milliseconds(0));
  EXPECT_EQ(Total(server_->Traffic()["svc_web"]), 30u);
}

TEST_F(EdgeStatsTest, WriterReplacesTheFileWithTheCurrentCounts) {
  TestBackend a("a");
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {a.port()}, "svc_web")});
  StartEdge();
  EdgeStatsWriter writer(StatsPath(), [this] { return server_->Traffic(); },
                         std::chrono::milliseconds(20));
  ASSERT_TRUE(writer.Start().ok());
  auto read = [&] {
    std::ifstream in(StatsPath());
    std::stringstream text;
    text << in.rdbuf();
    return ParseJson(text.str());
  };
  auto first = read();
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE((*first)["services"].empty());
  for (int i = 0; i < 4; ++i) ASSERT_EQ(Get(port_, "web-demo.localhost", "/").status, 200);
  Json web;
  for (int i = 0; i < 500; ++i) {
    auto doc = read();  // the rename means every read sees a whole file
    ASSERT_TRUE(doc.ok()) << doc.error().message;
    web = (*doc)["services"].value("svc_web", Json::object());
    if (web.contains("status") && web["status"]["2xx"] == 4) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(web["status"]["2xx"], 4) << web.dump();
  writer.Stop();
  struct stat st;
  EXPECT_NE(stat((StatsPath() + ".tmp").c_str(), &st), 0);  // no temp file left behind
}

TEST_F(EdgeStatsTest, UnwritableStatsPathIsAnErrorNamingIt) {
  EdgeStatsWriter writer(dir_ + "/no/such/dir/edge-stats.json", [] { return TrafficByService{}; });
  Status s = writer.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("no/such/dir/edge-stats.json.tmp"), std::string::npos);
  writer.Stop();
}

}  // namespace
}  // namespace ink::edge
