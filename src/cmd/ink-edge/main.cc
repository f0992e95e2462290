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
#include "ink/edge/edge_server.h"
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
  --workers N            worker threads, one event loop each (default 1)
  --domain D             platform domain shown in 404 pages (default localhost)
  --access-log           print one line per request on stdout (off by default)
  --max-connections N    client connections over all workers (default 10000)
  --max-header-bytes N   largest request head; larger gets 431 (default 16384)
  --connect-timeout-ms N upstream connect timeout (default 3000)
  --drain-ms N           on SIGTERM, time allowed for in-flight requests (default 5000)
  --help                 this text
)";

bool ParseInt(const char* text, long min, long max, long* out) {
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
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
  long drain_ms = 5000;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) return nullptr;
      (void)name;
      return argv[++i];
    };
    long n = 0;
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

  ink::edge::RouteTableHolder routes;
  std::unique_ptr<ink::edge::RouteWatcher> watcher;
  if (!routes_path.empty()) {
    watcher = std::make_unique<ink::edge::RouteWatcher>(routes_path, routes);
    auto st = watcher->Start();
    if (!st.ok()) return Fail(st.error().message);
  } else {
    ink::LogWarn("edge", "no --routes file: every request gets 404");
  }
  auto server = ink::edge::EdgeServer::Start(options, routes);
  if (!server.ok()) return Fail(server.error().message);
  std::string host = options.listen_host.find(':') != std::string::npos
                         ? "[" + options.listen_host + "]"
                         : options.listen_host;
  std::printf("listening on %s:%u\n", host.c_str(), static_cast<unsigned>((*server)->port()));
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  ink::LogInfo("edge", std::string("got ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                           ": draining for up to " + std::to_string(drain_ms) + " ms");
  (*server)->Stop(std::chrono::milliseconds(drain_ms));
  if (watcher) watcher->Stop();
  return 0;
}
