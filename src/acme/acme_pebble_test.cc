// Integration test: AcmeClient against a real ACME server, Debian's `pebble`, over HTTPS on
// loopback, resolving names through a real PowerDNS (test_powerdns.h; pebble -dnsserver). HTTP-01
// is answered by a small server in this test on the port Pebble validates against; DNS-01 by the
// PowerDNS provider. Issued chains are checked with openssl against Pebble's root, fetched from
// its management API.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "ink/acme/acme_client.h"
#include "ink/acme/certificate_manager.h"
#include <sys/stat.h>
#include "ink/common/subprocess.h"
#include "ink/edge/edge_server.h"
#include "src/dns/test_powerdns.h"
#include "src/http/test_certificates.h"

namespace ink::acme {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using dns::testing::FreeLoopbackPort;

// Serves published key authorizations at /.well-known/acme-challenge/<token> on 127.0.0.1:port.
class ChallengeServer : public Http01Responder {
 public:
  explicit ChallengeServer(int port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_fd_, 16), 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ChallengeServer() override {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    thread_.join();
  }
  Status Publish(const std::string& token, const std::string& key_authorization) override {
    std::lock_guard lock(mu_);
    answers_[token] = key_authorization;
    return {};
  }
  void Withdraw(const std::string& token) override {
    std::lock_guard lock(mu_);
    answers_.erase(token);
  }
  size_t published() {
    std::lock_guard lock(mu_);
    return answers_.size();
  }
  std::atomic<int> served{0};
  std::atomic<bool> answer_wrongly{false};

 private:
  void Serve() {
    for (;;) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      std::string request;
      char buf[2048];
      while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, n);
      }
      const std::string prefix = "GET /.well-known/acme-challenge/";
      std::string body;
      if (request.starts_with(prefix)) {
        std::string token =
            request.substr(prefix.size(), request.find(' ', prefix.size()) - prefix.size());
        std::lock_guard lock(mu_);
        auto it = answers_.find(token);
        if (it != answers_.end()) body = answer_wrongly ? "wrong." + it->second : it->second;
      }
      std::string response =
          (body.empty() ? "HTTP/1.1 404 Not Found\r\n" : "HTTP/1.1 200 OK\r\n") +
          std::string("Content-Type: text/plain\r\nConnection: close\r\nContent-Length: ") +
          std::to_string(body.size()) + "\r\n\r\n" + body;
      if (!body.empty()) ++served;
      (void)!::write(fd, response.data(), response.size());
      ::close(fd);
    }
  }

  int listen_fd_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, std::string> answers_;  // guarded by mu_
};

class PebbleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("ink-pebble-" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    pdns_ = new dns::testing::TestPowerDns;
    Status started = pdns_->Start(*dir_ / "pdns");
    ASSERT_TRUE(started.ok()) << started.error().message;
    dns::DnsProvider& dns = pdns_->provider();
    ASSERT_TRUE(dns.EnsureZone("example.test").ok());
    for (const char* name : {"app.example.test", "www.example.test", "apps.example.test"}) {
      ASSERT_TRUE(dns.Replace("example.test", {name, "A", 60, {"127.0.0.1"}}).ok());
    }

    ASSERT_TRUE(http::testing::MakeTestCa(*dir_, "pebble-ca").ok());
    ASSERT_TRUE(http::testing::MakeTestServerCert(*dir_, "pebble-ca", "pebble",
                                                  "DNS:localhost,IP:127.0.0.1")
                    .ok());
    api_port_ = FreeLoopbackPort(SOCK_STREAM);
    management_port_ = FreeLoopbackPort(SOCK_STREAM);
    http01_port_ = FreeLoopbackPort(SOCK_STREAM);
    std::ofstream(*dir_ / "pebble.json")
        << R"({"pebble": {"listenAddress": "127.0.0.1:)" << api_port_
        << R"(", "managementListenAddress": "127.0.0.1:)" << management_port_
        << R"(", "certificate": ")" << (*dir_ / "pebble.pem").string() << R"(", "privateKey": ")"
        << (*dir_ / "pebble.key").string() << R"(", "httpPort": )" << http01_port_
        << R"(, "tlsPort": )" << FreeLoopbackPort(SOCK_STREAM)
        << R"(, "ocspResponderURL": "", "externalAccountBindingRequired": false}})";
    int log = ::open((*dir_ / "pebble.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    auto child =
        Child::Start({.argv = {"pebble", "-config", (*dir_ / "pebble.json").string(), "-dnsserver",
                               "127.0.0.1:" + std::to_string(pdns_->dns_port())},
                      .env = std::map<std::string, std::string>{{"PEBBLE_VA_NOSLEEP", "1"},
                                                                {"PEBBLE_WFE_NONCEREJECT", "0"},
                                                                {"PEBBLE_AUTHZREUSE", "0"}},
                      .out = ChildStream::Fd(log),
                      .err = ChildStream::SameAsStdout()});
    ::close(log);
    ASSERT_TRUE(child.ok()) << child.error().message
                            << " (scripts/prepare-host.sh installs pebble)";
    pebble_ = new Child(std::move(*child));
    // Up when the directory answers over TLS with our CA.
    http::HttpClient probe(*http::Endpoint::Parse(Url(api_port_, "")), Trust());
    for (int i = 0; i < 100; ++i) {
      auto r = probe.Do({.target = "/dir", .timeout = 1s});
      if (r.ok() && r->status == 200) return;
      std::this_thread::sleep_for(100ms);
    }
    FAIL() << "pebble did not answer; its log: " << Read(*dir_ / "pebble.log");
  }
  static void TearDownTestSuite() {
    if (pebble_) pebble_->Stop(5s);
    delete pebble_;
    delete pdns_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  static std::string Url(int port, const std::string& path) {
    return "https://127.0.0.1:" + std::to_string(port) + path;
  }
  static http::TlsOptions Trust() { return {.ca_file = (*dir_ / "pebble-ca.pem").string()}; }
  static std::string Read(const fs::path& path) {
    std::stringstream s;
    s << std::ifstream(path).rdbuf();
    return s.str();
  }

  AcmeOptions Options() {
    return {.directory_url = Url(api_port_, "/dir"),
            .contact_email = "ops@example.test",
            .poll_initial = 100ms,
            .poll_max = 1s,
            .order_timeout = 60s};
  }

  // Checks `issued` with openssl: it chains to Pebble's root (from the management API) and names
  // exactly `names`.
  void ExpectVerifiedChain(const IssuedCertificate& issued, const std::string& names) {
    http::HttpClient management(*http::Endpoint::Parse(Url(management_port_, "")), Trust());
    auto root = management.Do({.target = "/roots/0"});
    ASSERT_TRUE(root.ok()) << root.error().message;
    ASSERT_EQ(root->status, 200);
    const std::string end = "-----END CERTIFICATE-----\n";
    size_t leaf_end = issued.chain_pem.find(end);
    ASSERT_NE(leaf_end, std::string::npos) << issued.chain_pem;
    leaf_end += end.size();
    std::ofstream(*dir_ / "root.pem") << root->body;
    std::ofstream(*dir_ / "leaf.pem") << issued.chain_pem.substr(0, leaf_end);
    std::ofstream(*dir_ / "intermediates.pem") << issued.chain_pem.substr(leaf_end);
    ASSERT_NE(issued.chain_pem.substr(leaf_end).find("BEGIN CERTIFICATE"), std::string::npos);
    auto verify =
        RunProcess({"openssl", "verify", "-CAfile", (*dir_ / "root.pem").string(), "-untrusted",
                    (*dir_ / "intermediates.pem").string(), (*dir_ / "leaf.pem").string()},
                   30s);
    ASSERT_TRUE(verify.ok());
    EXPECT_EQ(verify->output, (*dir_ / "leaf.pem").string() + ": OK\n");
    auto san = RunProcess({"openssl", "x509", "-in", (*dir_ / "leaf.pem").string(), "-noout",
                           "-ext", "subjectAltName"},
                          30s);
    ASSERT_TRUE(san.ok());
    EXPECT_EQ(san->output, "X509v3 Subject Alternative Name: \n    " + names + "\n");
    EXPECT_GT(issued.validity.not_after_ms, issued.validity.not_before_ms);
    EXPECT_EQ(issued.renew_at_ms, RenewalTime(issued.validity));
  }

  static fs::path* dir_;
  static dns::testing::TestPowerDns* pdns_;
  static Child* pebble_;
  static int api_port_, management_port_, http01_port_;
  EcKey account_ = EcKey::Generate().value();
  EcKey certificate_key_ = EcKey::Generate().value();
};
fs::path* PebbleTest::dir_ = nullptr;
dns::testing::TestPowerDns* PebbleTest::pdns_ = nullptr;
Child* PebbleTest::pebble_ = nullptr;
int PebbleTest::api_port_ = 0, PebbleTest::management_port_ = 0, PebbleTest::http01_port_ = 0;

TEST_F(PebbleTest, Http01IssuesACertificateThatChainsToPebblesRoot) {
  ChallengeServer responder(http01_port_);
  auto transport = MakeHttpsTransport(Trust());
  AcmeOptions options = Options();
  options.http01 = &responder;
  AcmeClient client(*transport, account_, SystemClock(), options);
  auto start = std::chrono::steady_clock::now();
  auto issued = client.Issue({"app.example.test", "www.example.test"}, certificate_key_);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(issued.ok()) << issued.error().message << "\npebble: " << Read(*dir_ / "pebble.log");
  std::cout << "[ measure ] HTTP-01, 2 names: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
  EXPECT_GE(responder.served, 2);
  EXPECT_EQ(responder.published(), 0u);  // withdrawn
  ExpectVerifiedChain(*issued, "DNS:app.example.test, DNS:www.example.test");

  // The same key is the same account, for a new client too.
  auto account = client.Account();
  ASSERT_TRUE(account.ok());
  AcmeClient again(*transport, account_, SystemClock(), options);
  EXPECT_EQ(*again.Account(), *account);
  EcKey other = EcKey::Generate().value();
  AcmeClient stranger(*transport, other, SystemClock(), options);
  EXPECT_NE(*stranger.Account(), *account);
}

// The way inkd will answer HTTP-01: files in a directory that ink-edge serves before routing.
TEST_F(PebbleTest, Http01IsAnsweredByInkEdge) {
  edge::RouteTableHolder routes;  // no routes: the challenge path is answered before routing
  edge::EdgeOptions edge_options;
  edge_options.listen_port = static_cast<uint16_t>(http01_port_);
  edge_options.acme_challenge_dir = (*dir_ / "acme-challenge").string();
  auto edge = edge::EdgeServer::Start(edge_options, routes);
  ASSERT_TRUE(edge.ok()) << edge.error().message;
  auto responder = MakeDirectoryHttp01Responder(edge_options.acme_challenge_dir);
  auto transport = MakeHttpsTransport(Trust());
  AcmeOptions options = Options();
  options.http01 = responder.get();
  AcmeClient client(*transport, account_, SystemClock(), options);
  auto issued = client.Issue({"app.example.test"}, certificate_key_);
  (*edge)->Stop(1s);
  ASSERT_TRUE(issued.ok()) << issued.error().message << "\npebble: " << Read(*dir_ / "pebble.log");
  ExpectVerifiedChain(*issued, "DNS:app.example.test");
  EXPECT_TRUE(fs::is_empty(edge_options.acme_challenge_dir));  // withdrawn
}

TEST_F(PebbleTest, Dns01IssuesAWildcardAndRemovesTheRecord) {
  auto transport = MakeHttpsTransport(Trust());
  AcmeOptions options = Options();
  options.dns = &pdns_->provider();
  options.dns_zone = "example.test";
  AcmeClient client(*transport, account_, SystemClock(), options);
  auto start = std::chrono::steady_clock::now();
  auto issued = client.Issue({"*.apps.example.test", "apps.example.test"}, certificate_key_);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(issued.ok()) << issued.error().message << "\npebble: " << Read(*dir_ / "pebble.log");
  std::cout << "[ measure ] DNS-01, wildcard + bare name: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
  ExpectVerifiedChain(*issued, "DNS:*.apps.example.test, DNS:apps.example.test");
  auto records = pdns_->provider().List("example.test");
  ASSERT_TRUE(records.ok());
  for (const auto& r : *records) EXPECT_NE(r.type, "TXT") << r.name;
}

TEST_F(PebbleTest, AWrongAnswerFailsWithPebblesProblem) {
  ChallengeServer responder(http01_port_);
  responder.answer_wrongly = true;
  auto transport = MakeHttpsTransport(Trust());
  AcmeOptions options = Options();
  options.http01 = &responder;
  AcmeClient client(*transport, account_, SystemClock(), options);
  auto issued = client.Issue({"app.example.test"}, certificate_key_);
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.error().message.find("the CA could not validate http-01 for app.example.test: "
                                        "the CA said "),
            0u)
      << issued.error().message;
  ASSERT_TRUE(client.last_problem().has_value());
  EXPECT_EQ(client.last_problem()->type.rfind("urn:ietf:params:acme:error:", 0), 0u);
  EXPECT_FALSE(client.last_problem()->detail.empty());
  std::cout << "[ problem ] " << issued.error().message << "\n";
  EXPECT_EQ(responder.published(), 0u);
}

TEST_F(PebbleTest, PebbleIsRefusedWithoutItsCa) {
  auto transport = MakeHttpsTransport({});  // the system's roots
  AcmeClient client(*transport, account_, SystemClock(), Options());
  auto account = client.Account();
  ASSERT_FALSE(account.ok());
  EXPECT_NE(account.error().message.find("certificate was refused"), std::string::npos)
      << account.error().message;
}

// inkd's certificate manager: issues for the wanted names into the edge's directory, leaves a
// fresh certificate alone, backs off after a failure with the CA's reason, removes what is no
// longer wanted.
TEST_F(PebbleTest, CertificateManagerKeepsTheWantedNamesCertified) {
  ChallengeServer responder(http01_port_);
  auto box = SecretBox::LoadOrCreate((*dir_ / "secret.key").string());
  ASSERT_TRUE(box.ok());
  std::mutex mu;
  std::vector<std::string> wanted = {"app.example.test"};
  std::vector<std::pair<std::string, std::string>> reports;
  const fs::path tls = *dir_ / "tls";
  auto make = [&] {
    return CertificateManager::Create(
        {.tls_dir = tls.string(),
         .state_dir = (*dir_ / "acme").string(),
         .directory_url = Url(api_port_, "/dir"),
         .contact_email = "ops@example.test",
         .ca = Trust(),
         .http01 = &responder,
         .order_timeout = std::chrono::minutes(1)},
        *box, SystemClock(),
        [&] {
          std::lock_guard lock(mu);
          return wanted;
        },
        [&](const std::string& name, const std::string& kind, const std::string& message) {
          std::lock_guard lock(mu);
          reports.push_back({name, kind + ": " + message});
        });
  };
  auto manager = make();
  ASSERT_TRUE(manager.ok()) << manager.error().message;
  EXPECT_EQ((*manager)->RunOnce(), 1) << (reports.empty() ? "" : reports.back().second);
  const fs::path file = tls / "app.example.test.pem";
  struct stat st{};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(tls.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  const std::string pem = Read(file);
  EXPECT_NE(pem.find("PRIVATE KEY"), std::string::npos);
  ASSERT_TRUE(LeafValidity(pem.substr(pem.find("-----BEGIN CERTIFICATE"))).ok());
  auto state = (*manager)->State("app.example.test");
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->status, "issued");
  EXPECT_GT(state->renew_at_ms, SystemClock().NowMillis());
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].second.rfind("certificate_issued: certificate issued for app.example.test",
                                    0),
            0u)
      << reports[0].second;
  // The account key is sealed at rest, never in clear.
  const std::string sealed = Read(*dir_ / "acme" / "account.key.sealed");
  EXPECT_EQ(sealed.find("PRIVATE KEY"), std::string::npos);
  EXPECT_TRUE(box->Open(sealed).ok());

  // A fresh certificate is left alone, also by a manager made again (inkd restarted).
  EXPECT_EQ((*manager)->RunOnce(), 0);
  auto again = make();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->RunOnce(), 0);
  EXPECT_EQ((*again)->State("app.example.test")->status, "issued");

  // A name Pebble cannot validate (no answer for it): failed with the CA's reason, not retried
  // before its backoff; the other name keeps its certificate.
  {
    std::lock_guard lock(mu);
    wanted = {"app.example.test", "www.example.test"};
  }
  responder.answer_wrongly = true;
  EXPECT_EQ((*again)->RunOnce(), 0);
  auto failed = (*again)->State("www.example.test");
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->status, "failed");
  EXPECT_EQ(failed->failures, 1);
  EXPECT_NE(failed->error.find("the CA said"), std::string::npos) << failed->error;
  EXPECT_NE(reports.back().second.find("certificate_failed"), std::string::npos);
  const size_t reported = reports.size();
  responder.answer_wrongly = false;
  EXPECT_EQ((*again)->RunOnce(), 0);  // within its backoff
  EXPECT_EQ(reports.size(), reported);
  EXPECT_TRUE(fs::exists(file));

  // No longer wanted: the file goes.
  {
    std::lock_guard lock(mu);
    wanted = {};
  }
  (*again)->RunOnce();
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE((*again)->State("app.example.test").has_value());
}

}  // namespace
}  // namespace ink::acme
