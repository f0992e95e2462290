#include "ink/http/server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>

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
  options.stream_body = [](const ServerRequest& head) { return head.path == "/upload"; };
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

}  // namespace
}  // namespace ink::http
