// RoutePublisher: versions that keep increasing, no rewrite of unchanged routes, and the edge's
// report read back as acknowledgements and health problems.
#include "ink/controller/route_publisher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ink/common/fake_clock.h"
#include "ink/common/json.h"
#include "ink/common/subprocess.h"

namespace ink {
namespace {

class RoutePublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ink-route-publisher-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Routes() const { return dir_ + "/routes.json"; }
  std::string EdgeStatus() const { return dir_ + "/edge-status.json"; }
  Json ReadRoutes() {
    std::ifstream in(Routes());
    std::stringstream text;
    text << in.rdbuf();
    return *ParseJson(text.str());
  }
  // Writes the edge's report as ink-edge would.
  void EdgeReports(int64_t loaded, Json rejected = Json::array(), std::string file_error = "",
                   int64_t pid = ::getpid()) {
    Json status = {{"pid", pid},
                   {"loaded", {{"version", loaded}, {"routes", 2}, {"loaded_at", 1}}},
                   {"rejected", rejected},
                   {"rejected_count", rejected.size()},
                   {"file_error", file_error}};
    std::ofstream(EdgeStatus()) << status.dump();
  }
  static std::vector<RouteEntry> Entries(int port) {
    return {{"web-demo.localhost", "web", "demo", "svc_web", "wsp_a", {{"10.0.0.2", port}}},
            {"api-demo.localhost", "api", "demo", "svc_api", "wsp_b", {}}};
  }

  std::string dir_;
  FakeClock clock_;
};

TEST_F(RoutePublisherTest, WritesOnlyChangesUnderIncreasingVersions) {
  RoutePublisher publisher(Routes(), EdgeStatus(), clock_);
  EXPECT_EQ(publisher.written_version(), 0);
  ASSERT_EQ(*publisher.Publish(Entries(8080)), 1);
  Json doc = ReadRoutes();
  EXPECT_EQ(doc["version"], 1);
  ASSERT_EQ(doc["routes"].size(), 2u);
  EXPECT_EQ(doc["routes"][0]["host"], "web-demo.localhost");
  EXPECT_EQ(doc["routes"][0]["backends"][0]["address"], "10.0.0.2");
  EXPECT_EQ(doc["routes"][0]["backends"][0]["port"], 8080);
  EXPECT_EQ(doc["routes"][0]["service_id"], "svc_web");  // the edge counts requests by it
  EXPECT_FALSE(doc["routes"][0].contains("workspace_id"));  // tenants' ids stay in inkd

  clock_.Advance(std::chrono::milliseconds(1000));
  EXPECT_EQ(*publisher.Publish(Entries(8080)), 1);  // unchanged: not rewritten
  EXPECT_EQ(ReadRoutes()["generated_at"], 1'700'000'000'000);
  EXPECT_EQ(*publisher.Publish(Entries(9090)), 2);
  EXPECT_FALSE(std::filesystem::exists(Routes() + ".tmp"));

  // A restarted inkd continues from the file it finds (and from what the edge loaded).
  RoutePublisher restarted(Routes(), EdgeStatus(), clock_);
  EXPECT_EQ(*restarted.Publish(Entries(9090)), 3);
  EdgeReports(10);
  RoutePublisher after_edge(Routes(), EdgeStatus(), clock_);
  EXPECT_EQ(*after_edge.Publish(Entries(9090)), 11);
}

TEST_F(RoutePublisherTest, AcknowledgedOnlyOnceTheEdgeLoadedTheVersionWithTheHost) {
  RoutePublisher publisher(Routes(), EdgeStatus(), clock_);
  int64_t v1 = *publisher.Publish(Entries(8080));
  std::string reason;
  EXPECT_EQ(publisher.Acknowledged(v1, "web-demo.localhost", &reason), RouteAck::kPending);
  EdgeReports(v1);
  EXPECT_EQ(publisher.Acknowledged(v1, "web-demo.localhost", &reason), RouteAck::kLoaded);
  int64_t v2 = *publisher.Publish(Entries(9090));
  EXPECT_EQ(publisher.Acknowledged(v2, "web-demo.localhost", &reason), RouteAck::kPending);
  EdgeReports(v2, Json::array({{{"index", 0},
                                {"host", "web-demo.localhost"},
                                {"reason", "routes[0].backends[0].port must be ..."},
                                {"kept_previous", true}}}));
  EXPECT_EQ(publisher.Acknowledged(v2, "web-demo.localhost", &reason), RouteAck::kRejected);
  EXPECT_EQ(reason, "routes[0].backends[0].port must be ...");
  EXPECT_EQ(publisher.Acknowledged(v2, "api-demo.localhost", &reason), RouteAck::kLoaded);
  EXPECT_EQ(publisher.Acknowledged(v1, "api-demo.localhost", &reason), RouteAck::kLoaded);

  RouteStatus status = publisher.Status();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.problem.find("skipped 1 route entry"), std::string::npos) << status.problem;
  EXPECT_EQ(status.problem.find("web-demo"), std::string::npos) << "no tenant names in problem";
  ASSERT_EQ(status.rejected.size(), 1u);
  EXPECT_EQ(status.rejected[0].service_id, "svc_web");
  EXPECT_EQ(status.rejected[0].workspace_id, "wsp_a");
  EXPECT_TRUE(status.rejected[0].kept_previous);
}

TEST_F(RoutePublisherTest, StatusSaysWhenTheEdgeIsSilentDeadBehindOrRefusesTheFile) {
  RoutePublisher publisher(Routes(), EdgeStatus(), clock_);
  EXPECT_TRUE(publisher.Status().ok());  // nothing written yet
  int64_t v1 = *publisher.Publish(Entries(8080));
  EXPECT_TRUE(publisher.Status().ok());  // the edge has a moment to load it
  clock_.Advance(std::chrono::milliseconds(RoutePublisher::kAllowedLagMillis + 1000));
  EXPECT_NE(publisher.Status().problem.find("has not reported"), std::string::npos);

  EdgeReports(v1);
  RouteStatus fine = publisher.Status();
  EXPECT_TRUE(fine.ok()) << fine.problem;
  EXPECT_TRUE(fine.edge_reported);
  EXPECT_EQ(fine.loaded_version, v1);

  int64_t v2 = *publisher.Publish(Entries(9090));
  EXPECT_TRUE(publisher.Status().ok());
  clock_.Advance(std::chrono::milliseconds(RoutePublisher::kAllowedLagMillis + 1000));
  EXPECT_NE(
      publisher.Status().problem.find("serves route table version 1 but inkd wrote version 2"),
      std::string::npos)
      << publisher.Status().problem;

  EdgeReports(v1, Json::array(), "route file rejected: malformed JSON at byte 3");
  EXPECT_NE(publisher.Status().problem.find("refused route table version 2 as a whole"),
            std::string::npos)
      << publisher.Status().problem;
  EXPECT_EQ(publisher.Acknowledged(v2, "web-demo.localhost", nullptr), RouteAck::kPending);

  auto exited = Child::Start({.argv = {"true"}});  // a pid that no longer runs
  ASSERT_TRUE(exited.ok()) << exited.error().message;
  pid_t child = exited->pid();
  exited->Wait();
  EdgeReports(v2, Json::array(), "", child);
  EXPECT_NE(publisher.Status().problem.find("is not running"), std::string::npos);
}

TEST_F(RoutePublisherTest, WithoutAnEdgeReportWrittenMeansServed) {
  RoutePublisher publisher(Routes(), "", clock_);
  int64_t v1 = *publisher.Publish(Entries(8080));
  EXPECT_EQ(publisher.Acknowledged(v1, "web-demo.localhost", nullptr), RouteAck::kLoaded);
  EXPECT_EQ(publisher.Acknowledged(v1 + 1, "web-demo.localhost", nullptr), RouteAck::kPending);
  clock_.Advance(std::chrono::milliseconds(60'000));
  EXPECT_TRUE(publisher.Status().ok());
}

TEST_F(RoutePublisherTest, UnwritableFileIsAnError) {
  RoutePublisher publisher(dir_ + "/no/such/dir/routes.json", "", clock_);
  auto written = publisher.Publish(Entries(8080));
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(publisher.written_version(), 0);
}

}  // namespace
}  // namespace ink
