#include "ink/edge/edge_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "client_policy.h"
#include "ink/common/log.h"
#include "tls.h"
#include "worker.h"

namespace ink::edge {
namespace {

// `first`: the first worker's socket, which also checks that no other process holds the port.
Result<int> Listen(const EdgeOptions& o, uint16_t port, bool first) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (inet_pton(AF_INET, o.listen_host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, o.listen_host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof *v6;
  } else {
    return InvalidArgument("listen address \"" + o.listen_host +
                           "\" is not an IPv4 or IPv6 literal (e.g. 127.0.0.1 or ::1)");
  }
  int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Internal(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (first && port != 0) {
    // SO_REUSEPORT (one listening socket per worker) would also let a second ink-edge of the
    // same user share the port silently; a plain bind first proves nobody else listens there.
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
      std::string why = std::strerror(errno);
      close(fd);
      return Unavailable("cannot listen on " + o.listen_host + ":" + std::to_string(port) + ": " +
                         why + "; pick another --listen port or stop the process using it");
    }
    close(fd);
    fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return Internal(std::string("socket: ") + std::strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd, 1024) != 0) {
    std::string why = std::strerror(errno);
    close(fd);
    return Unavailable("cannot listen on " + o.listen_host + ":" + std::to_string(port) + ": " +
                       why + "; pick another --listen port or stop the process using it");
  }
  return fd;
}

// Descriptors the edge keeps besides client and upstream connections: stdio, the route watcher,
// and per worker its listener, epoll, eventfd and reserve descriptor.
constexpr long kFixedDescriptors = 32;
constexpr long kDescriptorsPerWorker = 4;  // plus one for the TLS listener

// The connection limit the file limit allows: each client connection may hold an upstream
// connection too. Idle pooled upstreams beyond that are evicted when descriptors run short.
int ConnectionsForFileLimit(long file_limit, int workers, bool tls) {
  long usable = file_limit - kFixedDescriptors - (kDescriptorsPerWorker + (tls ? 1 : 0)) * workers;
  long connections = usable / 2;
  return connections < 1 ? 1
                         : (connections > (1 << 30) ? (1 << 30) : static_cast<int>(connections));
}

uint16_t BoundPort(int fd) {
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  return ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                          : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
}

class EdgeServerImpl : public EdgeServer {
 public:
  EdgeServerImpl(const EdgeOptions& options, RouteTableHolder& routes,
                 CertificateSetHolder* certificates, internal::CidrSet trusted)
      : options_(options),
        routes_(routes),
        certificates_(certificates),
        trusted_(std::move(trusted)),
        per_client_(options.max_connections_per_client) {}
  ~EdgeServerImpl() override { Stop(std::chrono::milliseconds(0)); }

  Status Init() {
    int workers = options_.workers < 1 ? 1 : options_.workers;
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    long file_limit =
        limit.rlim_cur == RLIM_INFINITY ? (1L << 30) : static_cast<long>(limit.rlim_cur);
    int allowed = ConnectionsForFileLimit(file_limit, workers, options_.tls);
    if (options_.max_connections <= 0) {
      options_.max_connections = allowed < 10000 ? allowed : 10000;
    } else if (options_.max_connections > allowed) {
      LogWarn("edge", "--max-connections " + std::to_string(options_.max_connections) +
                          " needs more file descriptors than the limit of " +
                          std::to_string(file_limit) + " allows; serving at most " +
                          std::to_string(allowed) + " connections (raise the hard nofile limit)");
      options_.max_connections = allowed;
    }
    internal::SharedPolicy policy{&trusted_, &per_client_};
    int per_worker = options_.max_connections / workers;
    if (per_worker < 1) per_worker = 1;
    uint16_t port = options_.listen_port;
    uint16_t tls_port = options_.tls_port;
    if (options_.tls) {
      auto context = internal::TlsServerContext::Create();
      if (!context.ok()) return context.error();
      tls_context_ = std::move(*context);
    }
    for (int i = 0; i < workers; ++i) traffic_.push_back(std::make_unique<internal::WorkerTraffic>());
    for (int i = 0; i < workers; ++i) {
      auto fd = Listen(options_, port, i == 0);
      if (!fd.ok()) return fd.error();
      if (i == 0) port_ = port = BoundPort(*fd);
      internal::TlsListen tls;
      if (options_.tls) {
        auto tls_fd = Listen(options_, tls_port, i == 0);
        if (!tls_fd.ok()) {
          close(*fd);
          return Unavailable(tls_fd.error().message + " (the TLS port: --tls-port)");
        }
        if (i == 0) tls_port_ = tls_port = BoundPort(*tls_fd);
        tls = {*tls_fd, tls_context_.get(), certificates_, tls_port};
      }
      workers_.push_back(std::make_unique<internal::Worker>(options_, policy, routes_, *traffic_[i],
                                                            *fd, per_worker, tls));
    }
    for (auto& w : workers_) {
      internal::Worker* worker = w.get();
      threads_.emplace_back([worker] { worker->Run(); });
    }
    return {};
  }

  uint16_t port() const override { return port_; }
  uint16_t tls_port() const override { return tls_port_; }
  int max_connections() const override { return options_.max_connections; }
  TrafficByService Traffic() const override {
    TrafficByService sum;
    for (const auto& t : traffic_) t->AddTo(&sum);
    return sum;
  }

  void Stop(std::chrono::milliseconds drain) override {
    for (auto& w : workers_) w->RequestStop(drain.count());
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
    workers_.clear();
  }

 private:
  EdgeOptions options_;
  RouteTableHolder& routes_;
  CertificateSetHolder* certificates_;
  std::unique_ptr<internal::TlsServerContext> tls_context_;  // read by every worker
  internal::CidrSet trusted_;                     // read by every worker, never changed
  internal::ClientConnectionLimiter per_client_;  // shared by the workers (atomics)
  uint16_t port_ = 0;
  uint16_t tls_port_ = 0;
  // One per worker, filled before the workers start and never resized: Traffic() reads them
  // from any thread, and they outlive the workers so the counts survive Stop.
  std::vector<std::unique_ptr<internal::WorkerTraffic>> traffic_;
  std::vector<std::unique_ptr<internal::Worker>> workers_;
  std::vector<std::thread> threads_;
};

}  // namespace

Result<std::unique_ptr<EdgeServer>> EdgeServer::Start(const EdgeOptions& options,
                                                      RouteTableHolder& routes,
                                                      CertificateSetHolder* certificates) {
  if (options.tls && certificates == nullptr) {
    return InvalidArgument("TLS needs a certificate holder (ink-edge --tls-dir)");
  }
  if (options.max_header_bytes < 1024 || options.max_header_bytes > (1u << 24)) {
    return InvalidArgument("max_header_bytes must be between 1024 and 16777216");
  }
  if (options.max_connections_per_client < 0) {
    return InvalidArgument("max_connections_per_client must be 0 (no limit) or more");
  }
  auto trusted = internal::CidrSet::Parse(options.trusted_proxies);
  if (!trusted.ok()) return trusted.error();
  auto server =
      std::make_unique<EdgeServerImpl>(options, routes, certificates, std::move(*trusted));
  INK_RETURN_IF_ERROR(server->Init());
  return std::unique_ptr<EdgeServer>(std::move(server));
}

long RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur != limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? (1L << 30) : static_cast<long>(limit.rlim_cur);
}

Status ParseListenAddress(std::string_view text, EdgeOptions* options) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find("]:");
    if (close == std::string_view::npos) {
      return InvalidArgument("listen address \"" + std::string(text) +
                             "\" must look like [::1]:8080");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return InvalidArgument("listen address \"" + std::string(text) +
                             "\" must look like ADDR:PORT, e.g. 127.0.0.1:8080");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5) {
    return InvalidArgument("listen port \"" + std::string(port) + "\" must be 0-65535");
  }
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') {
      return InvalidArgument("listen port \"" + std::string(port) + "\" must be a number 0-65535");
    }
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) {
    return InvalidArgument("listen port " + std::to_string(value) + " is out of range 0-65535");
  }
  options->listen_host = std::string(host);
  options->listen_port = static_cast<uint16_t>(value);
  return {};
}

}  // namespace ink::edge
