// ink-edge: Ink's ingress. Wires flags, the route-file watcher and the proxy workers, and turns
// SIGTERM/SIGINT into a graceful drain.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "ink/common/log.h"
#include "ink/edge/certificates.h"
#include "ink/edge/edge_server.h"
#include "ink/edge/edge_stats.h"
#include "ink/edge/edge_status.h"
#include "ink/edge/route_watcher.h"

namespace {

constexpr const char* kUsage = R"(usage: ink-edge [flags]

Ink's HTTP/1.1 reverse proxy: routes each request by its Host header
(<service>-<project>.<domain>) to the replicas listed in the route file inkd writes.

  --listen ADDR:PORT     address to serve on (default 127.0.0.1:8080; [::1]:8080 for IPv6;
                         port 0 picks a free port). The first stdout line is
                         "listening on ADDR:PORT".
  --routes FILE          route table JSON written by inkd; watched and reloaded on change
                         (a malformed file is logged and the last good table kept)
  --stats FILE           where to write the request counters per service every second
                         (temp + rename; default edge-stats.json beside the --routes file,
                         none without --routes); inkd's get_metrics reads them
  --workers N            worker threads, one event loop each (default 1)
  --domain D             platform domain shown in 404 pages (default localhost)
  --acme-challenge-dir DIR
                         answer GET /.well-known/acme-challenge/TOKEN for any host from the
                         file DIR/TOKEN (ACME HTTP-01; inkd writes them); other tokens are
                         routed as usual (default: none)
  --tls-dir DIR          certificates for the TLS listener, one file per name: DIR/NAME.pem
                         holding the private key and the chain (leaf first), mode 0600;
                         _wildcard.ZONE.pem serves *.ZONE, _default.pem names without one
                         (none by default: such handshakes fail). Watched like --routes;
                         a bad file is skipped and reported in edge-status.json
  --tls-port PORT        TLS listener port on the --listen address (default 8443 with
                         --tls-dir; 0: no TLS listener; "any": the kernel picks one). The
                         second stdout line is then "tls listening on ADDR:PORT". Plain HTTP
                         to a host with a certificate is redirected there (308), except
                         /.well-known/acme-challenge/; TLS responses for it carry HSTS
  --access-log           print one line per request on stdout (off by default)
  --max-connections N    client connections over all workers. ink-edge raises its open-file
                         limit to the hard limit at start; the default is what that limit
                         allows (two descriptors per connection), at most 10000, and a larger
                         N is lowered to it with a warning
  --max-connections-per-client N
                         concurrent connections from one client IP (IPv6: one /64); more are
                         answered 503 and closed (default 256; 0: no limit)
  --max-header-bytes N   largest request head; larger gets 431 (default 16384)
  --max-body-bytes N     largest request body; larger gets 413 (default 104857600 = 100 MiB;
                         0: no limit)
  --trusted-proxies LIST comma-separated IPs/CIDRs (e.g. 10.0.0.0/8,::1) whose X-Forwarded-For
                         chain, X-Forwarded-Proto/-Host and X-Real-IP are kept; from any other
                         peer they are replaced by the socket's address (default: none)
  --header-timeout-ms N  the whole request head must arrive within N ms of the connection or of
                         its first byte, else 408 and close (default 10000)
  --keepalive-timeout-ms N
                         idle time allowed between requests on a connection (default 60000)
  --body-timeout-ms N    longest wait for the next request body bytes, else 408 (default 30000)
  --upstream-timeout-ms N
                         longest wait for progress from the backend, else 504 (default 60000)
  --connect-timeout-ms N upstream connect timeout (default 3000)
  --drain-ms N           on SIGTERM, time allowed for in-flight requests (default 5000)
  --help                 this text
)";

bool ParseInt(const char* text, long long min, long long max, long long* out) {
  char* end = nullptr;
  long long v = std::strtoll(text, &end, 10);
  if (end == text || *end != '\0' || v < min || v > max) return false;
  *out = v;
  return true;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "ink-edge: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  ink::edge::EdgeOptions options;
  std::string routes_path;
  std::string stats_path;
  std::string tls_dir;
  long long tls_port = 8443;
  long drain_ms = 5000;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) return nullptr;
      (void)name;
      return argv[++i];
    };
    long long n = 0;
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (flag == "--access-log") {
      options.access_log = true;
    } else if (flag == "--listen") {
      const char* v = value("--listen");
      if (!v) return Fail("--listen needs ADDR:PORT");
      auto st = ink::edge::ParseListenAddress(v, &options);
      if (!st.ok()) return Fail(st.error().message);
    } else if (flag == "--routes") {
      const char* v = value("--routes");
      if (!v) return Fail("--routes needs a file path");
      routes_path = v;
    } else if (flag == "--stats") {
      const char* v = value("--stats");
      if (!v || !*v) return Fail("--stats needs a file path");
      stats_path = v;
    } else if (flag == "--acme-challenge-dir") {
      const char* v = value("--acme-challenge-dir");
      if (!v || !*v) return Fail("--acme-challenge-dir needs a directory");
      options.acme_challenge_dir = v;
    } else if (flag == "--tls-dir") {
      const char* v = value("--tls-dir");
      if (!v || !*v) return Fail("--tls-dir needs a directory");
      tls_dir = v;
    } else if (flag == "--tls-port") {
      const char* v = value("--tls-port");
      if (v && std::string_view(v) == "any") {
        tls_port = -1;
      } else if (!v || !ParseInt(v, 0, 65535, &tls_port)) {
        return Fail("--tls-port needs a port 0-65535 (0: no TLS) or \"any\"");
      }
    } else if (flag == "--domain") {
      const char* v = value("--domain");
      if (!v) return Fail("--domain needs a domain such as localhost");
      options.platform_domain = v;
    } else if (flag == "--workers") {
      const char* v = value("--workers");
      if (!v || !ParseInt(v, 1, 256, &n)) return Fail("--workers needs a number 1-256");
      options.workers = static_cast<int>(n);
    } else if (flag == "--max-connections") {
      const char* v = value("--max-connections");
      if (!v || !ParseInt(v, 1, 10000000, &n)) return Fail("--max-connections needs a number");
      options.max_connections = static_cast<int>(n);
    } else if (flag == "--max-connections-per-client") {
      const char* v = value("--max-connections-per-client");
      if (!v || !ParseInt(v, 0, 10000000, &n)) {
        return Fail("--max-connections-per-client needs a number (0: no limit)");
      }
      options.max_connections_per_client = static_cast<int>(n);
    } else if (flag == "--max-body-bytes") {
      const char* v = value("--max-body-bytes");
      if (!v || !ParseInt(v, 0, 1LL << 62, &n)) {
        return Fail("--max-body-bytes needs a number of bytes (0: no limit)");
      }
      options.max_body_bytes = static_cast<uint64_t>(n);
    } else if (flag == "--trusted-proxies") {
      const char* v = value("--trusted-proxies");
      if (!v) return Fail("--trusted-proxies needs a list such as 10.0.0.0/8,::1");
      std::string_view list = v;
      while (!list.empty()) {
        size_t comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        if (!item.empty()) options.trusted_proxies.emplace_back(item);
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
      }
    } else if (flag == "--header-timeout-ms" || flag == "--keepalive-timeout-ms" ||
               flag == "--body-timeout-ms" || flag == "--upstream-timeout-ms") {
      const char* v = value(argv[i]);
      if (!v || !ParseInt(v, 1, 3600000, &n)) {
        return Fail(std::string(flag) + " needs a number of milliseconds 1-3600000");
      }
      std::chrono::milliseconds ms(n);
      if (flag == "--header-timeout-ms") options.header_timeout = ms;
      if (flag == "--keepalive-timeout-ms") options.keepalive_timeout = ms;
      if (flag == "--body-timeout-ms") options.body_timeout = ms;
      if (flag == "--upstream-timeout-ms") options.upstream_timeout = ms;
    } else if (flag == "--max-header-bytes") {
      const char* v = value("--max-header-bytes");
      if (!v || !ParseInt(v, 1024, 1 << 24, &n)) {
        return Fail("--max-header-bytes needs a number 1024-16777216");
      }
      options.max_header_bytes = static_cast<size_t>(n);
    } else if (flag == "--connect-timeout-ms") {
      const char* v = value("--connect-timeout-ms");
      if (!v || !ParseInt(v, 1, 600000, &n)) return Fail("--connect-timeout-ms needs a number");
      options.connect_timeout = std::chrono::milliseconds(n);
    } else if (flag == "--drain-ms") {
      const char* v = value("--drain-ms");
      if (!v || !ParseInt(v, 0, 600000, &n)) return Fail("--drain-ms needs a number");
      drain_ms = n;
    } else {
      return Fail("unknown flag " + std::string(flag) + " (see ink-edge --help)");
    }
  }

  // Block the signals before any thread starts so only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  long file_limit = ink::edge::RaiseFileLimit();

  ink::edge::RouteTableHolder routes;
  std::unique_ptr<ink::edge::RouteWatcher> watcher;
  if (!routes_path.empty()) {
    watcher = std::make_unique<ink::edge::RouteWatcher>(routes_path, routes);
    auto st = watcher->Start();
    if (!st.ok()) return Fail(st.error().message);
  } else {
    ink::LogWarn("edge", "no --routes file: every request gets 404");
  }
  ink::edge::CertificateSetHolder certificates;
  std::unique_ptr<ink::edge::CertificateWatcher> certificate_watcher;
  if (!tls_dir.empty() && tls_port != 0) {
    options.tls = true;
    options.tls_port = tls_port < 0 ? 0 : static_cast<uint16_t>(tls_port);
    certificate_watcher = std::make_unique<ink::edge::CertificateWatcher>(
        tls_dir, certificates, watcher ? watcher->status_file() : nullptr);
    auto st = certificate_watcher->Start();
    if (!st.ok()) return Fail(st.error().message);
  } else if (tls_dir.empty() && tls_port != 8443) {
    return Fail("--tls-port needs --tls-dir (where the certificates are)");
  }
  auto server = ink::edge::EdgeServer::Start(options, routes, &certificates);
  if (!server.ok()) return Fail(server.error().message);
  std::string host = options.listen_host.find(':') != std::string::npos
                         ? "[" + options.listen_host + "]"
                         : options.listen_host;
  if (stats_path.empty() && !routes_path.empty()) {
    size_t slash = routes_path.rfind('/');
    stats_path = (slash == std::string::npos ? "" : routes_path.substr(0, slash + 1)) +
                 "edge-stats.json";
  }
  std::unique_ptr<ink::edge::EdgeStatsWriter> stats;
  if (!stats_path.empty()) {
    ink::edge::EdgeServer* edge = server->get();
    stats = std::make_unique<ink::edge::EdgeStatsWriter>(stats_path,
                                                         [edge] { return edge->Traffic(); });
    // Serving matters more than counting: a stats file that cannot be written is a warning
    // (the writer keeps trying), never a reason not to start.
    if (auto st = stats->Start(); !st.ok()) {
      ink::LogWarn("edge", st.error().message + " (--stats); request counters are not reported");
    }
  }
  std::printf("listening on %s:%u\n", host.c_str(), static_cast<unsigned>((*server)->port()));
  if (options.tls) {
    std::printf("tls listening on %s:%u\n", host.c_str(),
                static_cast<unsigned>((*server)->tls_port()));
  }
  std::fflush(stdout);
  ink::LogInfo("edge", "open-file limit " + std::to_string(file_limit) + "; at most " +
                           std::to_string((*server)->max_connections()) + " connections, " +
                           std::to_string(options.max_connections_per_client) + " per client");

  int sig = 0;
  sigwait(&signals, &sig);
  ink::LogInfo("edge", std::string("got ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                           ": draining for up to " + std::to_string(drain_ms) + " ms");
  (*server)->Stop(std::chrono::milliseconds(drain_ms));
  if (stats) stats->Stop();  // writes the counts of the drained requests too
  if (watcher) watcher->Stop();
  if (certificate_watcher) certificate_watcher->Stop();
  return 0;
}
