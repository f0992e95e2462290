// The HTTP transport against a real loopback HTTP server (ink_http's HttpServer, port 0): the
// bearer token, JSON bodies, streaming on success and error bodies on failure reach the wire.
#include <gtest/gtest.h>

#include <mutex>

#include "api.h"
#include "ink/http/server.h"

namespace ink::cli {
namespace {

class HttpTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = http::HttpServer::Start(
        {}, [this](const http::ServerRequest& request, http::ResponseWriter& writer) {
          {
            std::lock_guard<std::mutex> lock(mutex_);
            last_ = request;
          }
          if (request.path.ends_with("/logs")) {
            writer.StartStream(200, {{"Content-Type", "text/plain"}});
            writer.Write("[web-1] first\n");
            writer.Write("[web-1] second\n");
            return;
          }
          if (request.path.ends_with("/missing")) {
            writer.Send(404, {{"Content-Type", "application/json"}},
                        R"({"error":{"code":"not_found","message":"no such thing"}})");
            return;
          }
          writer.Send(200, {{"Content-Type", "application/json"}}, R"({"ok":true})");
        });
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(*server);
    url_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override { server_->Stop(); }

  http::ServerRequest Last() {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_;
  }

  std::unique_ptr<http::HttpServer> server_;
  std::string url_;
  std::mutex mutex_;
  http::ServerRequest last_;  // guarded by mutex_
};

TEST_F(HttpTransportTest, SendsTokenAndJsonBody) {
  auto transport = NewHttpTransport({url_, "ink_secret"});
  ASSERT_TRUE(transport.ok()) << transport.error().message;
  auto reply = (*transport)->Send("POST", "/v1/projects", Json{{"name", "demo"}});
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(Json::parse(reply->body), (Json{{"ok", true}}));
  http::ServerRequest seen = Last();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, "/v1/projects");
  EXPECT_EQ(seen.header("authorization"), "Bearer ink_secret");
  EXPECT_EQ(seen.header("content-type"), "application/json");
  EXPECT_EQ(Json::parse(seen.body), (Json{{"name", "demo"}}));
}

TEST_F(HttpTransportTest, ErrorStatusesAreRepliesNotTransportErrors) {
  auto transport = NewHttpTransport({url_, "t"});
  ASSERT_TRUE(transport.ok());
  auto reply = (*transport)->Send("GET", "/v1/missing", std::nullopt);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 404);
  EXPECT_NE(reply->body.find("no such thing"), std::string::npos);
}

TEST_F(HttpTransportTest, StreamsSuccessToTheSinkAndCollectsErrorBodies) {
  auto transport = NewHttpTransport({url_, "t"});
  ASSERT_TRUE(transport.ok());
  std::string streamed;
  auto reply =
      (*transport)
          ->Stream("/v1/projects/p/services/web/logs?follow=true", [&](std::string_view chunk) {
            streamed.append(chunk);
            return true;
          });
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(streamed, "[web-1] first\n[web-1] second\n");
  EXPECT_EQ(Last().query.at("follow"), "true");

  streamed.clear();
  auto missing = (*transport)->Stream("/v1/missing", [&](std::string_view chunk) {
    streamed.append(chunk);
    return true;
  });
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(streamed, "");
  EXPECT_NE(missing->body.find("no such thing"), std::string::npos);
}

TEST_F(HttpTransportTest, UnreachableAndBadUrls) {
  int port = server_->port();
  server_->Stop();
  auto transport = NewHttpTransport({"http://127.0.0.1:" + std::to_string(port), "t"});
  ASSERT_TRUE(transport.ok());
  EXPECT_FALSE((*transport)->Send("GET", "/v1/status", std::nullopt).ok());
  EXPECT_FALSE(NewHttpTransport({"ftp://example", "t"}).ok());
  EXPECT_TRUE(NewHttpTransport({"https://example", "t"}).ok());  // the system CA bundle
  EXPECT_EQ(EncodeSegment("a b/c"), "a%20b%2Fc");
}

}  // namespace
}  // namespace ink::cli
