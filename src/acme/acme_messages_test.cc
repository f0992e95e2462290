// Unit tests of the pure ACME parts: documents as Let's Encrypt and Pebble send them (RFC 8555
// section 7.1 examples), challenge choice, poll delays, the renewal time.
#include "ink/acme/acme_messages.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "src/http/test_certificates.h"

namespace ink::acme {
namespace {

using namespace std::chrono_literals;

TEST(DirectoryTest, ParsesUrlsAndMeta) {
  auto d = ParseDirectory(R"({
    "keyChange": "https://ca.test/rollover-account-key", "newAccount": "https://ca.test/acct",
    "newNonce": "https://ca.test/nonce", "newOrder": "https://ca.test/order",
    "revokeCert": "https://ca.test/revoke", "renewalInfo": "https://ca.test/ari",
    "meta": {"externalAccountRequired": false, "termsOfService": "data:text/plain,Do%20what"}})");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->new_nonce, "https://ca.test/nonce");
  EXPECT_EQ(d->new_account, "https://ca.test/acct");
  EXPECT_EQ(d->new_order, "https://ca.test/order");
  EXPECT_EQ(d->terms_of_service, "data:text/plain,Do%20what");
  EXPECT_FALSE(d->external_account_required);

  auto missing = ParseDirectory(R"({"newNonce": "https://ca.test/nonce"})");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("newAccount"), std::string::npos);
  EXPECT_FALSE(ParseDirectory("<html>").ok());
  EXPECT_FALSE(ParseDirectory("[1]").ok());
  EXPECT_FALSE(ParseDirectory(R"({"newNonce": 1, "newAccount": [], "newOrder": {}})").ok());
}

TEST(ProblemTest, ParsesTypeDetailAndSubproblems) {
  auto p = ParseProblem(R"({
    "type": "urn:ietf:params:acme:error:rejectedIdentifier",
    "detail": "Some of the identifiers requested were rejected",
    "subproblems": [{"type": "urn:ietf:params:acme:error:caa", "detail": "CAA forbids",
                     "identifier": {"type": "dns", "value": "b.example.test"}}]})",
                        400);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->short_type(), "rejectedIdentifier");
  EXPECT_EQ(p->status, 400);
  ASSERT_EQ(p->subproblems.size(), 1u);
  EXPECT_EQ(p->subproblems[0].identifier, "b.example.test");
  EXPECT_EQ(p->describe(),
            "rejectedIdentifier: Some of the identifiers requested were rejected "
            "(b.example.test: caa: CAA forbids)");
  Error e = ProblemError("creating an order", *p);
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.message.find("creating an order: the CA said rejectedIdentifier"), 0u);

  EXPECT_FALSE(ParseProblem("not json", 500).has_value());
  EXPECT_FALSE(ParseProblem(R"({"status": "valid"})", 200).has_value());
  auto nonce = ParseProblem(R"({"type": "urn:ietf:params:acme:error:badNonce"})", 400);
  EXPECT_EQ(ProblemError("x", *nonce).code, ErrorCode::kUnavailable);
  auto other = ParseProblem(R"({"type": "about:blank", "detail": "d", "status": 403})", 400);
  EXPECT_EQ(other->status, 403);
  EXPECT_EQ(other->describe(), "about:blank: d");
  auto denied = ParseProblem(R"({"type": "urn:ietf:params:acme:error:unauthorized"})", 403);
  EXPECT_EQ(ProblemError("x", *denied).code, ErrorCode::kPermissionDenied);
}

TEST(OrderTest, ParsesStatusUrlsAndError) {
  auto o = ParseOrder(R"({
    "status": "pending", "expires": "2026-12-08T20:00:00Z",
    "identifiers": [{"type": "dns", "value": "app.example.test"},
                    {"type": "dns", "value": "*.example.test"}],
    "authorizations": ["https://ca.test/authz/1", "https://ca.test/authz/2"],
    "finalize": "https://ca.test/finalize/1"})");
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->status, "pending");
  EXPECT_EQ(o->identifiers, (std::vector<std::string>{"app.example.test", "*.example.test"}));
  EXPECT_EQ(o->authorizations.size(), 2u);
  EXPECT_EQ(o->finalize, "https://ca.test/finalize/1");
  EXPECT_TRUE(o->certificate.empty());
  EXPECT_FALSE(o->error.has_value());

  auto invalid = ParseOrder(R"({"status": "invalid", "finalize": "https://ca.test/f",
    "error": {"type": "urn:ietf:params:acme:error:unauthorized", "detail": "no"}})");
  ASSERT_TRUE(invalid.ok());
  ASSERT_TRUE(invalid->error.has_value());
  EXPECT_EQ(invalid->error->short_type(), "unauthorized");
  EXPECT_FALSE(ParseOrder(R"({"status": "valid"})").ok());  // no finalize
}

TEST(AuthorizationTest, ParsesChallenges) {
  auto a = ParseAuthorization(R"({
    "status": "pending", "identifier": {"type": "dns", "value": "example.test"}, "wildcard": true,
    "challenges": [
      {"type": "dns-01", "url": "https://ca.test/chal/1", "token": "tok1", "status": "pending"},
      {"type": "tls-alpn-01", "url": "https://ca.test/chal/2", "token": "tok2"},
      {"type": "http-01", "url": "https://ca.test/chal/3", "token": "tok3", "status": "invalid",
       "error": {"type": "urn:ietf:params:acme:error:connection", "detail": "refused"}},
      {"url": "https://ca.test/chal/4"}, 7]})");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->identifier, "example.test");
  EXPECT_TRUE(a->wildcard);
  ASSERT_EQ(a->challenges.size(), 3u);
  EXPECT_EQ(a->challenges[0].type, "dns-01");
  EXPECT_EQ(a->challenges[0].token, "tok1");
  ASSERT_TRUE(a->challenges[2].error.has_value());
  EXPECT_EQ(a->challenges[2].error->describe(), "connection: refused");
  EXPECT_FALSE(ParseAuthorization(R"({"status": "pending"})").ok());
}

Authorization Authz(bool wildcard, std::vector<std::string> types) {
  Authorization a{
      .identifier = "shop.apps.example.test", .wildcard = wildcard, .status = "pending"};
  for (const auto& t : types) a.challenges.push_back({t, "https://ca.test/" + t, "tok-" + t});
  return a;
}

TEST(ChooseChallengeTest, FollowsAbilitiesAndWildcards) {
  const std::string zone = "apps.example.test";
  auto both = Authz(false, {"tls-alpn-01", "http-01", "dns-01"});
  EXPECT_EQ(ChooseChallenge(both, {.http01 = true, .dns_zone = zone})->type, "http-01");
  EXPECT_EQ(ChooseChallenge(both, {.http01 = true, .dns_zone = zone, .prefer_dns01 = true})->type,
            "dns-01");
  EXPECT_EQ(ChooseChallenge(both, {.http01 = false, .dns_zone = zone})->type, "dns-01");
  EXPECT_EQ(ChooseChallenge(both, {.http01 = true})->type, "http-01");
  // The zone does not hold the name: HTTP-01 even when DNS-01 is preferred.
  EXPECT_EQ(
      ChooseChallenge(both, {.http01 = true, .dns_zone = "other.test", .prefer_dns01 = true})->type,
      "http-01");
  auto neither = ChooseChallenge(both, {.http01 = false, .dns_zone = "other.test"});
  ASSERT_FALSE(neither.ok());
  EXPECT_EQ(neither.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(neither.error().message.find("no HTTP-01 responder"), std::string::npos)
      << neither.error().message;

  auto wildcard = Authz(true, {"dns-01"});
  EXPECT_EQ(ChooseChallenge(wildcard, {.http01 = true, .dns_zone = zone})->type, "dns-01");
  auto no_zone = ChooseChallenge(wildcard, {.http01 = true});
  ASSERT_FALSE(no_zone.ok());
  EXPECT_NE(no_zone.error().message.find("*.shop.apps.example.test"), std::string::npos);
  EXPECT_NE(no_zone.error().message.find("wildcard needs DNS-01"), std::string::npos);

  auto alpn_only = ChooseChallenge(Authz(false, {"tls-alpn-01"}), {.http01 = true});
  ASSERT_FALSE(alpn_only.ok());
  EXPECT_NE(alpn_only.error().message.find("only HTTP-01 and DNS-01"), std::string::npos);
  EXPECT_EQ(Dns01RecordName("shop.apps.example.test"), "_acme-challenge.shop.apps.example.test");
}

TEST(PollDelayTest, DoublesUpToTheMaximumAndHonoursRetryAfter) {
  std::vector<long> delays;
  for (int i = 0; i < 7; ++i) delays.push_back(PollDelay(i, std::nullopt, 250ms, 5s).count());
  EXPECT_EQ(delays, (std::vector<long>{250, 500, 1000, 2000, 4000, 5000, 5000}));
  EXPECT_EQ(PollDelay(1000000, std::nullopt, 250ms, 5s), 5s);  // no overflow
  EXPECT_EQ(PollDelay(0, 3s, 250ms, 5s), 3s);
  EXPECT_EQ(PollDelay(0, 3600s, 250ms, 5s), 5s);  // a CA's long Retry-After is capped
  EXPECT_EQ(PollDelay(3, 0s, 250ms, 5s), 250ms);
  EXPECT_EQ(ParseRetryAfter("120"), std::optional(120s));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2026 07:28:00 GMT"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter(""), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-1"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("99999999999"), std::optional(86400s));
}

TEST(RenewalTest, TwoThirdsOfTheLifetime) {
  const int64_t day = 86'400'000;
  EXPECT_EQ(RenewalTime({.not_before_ms = 0, .not_after_ms = 90 * day}), 60 * day);
  EXPECT_EQ(RenewalTime({.not_before_ms = 1000, .not_after_ms = 1000 + 6 * day}), 1000 + 4 * day);
}

TEST(RenewalTest, ValidityComesFromTheLeaf) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("ink-acme-validity-" + std::to_string(::getpid()));
  auto chain = http::testing::MakeTestChain(dir, "DNS:a.example.test");
  fs::remove_all(dir);
  ASSERT_TRUE(chain.ok()) << chain.error().message;
  auto v = LeafValidity(*chain);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->not_after_ms - v->not_before_ms, 2 * 86'400'000);  // -days 2
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  EXPECT_LE(v->not_before_ms, now);
  EXPECT_GT(v->not_before_ms, now - 600'000);
  EXPECT_FALSE(LeafValidity("no pem here").ok());
}

}  // namespace
}  // namespace ink::acme
