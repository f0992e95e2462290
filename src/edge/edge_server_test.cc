// End-to-end tests of the proxy over real loopback sockets: ink-edge on port 0 in front of small
// in-test backends, driven by a blocking client.
#include "ink/edge/edge_server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "edge_test_fixture.h"

namespace ink::edge {
namespace {

using testing::EdgeTest;
using testing::Get;
using testing::Response;
using testing::RouteJson;
using testing::TestBackend;
using testing::TestClient;

TEST_F(EdgeTest, RoutesByNormalizedHost) {
  TestBackend a("a"), b("b");
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {a.port()}),
                  RouteJson("api-demo.localhost", "api", "demo", {b.port()})});
  StartEdge();
  Response r = Get(port_, "Web-Demo.LOCALHOST.:8080", "/hello");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "backend=a path=/hello");
  r = Get(port_, "api-demo.localhost", "/x");
  EXPECT_EQ(r.body, "backend=b path=/x");
}

TEST_F(EdgeTest, UnknownHostIs404NamingTheHost) {
  WriteRoutes(1, {});
  StartEdge();
  Response r = Get(port_, "nope-demo.localhost", "/");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("nope-demo.localhost"), std::string::npos);
  EXPECT_NE(r.body.find("&lt;service&gt;-&lt;project&gt;.localhost"), std::string::npos);
  EXPECT_NE(r.headers["content-type"].find("text/html"), std::string::npos);
  r = Get(port_, "nope-demo.localhost", "/", "Accept: application/json\r\n");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_NE(r.body.find(R"({"error":{"code":"not_found","message":"no service is routed for host )"
                        R"(nope-demo.localhost)"),
            std::string::npos);
}

TEST_F(EdgeTest, RouteWithoutBackendsIs503) {
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {})});
  StartEdge();
  Response r = Get(port_, "web-demo.localhost", "/");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("no healthy replica of service web in project demo"), std::string::npos);
}

TEST_F(EdgeTest, AllBackendsDownIs502) {
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo",
                            {testing::UnusedPort(), testing::UnusedPort()})});
  StartEdge();
  Response r = Get(port_, "web-demo.localhost", "/", "Accept: application/json\r\n");
  EXPECT_EQ(r.status, 502);
  EXPECT_NE(r.body.find("upstream down"), std::string::npos);
  EXPECT_NE(r.body.find("\"code\":\"bad_gateway\""), std::string::npos);
}

TEST_F(EdgeTest, RoundRobinAcrossBackends) {
  TestBackend a("a"), b("b");
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {a.port(), b.port()})});
  StartEdge();
  int seen_a = 0, seen_b = 0;
  for (int i = 0; i < 10; ++i) {
    Response r = Get(port_, "web-demo.localhost", "/");
    ASSERT_EQ(r.status, 200);
    if (r.body.rfind("backend=a", 0) == 0) ++seen_a;
    if (r.body.rfind("backend=b", 0) == 0) ++seen_b;
  }
  EXPECT_EQ(seen_a, 5);
  EXPECT_EQ(seen_b, 5);
}

TEST_F(EdgeTest, FailedConnectRetriesNextBackendAndMarksItDown) {
  TestBackend live("live");
  WriteRoutes(
      1, {RouteJson("web-demo.localhost", "web", "demo", {testing::UnusedPort(), live.port()})});
  StartEdge();
  for (int i = 0; i < 6; ++i) {
    Response r = Get(port_, "web-demo.localhost", "/");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, "backend=live path=/");
  }
}

TEST_F(EdgeTest, UpstreamConnectionsAreReused) {
  TestBackend a("a");
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {a.port()})});
  StartEdge();
  TestClient c(port_);
  for (int i = 0; i < 20; ++i) {
    c.Send("GET /k HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n");
    Response r = c.Read();
    ASSERT_EQ(r.status, 200);
  }
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Get(port_, "web-demo.localhost", "/").status, 200);
  EXPECT_EQ(a.requests(), 25);
  EXPECT_EQ(a.connections(), 1);
}

TEST_F(EdgeTest, ForwardedHeadersAndHopByHop) {
  TestBackend a("a");
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {a.port()})});
  StartEdge();
  Response r = Get(port_, "web-demo.localhost:9", "/headers",
                   "Connection: X-Private\r\nX-Private: 1\r\nX-Forwarded-For: 10.0.0.1\r\n"
                   "X-Forwarded-Proto: https\r\n");
  ASSERT_EQ(r.status, 200);
  // The client is not a trusted proxy: what it claims is replaced by the socket peer.
  EXPECT_NE(r.body.find("X-Forwarded-For: 127.0.0.1\r\n"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("10.0.0.1"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("X-Forwarded-Proto: http\r\n"), std::string::npos);
  EXPECT_NE(r.body.find("X-Forwarded-Host: web-demo.localhost:9\r\n"), std::string::npos);
  EXPECT_NE(r.body.find("Via: 1.1 ink-edge\r\n"), std::string::npos);
  EXPECT_EQ(r.body.find("X-Private"), std::string::npos);
  EXPECT_EQ(r.body.find("https"), std::string::npos);
}

TEST_F(EdgeTest, ChunkedRequestAndResponse) {
  TestBackend a("a");
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {a.port()})});
  StartEdge();
  TestClient c(port_);
  c.Send(
      "POST /echo HTTP/1.1\r\nHost: web-demo.localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  c.Send("7\r\n, world\r\n0\r\n\r\n");
  Response r = c.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello, world");
  c.Send("GET /chunked HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n");
  r = c.Read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.headers["transfer-encoding"], "chunked");
  EXPECT_EQ(r.body, "hello chunked world");
}

TEST_F(EdgeTest, LargeBodiesStreamBothWays) {
  TestBackend a("a");
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {a.port()})});
  StartEdge();
  const size_t n = 64 * 1024 * 1024 + 123;
  TestClient c(port_);
  c.Send("GET /large/" + std::to_string(n) + " HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n");
  Response r = c.Read();
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.body.size(), n);
  for (size_t i = 0; i < n; i += 4099)
    ASSERT_EQ(r.body[i], static_cast<char>('a' + i % 65536 % 26));
  // Upload 32 MiB with Content-Length on the same connection.
  const size_t up = 32 * 1024 * 1024;
  std::thread writer([&] {
    c.Send("POST /count HTTP/1.1\r\nHost: web-demo.localhost\r\nContent-Length: " +
           std::to_string(up) + "\r\n\r\n");
    std::string block(1 << 20, 'x');
    for (size_t s = 0; s < up; s += block.size()) c.Send(block);
  });
  r = c.Read();
  writer.join();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::to_string(up));
}

TEST_F(EdgeTest, WebSocketUpgradeIsATunnel) {
  TestBackend a("a");
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {a.port()})});
  StartEdge();
  TestClient c(port_);
  c.Send(
      "GET /ws HTTP/1.1\r\nHost: web-demo.localhost\r\nConnection: Upgrade\r\n"
      "Upgrade: websocket\r\nSec-WebSocket-Key: abc\r\nSec-WebSocket-Version: 13\r\n\r\n");
  Response r = c.Read(/*head_request=*/true);
  ASSERT_EQ(r.status, 101);
  EXPECT_EQ(r.headers["upgrade"], "websocket");
  EXPECT_EQ(r.headers["connection"], "upgrade");
  c.Send("\x81\x05hello");
  EXPECT_EQ(c.ReadSome(7), "\x81\x05hello");
  std::string big(200000, 'w');
  std::thread writer([&] { c.Send(big); });
  EXPECT_EQ(c.ReadSome(big.size()), big);
  writer.join();
}

TEST_F(EdgeTest, KeepAlivePipeliningHeadAnd204) {
  TestBackend a("a");
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {a.port()})});
  StartEdge();
  TestClient c(port_);
  c.Send(
      "GET /1 HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n"
      "HEAD /2 HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n"
      "GET /204 HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n"
      "GET /4 HTTP/1.1\r\nHost: web-demo.localhost\r\nConnection: close\r\n\r\n");
  Response r1 = c.Read();
  Response r2 = c.Read(/*head_request=*/true);
  Response r3 = c.Read();
  Response r4 = c.Read();
  EXPECT_EQ(r1.body, "backend=a path=/1");
  EXPECT_EQ(r2.status, 200);
  EXPECT_EQ(r2.headers["content-length"], "17");
  EXPECT_EQ(r3.status, 204);
  EXPECT_EQ(r4.body, "backend=a path=/4");
  EXPECT_EQ(r4.headers["connection"], "close");
  EXPECT_TRUE(c.ClosedByPeer());
}

TEST_F(EdgeTest, CloseDelimitedResponse) {
  TestBackend a("a");
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {a.port()})});
  StartEdge();
  Response r = Get(port_, "web-demo.localhost", "/close");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "until the end");
  EXPECT_EQ(r.headers["connection"], "close");
}

TEST_F(EdgeTest, OversizedHeadIs431) {
  WriteRoutes(1, {});
  EdgeOptions o;
  o.max_header_bytes = 4096;
  StartEdge(o);
  TestClient c(port_);
  c.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'b') + "\r\n\r\n");
  Response r = c.Read();
  EXPECT_EQ(r.status, 431);
}

TEST_F(EdgeTest, SlowRequestHeadTimesOutWith408AndConnectionLimitHolds) {
  WriteRoutes(1, {});
  EdgeOptions o;
  o.header_timeout = std::chrono::milliseconds(300);
  o.max_connections = 2;
  StartEdge(o);
  TestClient slow(port_);
  slow.Send("GET / HTTP/1.1\r\nHost: a");
  TestClient second(port_);
  ASSERT_TRUE(second.connected());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  TestClient third(port_);  // over the limit: accepted, answered 503 and closed at once
  Response refused = third.Read();
  EXPECT_EQ(refused.status, 503);
  EXPECT_TRUE(third.ClosedByPeer());
  auto start = std::chrono::steady_clock::now();
  Response r = slow.Read();
  EXPECT_EQ(r.status, 408);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(EdgeTest, MalformedRouteFileKeepsTheOldTable) {
  TestBackend a("a");
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {a.port()})});
  StartEdge();
  ASSERT_EQ(Get(port_, "web-demo.localhost", "/").status, 200);
  WriteRaw("{\"version\": 2, \"routes\": [ {\"host\": ");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(holder_.Get()->version(), 1);
  EXPECT_EQ(Get(port_, "web-demo.localhost", "/").status, 200);
  EXPECT_FALSE(watcher_->ReloadIfChanged());
}

TEST_F(EdgeTest, RouteReloadWhileServingDropsNothing) {
  TestBackend a("a"), b("b");
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {a.port()})});
  EdgeOptions o;
  o.workers = 2;
  StartEdge(o);
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, served_by_b{0}, total{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&, t] {
      TestClient keep(port_);
      while (!stop) {
        Response r;
        if (t == 0) {
          r = Get(port_, "web-demo.localhost", "/");
        } else {
          keep.Send("GET / HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n");
          r = keep.Read();
        }
        ++total;
        if (r.status != 200) ++failures;
        if (r.body.rfind("backend=b", 0) == 0) ++served_by_b;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (int v = 2; v < 12; ++v) {
    WriteRoutes(v, {RouteJson("web-demo.localhost", "web", "demo", {v % 2 ? a.port() : b.port()})});
    ASSERT_TRUE(WaitForVersion(v));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop = true;
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(served_by_b.load(), 0);
  EXPECT_GT(total.load(), 50);
}

TEST_F(EdgeTest, StopDrainsInFlightRequests) {
  TestBackend a("a");
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {a.port()})});
  StartEdge();
  Response slow;
  std::thread t([&] { slow = Get(port_, "web-demo.localhost", "/slow/300"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server_->Stop(std::chrono::milliseconds(2000));
  t.join();
  EXPECT_EQ(slow.status, 200);
  EXPECT_EQ(slow.headers["connection"], "close");
  TestClient after(port_);
  EXPECT_FALSE(after.connected());
}

TEST_F(EdgeTest, AnswersAcmeChallengesBeforeRouting) {
  namespace fs = std::filesystem;
  TestBackend a("a");
  WriteRoutes(1, {RouteJson("web-demo.localhost", "web", "demo", {a.port()})});
  const fs::path challenges = fs::path(dir_) / "acme-challenge";
  struct Cleanup {
    fs::path dir;
    ~Cleanup() { fs::remove_all(dir); }
  } cleanup{challenges};
  fs::create_directories(challenges);
  std::ofstream(challenges / "tok_1-A") << "tok_1-A.thumbprint";
  fs::create_symlink(path_, challenges / "linked");  // a link is never followed
  EdgeOptions options;
  options.acme_challenge_dir = challenges.string();
  StartEdge(options);

  for (const char* host : {"shop.example.test", "web-demo.localhost"}) {  // any host
    Response r = Get(port_, host, "/.well-known/acme-challenge/tok_1-A");
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "tok_1-A.thumbprint");
    EXPECT_EQ(r.headers["content-type"], "text/plain");
  }
  // Tokens without a file, and names that are not tokens, go to the route as usual.
  Response r = Get(port_, "web-demo.localhost", "/.well-known/acme-challenge/other");
  EXPECT_EQ(r.body, "backend=a path=/.well-known/acme-challenge/other");
  for (const char* path :
       {"/.well-known/acme-challenge/other", "/.well-known/acme-challenge/linked",
        "/.well-known/acme-challenge/../routes.json", "/.well-known/acme-challenge/",
        "/.well-known/acme-challenge/tok_1-A?x"}) {
    r = Get(port_, "shop.example.test", path);
    EXPECT_EQ(r.status, 404) << path;
  }
  // Withdrawn: the file is gone, the answer too.
  fs::remove(challenges / "tok_1-A");
  EXPECT_EQ(Get(port_, "shop.example.test", "/.well-known/acme-challenge/tok_1-A").status, 404);
}

}  // namespace
}  // namespace ink::edge
