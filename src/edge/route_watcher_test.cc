// RouteWatcher: bad entries are skipped (their host keeps its previous route), a bad file keeps
// the old table, and every look at the file is reported in the status file inkd reads.
#include "ink/edge/route_watcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ink/common/json.h"

namespace ink::edge {
namespace {

class RouteWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ink-route-watcher-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/routes.json";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& text) {
    std::string tmp = path_ + ".tmp";
    std::ofstream(tmp) << text;
    std::rename(tmp.c_str(), path_.c_str());
  }
  Json Status() {
    std::ifstream in(dir_ + "/edge-status.json");
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = ParseJson(text.str());
    EXPECT_TRUE(parsed.ok()) << text.str();
    return parsed.ok() ? *parsed : Json();
  }
  static std::string Route(const std::string& host, const std::string& port) {
    return R"({"host": ")" + host + R"(", "service": "s", "project": "p", "backends": )" +
           R"([{"address": "10.0.0.1", "port": )" + port + "}]}";
  }

  std::string dir_, path_;
  RouteTableHolder holder_;
};

TEST_F(RouteWatcherTest, MissingFileIsReported) {
  RouteWatcher watcher(path_, holder_);
  EXPECT_EQ(watcher.status_path(), dir_ + "/edge-status.json");
  EXPECT_FALSE(watcher.ReloadIfChanged());
  Json status = Status();
  EXPECT_EQ(status["loaded"]["version"], 0);
  EXPECT_NE(status["file_error"].get<std::string>().find("missing"), std::string::npos) << status;
  EXPECT_EQ(status["pid"], static_cast<int64_t>(getpid()));
}

TEST_F(RouteWatcherTest, BadEntryIsSkippedKeepsItsPreviousRouteAndIsReported) {
  RouteWatcher watcher(path_, holder_);
  Write(R"({"version": 1, "routes": [)" + Route("a.localhost", "81") + "," +
        Route("b.localhost", "82") + "]}");
  ASSERT_TRUE(watcher.ReloadIfChanged());
  Json status = Status();
  EXPECT_EQ(status["loaded"]["version"], 1);
  EXPECT_EQ(status["loaded"]["routes"], 2);
  EXPECT_TRUE(status["rejected"].empty());
  EXPECT_EQ(status["file_error"], "");

  // Version 2 moves a, breaks b and adds c: a and c update, b keeps version 1's route.
  Write(R"({"version": 2, "routes": [)" + Route("a.localhost", "91") + "," +
        Route("b.localhost", "70000") + "," + Route("c.localhost", "93") + "]}");
  ASSERT_TRUE(watcher.ReloadIfChanged());
  auto table = holder_.Get();
  EXPECT_EQ(table->version(), 2);
  ASSERT_NE(table->Find("a.localhost"), nullptr);
  EXPECT_EQ(table->Find("a.localhost")->backends[0].port, 91);
  ASSERT_NE(table->Find("c.localhost"), nullptr);
  ASSERT_NE(table->Find("b.localhost"), nullptr);
  EXPECT_EQ(table->Find("b.localhost")->backends[0].port, 82);
  status = Status();
  EXPECT_EQ(status["loaded"]["version"], 2);
  EXPECT_EQ(status["loaded"]["routes"], 3);
  ASSERT_EQ(status["rejected"].size(), 1u) << status;
  EXPECT_EQ(status["rejected"][0]["index"], 1);
  EXPECT_EQ(status["rejected"][0]["host"], "b.localhost");
  EXPECT_TRUE(status["rejected"][0]["kept_previous"].get<bool>());
  EXPECT_NE(status["rejected"][0]["reason"].get<std::string>().find("routes[1].backends[0].port"),
            std::string::npos);

  // A new host that is bad from the start has nothing to keep.
  Write(R"({"version": 3, "routes": [)" + Route("a.localhost", "91") + "," +
        Route("d.localhost", "0") + "]}");
  ASSERT_TRUE(watcher.ReloadIfChanged());
  EXPECT_EQ(holder_.Get()->Find("d.localhost"), nullptr);
  EXPECT_EQ(holder_.Get()->Find("b.localhost"), nullptr);  // gone from the file: gone
  status = Status();
  ASSERT_EQ(status["rejected"].size(), 1u);
  EXPECT_FALSE(status["rejected"][0]["kept_previous"].get<bool>());
}

TEST_F(RouteWatcherTest, UnusableFileKeepsTheTableAndSaysWhy) {
  RouteWatcher watcher(path_, holder_, std::chrono::milliseconds(1000), dir_ + "/st.json");
  Write(R"({"version": 4, "routes": [)" + Route("a.localhost", "81") + "]}");
  ASSERT_TRUE(watcher.ReloadIfChanged());
  Write(R"({"version": 5, "routes": [ {"host": )");
  EXPECT_FALSE(watcher.ReloadIfChanged());
  EXPECT_EQ(holder_.Get()->version(), 4);
  std::ifstream in(dir_ + "/st.json");
  std::stringstream text;
  text << in.rdbuf();
  auto status = ParseJson(text.str());
  ASSERT_TRUE(status.ok());
  EXPECT_EQ((*status)["loaded"]["version"], 4);
  EXPECT_NE((*status)["file_error"].get<std::string>().find("rejected"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/st.json.tmp"));
}

}  // namespace
}  // namespace ink::edge
