// Integration test (CTest label "integration"): for every sample app in test/fixtures/apps,
// detect the plan, render the Containerfile, build it with real podman (crun, the host CA
// mounted as the pipeline does), run the image and GET / from the container's IP. Proves that
// the plans work. Images and containers are tagged with a unique prefix and removed.
// INK_COLD_BUILD=1 adds --no-cache (cold build times for docs/BUILDS.md); INK_PLAN_APPS=a,b
// limits the apps.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "ink/build/plan.h"
#include "ink/common/subprocess.h"
#include "src/build/dockerfile_policy.h"
#include "src/build/toolchain.h"

namespace ink {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kFixtures = fs::path(INK_SOURCE_DIR) / "test/fixtures/apps";

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// One HTTP/1.0 GET; "" if the connection failed.
std::string HttpGet(const std::string& ip, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip.c_str(), &address.sin_addr);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    std::string request = "GET / HTTP/1.0\r\nHost: fixture\r\n\r\n";
    if (send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
      char buffer[4096];
      ssize_t got;
      while ((got = recv(fd, buffer, sizeof(buffer), 0)) > 0) response.append(buffer, got);
    }
  }
  close(fd);
  return response;
}

struct App {
  std::string name;
  std::string provider;
  std::string expected_body;
};

class PlanIntegrationTest : public ::testing::TestWithParam<App> {
 protected:
  void SetUp() override {
    if (const char* only = std::getenv("INK_PLAN_APPS")) {
      std::string list = std::string(",") + only + ",";
      if (list.find("," + GetParam().name + ",") == std::string::npos) GTEST_SKIP();
    }
    prefix_ = "localhost/inkplantest-" + std::to_string(getpid());
    work_ = fs::temp_directory_path() /
            ("inkplantest-" + std::to_string(getpid()) + "-" + GetParam().name);
    fs::create_directories(work_);
  }
  void TearDown() override {
    if (!container_.empty()) (void)RunProcess({"podman", "rm", "-f", "-t", "0", container_}, 60s);
    if (!image_.empty()) (void)RunProcess({"podman", "rmi", "-f", image_}, 60s);
    std::error_code ec;
    fs::remove_all(work_, ec);
  }
  std::string prefix_;
  fs::path work_;
  std::string image_;
  std::string container_;
};

TEST_P(PlanIntegrationTest, BuildsRunsAndAnswers) {
  const App& app = GetParam();
  auto plan = DetectPlan(kFixtures / app.name, {});
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->provider, app.provider);
  auto containerfile = RenderContainerfile(*plan);
  ASSERT_TRUE(containerfile.ok()) << containerfile.error().message;
  // As the pipeline gives it to podman: through the Dockerfile policy, which builds FROM
  // debian:bookworm from Ink's base image (this host reaches no registry).
  build::DockerfilePolicy policy;
  policy.cache_namespace = "ink-plantest";
  policy.image_aliases = build::DebianBookwormAliases(build::kBaseImage);
  auto checked = build::CheckDockerfile(*containerfile, policy);
  ASSERT_TRUE(checked.ok()) << checked.error().message;
  fs::path file = work_ / "Containerfile";
  std::ofstream(file) << checked->text;

  image_ = prefix_ + "/" + app.name + ":test";
  std::vector<std::string> build = {
      "podman", "build",       "--runtime",
      "crun",   "--volume",    "/etc/ssl/certs/ca-certificates.crt:/etc/ink/host-ca.crt:ro",
      "-f",     file.string(), "-t",
      image_};
  if (std::getenv("INK_COLD_BUILD")) build.push_back("--no-cache");
  build.push_back((kFixtures / app.name / plan->root_directory).string());
  auto started = std::chrono::steady_clock::now();
  auto built = RunProcess(build, 10min);
  // A cached layer removed meanwhile by another build's or test's image clean-up (tests run
  // side by side on one image store) fails the cache look-up with "layer not known"; the
  // pipeline builds once more in that case (pipeline.cc), and so does this test.
  if (built.ok() && built->exit_code != 0 &&
      built->output.find("layer not known") != std::string::npos) {
    built = RunProcess(build, 10min);
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_TRUE(built.ok()) << built.error().message;
  ASSERT_EQ(built->exit_code, 0) << *containerfile << "\n" << built->output;
  std::cout << "[plan] " << app.name << " build " << seconds << " s\n";

  container_ = "inkplantest-" + std::to_string(getpid()) + "-" + app.name;
  auto run = RunProcess(
      {"podman", "run", "-d", "--runtime", "crun", "--init", "--name", container_, image_}, 120s);
  ASSERT_TRUE(run.ok()) << run.error().message;
  ASSERT_EQ(run->exit_code, 0) << run->output;
  auto inspect =
      RunProcess({"podman", "inspect", "-f", "{{.NetworkSettings.IPAddress}}", container_}, 30s);
  ASSERT_TRUE(inspect.ok() && inspect->exit_code == 0);
  std::string ip = Trim(inspect->output);
  ASSERT_FALSE(ip.empty());

  std::string response;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    response = HttpGet(ip, plan->port);
    if (response.starts_with("HTTP/1.") && response.find(" 200 ") != std::string::npos) break;
    std::this_thread::sleep_for(200ms);
  }
  auto logs = RunProcess({"podman", "logs", container_}, 30s);
  EXPECT_NE(response.find(" 200 "), std::string::npos) << response << "\nlogs:\n"
                                                       << (logs.ok() ? logs->output : "");
  EXPECT_NE(response.find(app.expected_body), std::string::npos) << response;

  // The app runs as the plan's user, not root (the Dockerfile app decides for itself).
  if (!plan->user.empty()) {
    auto user = RunProcess({"podman", "exec", container_, "id", "-un"}, 30s);
    if (user.ok() && user->exit_code == 0) {
      EXPECT_EQ(Trim(user->output), plan->user);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, PlanIntegrationTest,
    ::testing::Values(
        App{"node", "node", "Hello from Node.js (express), built by npm run build"},
        App{"python", "python", "Hello from Python 3.11"}, App{"go", "go", "Hello from Go go1.23"},
        App{"static", "static", "Hello from a static site"},
        App{"dockerfile", "dockerfile", "Hello from a Dockerfile app"},
        App{"cpp", "cpp", "Hello from C++"}, App{"ruby", "ruby", "Hello from Ruby 3.1"},
        App{"php", "php", "Hello from PHP 8.2"}, App{"rust", "rust", "Hello from Rust"}),
    [](const ::testing::TestParamInfo<App>& info) { return info.param.name; });

}  // namespace
}  // namespace ink
