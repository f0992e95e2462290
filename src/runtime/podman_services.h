// PodmanServices: starts and supervises one `podman system service` per runtime class.
//
// podman 4.3 ignores the OCI runtime requested per container over its API (RUNTIME-NOTES), so
// each runtime class gets its own service started with `podman --runtime <name>`; a container is
// created through the socket of its class. A supervisor thread restarts a service that exits
// (exponential backoff 0.5 s .. 30 s). The destructor stops the services (SIGTERM, then SIGKILL
// after 5 s). Thread-safe: socket_path() may be
// called from any thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ink/common/result.h"
#include "ink/common/subprocess.h"
#include "ink/runtime/runtime.h"

namespace ink::runtime_internal {

class PodmanServices {
 public:
  // Starts one service per entry of `runtime_by_class` ("gvisor" -> "runsc-hostnet", ...) with
  // sockets <socket_dir>/podman-<class>.sock, and waits until each answers _ping.
  static Result<std::unique_ptr<PodmanServices>> Start(
      const PodmanOptions& options, const std::map<std::string, std::string>& runtime_by_class);
  ~PodmanServices();

  // "unix:///.../podman-<class>.sock", or "" for an unknown class.
  std::string endpoint(const std::string& runtime_class) const;

 private:
  struct Service {
    std::string runtime_class;
    std::string runtime;
    std::string socket_path;
    std::string log_path;
    Child child;  // guarded by mu_; empty (pid 0) while waiting to restart
    std::chrono::steady_clock::time_point started;
    std::chrono::milliseconds backoff{500};
    std::chrono::steady_clock::time_point restart_at;  // when child is empty
  };

  explicit PodmanServices(PodmanOptions options) : options_(std::move(options)) {}
  Status Spawn(Service& service);  // requires mu_
  Status WaitReady(Service& service, std::chrono::milliseconds timeout);
  void Supervise();

  const PodmanOptions options_;
  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;                    // guarded by mu_
  std::map<std::string, Service> services_;  // by class; entries fixed after Start
  std::thread supervisor_;
};

}  // namespace ink::runtime_internal
