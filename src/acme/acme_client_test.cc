// Unit tests of AcmeClient's flow against a fake CA (an AcmeTransport that checks signatures'
// headers and nonces like a CA and keeps orders and authorizations), a fake HTTP-01 responder, a
// fake DNS provider and a clock that moves when the client sleeps. The real CA is in
// acme_pebble_test.cc.
#include "ink/acme/acme_client.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "ink/common/fake_clock.h"
#include "src/http/test_certificates.h"

namespace ink::acme {
namespace {

using namespace std::chrono_literals;
const std::string kCa = "https://ca.test";

// A FakeClock whose SleepUntil moves the time there at once, remembering each wait.
class SteppingClock : public FakeClock {
 public:
  void SleepUntil(TimePoint deadline) override {
    sleeps.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady()));
    Advance(deadline - Steady());
  }
  std::vector<std::chrono::milliseconds> sleeps;
};

class FakeResponder : public Http01Responder {
 public:
  Status Publish(const std::string& token, const std::string& key_authorization) override {
    published[token] = key_authorization;
    ++publishes;
    return {};
  }
  void Withdraw(const std::string& token) override { published.erase(token); }
  std::map<std::string, std::string> published;
  int publishes = 0;
};

class FakeDns : public dns::DnsProvider {
 public:
  Status EnsureZone(const std::string&) override { return {}; }
  Result<std::vector<dns::RecordSet>> List(const std::string&) override {
    std::vector<dns::RecordSet> out;
    for (const auto& [name, set] : sets) out.push_back(set);
    return out;
  }
  Status Replace(const std::string& zone, const dns::RecordSet& set) override {
    EXPECT_EQ(zone, "apps.example.test");
    sets[set.name] = set;
    ++replaces;
    return {};
  }
  Status Delete(const std::string&, const std::string& name, const std::string&) override {
    sets.erase(name);
    return {};
  }
  std::map<std::string, dns::RecordSet> sets;
  int replaces = 0;
};

// The CA's side of RFC 8555, enough to run the flow: nonces are single-use, newAccount is
// signed with the JWK and everything else with the account URL.
class FakeCa : public AcmeTransport {
 public:
  FakeCa(const EcKey& account, FakeResponder& responder, FakeDns& dns, std::string chain)
      : account_(account), responder_(responder), dns_(dns), chain_(std::move(chain)) {}

  Result<http::ClientResponse> Get(const std::string& url) override {
    EXPECT_EQ(url, kCa + "/dir");
    return Answer(200, Json{{"newNonce", kCa + "/nonce"},
                            {"newAccount", kCa + "/acct"},
                            {"newOrder", kCa + "/order"},
                            {"meta", {{"termsOfService", "data:text/plain,ok"}}}});
  }
  Result<http::ClientResponse> Head(const std::string& url) override {
    EXPECT_EQ(url, kCa + "/nonce");
    ++nonce_requests;
    return Answer(200, nullptr);
  }
  Result<http::ClientResponse> Post(const std::string& url, const std::string& body) override {
    Json jws = *ParseJson(body);
    Json header = *ParseJson(*Base64UrlDecode(jws["protected"].get<std::string>()));
    std::string payload = *Base64UrlDecode(jws["payload"].get<std::string>());
    EXPECT_EQ(header["url"], url);
    posts.push_back(url.substr(kCa.size()));
    std::string nonce = header["nonce"];
    if (!issued_.erase(nonce) || bad_nonces > 0) {
      --bad_nonces;
      return Problem(400, "badNonce", "JWS has an invalid anti-replay nonce");
    }
    if (url == kCa + "/acct") {
      if (!header.contains("jwk")) return Problem(400, "malformed", "newAccount needs a jwk");
      EXPECT_EQ(*ParseJson(payload),
                (Json{{"termsOfServiceAgreed", true}, {"contact", {"mailto:ops@example.test"}}}));
      bool known = accounts.count(header["jwk"].dump()) > 0;
      accounts.insert(header["jwk"].dump());
      return Answer(known ? 200 : 201, Json{{"status", "valid"}}, kCa + "/acct/1");
    }
    if (header.value("kid", "") != kCa + "/acct/1") {
      return Problem(400, "malformed", "sign with the account URL");
    }
    if (url == kCa + "/order") {
      if (reject_order) return Problem(400, "rejectedIdentifier", "no such TLD");
      Json order = *ParseJson(payload);
      for (const auto& id : order["identifiers"]) {
        authz_.push_back({id["value"], "pending", ""});
      }
      return Answer(201, OrderJson(), kCa + "/order/1");
    }
    if (url == kCa + "/order/1") return Answer(200, OrderJson());
    if (url == kCa + "/finalize/1") {
      EXPECT_FALSE((*ParseJson(payload))["csr"].get<std::string>().empty());
      order_status_ = "processing";
      return Answer(200, OrderJson());
    }
    if (url == kCa + "/cert/1") return Answer(200, chain_);
    for (size_t i = 0; i < authz_.size(); ++i) {
      std::string base = kCa + "/authz/" + std::to_string(i);
      if (url == base) {
        if (authz_[i].status == "pending" && answered_.count(i) && ++polls_[i] > pending_polls) {
          Validate(i);
        }
        return Answer(200, AuthzJson(i));
      }
      if (url.starts_with(base + "/")) {
        EXPECT_EQ(payload, "{}");
        answered_.insert(i);
        return Answer(200, Json{{"status", "processing"}});
      }
    }
    return Problem(404, "malformed", "no " + url);
  }

  int bad_nonces = 0;
  int pending_polls = 2;  // authorization polls that still say pending after the answer
  bool reject_order = false;
  bool wrong_answers = false;
  int nonce_requests = 0;
  std::set<std::string> accounts;
  std::vector<std::string> posts;

 private:
  struct Authz {
    std::string name, status, error;
  };

  Result<http::ClientResponse> Answer(int status, const Json& body, std::string location = "") {
    http::ClientResponse r;
    r.status = status;
    std::string nonce = "nonce-" + std::to_string(++nonce_counter_);
    issued_.insert(nonce);
    r.headers["replay-nonce"] = nonce;
    if (!location.empty()) r.headers["location"] = location;
    if (body.is_string()) {
      r.body = body.get<std::string>();
    } else if (!body.is_null()) {
      r.body = body.dump();
    }
    return r;
  }
  Result<http::ClientResponse> Problem(int status, const std::string& type,
                                       const std::string& detail) {
    return Answer(status, Json{{"type", "urn:ietf:params:acme:error:" + type}, {"detail", detail}});
  }

  Json OrderJson() {
    Json authorizations = Json::array();
    bool all_valid = true;
    for (size_t i = 0; i < authz_.size(); ++i) {
      authorizations.push_back(kCa + "/authz/" + std::to_string(i));
      all_valid = all_valid && authz_[i].status == "valid";
    }
    if (order_status_ == "pending" && all_valid) order_status_ = "ready";
    Json order = {{"status", order_status_},
                  {"authorizations", authorizations},
                  {"finalize", kCa + "/finalize/1"}};
    if (order_status_ == "processing") {
      order_status_ = "valid";  // one poll later
    } else if (order_status_ == "valid") {
      order["certificate"] = kCa + "/cert/1";
    }
    return order;
  }

  std::string Token(size_t i) const { return "token" + std::to_string(i); }

  Json AuthzJson(size_t i) {
    const Authz& a = authz_[i];
    bool wildcard = a.name.starts_with("*.");
    std::string base = kCa + "/authz/" + std::to_string(i);
    Json dns01 = {{"type", "dns-01"}, {"url", base + "/dns"}, {"token", Token(i)}};
    Json http01 = {{"type", "http-01"}, {"url", base + "/http"}, {"token", Token(i)}};
    if (!a.error.empty()) {
      (a.error == "dns" ? dns01 : http01)["error"] = {
          {"type", "urn:ietf:params:acme:error:incorrectResponse"},
          {"detail", "the key authorization did not match"}};
    }
    Json challenges = wildcard ? Json::array({dns01}) : Json::array({http01, dns01});
    return {{"status", a.status},
            {"identifier", {{"type", "dns"}, {"value", wildcard ? a.name.substr(2) : a.name}}},
            {"wildcard", wildcard},
            {"challenges", challenges}};
  }

  // What a CA's validation would find: the responder's answer or the TXT record.
  void Validate(size_t i) {
    Authz& a = authz_[i];
    std::string expected = KeyAuthorization(Token(i), account_);
    auto http = responder_.published.find(Token(i));
    std::string base = a.name.starts_with("*.") ? a.name.substr(2) : a.name;
    auto txt = dns_.sets.find("_acme-challenge." + base);
    bool by_http = http != responder_.published.end() && http->second == expected;
    bool by_dns = txt != dns_.sets.end() && txt->second.type == "TXT" &&
                  txt->second.values == std::vector<std::string>{Dns01Value(expected)};
    if ((by_http || by_dns) && !wrong_answers) {
      a.status = "valid";
    } else {
      a.status = "invalid";
      a.error = txt != dns_.sets.end() ? "dns" : "http";
    }
  }

  const EcKey& account_;
  FakeResponder& responder_;
  FakeDns& dns_;
  std::string chain_;
  std::set<std::string> issued_;
  int nonce_counter_ = 0;
  std::vector<Authz> authz_;
  std::set<size_t> answered_;
  std::map<size_t, int> polls_;
  std::string order_status_ = "pending";
};

class AcmeClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("ink-acme-client-" + std::to_string(::getpid()));
    auto chain = http::testing::MakeTestChain(dir, "DNS:app.example.test");
    fs::remove_all(dir);
    ASSERT_TRUE(chain.ok()) << chain.error().message;
    chain_ = new std::string(*chain);
  }
  static void TearDownTestSuite() { delete chain_; }

  AcmeOptions Options() {
    return {.directory_url = kCa + "/dir",
            .contact_email = "ops@example.test",
            .http01 = &responder_,
            .dns = &dns_,
            .dns_zone = "apps.example.test"};
  }

  static std::string* chain_;
  EcKey account_ = EcKey::Generate().value();
  EcKey certificate_key_ = EcKey::Generate().value();
  FakeResponder responder_;
  FakeDns dns_;
  FakeCa ca_{account_, responder_, dns_, *chain_};
  SteppingClock clock_;
};
std::string* AcmeClientTest::chain_ = nullptr;

TEST_F(AcmeClientTest, IssuesWithHttp01PollingWithBackoff) {
  AcmeClient client(ca_, account_, clock_, Options());
  auto issued = client.Issue({"app.example.test"}, certificate_key_);
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_EQ(issued->chain_pem, *chain_);
  EXPECT_EQ(issued->order_url, kCa + "/order/1");
  EXPECT_EQ(issued->renew_at_ms, RenewalTime(issued->validity));
  EXPECT_EQ(issued->validity.not_after_ms - issued->validity.not_before_ms, 2 * 86'400'000);
  EXPECT_EQ(responder_.publishes, 1);
  EXPECT_TRUE(responder_.published.empty());  // withdrawn
  EXPECT_EQ(dns_.replaces, 0);
  // Two pending polls of the authorization (250, 500 ms); the processing order is valid at once.
  EXPECT_EQ(clock_.sleeps, (std::vector<std::chrono::milliseconds>{250ms, 500ms}));
  EXPECT_EQ(ca_.posts, (std::vector<std::string>{"/acct", "/order", "/authz/0", "/authz/0/http",
                                                 "/authz/0", "/authz/0", "/authz/0", "/order/1",
                                                 "/finalize/1", "/order/1", "/cert/1"}));
  EXPECT_EQ(ca_.nonce_requests, 1);  // every answer's Replay-Nonce is the next request's
}

TEST_F(AcmeClientTest, WildcardIsProvenByDns01AndTheRecordRemoved) {
  ca_.pending_polls = 0;
  AcmeClient client(ca_, account_, clock_, Options());
  auto issued = client.Issue({"*.apps.example.test", "apps.example.test"}, certificate_key_);
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_EQ(dns_.replaces, 1);         // the wildcard
  EXPECT_EQ(responder_.publishes, 1);  // the bare name, HTTP-01 first
  EXPECT_TRUE(dns_.sets.empty());
  EXPECT_TRUE(responder_.published.empty());
}

TEST_F(AcmeClientTest, PreferredDns01IsUsedForEveryNameInTheZone) {
  ca_.pending_polls = 0;
  AcmeOptions options = Options();
  options.prefer_dns01 = true;
  AcmeClient client(ca_, account_, clock_, options);
  ASSERT_TRUE(client.Issue({"web.apps.example.test"}, certificate_key_).ok());
  EXPECT_EQ(dns_.replaces, 1);
  EXPECT_EQ(responder_.publishes, 0);
}

TEST_F(AcmeClientTest, TheSameKeyIsTheSameAccount) {
  AcmeClient first(ca_, account_, clock_, Options());
  AcmeClient second(ca_, account_, clock_, Options());
  EXPECT_EQ(*first.Account(), kCa + "/acct/1");
  EXPECT_EQ(*first.Account(), kCa + "/acct/1");  // asked once
  EXPECT_EQ(*second.Account(), kCa + "/acct/1");
  EXPECT_EQ(ca_.accounts.size(), 1u);
  EXPECT_EQ(ca_.posts, (std::vector<std::string>{"/acct", "/acct"}));
}

TEST_F(AcmeClientTest, BadNonceIsRetriedABoundedNumberOfTimes) {
  ca_.bad_nonces = 3;
  AcmeClient client(ca_, account_, clock_, Options());
  auto account = client.Account();
  ASSERT_TRUE(account.ok()) << account.error().message;
  EXPECT_EQ(ca_.posts.size(), 4u);

  ca_.bad_nonces = 10;
  EcKey other = EcKey::Generate().value();
  AcmeClient stubborn(ca_, other, clock_, Options());
  auto refused = stubborn.Account();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(refused.error().message.find("badNonce: JWS has an invalid anti-replay nonce"),
            std::string::npos)
      << refused.error().message;
  EXPECT_EQ(ca_.posts.size(), 8u);
}

TEST_F(AcmeClientTest, ARefusedOrderCarriesTheProblemDocument) {
  ca_.reject_order = true;
  AcmeClient client(ca_, account_, clock_, Options());
  auto issued = client.Issue({"app.example.test"}, certificate_key_);
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(issued.error().message,
            "creating an order: the CA said rejectedIdentifier: no such TLD");
  ASSERT_TRUE(client.last_problem().has_value());
  EXPECT_EQ(client.last_problem()->type, "urn:ietf:params:acme:error:rejectedIdentifier");
  EXPECT_EQ(client.last_problem()->status, 400);
}

TEST_F(AcmeClientTest, AFailedChallengeCarriesTheProblemAndIsWithdrawn) {
  ca_.wrong_answers = true;
  AcmeClient client(ca_, account_, clock_, Options());
  auto issued = client.Issue({"app.example.test"}, certificate_key_);
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(issued.error().message,
            "the CA could not validate http-01 for app.example.test: the CA said "
            "incorrectResponse: the key authorization did not match");
  EXPECT_EQ(client.last_problem()->short_type(), "incorrectResponse");
  EXPECT_TRUE(responder_.published.empty());
}

TEST_F(AcmeClientTest, PollingStopsAtTheOrderTimeout) {
  ca_.pending_polls = 1000000;
  AcmeOptions options = Options();
  options.order_timeout = 20s;
  AcmeClient client(ca_, account_, clock_, options);
  auto start = clock_.Steady();
  auto issued = client.Issue({"app.example.test"}, certificate_key_);
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_NE(issued.error().message.find("validating app.example.test: still pending after 20 s"),
            std::string::npos)
      << issued.error().message;
  EXPECT_EQ(clock_.Steady() - start, 20s);
  for (auto s : clock_.sleeps) EXPECT_LE(s, 5s);
  EXPECT_LT(clock_.sleeps.size(), 12u);  // 0.25+0.5+1+2+4 s, then 5 s apart
  EXPECT_TRUE(responder_.published.empty());
}

TEST_F(AcmeClientTest, NonCanonicalNamesAreRefusedBeforeAnyRequest) {
  AcmeClient client(ca_, account_, clock_, Options());
  EXPECT_EQ(client.Issue({"App.Example.Test"}, certificate_key_).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(client.Issue({}, certificate_key_).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(ca_.posts.empty());
}

TEST(DirectoryHttp01ResponderTest, OneFilePerTokenWithdrawnAfter) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("ink-acme-http01-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto responder = MakeDirectoryHttp01Responder((dir / "challenges").string());
  ASSERT_TRUE(responder->Publish("tok_1-A", "tok_1-A.thumb").ok());
  std::ifstream file(dir / "challenges" / "tok_1-A");
  std::string content((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "tok_1-A.thumb");
  EXPECT_EQ(fs::status(dir / "challenges" / "tok_1-A").permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                fs::perms::others_read);
  for (const char* bad : {"../escape", "a/b", "", "tok.1"}) {
    EXPECT_EQ(responder->Publish(bad, "x").error().code, ErrorCode::kInvalidArgument) << bad;
  }
  responder->Withdraw("tok_1-A");
  responder->Withdraw("tok_1-A");  // twice is fine
  EXPECT_TRUE(fs::is_empty(dir / "challenges"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ink::acme
