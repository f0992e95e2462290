// EdgeSupervisor: starts ink-edge as its own process and keeps it running.
//
// ink-edge reads the route table file that the controller writes, so it keeps serving when
// inkd is down; it runs in its own session so a kill -9 of inkd leaves it alone. On start,
// an ink-edge recorded in DATA/edge.pid that is still alive is adopted instead of started
// again. Stop() ends it (graceful shutdown of inkd takes the edge down with it).
// Start/Stop from the main thread; the watch thread is internal.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <string>
#include <thread>

#include "ink/common/result.h"
#include "ink/common/subprocess.h"

namespace ink {

struct EdgeOptions {
  std::string binary;  // path to ink-edge
  std::string listen;  // ADDR:PORT, port 0 allowed
  std::string routes_path;
  std::string data_dir;  // edge.pid, edge.log, edge-url live here
  // ink-edge --tls-port: "8443", "any" or "0" (no TLS); certificates come from DATA/tls.
  std::string tls_port = "0";
};

class EdgeSupervisor {
 public:
  explicit EdgeSupervisor(EdgeOptions options) : options_(std::move(options)) {}
  ~EdgeSupervisor();
  // Starts or adopts ink-edge and returns once it listens; url() is then known.
  Status Start();
  void Stop();
  const std::string& url() const { return url_; }
  int port() const { return port_; }
  const std::string& host() const { return host_; }

 private:
  Status Launch();
  bool Alive();
  void Watch();

  EdgeOptions options_;
  std::atomic<pid_t> pid_{0};
  Child child_;  // the ink-edge this inkd started; empty for an adopted one
  std::string url_, host_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread watcher_;
};

}  // namespace ink
