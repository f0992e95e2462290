// Test fixture shared by the edge's loopback tests (tests only): a route file in a temp dir
// watched by a RouteWatcher, and an EdgeServer on port 0 in front of it.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ink/edge/edge_server.h"
#include "ink/edge/route_watcher.h"
#include "test_backend.h"

namespace ink::edge::testing {

// `service_id` "" leaves the field out (a route file of an older inkd).
inline std::string RouteJson(const std::string& host, const std::string& service,
                             const std::string& project, const std::vector<uint16_t>& ports,
                             const std::string& service_id = "") {
  std::string j = R"({"host": ")" + host + R"(", "service": ")" + service + R"(", "project": ")" +
                  project + "\", ";
  if (!service_id.empty()) j += R"("service_id": ")" + service_id + "\", ";
  j += R"("backends": [)";
  for (size_t i = 0; i < ports.size(); ++i) {
    if (i) j += ",";
    j += R"({"address": "127.0.0.1", "port": )" + std::to_string(ports[i]) + "}";
  }
  return j + "]}";
}

class EdgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ink-edge-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/routes.json";
  }
  void TearDown() override {
    if (server_) server_->Stop(std::chrono::milliseconds(0));
    if (watcher_) watcher_->Stop();
    std::remove(path_.c_str());
    std::remove((dir_ + "/edge-status.json").c_str());  // RouteWatcher's report
    rmdir(dir_.c_str());
  }
  // Writes the route file the way inkd does: temp file + rename.
  void WriteRoutes(int version, const std::vector<std::string>& routes) {
    std::string j = "{\"version\": " + std::to_string(version) + ", \"routes\": [";
    for (size_t i = 0; i < routes.size(); ++i) j += (i ? "," : "") + routes[i];
    WriteRaw(j + "]}");
  }
  void WriteRaw(const std::string& text) {
    std::string tmp = path_ + ".tmp";
    std::ofstream(tmp) << text;
    std::rename(tmp.c_str(), path_.c_str());
  }
  void StartEdge(EdgeOptions options = {}) {
    options.listen_port = 0;
    watcher_ = std::make_unique<RouteWatcher>(path_, holder_, std::chrono::milliseconds(50));
    ASSERT_TRUE(watcher_->Start().ok());
    auto s = EdgeServer::Start(options, holder_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    server_ = std::move(*s);
    port_ = server_->port();
  }
  // Waits until the holder publishes a table with `version`.
  bool WaitForVersion(int64_t version) {
    for (int i = 0; i < 200; ++i) {
      if (holder_.Get()->version() == version) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  std::string dir_, path_;
  RouteTableHolder holder_;
  std::unique_ptr<RouteWatcher> watcher_;
  std::unique_ptr<EdgeServer> server_;
  uint16_t port_ = 0;
};

}  // namespace ink::edge::testing
