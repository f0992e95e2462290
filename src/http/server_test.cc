#include "ink/http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "ink/http/client.h"

namespace ink::http {
namespace {

std::unique_ptr<HttpServer> StartEcho(ServerOptions options = {}) {
  auto server = HttpServer::Start(options, [](const ServerRequest& req, ResponseWriter& w) {
    if (req.path == "/stream") {
      w.StartStream(200, {{"Content-Type", "text/plain"}});
      for (int i = 0; i < 3; ++i) w.Write("line " + std::to_string(i) + "\n");
      return;
    }
    std::string q = req.query.count("q") ? req.query.at("q") : "";
    w.Send(200, {{"Content-Type", "text/plain"}},
           req.method + " " + req.path + " q=" + q + " body=" + req.body);
  });
  EXPECT_TRUE(server.ok());
  return std::move(server).value();
}

Endpoint Local(int port) { return *Endpoint::Parse("http://127.0.0.1:" + std::to_string(port)); }

TEST(HttpServer, ServesDecodedPathQueryAndBodyWithKeepAlive) {
  auto server = StartEcho();
  HttpClient client(Local(server->port()));
  for (int i = 0; i < 3; ++i) {
    auto r = client.Do({.method = "POST", .target = "/a%20b?q=x+y%26", .body = "hi"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "POST /a b q=x y& body=hi");
  }
  server->Stop();
}

TEST(HttpServer, StreamsChunks) {
  auto server = StartEcho();
  HttpClient client(Local(server->port()));
  auto r = client.Do({.target = "/stream"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "line 0\nline 1\nline 2\n");
}

TEST(HttpServer, AHandlerThatThrowsCostsOneRequestNotTheServer) {
  auto server = HttpServer::Start({}, [](const ServerRequest& req, ResponseWriter& w) {
    if (req.path == "/throw") throw std::runtime_error("a handler bug");
    w.Send(200, {}, "fine");
  });
  ASSERT_TRUE(server.ok());
  HttpClient client(Local((*server)->port()));
  auto r = client.Do({.target = "/throw"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 500);
  auto after = client.Do({.target = "/ok"});
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(after->body, "fine");
  (*server)->Stop();
}

TEST(HttpServer, RejectsOversizedBodyWith413) {
  auto server = StartEcho({.listen = "127.0.0.1:0", .max_body_bytes = 1024});
  HttpClient client(Local(server->port()));
  auto r = client.Do({.method = "POST", .target = "/", .body = std::string(5000, 'x')});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("payload_too_large"), std::string::npos);
}

// An upload route reads its body itself, past max_body_bytes, and may stop early.
std::unique_ptr<HttpServer> StartUpload(size_t limit, std::atomic<size_t>* seen) {
  ServerOptions options{.listen = "127.0.0.1:0", .max_body_bytes = 1024};
  options.admit = [](const ServerRequest& head) {
    return head.path == "/upload" ? Admission::Stream() : Admission::Read(1024);
  };
  auto server =
      HttpServer::Start(options, [limit, seen](const ServerRequest& req, ResponseWriter& w) {
        if (!req.read_body)
          return w.Send(200, {}, "whole body: " + std::to_string(req.body.size()));
        char buf[4096];
        size_t total = 0;
        while (true) {
          auto n = req.read_body(buf, sizeof buf);
          if (!n.ok()) return w.Send(400, {}, n.error().message);
          if (*n == 0) break;
          total += *n;
          *seen = total;
          if (total > limit) return w.Send(413, {}, "too large");
        }
        w.Send(200, {}, "streamed: " + std::to_string(total));
      });
  EXPECT_TRUE(server.ok());
  return std::move(server).value();
}

TEST(HttpServer, StreamedBodyRouteReadsPastTheWholeBodyLimit) {
  std::atomic<size_t> seen{0};
  auto server = StartUpload(1 << 20, &seen);
  HttpClient client(Local(server->port()));
  auto r = client.Do({.method = "POST", .target = "/upload", .body = std::string(300000, 'x')});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, "streamed: 300000");
  // Other routes keep the whole-body limit.
  HttpClient other(Local(server->port()));
  auto small = other.Do({.method = "POST", .target = "/x", .body = std::string(5000, 'x')});
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->status, 413);
}

TEST(HttpServer, StreamedBodyHandlerCanStopReadingAndTheClientStillGetsTheAnswer) {
  std::atomic<size_t> seen{0};
  auto server = StartUpload(64 << 10, &seen);
  // 32 MiB offered from a file; the handler stops after 64 KiB, answers 413 and the server
  // closes after a short drain. The client reads the early answer although its send failed.
  std::string path = "/tmp/ink-server-test-upload-" + std::to_string(::getpid());
  {
    std::ofstream out(path);
    out << std::string(32 << 20, 'x');
  }
  HttpClient client(Local(server->port()));
  auto r = client.Do({.method = "POST", .target = "/upload", .body_file = path});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 413);
  EXPECT_LT(seen.load(), size_t{1} << 20);
  // A file body that fits is sent whole.
  {
    std::ofstream out(path, std::ios::trunc);
    out << std::string(50000, 'y');
  }
  HttpClient again(Local(server->port()));
  auto ok = again.Do({.method = "POST", .target = "/upload", .body_file = path});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->body, "streamed: 50000");
  std::remove(path.c_str());
}

TEST(HttpServer, BadListenAddressIsAClearError) {
  auto bad = HttpServer::Start({.listen = "127.0.0.1"}, nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("HOST:PORT"), std::string::npos);
}

// ---- Slow and hostile clients ----

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// A raw TCP connection to the server, for bytes no well-behaved client would send.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool Send(std::string_view data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Reads until the peer closes or `timeout` passes; returns what arrived.
  std::string ReadUntilClosed(std::chrono::milliseconds timeout, bool* closed = nullptr) {
    std::string out;
    auto until = SteadyClock::now() + timeout;
    while (SteadyClock::now() < until) {
      pollfd p{fd_, POLLIN, 0};
      int left = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(until - SteadyClock::now())
              .count());
      if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        if (closed) *closed = true;
        return out;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    if (closed) *closed = false;
    return out;
  }
  // Reads one response whose head and Content-Length body arrive within `timeout`.
  std::string ReadResponse(std::chrono::milliseconds timeout) {
    std::string out;
    auto until = SteadyClock::now() + timeout;
    while (SteadyClock::now() < until) {
      size_t end = out.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t cl = out.find("Content-Length: ");
        size_t length = cl == std::string::npos ? 0 : std::stoul(out.substr(cl + 16));
        if (out.size() >= end + 4 + length) return out;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// Polls `f` for up to 5 s (no test waits on a fixed sleep).
template <typename F>
bool Eventually(F f) {
  for (int i = 0; i < 1000; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return f();
}

int StatusOf(const std::string& response) {
  return response.size() > 12 ? std::atoi(response.c_str() + 9) : 0;
}

std::chrono::milliseconds Since(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
}

TEST(HttpServer, AHeadThatDribblesInIsAnswered408AtItsDeadline) {
  auto server = StartEcho({.listen = "127.0.0.1:0", .head_timeout = 400ms});
  RawClient slow(server->port());
  auto start = SteadyClock::now();
  std::string reply;
  bool closed = false;
  for (char c : std::string("GET / HTTP/1.1\r\nHost: x\r\n")) {
    slow.Send(std::string_view(&c, 1));
    reply += slow.ReadUntilClosed(30ms, &closed);
    if (closed) break;
  }
  if (!closed) reply += slow.ReadUntilClosed(2s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(StatusOf(reply), 408) << reply;
  EXPECT_GE(Since(start), 350ms);
  EXPECT_LT(Since(start), 1500ms);
  EXPECT_EQ(server->stats().timed_out, 1u);
}

TEST(HttpServer, AConnectionThatSendsNothingIsClosedAtTheHeadDeadline) {
  auto server = StartEcho({.listen = "127.0.0.1:0", .head_timeout = 300ms});
  RawClient idle(server->port());
  auto start = SteadyClock::now();
  bool closed = false;
  EXPECT_EQ(idle.ReadUntilClosed(3s, &closed), "");
  EXPECT_TRUE(closed);
  EXPECT_LT(Since(start), 1500ms);
}

TEST(HttpServer, KeepAliveConnectionsCloseAfterTheIdleTimeout) {
  auto server = StartEcho({.listen = "127.0.0.1:0", .idle_timeout = 300ms});
  RawClient client(server->port());
  client.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(client.ReadResponse(2s)), 200);
  auto start = SteadyClock::now();
  bool closed = false;
  client.ReadUntilClosed(3s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_GE(Since(start), 250ms);
  EXPECT_LT(Since(start), 1500ms);
}

TEST(HttpServer, HundredsOfSlowClientsDoNotDelayANormalOne) {
  auto server = StartEcho({.listen = "127.0.0.1:0", .max_requests = 4});
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 300; ++i) {
    slow.push_back(std::make_unique<RawClient>(server->port()));
    ASSERT_TRUE(slow.back()->connected());
    if (i % 3 == 0) slow.back()->Send("GET /half HTTP/1.1\r\nHost: x\r\n");  // half a head
    if (i % 3 == 1)
      slow.back()->Send("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab");
  }
  for (int round = 0; round < 5; ++round) {
    auto start = SteadyClock::now();
    HttpClient client(Local(server->port()));
    auto r = client.Do({.target = "/health"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 200);
    EXPECT_LT(Since(start), 500ms);
  }
  EXPECT_GE(server->stats().pending_connections, 300);
  // The slow ones hold no handler (the normal client's last one may still be returning).
  EXPECT_TRUE(Eventually([&] { return server->stats().short_requests == 0; }));
}

TEST(HttpServer, AtThePendingCapTheOldestSlowClientMakesRoom) {
  auto server = StartEcho({.listen = "127.0.0.1:0", .max_pending_connections = 5});
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 5; ++i) {
    slow.push_back(std::make_unique<RawClient>(server->port()));
    slow.back()->Send("GET / HTTP/1.1\r\n");
    std::this_thread::sleep_for(20ms);  // accepted in this order
  }
  HttpClient client(Local(server->port()));
  auto r = client.Do({.target = "/x"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(server->stats().evicted, 1u);
  bool closed = false;
  std::string reply = slow.front()->ReadUntilClosed(2s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(StatusOf(reply), 503) << reply;
}

// Admits "Bearer good" (as authenticated) and everyone else as a stranger.
Admitter TokenAdmitter() {
  return [](const ServerRequest& head) {
    if (head.header("authorization") == "Bearer good") {
      return Admission::Read(1024, std::string("caller-1"));
    }
    return Admission::Read(1024);
  };
}

TEST(HttpServer, StrangersAtThePendingCapNeverEvictAnAuthenticatedKeepAliveConnection) {
  ServerOptions options{.listen = "127.0.0.1:0", .max_pending_connections = 5};
  options.admit = TokenAdmitter();
  auto server = StartEcho(options);
  RawClient trusted(server->port()), stranger(server->port());
  trusted.Send("GET /a HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n\r\n");
  EXPECT_EQ(StatusOf(trusted.ReadResponse(2s)), 200);
  stranger.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(stranger.ReadResponse(2s)), 200);
  ASSERT_TRUE(Eventually([&] {
    auto stats = server->stats();
    return stats.authenticated_connections == 1 && stats.pending_connections == 2;
  }));
  // Twenty idle strangers, four times the cap, arrive after both.
  std::vector<std::unique_ptr<RawClient>> flood;
  for (int i = 0; i < 20; ++i) flood.push_back(std::make_unique<RawClient>(server->port()));
  ASSERT_TRUE(Eventually([&] { return server->stats().evicted >= 16; }));
  bool closed = false;
  stranger.ReadUntilClosed(500ms, &closed);
  EXPECT_TRUE(closed) << "the idle stranger was the oldest: it goes first";
  // The authenticated keep-alive connection is still there and answers.
  trusted.Send("GET /b HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n\r\n");
  std::string reply = trusted.ReadResponse(2s);
  EXPECT_EQ(StatusOf(reply), 200) << reply;
  EXPECT_NE(reply.find("GET /b"), std::string::npos);
  EXPECT_TRUE(Eventually([&] { return server->stats().pending_connections == 6; }))
      << "five strangers and the authenticated connection";
}

TEST(HttpServer, AuthenticatedIdleConnectionsHaveTheirOwnCap) {
  ServerOptions options{.listen = "127.0.0.1:0", .max_authenticated_connections = 2};
  options.admit = TokenAdmitter();
  auto server = StartEcho(options);
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<RawClient>(server->port()));
    clients.back()->Send("GET /a HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n\r\n");
    EXPECT_EQ(StatusOf(clients.back()->ReadResponse(2s)), 200);
  }
  bool closed = false;
  clients[0]->ReadUntilClosed(2s, &closed);
  EXPECT_TRUE(closed) << "the oldest idle authenticated connection makes room";
  EXPECT_TRUE(Eventually([&] { return server->stats().authenticated_connections == 2; }));
}

TEST(HttpServer, AnAbandonedQuietStreamEndsAtItsNextEmptyWrite) {
  std::atomic<bool> ended{false};
  std::promise<void> started;
  auto server =
      HttpServer::Start({.listen = "127.0.0.1:0"}, [&](const ServerRequest&, ResponseWriter& w) {
        w.StartStream(200, {});
        started.set_value();
        while (w.Write("")) std::this_thread::sleep_for(5ms);
        ended = true;
      });
  ASSERT_TRUE(server.ok());
  {
    RawClient follower((*server)->port());
    follower.Send("GET /follow HTTP/1.1\r\nHost: x\r\n\r\n");
    started.get_future().wait();
    EXPECT_FALSE(ended.load()) << "an empty write to a connected client succeeds";
  }  // the client goes away without a byte from the stream
  EXPECT_TRUE(Eventually([&] { return ended.load(); }));
  EXPECT_TRUE(Eventually([&] { return (*server)->stats().long_requests == 0; }));
}

TEST(HttpServer, WithTheLongBudgetFullANewStreamGets503AndHoldsNoShortSlot) {
  ServerOptions options{.listen = "127.0.0.1:0", .max_requests = 2, .max_long_requests = 1};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto server = HttpServer::Start(options, [&](const ServerRequest& req, ResponseWriter& w) {
    if (req.path == "/quick") return w.Send(200, {}, "quick");
    if (!w.StartStream(200, {})) return;
    w.Write("first\n");
    released.wait();
  });
  ASSERT_TRUE(server.ok());
  int port = (*server)->port();
  RawClient first(port);
  first.Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_NE(first.ReadUntilClosed(300ms).find("first"), std::string::npos);
  std::vector<std::unique_ptr<RawClient>> more;
  for (int i = 0; i < 3; ++i) {
    more.push_back(std::make_unique<RawClient>(port));
    more.back()->Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string reply = more.back()->ReadResponse(2s);
    EXPECT_EQ(StatusOf(reply), 503) << reply;
    EXPECT_NE(reply.find("long-lived"), std::string::npos) << reply;
  }
  HttpClient client(Local(port));
  auto r = client.Do({.target = "/quick"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->body, "quick");
  EXPECT_EQ((*server)->stats().long_requests, 1);
  release.set_value();
}

TEST(HttpServer, AdmissionRejectsBeforeReadingTheBody) {
  std::atomic<int> handled{0};
  ServerOptions options{.listen = "127.0.0.1:0"};
  options.admit = [](const ServerRequest& head) {
    if (head.header("authorization") != "Bearer good") {
      return Admission::Reject(401, {{"WWW-Authenticate", "Bearer"}}, "no token");
    }
    return Admission::Read(16, std::string("caller-1"));
  };
  auto server = HttpServer::Start(options, [&](const ServerRequest& req, ResponseWriter& w) {
    ++handled;
    w.Send(200, {}, std::any_cast<std::string>(req.context) + " " + req.body);
  });
  ASSERT_TRUE(server.ok());
  int port = (*server)->port();
  // A 1 GiB POST without a token: the answer comes at once, no body byte was needed.
  RawClient big(port);
  auto start = SteadyClock::now();
  big.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n");
  std::string reply = big.ReadResponse(2s);
  EXPECT_EQ(StatusOf(reply), 401) << reply;
  EXPECT_NE(reply.find("WWW-Authenticate: Bearer"), std::string::npos);
  EXPECT_NE(reply.find("Connection: close"), std::string::npos);
  EXPECT_LT(Since(start), 500ms);
  // Authenticated, but past the route's limit: 413 from the Content-Length alone.
  RawClient large(port);
  large.Send(
      "POST /x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\nContent-Length: 17\r\n\r\n");
  EXPECT_EQ(StatusOf(large.ReadResponse(2s)), 413);
  // Expect: 100-continue is answered only once admitted.
  RawClient polite(port);
  polite.Send(
      "POST /x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\nContent-Length: 2\r\n"
      "Expect: 100-continue\r\n\r\n");
  std::string interim = polite.ReadUntilClosed(300ms);
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  polite.Send("hi");
  std::string ok = polite.ReadResponse(2s);
  EXPECT_EQ(StatusOf(ok), 200) << ok;
  EXPECT_NE(ok.find("caller-1 hi"), std::string::npos) << ok;
  RawClient refused(port);
  refused.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(StatusOf(refused.ReadResponse(2s)), 401);
  EXPECT_EQ(handled.load(), 1);
}

TEST(HttpServer, ABodyBelowTheMinimumRateIsCutOffAfterTheGrace) {
  auto server = StartEcho({.listen = "127.0.0.1:0", .body_timeout = 300ms});
  RawClient slow(server->port());
  auto start = SteadyClock::now();
  slow.Send("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc");
  bool closed = false;
  std::string reply = slow.ReadUntilClosed(3s, &closed);
  EXPECT_EQ(StatusOf(reply), 408) << reply;
  EXPECT_TRUE(closed);
  EXPECT_LT(Since(start), 1500ms);
}

TEST(HttpServer, AStreamedBodyBelowTheMinimumRateFailsTheHandlersRead) {
  std::atomic<size_t> seen{0};
  ServerOptions options{.listen = "127.0.0.1:0", .body_timeout = 300ms};
  options.admit = [](const ServerRequest&) { return Admission::Stream(); };
  std::promise<std::string> error;
  auto server = HttpServer::Start(options, [&](const ServerRequest& req, ResponseWriter& w) {
    char buf[100];
    while (true) {
      auto n = req.read_body(buf, sizeof buf);
      if (!n.ok()) {
        error.set_value(n.error().message);
        return w.Send(408, {}, n.error().message);
      }
      if (*n == 0) return w.Send(200, {}, "done");
      seen += *n;
    }
  });
  ASSERT_TRUE(server.ok());
  RawClient slow((*server)->port());
  slow.Send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc");
  auto future = error.get_future();
  ASSERT_EQ(future.wait_for(3s), std::future_status::ready);
  EXPECT_NE(future.get().find("too slowly"), std::string::npos);
  EXPECT_EQ(seen.load(), 3u);
}

TEST(HttpServer, LongRunningHandlersDoNotTakeTheSlotsOfNewRequests) {
  ServerOptions options{.listen = "127.0.0.1:0", .max_requests = 2, .long_request_after = 100ms};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto server = HttpServer::Start(options, [&](const ServerRequest& req, ResponseWriter& w) {
    if (req.path == "/wait") {  // like get_deployment {wait}: blocks without writing
      released.wait();
      return w.Send(200, {}, "waited");
    }
    if (req.path == "/follow") {  // like a log follow: a stream that stays open
      w.StartStream(200, {});
      w.Write("first\n");
      released.wait();
      return;
    }
    w.Send(200, {}, "quick");
  });
  ASSERT_TRUE(server.ok());
  int port = (*server)->port();
  std::vector<std::unique_ptr<RawClient>> waiters;
  for (int i = 0; i < 6; ++i) {
    waiters.push_back(std::make_unique<RawClient>(port));
    waiters.back()->Send(i % 2 ? "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n"
                               : "GET /follow HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  // All six turn long (after 100 ms; a loaded machine may take longer to get there).
  auto deadline = SteadyClock::now() + 10s;
  while ((*server)->stats().long_requests < 6 && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ((*server)->stats().long_requests, 6);
  // Both short slots are free again: quick requests are answered while all six still hold on
  // (without the promotion they would wait for the release, which never comes before the end).
  for (int i = 0; i < 3; ++i) {
    auto start = SteadyClock::now();
    HttpClient client(Local(port));
    auto r = client.Do({.target = "/quick"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->body, "quick");
    EXPECT_LT(Since(start), 5s);
  }
  release.set_value();
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  auto server = StartEcho();
  RawClient client(server->port());
  client.Send(
      "GET /one HTTP/1.1\r\nHost: x\r\n\r\nPOST /two HTTP/1.1\r\nHost: x\r\n"
      "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /three HTTP/1.1\r\n"
      "Host: x\r\nConnection: close\r\n\r\n");
  bool closed = false;
  std::string all = client.ReadUntilClosed(3s, &closed);
  EXPECT_TRUE(closed);
  size_t one = all.find("GET /one"), two = all.find("POST /two q= body=abc"),
         three = all.find("GET /three");
  ASSERT_NE(one, std::string::npos) << all;
  ASSERT_NE(two, std::string::npos) << all;
  ASSERT_NE(three, std::string::npos) << all;
  EXPECT_LT(one, two);
  EXPECT_LT(two, three);
}

TEST(HttpServer, MalformedRequestsGetAClearStatus) {
  auto server = StartEcho();
  for (auto [bytes, status] : std::vector<std::pair<std::string, int>>{
           {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            400},
           {"GET / HTTP/1.1\nHost: x\n\n", 400},
           {"GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(20000, 'a') + "\r\n\r\n", 431},
           {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
       }) {
    RawClient client(server->port());
    client.Send(bytes);
    std::string reply = client.ReadResponse(2s);
    EXPECT_EQ(StatusOf(reply), status) << reply;
  }
}

TEST(HttpServer, StopEndsStreamsAndReturns) {
  ServerOptions options{.listen = "127.0.0.1:0"};
  auto server = HttpServer::Start(options, [](const ServerRequest&, ResponseWriter& w) {
    w.StartStream(200, {});
    while (w.Write("tick\n")) std::this_thread::sleep_for(10ms);
  });
  ASSERT_TRUE(server.ok());
  RawClient streaming((*server)->port());
  streaming.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(streaming.ReadUntilClosed(200ms).find("tick"), std::string::npos);
  RawClient idle((*server)->port());
  auto start = SteadyClock::now();
  (*server)->Stop();
  EXPECT_LT(Since(start), 2s);
}

}  // namespace
}  // namespace ink::http
