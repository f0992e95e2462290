// Loopback tests of the edge against hostile clients and backends: request smuggling, strict
// framing, deadlines, limits, forwarded headers and the retry rule. Each smuggling case checks
// what a user would see: a 400, or the backend parsing exactly the one request that was sent.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "edge_test_fixture.h"
#include "worker.h"

namespace ink::edge {
namespace {

using testing::EdgeTest;
using testing::Response;
using testing::RouteJson;
using testing::TestBackend;
using testing::TestClient;

constexpr const char* kHost = "web-demo.localhost";

class EdgeHardeningTest : public EdgeTest {
 protected:
  void StartWithBackend(EdgeOptions options = {}) {
    WriteRoutes(1, {RouteJson(kHost, "web", "demo", {backend_.port()})});
    StartEdge(options);
  }
  TestBackend backend_{"a"};
};

// The body of a request whose length header a client asked the edge to strip: if the edge
// removed the header but forwarded the body, the backend would parse this as a second request.
const std::string kSmuggled = "GET /smuggled HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n";

TEST_F(EdgeHardeningTest, ConnectionContentLengthDoesNotSmuggle) {
  StartWithBackend();
  TestClient c(port_);
  c.Send(
      "POST /count HTTP/1.1\r\nHost: web-demo.localhost\r\nConnection: content-length\r\n"
      "Content-Length: " +
      std::to_string(kSmuggled.size()) + "\r\n\r\n" + kSmuggled);
  Response r = c.Read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::to_string(kSmuggled.size()));
  // A second request on the same client connection reuses the pooled upstream connection.
  c.Send("GET /after HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n");
  r = c.Read();
  EXPECT_EQ(r.body, "backend=a path=/after");
  EXPECT_EQ(backend_.requests(), 2);
}

TEST_F(EdgeHardeningTest, ConnectionTransferEncodingDoesNotSmuggle) {
  StartWithBackend();
  TestClient c(port_);
  std::string chunk = std::to_string(kSmuggled.size());
  char hex[16];
  std::snprintf(hex, sizeof hex, "%zx", kSmuggled.size());
  c.Send(
      "POST /count HTTP/1.1\r\nHost: web-demo.localhost\r\nConnection: transfer-encoding\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
      std::string(hex) + "\r\n" + kSmuggled + "\r\n0\r\n\r\n");
  Response r = c.Read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.body, chunk);
  c.Send("GET /after HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n");
  r = c.Read();
  EXPECT_EQ(r.body, "backend=a path=/after");
  EXPECT_EQ(backend_.requests(), 2);
}

// Each of these is ambiguous: the edge must answer 400 and close, and no byte of it may reach the
// backend (the smuggled request behind it included).
TEST_F(EdgeHardeningTest, AmbiguousRequestHeadsAre400AndNeverReachTheBackend) {
  StartWithBackend();
  const std::string host = "Host: web-demo.localhost\r\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"CL+TE", "POST / HTTP/1.1\r\n" + host +
                    "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
      {"TE+CL", "POST / HTTP/1.1\r\n" + host +
                    "Transfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n0\r\n\r\n"},
      {"duplicate CL",
       "POST / HTTP/1.1\r\n" + host + "Content-Length: 0\r\nContent-Length: 52\r\n\r\n"},
      {"CL list", "POST / HTTP/1.1\r\n" + host + "Content-Length: 0, 52\r\n\r\n"},
      {"CL sign", "POST / HTTP/1.1\r\n" + host + "Content-Length: +0\r\n\r\n"},
      {"TE not chunked", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n"},
      {"TE chunked twice", "POST / HTTP/1.1\r\n" + host +
                               "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"},
      {"TE in HTTP/1.0", "POST / HTTP/1.0\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n"},
      {"obs-fold", "POST / HTTP/1.1\r\n" + host + "X-A: 1\r\n Content-Length: 52\r\n\r\n"},
      {"obs-fold TE", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding:\r\n chunked\r\n\r\n"},
      {"space before colon", "POST / HTTP/1.1\r\n" + host + "Content-Length : 52\r\n\r\n"},
      {"bare LF in head", "POST / HTTP/1.1\n" + host + "Content-Length: 0\r\n\r\n"},
      {"bare LF header end", "POST / HTTP/1.1\r\n" + host + "Content-Length: 52\n\r\n"},
      {"NUL in value", "GET / HTTP/1.1\r\n" + host + std::string("X-A: a\0b\r\n\r\n", 12)},
      {"no Host", "GET / HTTP/1.1\r\n\r\n"},
      {"two Hosts", "GET / HTTP/1.1\r\n" + host + "Host: other-demo.localhost\r\n\r\n"},
      {"absolute-form disagrees", "GET http://other-demo.localhost/ HTTP/1.1\r\n" + host + "\r\n"},
  };
  for (const auto& [name, head] : cases) {
    TestClient c(port_);
    c.Send(head + kSmuggled);
    Response r = c.Read();
    EXPECT_EQ(r.status, 400) << name;
    EXPECT_EQ(r.headers["connection"], "close") << name;
    EXPECT_TRUE(c.ClosedByPeer()) << name;
  }
  EXPECT_EQ(backend_.requests(), 0);
}

// Bad chunked framing is found while the body streams: the head has gone to the backend, so the
// edge answers 400 and closes that upstream connection; the backend never sees a second request.
TEST_F(EdgeHardeningTest, BadChunkedFramingIs400AndNothingIsSmuggled) {
  StartWithBackend();
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"bare LF after chunk size", "5\nhello\r\n0\r\n\r\n"},
      {"bare LF in chunk extension", "5;a=b\nhello\r\n0\r\n\r\n"},
      {"bare LF after data", "5\r\nhello\n0\r\n\r\n"},
      {"no CRLF after data", "5\r\nhelloXX0\r\n\r\n"},
      {"bare LF in trailer", "0\r\nX-T: 1\n\r\n"},
      {"non-hex size", "5g\r\nhello\r\n0\r\n\r\n"},
      {"size overflow", "10000000000000005\r\nhello\r\n0\r\n\r\n"},
      {"space after size", "5 \r\nhello\r\n0\r\n\r\n"},
  };
  for (const auto& [name, body] : bodies) {
    TestClient c(port_);
    c.Send("POST /echo HTTP/1.1\r\nHost: web-demo.localhost\r\nTransfer-Encoding: chunked\r\n\r\n" +
           body + kSmuggled);
    Response r = c.Read();
    EXPECT_EQ(r.status, 400) << name;
    EXPECT_TRUE(c.ClosedByPeer()) << name;
  }
  for (const std::string& line : backend_.request_lines()) {
    EXPECT_EQ(line, "POST /echo HTTP/1.1");  // never GET /smuggled
  }
}

TEST_F(EdgeHardeningTest, AmbiguousResponsesAre502AndDoNotDesyncTheClient) {
  StartWithBackend();
  for (const char* path : {"/bad-framing", "/bare-lf"}) {
    TestClient c(port_);
    c.Send(std::string("GET ") + path + " HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n");
    Response r = c.Read();
    EXPECT_EQ(r.status, 502) << path;
    EXPECT_NE(r.body.find("malformed response"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("smuggled"), std::string::npos);
  }
  // The next request gets its own answer (the bad upstream connection was not pooled).
  Response r = testing::Get(port_, kHost, "/fine");
  EXPECT_EQ(r.body, "backend=a path=/fine");
}

TEST_F(EdgeHardeningTest, BodyLimitIs413) {
  EdgeOptions o;
  o.max_body_bytes = 1000;
  StartWithBackend(o);
  TestClient c(port_);
  c.Send("POST /count HTTP/1.1\r\nHost: web-demo.localhost\r\nContent-Length: 1001\r\n\r\n");
  Response r = c.Read();
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("--max-body-bytes"), std::string::npos);
  EXPECT_EQ(backend_.requests(), 0);  // refused before anything went upstream
  TestClient chunked(port_);
  chunked.Send(
      "POST /count HTTP/1.1\r\nHost: web-demo.localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
      "200\r\n" +
      std::string(512, 'x') + "\r\n200\r\n" + std::string(512, 'y') + "\r\n0\r\n\r\n");
  r = chunked.Read();
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(testing::Get(port_, kHost, "/small").status, 200);
  TestClient ok(port_);
  ok.Send("POST /count HTTP/1.1\r\nHost: web-demo.localhost\r\nContent-Length: 1000\r\n\r\n" +
          std::string(1000, 'z'));
  r = ok.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "1000");
}

TEST_F(EdgeHardeningTest, PerClientConnectionCapDoesNotStarveOthers) {
  EdgeOptions o;
  o.max_connections_per_client = 3;
  StartWithBackend(o);
  std::vector<std::unique_ptr<TestClient>> held;
  for (int i = 0; i < 3; ++i) held.push_back(std::make_unique<TestClient>(port_, "127.0.0.2"));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  TestClient fourth(port_, "127.0.0.2");
  Response r = fourth.Read();
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("too many connections from your address"), std::string::npos);
  // Another address is served while 127.0.0.2 is at its cap.
  TestClient other(port_, "127.0.0.3");
  other.Send("GET /x HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n");
  EXPECT_EQ(other.Read().body, "backend=a path=/x");
  // A closed connection frees its place.
  held.pop_back();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  TestClient again(port_, "127.0.0.2");
  again.Send("GET /y HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n");
  EXPECT_EQ(again.Read().body, "backend=a path=/y");
}

TEST_F(EdgeHardeningTest, ForwardedHeadersTrustOnlyConfiguredProxies) {
  EdgeOptions o;
  o.trusted_proxies = {"127.0.0.5/32"};
  StartWithBackend(o);
  const std::string request =
      "GET /headers HTTP/1.1\r\nHost: web-demo.localhost\r\nX-Forwarded-For: 203.0.113.9\r\n"
      "X-Real-IP: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n\r\n";
  TestClient untrusted(port_, "127.0.0.4");
  untrusted.Send(request);
  Response r = untrusted.Read();
  EXPECT_NE(r.body.find("X-Forwarded-For: 127.0.0.4\r\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("X-Real-IP: 127.0.0.4\r\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("X-Forwarded-Proto: http\r\n"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("203.0.113.9"), std::string::npos) << r.body;
  TestClient trusted(port_, "127.0.0.5");
  trusted.Send(request);
  r = trusted.Read();
  EXPECT_NE(r.body.find("X-Forwarded-For: 203.0.113.9, 127.0.0.5\r\n"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("X-Real-IP: 203.0.113.9\r\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("X-Forwarded-Proto: https\r\n"), std::string::npos) << r.body;
}

TEST_F(EdgeHardeningTest, DeadlinesCloseSlowAndIdleClients) {
  EdgeOptions o;
  o.header_timeout = std::chrono::milliseconds(300);
  o.keepalive_timeout = std::chrono::milliseconds(300);
  o.body_timeout = std::chrono::milliseconds(300);
  StartWithBackend(o);
  auto start = std::chrono::steady_clock::now();
  TestClient silent(port_);  // connects and never sends: the head deadline runs from accept
  EXPECT_TRUE(silent.ClosedByPeer() || silent.ClosedByPeer());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));

  TestClient slow_head(port_);  // one byte at a time: the deadline is for the whole head
  start = std::chrono::steady_clock::now();
  for (const char* p = "GET / HTTP/1.1\r\n"; *p; ++p) {
    if (!slow_head.Send(std::string(1, *p))) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Response r = slow_head.Read();
  EXPECT_EQ(r.status, 408);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));

  TestClient idle(port_);
  idle.Send("GET /1 HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n");
  EXPECT_EQ(idle.Read().status, 200);
  EXPECT_TRUE(idle.ClosedByPeer());  // keep-alive idle timeout

  TestClient slow_body(port_);
  slow_body.Send(
      "POST /count HTTP/1.1\r\nHost: web-demo.localhost\r\nContent-Length: 10\r\n\r\n12345");
  r = slow_body.Read();
  EXPECT_EQ(r.status, 408);
  EXPECT_NE(r.body.find("request body stopped arriving"), std::string::npos) << r.body;
}

TEST(RetryRuleTest, OnlyIdempotentRequestsAreRetriedAfterTheyWereSent) {
  // Nothing sent yet (connect failed, or the first write failed): always retried.
  EXPECT_TRUE(internal::MayRetryRequest(false, false, false, false));
  EXPECT_TRUE(internal::MayRetryRequest(false, true, false, false));
  // Sent: only idempotent methods, only with no response byte and a replayable body.
  EXPECT_TRUE(internal::MayRetryRequest(true, true, false, false));
  EXPECT_FALSE(internal::MayRetryRequest(true, false, false, false));
  EXPECT_FALSE(internal::MayRetryRequest(true, true, true, false));
  EXPECT_FALSE(internal::MayRetryRequest(true, true, false, true));
}

class RetryTest : public EdgeTest {
 protected:
  void SetUp() override {
    EdgeTest::SetUp();
    // The first request of a route goes to its first backend: the one that drops requests.
    WriteRoutes(1, {RouteJson(kHost, "web", "demo", {dropper_.port(), good_.port()})});
    StartEdge();
  }
  TestBackend dropper_{"dropper", /*drop_requests=*/true};
  TestBackend good_{"good"};
};

TEST_F(RetryTest, NonIdempotentRequestThatReachedABackendIsNotRetried) {
  TestClient c(port_);
  c.Send("POST /order HTTP/1.1\r\nHost: web-demo.localhost\r\nContent-Length: 2\r\n\r\nhi");
  Response r = c.Read();
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(dropper_.requests(), 1);
  EXPECT_EQ(good_.requests(), 0);  // the order was not placed twice
}

TEST_F(RetryTest, IdempotentRequestIsRetriedOnTheNextBackend) {
  Response r = testing::Get(port_, kHost, "/page");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "backend=good path=/page");
  EXPECT_EQ(dropper_.requests(), 1);
  EXPECT_EQ(good_.requests(), 1);
}

// With the file table full, accept() fails with EMFILE: the edge sheds pending connections with
// its reserve descriptor (503) instead of spinning on the listener, and recovers when
// descriptors free up.
TEST_F(EdgeHardeningTest, OutOfFileDescriptorsNeverSpins) {
  EdgeOptions o;
  o.max_connections = 1000;
  StartWithBackend(o);
  ASSERT_EQ(testing::Get(port_, kHost, "/warm").status, 200);
  constexpr int kClients = 20;
  std::vector<int> fds;
  for (int i = 0; i < kClients; ++i) fds.push_back(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  rlimit saved{};
  getrlimit(RLIMIT_NOFILE, &saved);
  int lowest_free = dup(0);
  close(lowest_free);
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(lowest_free + 1);  // one more descriptor for the whole process
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port_);
  timeval tv{1, 0};
  for (int fd : fds) {
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    std::string req = "GET /x HTTP/1.1\r\nHost: web-demo.localhost\r\n\r\n";
    send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  }
  // Clients the edge could not take are answered 503 (or closed) at once; the rest are served,
  // or wait for a backend that is itself out of descriptors.
  int refused = 0;
  std::vector<int> waiting;
  for (int fd : fds) {
    char buf[2048];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    std::string got = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
    if (got.rfind("HTTP/1.1 503", 0) == 0 || n == 0) {
      ++refused;
    } else if (n < 0) {
      waiting.push_back(fd);
    }
  }
  EXPECT_GT(refused, 0);
  // Idle now with the table still full: the loop must not burn CPU.
  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  getrusage(RUSAGE_SELF, &after);
  auto cpu_us = [](const rusage& u) {
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000L + u.ru_utime.tv_usec +
           u.ru_stime.tv_usec;
  };
  EXPECT_LT(cpu_us(after) - cpu_us(before), 100000);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  for (int fd : waiting) {  // descriptors are back: whoever waited is answered now
    char buf[2048];
    EXPECT_GT(recv(fd, buf, sizeof buf, 0), 0);
  }
  for (int fd : fds) close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(testing::Get(port_, kHost, "/after").status, 200);
}

}  // namespace
}  // namespace ink::edge
