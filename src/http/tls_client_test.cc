// HttpClient over TLS against a TLS server in this test (OpenSSL directly) on 127.0.0.1:0, with
// certificates the test makes with openssl: a trusted CA, a second CA nobody trusts, and leaves
// for the right and a wrong name.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

#include "ink/http/client.h"
#include "src/http/test_certificates.h"

namespace ink::http {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Answers every request on a connection with `response` until the client closes; one
// connection at a time. With `silent`, accepts and never speaks (a stalled handshake).
class TlsServer {
 public:
  TlsServer(const fs::path& cert, const fs::path& key, std::string response, bool silent = false)
      : response_(std::move(response)), silent_(silent) {
    context_ = SSL_CTX_new(TLS_server_method());
    EXPECT_EQ(SSL_CTX_use_certificate_chain_file(context_, cert.c_str()), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey_file(context_, key.c_str(), SSL_FILETYPE_PEM), 1);
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    EXPECT_EQ(::listen(listen_fd_, 16), 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~TlsServer() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    thread_.join();
    SSL_CTX_free(context_);
  }
  int port() const { return port_; }
  int accepted() const { return accepted_; }
  int requests() const { return requests_; }

 private:
  void Serve() {
    for (;;) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      ++accepted_;
      if (silent_) {
        char byte;
        while (::read(fd, &byte, 1) > 0) {
        }
        ::close(fd);
        continue;
      }
      SSL* session = SSL_new(context_);
      SSL_set_fd(session, fd);
      if (SSL_accept(session) == 1) {
        std::string data;
        char buf[4096];
        for (;;) {
          int n = SSL_read(session, buf, sizeof(buf));
          if (n <= 0) break;
          data.append(buf, n);
          size_t end;
          while ((end = data.find("\r\n\r\n")) != std::string::npos) {  // bodiless requests
            data.erase(0, end + 4);
            ++requests_;
            SSL_write(session, response_.data(), static_cast<int>(response_.size()));
          }
        }
      }
      SSL_free(session);
      ::close(fd);
    }
  }

  std::string response_;
  bool silent_;
  SSL_CTX* context_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0}, requests_{0};
  std::thread thread_;
};

class TlsClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("ink-tls-" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    for (const char* ca : {"trusted", "stranger"}) {
      Status made = testing::MakeTestCa(*dir_, ca);
      ASSERT_TRUE(made.ok()) << made.error().message;
    }
    struct Leaf {
      const char* name;
      const char* ca;
      const char* sans;
    };
    for (Leaf leaf : {Leaf{"local", "trusted", "DNS:localhost,IP:127.0.0.1"},
                      Leaf{"other", "trusted", "DNS:other.test"},
                      Leaf{"unknown", "stranger", "DNS:localhost,IP:127.0.0.1"}}) {
      Status made = testing::MakeTestServerCert(*dir_, leaf.ca, leaf.name, leaf.sans);
      ASSERT_TRUE(made.ok()) << made.error().message;
    }
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static fs::path Cert(const std::string& name) { return *dir_ / (name + ".pem"); }
  static fs::path Key(const std::string& name) { return *dir_ / (name + ".key"); }
  static TlsOptions Trusting(const std::string& ca) { return {.ca_file = Cert(ca).string()}; }
  static Endpoint At(const std::string& host, int port) {
    return *Endpoint::Parse("https://" + host + ":" + std::to_string(port));
  }

  static fs::path* dir_;
};
fs::path* TlsClientTest::dir_ = nullptr;

const std::string kHello = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

TEST(EndpointTlsTest, ParsesHttps) {
  auto e = Endpoint::Parse("https://acme.example.test/dir");
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_TRUE(e->tls);
  EXPECT_EQ(e->port, 443);
  EXPECT_EQ(e->path_prefix, "/dir");
  EXPECT_EQ(e->describe(), "https://acme.example.test:443/dir");
  EXPECT_FALSE(Endpoint::Parse("http://x")->tls);
  EXPECT_FALSE(Endpoint::Parse("ftp://x").ok());
}

TEST_F(TlsClientTest, TrustedCertificateForTheAddressOrNameIsAccepted) {
  TlsServer server(Cert("local"), Key("local"), kHello);
  for (std::string host : {"127.0.0.1", "localhost"}) {
    HttpClient client(At(host, server.port()), Trusting("trusted"));
    for (int i = 0; i < 3; ++i) {
      auto response = client.Do({});
      ASSERT_TRUE(response.ok()) << host << ": " << response.error().message;
      EXPECT_EQ(response->status, 200);
      EXPECT_EQ(response->body, "hello");
    }
  }
  EXPECT_EQ(server.requests(), 6);
  EXPECT_EQ(server.accepted(), 2);  // keep-alive: one handshake per client
}

TEST_F(TlsClientTest, CertificateFromAnotherCaIsRefused) {
  TlsServer server(Cert("unknown"), Key("unknown"), kHello);
  HttpClient client(At("127.0.0.1", server.port()), Trusting("trusted"));
  auto response = client.Do({});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("unable to get local issuer certificate"),
            std::string::npos)
      << response.error().message;
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(TlsClientTest, CertificateForAnotherNameIsRefused) {
  TlsServer server(Cert("other"), Key("other"), kHello);
  HttpClient by_address(At("127.0.0.1", server.port()), Trusting("trusted"));
  auto response = by_address.Do({});
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message.find("IP address mismatch"), std::string::npos)
      << response.error().message;
  HttpClient by_name(At("localhost", server.port()), Trusting("trusted"));
  response = by_name.Do({});
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message.find("hostname mismatch"), std::string::npos)
      << response.error().message;
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(TlsClientTest, TheSystemBundleDoesNotTrustATestCa) {
  TlsServer server(Cert("local"), Key("local"), kHello);
  HttpClient client(At("127.0.0.1", server.port()));
  auto response = client.Do({});
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message.find("certificate was refused"), std::string::npos)
      << response.error().message;
}

TEST_F(TlsClientTest, MissingCaBundleIsReportedByEveryRequest) {
  TlsServer server(Cert("local"), Key("local"), kHello);
  HttpClient client(At("127.0.0.1", server.port()), {.ca_file = (*dir_ / "absent.pem").string()});
  for (int i = 0; i < 2; ++i) {
    auto response = client.Do({});
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_NE(response.error().message.find("absent.pem"), std::string::npos);
  }
}

TEST_F(TlsClientTest, StalledHandshakeTimesOut) {
  TlsServer server(Cert("local"), Key("local"), kHello, /*silent=*/true);
  HttpClient client(At("127.0.0.1", server.port()), Trusting("trusted"));
  ClientRequest request;
  request.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto response = client.Do(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(TlsClientTest, BodyLargerThanTheLimitIsRefused) {
  std::string big(100000, 'x');
  TlsServer server(
      Cert("local"), Key("local"),
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n186a0\r\n" + big + "\r\n0\r\n\r\n");
  HttpClient client(At("127.0.0.1", server.port()), Trusting("trusted"));
  auto response = client.Do({}, 1000);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kPayloadTooLarge);
  auto whole = client.Do({}, 200000);
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  EXPECT_EQ(whole->body, big);
}

}  // namespace
}  // namespace ink::http
