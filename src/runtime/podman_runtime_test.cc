// Integration tests: PodmanRuntime against real podman with crun and gVisor (label
// "integration"). Each test creates uniquely named containers/networks and removes them.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "ink/common/subprocess.h"
#include "ink/runtime/runtime.h"

namespace ink {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kImage = "localhost/ink/base:bookworm";

std::string Suffix() {
  static std::mt19937_64 rng(std::random_device{}());
  static const char* kChars = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 8; ++i) s += kChars[rng() % 36];
  return s;
}

double MillisSince(SteadyClock::time_point start) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

class PodmanRuntimeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(std::filesystem::temp_directory_path() / ("ink-rt-" + Suffix()));
    PodmanOptions options;
    options.socket_dir = *dir_;
    auto start = SteadyClock::now();
    auto runtime = StartPodmanRuntime(options);
    ASSERT_TRUE(runtime.ok()) << runtime.error().message;
    std::printf("[timing] StartPodmanRuntime (2 services, until _ping): %.0f ms\n",
                MillisSince(start));
    runtime_ = std::move(runtime).value().release();
  }
  static void TearDownTestSuite() {
    delete runtime_;
    runtime_ = nullptr;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  void SetUp() override {
    ASSERT_NE(runtime_, nullptr);
    suffix_ = Suffix();
    labels_ = {{"ink.test", suffix_}};
  }

  void TearDown() override {
    auto containers = runtime_->ListContainers(labels_);
    ASSERT_TRUE(containers.ok()) << containers.error().message;
    for (const auto& c : *containers) {
      Status removed = runtime_->RemoveContainer(c.id, true);
      EXPECT_TRUE(removed.ok()) << removed.error().message;
    }
    for (const auto& n : networks_) {
      Status removed = runtime_->RemoveNetwork(n);
      EXPECT_TRUE(removed.ok()) << removed.error().message;
    }
  }

  ContainerSpec Spec(const std::string& name, const std::string& runtime_class,
                     std::vector<std::string> command) {
    ContainerSpec spec;
    spec.name = "ink-test-" + name + "-" + suffix_;
    spec.image = kImage;
    spec.command = std::move(command);
    spec.labels = labels_;
    spec.runtime_class = runtime_class;
    return spec;
  }

  std::string Network(const std::string& name) {
    std::string full = "ink-test-" + name + "-" + suffix_;
    Status made = runtime_->EnsureNetwork(full);
    EXPECT_TRUE(made.ok()) << made.error().message;
    networks_.push_back(full);
    return full;
  }

  std::string CreateAndStart(const ContainerSpec& spec) {
    auto id = runtime_->CreateContainer(spec);
    EXPECT_TRUE(id.ok()) << id.error().message;
    if (!id.ok()) return "";
    Status started = runtime_->StartContainer(*id);
    EXPECT_TRUE(started.ok()) << started.error().message;
    return *id;
  }

  // Polls until `pred(info)` holds or `timeout` passes; returns the last info.
  ContainerInfo WaitFor(const std::string& id,
                        const std::function<bool(const ContainerInfo&)>& pred,
                        std::chrono::milliseconds timeout = 30s) {
    auto deadline = SteadyClock::now() + timeout;
    ContainerInfo last;
    while (SteadyClock::now() < deadline) {
      auto info = runtime_->InspectContainer(id);
      EXPECT_TRUE(info.ok()) << info.error().message;
      if (!info.ok()) break;
      last = *info;
      if (pred(last)) break;
      std::this_thread::sleep_for(50ms);
    }
    return last;
  }

  ContainerInfo WaitExited(const std::string& id) {
    return WaitFor(id, [](const ContainerInfo& i) { return i.state == "exited"; });
  }

  std::string Logs(const std::string& id) {
    std::string out;
    Status s = runtime_->StreamLogs(id, {}, [&](std::string_view stream, std::string_view line) {
      out += std::string(stream) + ":" + std::string(line) + "\n";
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.error().message;
    return out;
  }

  static std::string* dir_;
  static ContainerRuntime* runtime_;
  std::string suffix_;
  std::map<std::string, std::string> labels_;
  std::vector<std::string> networks_;
};

std::string* PodmanRuntimeTest::dir_ = nullptr;
ContainerRuntime* PodmanRuntimeTest::runtime_ = nullptr;

TEST_F(PodmanRuntimeTest, PingAnswers) { EXPECT_TRUE(runtime_->Ping().ok()); }

TEST_F(PodmanRuntimeTest, EachClassRunsItsOwnOciRuntimeWithLimits) {
  for (const auto& [runtime_class, oci] : std::vector<std::pair<std::string, std::string>>{
           {"gvisor", "runsc-hostnet"}, {"runc", "crun"}}) {
    auto spec = Spec("cls-" + runtime_class, runtime_class, {"sleep", "infinity"});
    spec.memory_bytes = 64 << 20;
    spec.cpu = 0.5;
    spec.env = {{"GREETING", "hello"}};
    spec.labels["ink.service"] = "svc_" + runtime_class;
    auto t0 = SteadyClock::now();
    auto id = runtime_->CreateContainer(spec);
    ASSERT_TRUE(id.ok()) << id.error().message;
    double create_ms = MillisSince(t0);
    t0 = SteadyClock::now();
    Status started = runtime_->StartContainer(*id);
    ASSERT_TRUE(started.ok()) << started.error().message;
    std::printf("[timing] %s: create %.0f ms, start %.0f ms\n", runtime_class.c_str(), create_ms,
                MillisSince(t0));

    auto info = runtime_->InspectContainer(*id);
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->oci_runtime, oci);
    EXPECT_EQ(info->state, "running");
    EXPECT_EQ(info->name, spec.name);
    EXPECT_EQ(info->labels["ink.service"], "svc_" + runtime_class);
    EXPECT_GT(info->pid, 0);
    EXPECT_GT(info->started_at, 1600000000000);
    EXPECT_EQ(info->finished_at, 0);
    EXPECT_FALSE(info->oom_killed);
    // The limits reach the container's cgroups.
    std::ifstream memory("/sys/fs/cgroup/memory/libpod_parent/libpod-" + *id +
                         "/memory.limit_in_bytes");
    long long limit = 0;
    memory >> limit;
    EXPECT_EQ(limit, 64 << 20);
    std::ifstream quota("/sys/fs/cgroup/cpu/libpod_parent/libpod-" + *id + "/cpu.cfs_quota_us");
    long long q = 0;
    quota >> q;
    EXPECT_EQ(q, 50000);
  }
  auto listed = runtime_->ListContainers({{"ink.test", suffix_}, {"ink.service", "svc_runc"}});
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].oci_runtime, "crun");
  auto both = runtime_->ListContainers(labels_);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->size(), 2u);
  auto none = runtime_->ListContainers({{"ink.test", suffix_ + "-other"}});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(PodmanRuntimeTest, StopIsPromptWithInitAndRemoveIsIdempotent) {
  for (const std::string runtime_class : {"runc", "gvisor"}) {
    auto id = CreateAndStart(Spec("stop-" + runtime_class, runtime_class, {"sleep", "infinity"}));
    ASSERT_FALSE(id.empty());
    auto t0 = SteadyClock::now();
    Status stopped = runtime_->StopContainer(id, 10);
    ASSERT_TRUE(stopped.ok()) << stopped.error().message;
    double stop_ms = MillisSince(t0);
    std::printf("[timing] %s: stop %.0f ms\n", runtime_class.c_str(), stop_ms);
    auto info = runtime_->InspectContainer(id);
    ASSERT_TRUE(info.ok());
    EXPECT_NE(info->state, "running");
    // SIGTERM stops `sleep` under catatonit at once: it exits by SIGTERM (143), not by the
    // SIGKILL podman sends when the 10 s grace runs out (137). Checked by the exit code, not
    // by the time it took (a loaded machine once took 11 s for the whole test).
    EXPECT_EQ(info->exit_code, 128 + SIGTERM) << "stop took " << stop_ms << " ms";
    EXPECT_TRUE(runtime_->StopContainer(id, 10).ok()) << "stopping twice is fine";
    t0 = SteadyClock::now();
    Status removed = runtime_->RemoveContainer(id, true);
    ASSERT_TRUE(removed.ok()) << removed.error().message;
    std::printf("[timing] %s: remove %.0f ms\n", runtime_class.c_str(), MillisSince(t0));
    EXPECT_TRUE(runtime_->RemoveContainer(id, true).ok());
    auto gone = runtime_->InspectContainer(id);
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  }
}

TEST_F(PodmanRuntimeTest, ExecGivesExitCodeSplitStreamsStdinAndKillsAtTimeout) {
  for (const std::string runtime_class : {"gvisor", "runc"}) {
    auto id = CreateAndStart(Spec("exec-" + runtime_class, runtime_class, {"sleep", "infinity"}));
    ASSERT_FALSE(id.empty());
    auto t0 = SteadyClock::now();
    auto ran = runtime_->Exec(
        id, {.argv = {"sh", "-c", "echo to-out; echo to-err >&2; exit 7"}, .timeout_seconds = 30});
    ASSERT_TRUE(ran.ok()) << ran.error().message;
    std::printf("[timing] %s: exec %.0f ms\n", runtime_class.c_str(), MillisSince(t0));
    EXPECT_EQ(ran->exit_code, 7) << runtime_class;
    EXPECT_EQ(ran->stdout_data, "to-out\n");
    EXPECT_EQ(ran->stderr_data, "to-err\n");
    EXPECT_FALSE(ran->timed_out);

    auto piped = runtime_->Exec(id, {.argv = {"sh", "-c", "tr a-z A-Z; echo done >&2"},
                                     .stdin_data = "hello $HOME 'x'\n",
                                     .timeout_seconds = 30});
    ASSERT_TRUE(piped.ok()) << piped.error().message;
    EXPECT_EQ(piped->exit_code, 0) << runtime_class;
    EXPECT_EQ(piped->stdout_data, "HELLO $HOME 'X'\n") << runtime_class;
    EXPECT_EQ(piped->stderr_data, "done\n");

    auto bounded = runtime_->Exec(
        id, {.argv = {"sh", "-c", "head -c 5000 /dev/zero"}, .max_output_bytes = 1000});
    ASSERT_TRUE(bounded.ok()) << bounded.error().message;
    EXPECT_EQ(bounded->stdout_data.size(), 1000u);
    EXPECT_TRUE(bounded->stdout_truncated);

    t0 = SteadyClock::now();
    auto slow = runtime_->Exec(id, {.argv = {"sleep", "60"}, .timeout_seconds = 2});
    ASSERT_TRUE(slow.ok()) << slow.error().message;
    double slow_ms = MillisSince(t0);
    std::printf("[timing] %s: exec killed after %.0f ms\n", runtime_class.c_str(), slow_ms);
    EXPECT_TRUE(slow->timed_out) << runtime_class;
    EXPECT_EQ(slow->exit_code, 137) << runtime_class;
    EXPECT_LT(slow_ms, 15000);

    auto missing = runtime_->Exec(id, {.argv = {"no-such-command-here"}, .timeout_seconds = 10});
    if (missing.ok()) {
      EXPECT_NE(missing->exit_code, 0) << runtime_class;
    }
    ASSERT_TRUE(runtime_->StopContainer(id, 5).ok());
    auto stopped = runtime_->Exec(id, {.argv = {"true"}});
    ASSERT_FALSE(stopped.ok());
    EXPECT_EQ(stopped.error().code, ErrorCode::kFailedPrecondition) << stopped.error().message;
    ASSERT_TRUE(runtime_->RemoveContainer(id, true).ok());
  }
}

TEST_F(PodmanRuntimeTest, ForceRemovesRunningContainer) {
  auto id = CreateAndStart(Spec("force", "runc", {"sleep", "infinity"}));
  ASSERT_FALSE(id.empty());
  Status removed = runtime_->RemoveContainer(id, true);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_FALSE(runtime_->InspectContainer(id).ok());
}

TEST_F(PodmanRuntimeTest, LogsSeparateStreamsAndFollow) {
  auto id = CreateAndStart(
      Spec("logs", "runc", {"sh", "-c", "echo one; echo two >&2; echo three; printf partial"}));
  ASSERT_FALSE(id.empty());
  auto info = WaitExited(id);
  EXPECT_EQ(info.exit_code, 0);
  std::string logs = Logs(id);
  EXPECT_NE(logs.find("stdout:one\n"), std::string::npos) << logs;
  EXPECT_NE(logs.find("stderr:two\n"), std::string::npos) << logs;
  EXPECT_NE(logs.find("stdout:three\n"), std::string::npos) << logs;
  EXPECT_NE(logs.find("stdout:partial\n"), std::string::npos) << logs;

  LogOptions tail;
  tail.tail = 1;
  std::vector<std::string> last;
  ASSERT_TRUE(runtime_
                  ->StreamLogs(id, tail,
                               [&](std::string_view, std::string_view line) {
                                 last.emplace_back(line);
                                 return true;
                               })
                  .ok());
  EXPECT_LE(last.size(), 2u);  // last line per stream

  // Follow: lines arrive while the container runs; the stream ends when it exits.
  for (const std::string runtime_class : {"runc", "gvisor"}) {
    auto follower =
        CreateAndStart(Spec("follow-" + runtime_class, runtime_class,
                            {"sh", "-c", "for i in 1 2 3 4 5; do echo line$i; sleep 0.3; done"}));
    ASSERT_FALSE(follower.empty());
    LogOptions follow;
    follow.follow = true;
    std::vector<std::pair<std::string, double>> got;
    auto t0 = SteadyClock::now();
    Status s = runtime_->StreamLogs(follower, follow, [&](std::string_view, std::string_view line) {
      got.emplace_back(std::string(line), MillisSince(t0));
      return true;
    });
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_EQ(got.size(), 5u) << runtime_class;
    EXPECT_EQ(got[4].first, "line5");
    EXPECT_GT(got[4].second - got[0].second, 800) << "lines should arrive as they are written";

    // A follow stopped by the callback returns promptly.
    auto sleeper = CreateAndStart(Spec("follow-stop-" + runtime_class, runtime_class,
                                       {"sh", "-c", "echo ready; sleep infinity"}));
    t0 = SteadyClock::now();
    s = runtime_->StreamLogs(
        sleeper, follow, [&](std::string_view, std::string_view line) { return line != "ready"; });
    EXPECT_TRUE(s.ok());
    EXPECT_LT(MillisSince(t0), 5000);
  }
  auto missing = runtime_->StreamLogs("ink-test-missing-" + suffix_, {},
                                      [](std::string_view, std::string_view) { return true; });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound) << missing.error().message;
}

TEST_F(PodmanRuntimeTest, NetworksAreIsolatedAndAliasesResolve) {
  std::string a = Network("neta");
  std::string b = Network("netb");
  EXPECT_TRUE(runtime_->EnsureNetwork(a).ok()) << "EnsureNetwork is idempotent";

  auto server_spec = Spec("srv-a", "runc", {"sleep", "infinity"});
  server_spec.network = a;
  server_spec.network_aliases = {"web"};
  auto server = CreateAndStart(server_spec);
  auto other_spec = Spec("srv-b", "runc", {"sleep", "infinity"});
  other_spec.network = b;
  auto other = CreateAndStart(other_spec);
  auto server_info = runtime_->InspectContainer(server);
  auto other_info = runtime_->InspectContainer(other);
  ASSERT_TRUE(server_info.ok() && other_info.ok());
  ASSERT_FALSE(server_info->ip_address.empty());
  ASSERT_FALSE(other_info->ip_address.empty());

  // Nothing listens on port 81: a reachable peer answers "connection refused" at once, an
  // isolated one is dropped and the connect times out.
  auto probe = [&](const std::string& name, const std::string& runtime_class,
                   const std::string& network, const std::string& target) {
    auto spec = Spec(name, runtime_class,
                     {"bash", "-c",
                      "timeout 3 bash -c 'echo > /dev/tcp/" + target +
                          "/81' 2>/dev/null; echo rc=$?; getent hosts web || echo nodns"});
    spec.network = network;
    auto id = CreateAndStart(spec);
    WaitExited(id);
    return Logs(id);
  };
  for (const std::string runtime_class : {"runc", "gvisor"}) {
    std::string same = probe("probe-same-" + runtime_class, runtime_class, a, "web");
    EXPECT_NE(same.find("rc=1"), std::string::npos) << same;  // refused: reachable
    EXPECT_NE(same.find(server_info->ip_address), std::string::npos) << "alias resolves: " << same;
    std::string cross =
        probe("probe-cross-" + runtime_class, runtime_class, b, server_info->ip_address);
    EXPECT_NE(cross.find("rc=124"), std::string::npos) << "isolated: " << cross;
    EXPECT_NE(cross.find("nodns"), std::string::npos) << cross;
  }
}

TEST_F(PodmanRuntimeTest, OomKillIsDetectedUnderBothClasses) {
  const std::string hog = "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo survived; sleep 60";
  for (const std::string runtime_class : {"runc", "gvisor"}) {
    auto spec = Spec("oom-" + runtime_class, runtime_class, {"sh", "-c", hog});
    spec.memory_bytes = 32 << 20;
    auto id = CreateAndStart(spec);
    ASSERT_FALSE(id.empty());
    auto t0 = SteadyClock::now();
    auto info = WaitFor(
        id, [](const ContainerInfo& i) { return i.oom_killed; }, 60s);
    EXPECT_TRUE(info.oom_killed) << runtime_class << " state " << info.state;
    std::printf("[timing] %s: OOM seen after %.0f ms (state %s)\n", runtime_class.c_str(),
                MillisSince(t0), info.state.c_str());
    // Remembered after the container (and its cgroup) is gone from the running set.
    auto later = WaitFor(
        id, [](const ContainerInfo& i) { return i.state == "exited"; }, 30s);
    EXPECT_TRUE(later.oom_killed) << runtime_class;
  }
  // A container killed by SIGKILL without memory pressure is not reported as OOM.
  auto killed = CreateAndStart(Spec("kill9", "runc", {"sh", "-c", "sleep 0.5; kill -9 $$"}));
  auto info = WaitExited(killed);
  EXPECT_EQ(info.exit_code, 137);
  EXPECT_FALSE(info.oom_killed);
}

TEST_F(PodmanRuntimeTest, PullErrorsSayWhatToFix) {
  auto unreachable = runtime_->PullImage("127.0.0.1:9/ink/none:1", std::nullopt);
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.error().code, ErrorCode::kUnavailable) << unreachable.error().message;
  EXPECT_NE(unreachable.error().message.find("unreachable"), std::string::npos);

  auto exists = runtime_->ImageExists(kImage);
  ASSERT_TRUE(exists.ok());
  EXPECT_TRUE(*exists);
  auto absent = runtime_->ImageExists("localhost/ink/none-" + suffix_ + ":1");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(*absent);
}

// Pushes the base image into a password-protected registry on a loopback port and pulls it.
TEST_F(PodmanRuntimeTest, PullFromRegistryWithCredentials) {
  if (access("/usr/bin/docker-registry", X_OK) != 0 || access("/usr/bin/htpasswd", X_OK) != 0) {
    GTEST_SKIP() << "docker-registry or htpasswd not installed";
  }
  std::string dir = *dir_ + "/registry-" + suffix_;
  std::filesystem::create_directories(dir);
  int port = 20000 + static_cast<int>(std::random_device{}() % 20000);
  std::string address = "127.0.0.1:" + std::to_string(port);
  ASSERT_EQ(std::system(("htpasswd -Bbn inkuser inkpass > " + dir + "/htpasswd").c_str()), 0);
  std::ofstream(dir + "/config.yml")
      << "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: " << dir
      << "/data\nhttp:\n  addr: " << address
      << "\nauth:\n  htpasswd:\n    realm: test\n    path: " << dir << "/htpasswd\n";
  int log = ::open((dir + "/registry.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(log, 0);
  auto registry = Child::Start({.argv = {"/usr/bin/docker-registry", "serve", dir + "/config.yml"},
                                .out = ChildStream::Fd(log),
                                .err = ChildStream::SameAsStdout()});
  ::close(log);
  ASSERT_TRUE(registry.ok()) << registry.error().message;
  std::string repo = address + "/ink/pulltest-" + suffix_;
  std::string image = repo + ":v1";
  std::this_thread::sleep_for(500ms);
  auto t0 = SteadyClock::now();
  int pushed = std::system(("podman push -q --tls-verify=false --creds inkuser:inkpass " +
                            std::string(kImage) + " " + image + " >/dev/null")
                               .c_str());
  std::printf("[timing] podman push of the base image: %.0f ms\n", MillisSince(t0));
  EXPECT_EQ(pushed, 0);
  if (pushed == 0) {
    auto anonymous = runtime_->PullImage(image, std::nullopt);
    ASSERT_FALSE(anonymous.ok());
    EXPECT_EQ(anonymous.error().code, ErrorCode::kUnauthenticated);
    EXPECT_NE(anonymous.error().message.find("ink registry login"), std::string::npos)
        << anonymous.error().message;
    auto wrong = runtime_->PullImage(image, RegistryAuth{"inkuser", "wrong"});
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated) << wrong.error().message;
    auto missing = runtime_->PullImage(repo + ":nope", RegistryAuth{"inkuser", "inkpass"});
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound) << missing.error().message;
    t0 = SteadyClock::now();
    Status pulled = runtime_->PullImage(image, RegistryAuth{"inkuser", "inkpass"});
    EXPECT_TRUE(pulled.ok()) << pulled.error().message;
    std::printf("[timing] PullImage (layers already local): %.0f ms\n", MillisSince(t0));
    auto exists = runtime_->ImageExists(image);
    ASSERT_TRUE(exists.ok());
    EXPECT_TRUE(*exists);
    std::system(("podman rmi -f " + image + " >/dev/null 2>&1").c_str());
  }
  registry->Stop(std::chrono::seconds(5));
}

// Finds the pid of the podman service serving `socket` (started by this test's runtime).
pid_t ServicePid(const std::string& socket) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find("system") != std::string::npos &&
        cmdline.find("unix://" + socket) != std::string::npos) {
      return std::stoi(name);
    }
  }
  return -1;
}

TEST_F(PodmanRuntimeTest, SupervisorRestartsAServiceThatDied) {
  pid_t pid = ServicePid(*dir_ + "/podman-gvisor.sock");
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  std::this_thread::sleep_for(100ms);
  auto deadline = SteadyClock::now() + 20s;
  Status ping = runtime_->Ping();
  while (SteadyClock::now() < deadline) {
    ping = runtime_->Ping();
    if (ping.ok()) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(ping.ok()) << ping.error().message;
  EXPECT_NE(ServicePid(*dir_ + "/podman-gvisor.sock"), pid);
  auto id = CreateAndStart(Spec("after-restart", "gvisor", {"true"}));
  auto info = runtime_->InspectContainer(id);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->oci_runtime, "runsc-hostnet");
}

}  // namespace
}  // namespace ink
