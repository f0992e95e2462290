// EdgeServer: ink-edge's HTTP/1.1 reverse proxy (the data plane).
//
// Routes each request by its Host header to a backend of the matching route in the current
// RouteTable snapshot (round-robin, passive health: a backend whose connect fails is skipped for
// `backend_down`), keeps idle upstream connections per backend, streams bodies in both
// directions with back-pressure, and passes WebSocket upgrades through.
//
// Threads: Start() spawns `workers` threads, each with its own epoll loop and its own listening
// socket (SO_REUSEPORT), connections, upstream pools and health marks; nothing on the request
// path is shared between workers or locked. Workers read the RouteTableHolder's generation each
// loop iteration and fetch a new snapshot only when it changed. Start/Stop/port from one
// controlling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "ink/common/result.h"
#include "ink/edge/route_table.h"

namespace ink::edge {

struct EdgeOptions {
  std::string listen_host = "127.0.0.1";  // IPv4 or IPv6 literal
  uint16_t listen_port = 8080;            // 0: the kernel picks one (see EdgeServer::port)
  int workers = 1;
  bool access_log = false;                    // one line per request on stdout
  std::string platform_domain = "localhost";  // only used to explain URLs in 404 pages
  int max_connections = 10000;                // client connections, over all workers
  size_t max_header_bytes = 16384;  // request head larger than this → 431; also buffer size
  int max_idle_upstreams_per_backend = 64;
  std::chrono::milliseconds header_timeout{10000};         // first byte → complete request head
  std::chrono::milliseconds keepalive_timeout{60000};      // idle client between requests
  std::chrono::milliseconds connect_timeout{3000};         // upstream TCP connect
  std::chrono::milliseconds upstream_timeout{60000};       // no progress on an in-flight exchange
  std::chrono::milliseconds upstream_idle_timeout{30000};  // pooled upstream connection
  std::chrono::milliseconds tunnel_timeout{600000};        // idle WebSocket tunnel
  std::chrono::milliseconds backend_down{2000};            // passive health mark after failure
};

class EdgeServer {
 public:
  virtual ~EdgeServer() = default;
  // Binds the listening sockets and starts the workers. Errors name the address and the cause.
  static Result<std::unique_ptr<EdgeServer>> Start(const EdgeOptions& options,
                                                   RouteTableHolder& routes);
  // The bound port (useful with listen_port 0).
  virtual uint16_t port() const = 0;
  // Stops accepting, lets in-flight requests finish for up to `drain`, closes everything and
  // joins the workers. Idempotent.
  virtual void Stop(std::chrono::milliseconds drain) = 0;
};

// Parses "ADDR:PORT" or "[V6]:PORT" into options->listen_host / listen_port.
Status ParseListenAddress(std::string_view text, EdgeOptions* options);

}  // namespace ink::edge
