#include "ink/http/server.h"

#include <gtest/gtest.h>

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

TEST(HttpServer, BadListenAddressIsAClearError) {
  auto bad = HttpServer::Start({.listen = "127.0.0.1"}, nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("HOST:PORT"), std::string::npos);
}

}  // namespace
}  // namespace ink::http
