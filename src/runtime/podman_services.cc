#include "podman_services.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "ink/common/log.h"
#include "ink/http/client.h"

extern char** environ;

namespace ink::runtime_internal {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

std::string Tail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  return all.size() > max_bytes ? all.substr(all.size() - max_bytes) : all;
}

bool Exited(pid_t pid) {
  int status;
  return ::waitpid(pid, &status, WNOHANG) == pid;
}

}  // namespace

Result<std::unique_ptr<PodmanServices>> PodmanServices::Start(
    const PodmanOptions& options, const std::map<std::string, std::string>& runtime_by_class) {
  if (options.socket_dir.empty()) {
    return InvalidArgument("PodmanOptions.socket_dir is empty: give a directory for the sockets");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.socket_dir, ec);
  if (ec) {
    return InvalidArgument("cannot create socket directory " + options.socket_dir + ": " +
                           ec.message());
  }
  std::unique_ptr<PodmanServices> services(new PodmanServices(options));
  {
    std::lock_guard lock(services->mu_);
    for (const auto& [runtime_class, runtime] : runtime_by_class) {
      Service& s = services->services_[runtime_class];
      s.runtime_class = runtime_class;
      s.runtime = runtime;
      s.socket_path = options.socket_dir + "/podman-" + runtime_class + ".sock";
      s.log_path = options.socket_dir + "/podman-" + runtime_class + ".log";
      INK_RETURN_IF_ERROR(services->Spawn(s));
    }
  }
  for (auto& [runtime_class, service] : services->services_) {
    INK_RETURN_IF_ERROR(services->WaitReady(service, 30s));
  }
  services->supervisor_ = std::thread([raw = services.get()] { raw->Supervise(); });
  return services;
}

Status PodmanServices::Spawn(Service& s) {
  std::filesystem::remove(s.socket_path);  // a stale socket from a previous run
  std::vector<std::string> args = {
      options_.podman_binary,   "--runtime", s.runtime, "system", "service", "--time=0",
      "unix://" + s.socket_path};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, s.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // None of inkd's other descriptors (asio's listeners are not O_CLOEXEC): the networks' DNS
  // server (aardvark-dns) that the service starts outlives inkd and would keep its API port.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid;
  int rc =
      posix_spawnp(&pid, options_.podman_binary.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return Unavailable("cannot start '" + options_.podman_binary +
                       " system service': " + std::strerror(rc) + " (is podman installed?)");
  }
  s.pid = pid;
  s.started = SteadyClock::now();
  LogInfo("runtime", "started podman service for class " + s.runtime_class + " (runtime " +
                         s.runtime + ", pid " + std::to_string(pid) + ") on " + s.socket_path);
  return {};
}

Status PodmanServices::WaitReady(Service& s, std::chrono::milliseconds timeout) {
  auto deadline = SteadyClock::now() + timeout;
  http::HttpClient client(*http::Endpoint::Parse("unix://" + s.socket_path));
  http::ClientRequest ping;
  ping.target = "/v4.0.0/libpod/_ping";
  ping.timeout = 2s;
  std::string last_error = "no answer yet";
  while (SteadyClock::now() < deadline) {
    {
      std::lock_guard lock(mu_);
      if (s.pid > 0 && Exited(s.pid)) {
        s.pid = -1;
        return Unavailable("podman service for runtime class '" + s.runtime_class +
                           "' exited during start-up; its log (" + s.log_path +
                           ") ends with: " + Tail(s.log_path, 600));
      }
    }
    if (std::filesystem::exists(s.socket_path)) {
      auto response = client.Do(ping);
      if (response.ok() && response->status == 200) return {};
      last_error =
          response.ok() ? "HTTP " + std::to_string(response->status) : response.error().message;
    }
    std::this_thread::sleep_for(50ms);
  }
  return Unavailable("podman service for runtime class '" + s.runtime_class + "' on " +
                     s.socket_path + " did not answer _ping within " +
                     std::to_string(timeout.count()) + " ms (" + last_error + "); see " +
                     s.log_path);
}

void PodmanServices::Supervise() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto now = SteadyClock::now();
    for (auto& [runtime_class, s] : services_) {
      if (s.pid > 0 && Exited(s.pid)) {
        s.pid = -1;
        if (now - s.started > 60s) s.backoff = 500ms;  // it ran fine for a while
        s.restart_at = now + s.backoff;
        LogWarn("runtime", "podman service for class " + runtime_class + " exited; restarting in " +
                               std::to_string(s.backoff.count()) + " ms (log: " + s.log_path + ")");
        s.backoff = std::min<std::chrono::milliseconds>(s.backoff * 2, 30s);
      }
      if (s.pid < 0 && now >= s.restart_at) {
        Status started = Spawn(s);
        if (!started.ok()) {
          LogError("runtime", started.error().message);
          s.restart_at = now + s.backoff;
        }
      }
    }
    stop_cv_.wait_for(lock, 200ms);
  }
}

PodmanServices::~PodmanServices() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (supervisor_.joinable()) supervisor_.join();
  std::lock_guard lock(mu_);
  for (auto& [runtime_class, s] : services_) {
    if (s.pid > 0) ::kill(s.pid, SIGTERM);
  }
  auto deadline = SteadyClock::now() + 5s;
  for (auto& [runtime_class, s] : services_) {
    while (s.pid > 0) {
      if (Exited(s.pid)) {
        s.pid = -1;
      } else if (SteadyClock::now() > deadline) {
        ::kill(s.pid, SIGKILL);
        int status;
        ::waitpid(s.pid, &status, 0);
        s.pid = -1;
      } else {
        std::this_thread::sleep_for(20ms);
      }
    }
    std::filesystem::remove(s.socket_path);
  }
}

std::string PodmanServices::endpoint(const std::string& runtime_class) const {
  auto it = services_.find(runtime_class);
  return it == services_.end() ? "" : "unix://" + it->second.socket_path;
}

}  // namespace ink::runtime_internal
