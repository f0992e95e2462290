// Loopback tests of the edge against hostile clients and backends: request smuggling, strict
// framing, deadlines, limits, forwarded headers and the retry rule. Each smuggling case checks
// what a user would see: a 400, or the backend parsing exactly the one request that was sent.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "edge_test_fixture.h"

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

}  // namespace
}  // namespace ink::edge
