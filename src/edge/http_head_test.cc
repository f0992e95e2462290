#include "http_head.h"

#include <gtest/gtest.h>

#include <string>

namespace ink::edge::internal {
namespace {

// Builds a HeaderList over `buffer` from "Name: value" pairs laid out in it.
HeaderList Collect(const std::string& buffer) {
  HeaderList h;
  h.Clear();
  size_t pos = 0;
  while (pos < buffer.size()) {
    size_t end = buffer.find('\n', pos);
    size_t colon = buffer.find(": ", pos);
    h.items[h.count++] =
        HeaderSpan{static_cast<uint32_t>(pos), static_cast<uint32_t>(colon - pos),
                   static_cast<uint32_t>(colon + 2), static_cast<uint32_t>(end - colon - 2)};
    pos = end + 1;
  }
  return h;
}

TEST(HttpHeadTest, RequestHeadDropsHopByHopAndAddsForwarded) {
  std::string buf =
      "Host: web-demo.localhost:8080\nConnection: keep-alive, X-Secret\nX-Secret: 1\n"
      "Keep-Alive: timeout=5\nTE: trailers\nX-Forwarded-For: 1.2.3.4\nX-Forwarded-Proto: https\n"
      "Accept: */*\nTransfer-Encoding: chunked\n";
  HeaderList h = Collect(buf);
  std::string out;
  BuildUpstreamRequestHead(buf.data(), h, {"POST", "/x?y=1", false, false, "127.0.0.1"}, &out);
  EXPECT_EQ(out.rfind("POST /x?y=1 HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(out.find("Host: web-demo.localhost:8080\r\n"), std::string::npos);
  EXPECT_NE(out.find("Accept: */*\r\n"), std::string::npos);
  EXPECT_NE(out.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(out.find("X-Forwarded-For: 127.0.0.1\r\n"), std::string::npos);
  EXPECT_NE(out.find("X-Real-IP: 127.0.0.1\r\n"), std::string::npos);
  EXPECT_EQ(out.find("1.2.3.4"), std::string::npos);
  EXPECT_NE(out.find("X-Forwarded-Proto: http\r\n"), std::string::npos);
  EXPECT_NE(out.find("X-Forwarded-Host: web-demo.localhost:8080\r\n"), std::string::npos);
  EXPECT_NE(out.find("Via: 1.1 ink-edge\r\n"), std::string::npos);
  EXPECT_EQ(out.find("https"), std::string::npos);
  EXPECT_EQ(out.find("X-Secret"), std::string::npos);
  EXPECT_EQ(out.find("Keep-Alive"), std::string::npos);
  EXPECT_EQ(out.find("TE:"), std::string::npos);
  EXPECT_EQ(out.find("Connection"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST(HttpHeadTest, ConnectionNeverRemovesFramingOrHost) {
  std::string buf =
      "Host: a\nConnection: content-length, transfer-encoding, host, x-drop\n"
      "Content-Length: 5\nTransfer-Encoding: chunked\nX-Drop: 1\n";
  HeaderList h = Collect(buf);
  std::string out;
  BuildUpstreamRequestHead(buf.data(), h, {"POST", "/", false, false, "127.0.0.1"}, &out);
  EXPECT_NE(out.find("Host: a\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Content-Length: 5\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("X-Drop"), std::string::npos) << out;
  out.clear();
  std::string resp = "Connection: content-length, transfer-encoding\nContent-Length: 2\n";
  HeaderList r = Collect(resp);
  BuildClientResponseHead(resp.data(), r, {200, "OK", false, false}, &out);
  EXPECT_NE(out.find("Content-Length: 2\r\n"), std::string::npos) << out;
}

// A client that is not a trusted proxy cannot claim another address, scheme or host.
const char* kClaimedForwarded =
    "Host: web-demo.localhost\nX-Forwarded-For: 6.6.6.6\nX-Forwarded-For: 7.7.7.7\n"
    "X-Real-IP: 6.6.6.6\nX-Forwarded-Proto: https\nX-Forwarded-Host: bank.example\n"
    "Forwarded: for=6.6.6.6;proto=https\n";

TEST(HttpHeadTest, UntrustedPeerForwardedHeadersAreReplaced) {
  std::string buf = kClaimedForwarded;
  HeaderList h = Collect(buf);
  std::string out;
  BuildUpstreamRequestHead(buf.data(), h, {"GET", "/", false, false, "10.1.2.3", false}, &out);
  EXPECT_NE(out.find("X-Forwarded-For: 10.1.2.3\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Real-IP: 10.1.2.3\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Forwarded-Proto: http\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Forwarded-Host: web-demo.localhost\r\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("6.6.6.6"), std::string::npos) << out;
  EXPECT_EQ(out.find("7.7.7.7"), std::string::npos) << out;
  EXPECT_EQ(out.find("https"), std::string::npos) << out;
  EXPECT_EQ(out.find("bank.example"), std::string::npos) << out;
  EXPECT_EQ(out.find("Forwarded:"), std::string::npos) << out;
}

TEST(HttpHeadTest, TrustedProxyChainIsAppended) {
  std::string buf = kClaimedForwarded;
  HeaderList h = Collect(buf);
  std::string out;
  BuildUpstreamRequestHead(buf.data(), h, {"GET", "/", false, false, "10.1.2.3", true}, &out);
  EXPECT_NE(out.find("X-Forwarded-For: 6.6.6.6, 7.7.7.7, 10.1.2.3\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Real-IP: 6.6.6.6\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Forwarded-Proto: https\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Forwarded-Host: bank.example\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Forwarded: for=6.6.6.6;proto=https\r\n"), std::string::npos) << out;
  // Each field exactly once.
  EXPECT_EQ(out.find("X-Forwarded-For", out.find("X-Forwarded-For") + 1), std::string::npos);
}

TEST(HttpHeadTest, AbsoluteFormWithEmptyPathGetsASlash) {
  std::string buf = "Host: a\n";
  HeaderList h = Collect(buf);
  std::string out;
  BuildUpstreamRequestHead(buf.data(), h, {"GET", "?q=1", false, false, "::1", false, true}, &out);
  EXPECT_EQ(out.rfind("GET /?q=1 HTTP/1.1\r\n", 0), 0u) << out;
}

TEST(HttpHeadTest, UpgradeRequestKeepsUpgrade) {
  std::string buf = "Host: a\nConnection: Upgrade\nUpgrade: websocket\n";
  HeaderList h = Collect(buf);
  std::string out;
  BuildUpstreamRequestHead(buf.data(), h, {"GET", "/ws", false, true, "::1"}, &out);
  EXPECT_NE(out.find("Connection: upgrade\r\nUpgrade: websocket\r\n"), std::string::npos);
}

TEST(HttpHeadTest, ResponseHeadConnectionHandling) {
  std::string buf = "Content-Length: 5\nConnection: close\nKeep-Alive: x\n";
  HeaderList h = Collect(buf);
  std::string out;
  BuildClientResponseHead(buf.data(), h, {200, "OK", true, false}, &out);
  EXPECT_EQ(out.rfind("HTTP/1.1 200 ", 0), 0u);
  EXPECT_NE(out.find("Content-Length: 5\r\n"), std::string::npos);
  EXPECT_NE(out.find("Connection: keep-alive\r\n"), std::string::npos);
  EXPECT_EQ(out.find("Keep-Alive"), std::string::npos);
  out.clear();
  BuildClientResponseHead(buf.data(), h, {200, "OK", false, true}, &out);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
}

TEST(HttpHeadTest, ErrorPagesEscapeAndSpeakJson) {
  std::string html;
  BuildErrorResponse(404, "not_found", "no route for <b>\"x\"", false, false, false, &html);
  EXPECT_EQ(html.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u);
  EXPECT_NE(html.find("&lt;b&gt;&quot;x&quot;"), std::string::npos);
  EXPECT_NE(html.find("text/html"), std::string::npos);
  std::string json;
  BuildErrorResponse(502, "bad_gateway", "say \"hi\"", true, true, false, &json);
  EXPECT_NE(json.find("{\"error\":{\"code\":\"bad_gateway\",\"message\":\"say \\\"hi\\\"\"}}"),
            std::string::npos);
  EXPECT_NE(json.find("Connection: close\r\n"), std::string::npos);
  std::string head;
  BuildErrorResponse(503, "unavailable", "m", false, false, true, &head);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
  EXPECT_NE(head.find("Content-Length: "), std::string::npos);
}

TEST(HttpHeadTest, ListContainsToken) {
  EXPECT_TRUE(ListContainsToken("keep-alive, Upgrade", "upgrade"));
  EXPECT_FALSE(ListContainsToken("keep-alive, Upgrader", "upgrade"));
}

}  // namespace
}  // namespace ink::edge::internal
