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
#include <vector>

#include "ink/common/result.h"
#include "ink/edge/certificates.h"
#include "ink/edge/edge_stats.h"
#include "ink/edge/route_table.h"

namespace ink::edge {

struct EdgeOptions {
  std::string listen_host = "127.0.0.1";  // IPv4 or IPv6 literal
  uint16_t listen_port = 8080;            // 0: the kernel picks one (see EdgeServer::port)
  int workers = 1;
  bool access_log = false;                    // one line per request on stdout
  std::string platform_domain = "localhost";  // only used to explain URLs in 404 pages
  // ACME HTTP-01 answers (inkd's certificate manager writes one file per token, named by the
  // token, holding the key authorization): GET /.well-known/acme-challenge/<token> is answered
  // from here for any host, before routing; a token without a file goes to the route as usual.
  // "" = none.
  std::string acme_challenge_dir;
  // TLS listener on listen_host:tls_port (0: the kernel picks one, see EdgeServer::tls_port),
  // certificates chosen by SNI from the CertificateSetHolder passed to Start. With it, plain HTTP
  // to a host that has a certificate is redirected (308) to https, and responses over TLS to such
  // a host carry Strict-Transport-Security.
  bool tls = false;
  uint16_t tls_port = 8443;
  // Client connections over all workers; 0: what the file-descriptor limit allows (two
  // descriptors per connection: client and upstream), at most 10000. Start() lowers a larger
  // value to what the limit allows, with a warning; see RaiseFileLimit.
  int max_connections = 0;
  int max_connections_per_client = 256;  // per client IP (IPv6: per /64); 0: no limit
  size_t max_header_bytes = 16384;       // request head larger than this → 431; also buffer size
  uint64_t max_body_bytes = 100ull << 20;  // request body larger than this → 413; 0: no limit
  int max_idle_upstreams_per_backend = 64;
  // Peers whose X-Forwarded-For/-Proto/-Host and X-Real-IP are kept ("10.0.0.0/8", "::1").
  // Everyone else's are replaced by what the edge sees on the socket.
  std::vector<std::string> trusted_proxies;
  std::chrono::milliseconds header_timeout{10000};         // accept or first byte → complete head
  std::chrono::milliseconds keepalive_timeout{60000};      // idle client between requests
  std::chrono::milliseconds body_timeout{30000};           // no request body byte for this long
  std::chrono::milliseconds connect_timeout{3000};         // upstream TCP connect
  std::chrono::milliseconds upstream_timeout{60000};       // no progress from the upstream
  std::chrono::milliseconds upstream_idle_timeout{30000};  // pooled upstream connection
  std::chrono::milliseconds tunnel_timeout{600000};        // idle WebSocket tunnel
  std::chrono::milliseconds backend_down{2000};            // passive health mark after failure
};

class EdgeServer {
 public:
  virtual ~EdgeServer() = default;
  // Binds the listening sockets and starts the workers. Errors name the address and the cause.
  // `certificates` is required with options.tls and must outlive the server.
  static Result<std::unique_ptr<EdgeServer>> Start(const EdgeOptions& options,
                                                   RouteTableHolder& routes,
                                                   CertificateSetHolder* certificates = nullptr);
  // The bound port (useful with listen_port 0).
  virtual uint16_t port() const = 0;
  // The bound TLS port; 0 without TLS.
  virtual uint16_t tls_port() const = 0;
  // The connection limit in force (options.max_connections, lowered to fit the file limit).
  virtual int max_connections() const = 0;
  // Requests counted per service id since Start, summed over the workers (edge_stats.h). Any
  // thread, also during and after Stop.
  virtual TrafficByService Traffic() const = 0;
  // Stops accepting, lets in-flight requests finish for up to `drain`, closes everything and
  // joins the workers. Idempotent.
  virtual void Stop(std::chrono::milliseconds drain) = 0;
};

// Raises this process's RLIMIT_NOFILE soft limit to its hard limit (ink-edge calls it at start,
// before any thread). Returns the soft limit now in force.
long RaiseFileLimit();

// Parses "ADDR:PORT" or "[V6]:PORT" into options->listen_host / listen_port.
Status ParseListenAddress(std::string_view text, EdgeOptions* options);

}  // namespace ink::edge
