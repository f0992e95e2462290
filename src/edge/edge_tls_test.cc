// TLS at the edge over real loopback sockets: SNI selection (exact, wildcard), the alert for a
// name without a certificate, certificate swaps under a keep-alive client, redirect and HSTS,
// session resumption, WebSocket over TLS; clients are OpenSSL, the project's HttpClient, curl
// and openssl s_client.
#include <gtest/gtest.h>
#include <unistd.h>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "edge_test_fixture.h"
#include "ink/common/json.h"
#include "ink/common/subprocess.h"
#include "ink/edge/certificates.h"
#include "ink/http/client.h"
#include "tls_test_support.h"

namespace ink::edge {
namespace {

using testing::EdgeTest;
using testing::RouteJson;
using testing::TestBackend;
using testing::TestPki;
using testing::TlsClient;
using testing::TlsResponse;
using testing::WriteCertificateFile;

class TlsEdgeTest : public EdgeTest {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/ink-edge-tls-pki-XXXXXX";
    pki_dir_ = mkdtemp(tmpl);
    pki_ = new TestPki(pki_dir_);
    ASSERT_TRUE(pki_->ok());
    app_ = pki_->Bundle("app", "DNS:app.example.test");
    wildcard_ = pki_->Bundle("wild", "DNS:*.apps.example.test");
    localhost_ = pki_->Bundle("localhost", "DNS:localhost");
    ASSERT_FALSE(app_.empty());
  }
  static void TearDownTestSuite() {
    delete pki_;
    std::filesystem::remove_all(pki_dir_);
  }
  void SetUp() override {
    EdgeTest::SetUp();
    tls_dir_ = dir_ + "/tls";
    std::filesystem::create_directories(tls_dir_);
  }
  void TearDown() override {
    if (server_) server_->Stop(std::chrono::milliseconds(0));
    server_.reset();
    if (cert_watcher_) cert_watcher_->Stop();
    std::filesystem::remove_all(tls_dir_);
    std::filesystem::remove_all(dir_ + "/acme");
    EdgeTest::TearDown();
  }
  void StartTlsEdge(EdgeOptions options = {}) {
    options.listen_port = 0;
    options.tls = true;
    options.tls_port = 0;
    watcher_ = std::make_unique<RouteWatcher>(path_, holder_, std::chrono::milliseconds(50));
    ASSERT_TRUE(watcher_->Start().ok());
    cert_watcher_ = std::make_unique<CertificateWatcher>(tls_dir_, certificates_,
                                                         watcher_->status_file(),
                                                         std::chrono::milliseconds(50));
    ASSERT_TRUE(cert_watcher_->Start().ok());
    auto s = EdgeServer::Start(options, holder_, &certificates_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    server_ = std::move(*s);
    port_ = server_->port();
    tls_port_ = server_->tls_port();
  }
  // app.example.test routed to `backend` with its certificate, served and loaded.
  void StartWithApp(uint16_t backend) {
    WriteRoutes(1, {RouteJson("app.example.test", "app", "demo", {backend})});
    WriteCertificateFile(tls_dir_, "app.example.test.pem", app_);
    StartTlsEdge();
    ASSERT_TRUE(WaitForVersion(1));
    ASSERT_TRUE(WaitForCertificate("app.example.test"));
  }
  // Waits until the published set has `name` with a certificate other than `not`.
  bool WaitForCertificate(const std::string& name, const void* not_this = nullptr) {
    for (int i = 0; i < 500; ++i) {
      const auto* e = certificates_.Get()->Get(name);
      if (e != nullptr && e->context.get() != not_this) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  static std::string pki_dir_, app_, wildcard_, localhost_;
  static TestPki* pki_;
  std::string tls_dir_;
  CertificateSetHolder certificates_;
  std::unique_ptr<CertificateWatcher> cert_watcher_;
  uint16_t tls_port_ = 0;
};
std::string TlsEdgeTest::pki_dir_, TlsEdgeTest::app_, TlsEdgeTest::wildcard_,
    TlsEdgeTest::localhost_;
TestPki* TlsEdgeTest::pki_ = nullptr;

TEST_F(TlsEdgeTest, ChoosesTheCertificateBySniAndProxies) {
  TestBackend a("a"), b("b");
  WriteRoutes(1, {RouteJson("app.example.test", "app", "demo", {a.port()}),
                  RouteJson("x.apps.example.test", "x", "demo", {b.port()})});
  WriteCertificateFile(tls_dir_, "app.example.test.pem", app_);
  WriteCertificateFile(tls_dir_, "_wildcard.apps.example.test.pem", wildcard_);
  StartTlsEdge();
  ASSERT_TRUE(WaitForVersion(1));
  ASSERT_TRUE(WaitForCertificate("*.apps.example.test"));

  TlsClient exact(tls_port_, "app.example.test", pki_->ca_file());
  ASSERT_TRUE(exact.connected()) << exact.error();  // verified against the CA and the name
  EXPECT_EQ(exact.alpn(), "http/1.1");
  TlsResponse r = exact.Get("app.example.test", "/hello");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "backend=a path=/hello");
  EXPECT_EQ(r.headers["strict-transport-security"], "max-age=31536000");
  r = exact.Get("app.example.test", "/headers");  // keep-alive: same connection
  EXPECT_NE(r.body.find("X-Forwarded-Proto: https\r\n"), std::string::npos) << r.body;

  TlsClient wild(tls_port_, "x.apps.example.test", pki_->ca_file());
  ASSERT_TRUE(wild.connected()) << wild.error();
  r = wild.Get("x.apps.example.test", "/w");
  EXPECT_EQ(r.body, "backend=b path=/w");

  // TLS 1.2 works too; older versions are refused.
  TlsClient v12(tls_port_, "app.example.test", pki_->ca_file(), nullptr, TLS1_2_VERSION);
  ASSERT_TRUE(v12.connected()) << v12.error();
  EXPECT_EQ(v12.version(), "TLSv1.2");
  TlsClient v11(tls_port_, "app.example.test", pki_->ca_file(), nullptr, TLS1_1_VERSION);
  EXPECT_FALSE(v11.connected());
}

TEST_F(TlsEdgeTest, NameWithoutCertificateGetsAnAlert) {
  WriteRoutes(1, {});
  WriteCertificateFile(tls_dir_, "app.example.test.pem", app_);
  StartTlsEdge();
  ASSERT_TRUE(WaitForCertificate("app.example.test"));
  // Never another tenant's certificate: the handshake fails with unrecognized_name.
  TlsClient other(tls_port_, "other.example.test", pki_->ca_file());
  EXPECT_FALSE(other.connected());
  EXPECT_EQ(other.reason(), SSL_R_TLSV1_UNRECOGNIZED_NAME) << other.error();
  // Two labels under a wildcard-less name, and no SNI at all, fail the same way.
  TlsClient deeper(tls_port_, "a.app.example.test", pki_->ca_file());
  EXPECT_EQ(deeper.reason(), SSL_R_TLSV1_UNRECOGNIZED_NAME) << deeper.error();
  TlsClient none(tls_port_, "", pki_->ca_file());
  EXPECT_EQ(none.reason(), SSL_R_TLSV1_UNRECOGNIZED_NAME) << none.error();
  // The listener keeps serving the names it has.
  TlsClient app(tls_port_, "app.example.test", pki_->ca_file());
  EXPECT_TRUE(app.connected()) << app.error();
}

TEST_F(TlsEdgeTest, HttpClientAndCurlWithTheCa) {
  TestBackend a("a");
  WriteRoutes(1, {RouteJson("localhost", "app", "demo", {a.port()}),
                  RouteJson("app.example.test", "app", "demo", {a.port()})});
  WriteCertificateFile(tls_dir_, "localhost.pem", localhost_);
  WriteCertificateFile(tls_dir_, "app.example.test.pem", app_);
  StartTlsEdge();
  ASSERT_TRUE(WaitForVersion(1));
  ASSERT_TRUE(WaitForCertificate("app.example.test"));
  ASSERT_TRUE(WaitForCertificate("localhost"));

  auto endpoint = http::Endpoint::Parse("https://localhost:" + std::to_string(tls_port_));
  ASSERT_TRUE(endpoint.ok());
  http::HttpClient client(*endpoint, http::TlsOptions{pki_->ca_file()});
  for (int i = 0; i < 3; ++i) {
    auto r = client.Do({.target = "/via-http-client"});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "backend=a path=/via-http-client");
  }

  std::string port = std::to_string(tls_port_);
  auto curl = RunProcess({"curl", "-sS", "--cacert", pki_->ca_file(), "--resolve",
                          "app.example.test:" + port + ":127.0.0.1",
                          "https://app.example.test:" + port + "/via-curl"},
                         std::chrono::seconds(20));
  ASSERT_TRUE(curl.ok());
  EXPECT_TRUE(curl->ok()) << curl->output;
  EXPECT_EQ(curl->output, "backend=a path=/via-curl");
}

TEST_F(TlsEdgeTest, SwapsCertificatesUnderAKeepAliveClient) {
  TestBackend a("a");
  ASSERT_NO_FATAL_FAILURE(StartWithApp(a.port()));
  std::string renewed[3];
  for (int i = 0; i < 3; ++i) {
    renewed[i] = pki_->Bundle("renew" + std::to_string(i), "DNS:app.example.test");
    ASSERT_FALSE(renewed[i].empty());
  }

  TlsClient first(tls_port_, "app.example.test", pki_->ca_file());
  ASSERT_TRUE(first.connected()) << first.error();
  std::string first_serial = first.PeerSerial();
  std::atomic<bool> stop{false};
  std::atomic<int> done{0}, failed{0}, new_failed{0};
  std::thread keepalive([&] {
    while (!stop) {
      TlsResponse r = first.Get("app.example.test", "/k");
      if (r.ok && r.status == 200) {
        ++done;
      } else {
        ADD_FAILURE() << "keep-alive request failed: status " << r.status;
        ++failed;
        return;
      }
    }
  });
  std::thread fresh([&] {  // new connections throughout: never refused mid-swap
    while (!stop) {
      TlsClient c(tls_port_, "app.example.test", pki_->ca_file());
      if (!c.connected()) {
        ADD_FAILURE() << "handshake: " << c.error();
        ++new_failed;
      } else if (c.Get("app.example.test", "/n").status != 200) {
        ADD_FAILURE() << "request on a new connection failed";
        ++new_failed;
      }
    }
  });
  for (int i = 0; i < 3; ++i) {
    const void* before = certificates_.Get()->Get("app.example.test")->context.get();
    WriteCertificateFile(tls_dir_, "app.example.test.pem", renewed[i]);
    ASSERT_TRUE(WaitForCertificate("app.example.test", before));
    int at = done.load();
    while (done.load() < at + 20 && failed.load() == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  stop = true;
  keepalive.join();
  fresh.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(new_failed.load(), 0);
  EXPECT_GE(done.load(), 60);
  EXPECT_EQ(first.PeerSerial(), first_serial);  // the old connection kept its certificate
  TlsClient after(tls_port_, "app.example.test", pki_->ca_file());
  ASSERT_TRUE(after.connected());
  EXPECT_NE(after.PeerSerial(), first_serial);  // new handshakes get the renewed one
}

TEST_F(TlsEdgeTest, PlainHttpRedirectsExceptAcmeChallenges) {
  TestBackend a("a");
  WriteRoutes(1, {RouteJson("app.example.test", "app", "demo", {a.port()}),
                  RouteJson("plain.example.test", "plain", "demo", {a.port()})});
  WriteCertificateFile(tls_dir_, "app.example.test.pem", app_);
  std::string acme = dir_ + "/acme";
  std::filesystem::create_directories(acme);
  std::ofstream(acme + "/tok-123") << "tok-123.thumbprint";
  EdgeOptions options;
  options.acme_challenge_dir = acme;
  StartTlsEdge(options);
  ASSERT_TRUE(WaitForVersion(1));
  ASSERT_TRUE(WaitForCertificate("app.example.test"));

  testing::Response r = testing::Get(port_, "App.Example.Test:8080", "/p/q?x=1&y=2");
  EXPECT_EQ(r.status, 308);
  EXPECT_EQ(r.headers["location"],
            "https://app.example.test:" + std::to_string(tls_port_) + "/p/q?x=1&y=2");
  EXPECT_EQ(r.headers.count("strict-transport-security"), 0u);  // never over plain HTTP
  // The HTTP-01 answer comes first, over plain HTTP.
  r = testing::Get(port_, "app.example.test", "/.well-known/acme-challenge/tok-123");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "tok-123.thumbprint");
  // A host without a certificate is proxied as before.
  r = testing::Get(port_, "plain.example.test", "/p");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "backend=a path=/p");
  // Over TLS: HSTS on proxied and local answers for the host with the certificate.
  TlsClient tls(tls_port_, "app.example.test", pki_->ca_file());
  ASSERT_TRUE(tls.connected());
  TlsResponse t = tls.Get("app.example.test", "/p");
  EXPECT_EQ(t.headers["strict-transport-security"], "max-age=31536000");
  t = tls.Get("nothing.example.test", "/p");  // Host differs from SNI: 404, no HSTS for it
  EXPECT_EQ(t.status, 404);
  EXPECT_EQ(t.headers.count("strict-transport-security"), 0u);
}

TEST_F(TlsEdgeTest, SessionsResumeAcrossCertificateSwaps) {
  TestBackend a("a");
  ASSERT_NO_FATAL_FAILURE(StartWithApp(a.port()));
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    SSL_SESSION* session = nullptr;
    {
      TlsClient full(tls_port_, "app.example.test", pki_->ca_file(), nullptr, version);
      ASSERT_TRUE(full.connected()) << full.error();
      EXPECT_FALSE(full.reused());
      ASSERT_EQ(full.Get("app.example.test", "/").status, 200);  // TLS 1.3 tickets arrive here
      session = full.Session();
    }
    TlsClient resumed(tls_port_, "app.example.test", pki_->ca_file(), session, version);
    ASSERT_TRUE(resumed.connected()) << resumed.error();
    EXPECT_TRUE(resumed.reused()) << version;
    EXPECT_EQ(resumed.Get("app.example.test", "/").status, 200);
    SSL_SESSION_free(session);
  }
  // "Connection: close": the edge ends with close_notify, else clients drop the session.
  {
    SSL_SESSION* closed_session = nullptr;
    {
      TlsClient c(tls_port_, "app.example.test", pki_->ca_file());
      ASSERT_EQ(c.Get("app.example.test", "/", "Connection: close\r\n").status, 200);
      EXPECT_TRUE(c.ClosedCleanly());
      closed_session = c.Session();
    }
    TlsClient again(tls_port_, "app.example.test", pki_->ca_file(), closed_session);
    EXPECT_TRUE(again.reused());
    SSL_SESSION_free(closed_session);
  }
  // Ticket keys belong to the listener, not to a certificate: a renewal keeps sessions valid.
  SSL_SESSION* session = nullptr;
  {
    TlsClient full(tls_port_, "app.example.test", pki_->ca_file());
    ASSERT_EQ(full.Get("app.example.test", "/").status, 200);
    session = full.Session();
  }
  const void* before = certificates_.Get()->Get("app.example.test")->context.get();
  WriteCertificateFile(tls_dir_, "app.example.test.pem",
                       pki_->Bundle("resume-renewed", "DNS:app.example.test"));
  ASSERT_TRUE(WaitForCertificate("app.example.test", before));
  TlsClient resumed(tls_port_, "app.example.test", pki_->ca_file(), session);
  ASSERT_TRUE(resumed.connected()) << resumed.error();
  EXPECT_TRUE(resumed.reused());
  SSL_SESSION_free(session);

  // What an operator would check by hand: openssl s_client says "Reused".
  std::string sess = dir_ + "/s_client.sess";
  std::string connect = "127.0.0.1:" + std::to_string(tls_port_);
  std::string common = "openssl s_client -connect " + connect +
                       " -servername app.example.test -CAfile " + pki_->ca_file() +
                       " -verify_return_error";
  auto first = RunProcess({"sh", "-c",
                           "printf 'GET / HTTP/1.1\\r\\nHost: app.example.test\\r\\nConnection: "
                           "close\\r\\n\\r\\n' | " +
                               common + " -ign_eof -sess_out " + sess + " 2>&1"},
                          std::chrono::seconds(20));
  ASSERT_TRUE(first.ok());
  EXPECT_NE(first->output.find("New, TLSv1.3"), std::string::npos) << first->output;
  auto second = RunProcess({"sh", "-c",
                            "printf 'GET / HTTP/1.1\\r\\nHost: app.example.test\\r\\nConnection: "
                            "close\\r\\n\\r\\n' | " +
                                common + " -ign_eof -sess_in " + sess + " 2>&1"},
                           std::chrono::seconds(20));
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->output.find("Reused, TLSv1.3"), std::string::npos) << second->output;
  std::remove(sess.c_str());
}

TEST_F(TlsEdgeTest, WebSocketOverTls) {
  TestBackend a("a");
  ASSERT_NO_FATAL_FAILURE(StartWithApp(a.port()));
  TlsClient c(tls_port_, "app.example.test", pki_->ca_file());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send(
      "GET /ws HTTP/1.1\r\nHost: app.example.test\r\nConnection: Upgrade\r\n"
      "Upgrade: websocket\r\nSec-WebSocket-Key: abc\r\nSec-WebSocket-Version: 13\r\n\r\n"));
  std::string got;
  while (got.find("\r\n\r\n") == std::string::npos) {
    std::string more = c.ReadSome();
    ASSERT_FALSE(more.empty());
    got += more;
  }
  EXPECT_EQ(got.rfind("HTTP/1.1 101", 0), 0u) << got;
  got.erase(0, got.find("\r\n\r\n") + 4);
  std::string big(100000, 'w');  // larger than a TLS record, both ways
  ASSERT_TRUE(c.Send("ping-frame" + big));
  while (got.size() < 10 + big.size()) {
    std::string more = c.ReadSome();
    ASSERT_FALSE(more.empty());
    got += more;
  }
  EXPECT_EQ(got, "ping-frame" + big);
}

TEST_F(TlsEdgeTest, LargeBodiesBothWays) {
  TestBackend a("a");
  ASSERT_NO_FATAL_FAILURE(StartWithApp(a.port()));
  TlsClient c(tls_port_, "app.example.test", pki_->ca_file());
  ASSERT_TRUE(c.connected());
  TlsResponse r = c.Get("app.example.test", "/large/5000000");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.body.size(), 5000000u);
  std::string body(3000000, 'b');
  ASSERT_TRUE(c.Send("POST /count HTTP/1.1\r\nHost: app.example.test\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body));
  r = c.Read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.body, "3000000");
}

TEST_F(TlsEdgeTest, StatusFileReportsSkippedCertificates) {
  WriteRoutes(1, {});
  WriteCertificateFile(tls_dir_, "app.example.test.pem", app_);
  WriteCertificateFile(tls_dir_, "wrong.example.test.pem", app_);
  StartTlsEdge();
  Json status;
  for (int i = 0; i < 300; ++i) {
    auto parsed = ParseJson(testing::ReadText(dir_ + "/edge-status.json"));
    if (parsed.ok() && parsed->contains("certificates") && parsed->contains("loaded") &&
        (*parsed)["certificates"]["rejected"].size() == 1) {
      status = *parsed;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(status.is_object()) << testing::ReadText(dir_ + "/edge-status.json");
  EXPECT_EQ(status["loaded"]["version"], 1);  // the route watcher's part is still there
  const Json& certs = status["certificates"];
  ASSERT_EQ(certs["loaded"].size(), 1u);
  EXPECT_EQ(certs["loaded"][0]["name"], "app.example.test");
  EXPECT_EQ(certs["rejected"][0]["file"], "wrong.example.test.pem");
  EXPECT_NE(certs["rejected"][0]["reason"].get<std::string>().find("does not cover"),
            std::string::npos);
}

}  // namespace
}  // namespace ink::edge
