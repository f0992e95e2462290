#include "podman_services.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "ink/common/log.h"
#include "ink/common/subprocess.h"
#include "ink/http/client.h"

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
  int log = ::open(s.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) {
    return Unavailable("cannot open the podman service log " + s.log_path + ": " +
                       std::strerror(errno));
  }
  // Not bound to inkd's life (as before the process runner): a service killed with inkd in the
  // middle of a container operation left it half done, and the restarted inkd's deploy of it
  // never became active (test_crash). It stays in inkd's process group.
  auto started = Child::Start({.argv = args,
                               .out = ChildStream::Fd(log),
                               .err = ChildStream::SameAsStdout(),
                               .die_with_parent = false,
                               .keep_parent_group = true});
  ::close(log);
  if (!started.ok()) {
    return Unavailable("cannot start '" + options_.podman_binary +
                       " system service': " + started.error().message + " (is podman installed?)");
  }
  s.child = std::move(*started);
  pid_t pid = s.child.pid();
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
      if (!s.child.Running()) {
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
      if (s.child.pid() > 0 && !s.child.Running()) {
        s.child = Child();
        if (now - s.started > 60s) s.backoff = 500ms;  // it ran fine for a while
        s.restart_at = now + s.backoff;
        LogWarn("runtime", "podman service for class " + runtime_class + " exited; restarting in " +
                               std::to_string(s.backoff.count()) + " ms (log: " + s.log_path + ")");
        s.backoff = std::min<std::chrono::milliseconds>(s.backoff * 2, 30s);
      }
      if (s.child.pid() == 0 && now >= s.restart_at) {
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
    // The services are stopped under mu_: the supervisor restarts none once stopping_ is set.
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& [runtime_class, s] : services_) s.child.Signal(SIGTERM);
    auto deadline = SteadyClock::now() + 5s;
    for (auto& [runtime_class, s] : services_) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
      s.child.Stop(std::max(left, std::chrono::milliseconds(0)));
      std::filesystem::remove(s.socket_path);
    }
  }
  stop_cv_.notify_all();
  if (supervisor_.joinable()) supervisor_.join();
}

std::string PodmanServices::endpoint(const std::string& runtime_class) const {
  auto it = services_.find(runtime_class);
  return it == services_.end() ? "" : "unix://" + it->second.socket_path;
}

}  // namespace ink::runtime_internal
