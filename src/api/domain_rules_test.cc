// Unit tests of the domain rules: which names add_domain takes and how it files them, the
// records a custom domain needs, and the verdict on DNS answers.
#include "src/api/domain_rules.h"

#include <gtest/gtest.h>

namespace ink::api_internal {
namespace {

TEST(PlaceDomainTest, OneLabelUnderThePlatformZoneIsAPlatformDomain) {
  auto p = PlaceDomain("API.apps.example.com.", "apps.example.com");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->name, "api.apps.example.com");
  EXPECT_EQ(p->kind, "platform");
  EXPECT_EQ(p->label, "api");
  auto c = PlaceDomain("www.example.org", "apps.example.com");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, "custom");
  // Look-alike suffixes are other names.
  EXPECT_EQ(PlaceDomain("x.evilapps.example.com", "apps.example.com")->kind, "custom");
  // Internationalized names are kept in punycode.
  EXPECT_EQ(PlaceDomain("b\xc3\xbc" "cher.example", "apps.example.com")->name,
            "xn--bcher-kva.example");
}

TEST(PlaceDomainTest, RefusalsSayWhatToDoInstead) {
  struct Case {
    std::string name, part;
  };
  for (const Case& c : std::vector<Case>{
           {"*.apps.example.com", "wildcard is Ink's own"},
           {"*.example.org", "DNS-01"},
           {"apps.example.com", "platform zone itself"},
           {"a.b.apps.example.com", "one label"},
           {"db.demo.internal", "private names"},
           {"web.localhost", "this machine only"},
           {"exa mple.com", "letter, digit or hyphen"},
           {"", "empty"},
       }) {
    auto r = PlaceDomain(c.name, "apps.example.com");
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find(c.part), std::string::npos)
        << c.name << ": " << r.error().message;
  }
  // With the default platform, .localhost names are platform domains.
  EXPECT_EQ(PlaceDomain("api.localhost", "localhost")->kind, "platform");
}

TEST(DomainRecordsTest, ACnameForASubdomainAddressesForAnApexAndTheToken) {
  Json sub = DomainRecords("www.example.org", "tok", "web-demo.apps.example.com");
  ASSERT_EQ(sub.size(), 2u);
  EXPECT_EQ(sub[0]["type"], "CNAME");
  EXPECT_EQ(sub[0]["value"], "web-demo.apps.example.com");
  EXPECT_EQ(sub[1]["type"], "TXT");
  EXPECT_EQ(sub[1]["name"], "_ink-challenge.www.example.org");
  EXPECT_EQ(sub[1]["value"], "tok");
  Json apex = DomainRecords("example.org", "tok", "web-demo.apps.example.com");
  EXPECT_EQ(apex[0]["type"], "A/AAAA");
  EXPECT_NE(apex[0]["purpose"].get<std::string>().find("CNAME"), std::string::npos);
}

constexpr const char* kName = "www.example.org";
constexpr const char* kTarget = "web-demo.apps.example.com";

DomainAnswers Answers(std::vector<std::string> txt, std::vector<std::string> cname,
                      std::vector<std::string> a = {}, std::vector<std::string> target = {}) {
  return {.txt = {std::move(txt), ""},
          .cname = {std::move(cname), ""},
          .a = {std::move(a), ""},
          .aaaa = {},
          .target_addresses = std::move(target)};
}

TEST(JudgeDomainTest, VerifiedByTokenAndCname) {
  auto v = JudgeDomain(kName, "tok", kTarget, Answers({"other", "tok"}, {kTarget}));
  EXPECT_TRUE(v.verified());
  EXPECT_TRUE(v.definite);
  EXPECT_EQ(v.reason, "");
}

TEST(JudgeDomainTest, VerifiedByAddressesThatAreAllTheTargets) {
  EXPECT_TRUE(JudgeDomain(kName, "tok", kTarget,
                          Answers({"tok"}, {}, {"192.0.2.1"}, {"192.0.2.1", "2001:db8::1"}))
                  .verified());
  auto partly = JudgeDomain(kName, "tok", kTarget,
                            Answers({"tok"}, {}, {"192.0.2.1", "198.51.100.7"}, {"192.0.2.1"}));
  EXPECT_FALSE(partly.verified());
  EXPECT_NE(partly.reason.find("198.51.100.7"), std::string::npos) << partly.reason;
  EXPECT_EQ(partly.reason.find("192.0.2.1 "), std::string::npos) << partly.reason;
}

TEST(JudgeDomainTest, EachMissingPieceIsNamed) {
  auto none = JudgeDomain(kName, "tok", kTarget, Answers({}, {}));
  EXPECT_FALSE(none.owned);
  EXPECT_FALSE(none.pointed);
  EXPECT_TRUE(none.definite);
  EXPECT_NE(none.reason.find("TXT _ink-challenge.www.example.org does not exist"),
            std::string::npos)
      << none.reason;
  EXPECT_NE(none.reason.find("no CNAME, A or AAAA"), std::string::npos) << none.reason;
  auto wrong = JudgeDomain(kName, "tok", kTarget, Answers({"nope"}, {"elsewhere.example.net"}));
  EXPECT_NE(wrong.reason.find("none of them the token"), std::string::npos) << wrong.reason;
  EXPECT_NE(wrong.reason.find("points at elsewhere.example.net, not at " + std::string(kTarget)),
            std::string::npos)
      << wrong.reason;
  auto owned_only = JudgeDomain(kName, "tok", kTarget, Answers({"tok"}, {}));
  EXPECT_TRUE(owned_only.owned);
  EXPECT_FALSE(owned_only.verified());
}

TEST(JudgeDomainTest, AFailedLookupIsNotAVerdict) {
  DomainAnswers a = Answers({}, {kTarget});
  a.txt.error = "timed out";
  auto v = JudgeDomain(kName, "tok", kTarget, a);
  EXPECT_FALSE(v.definite);
  EXPECT_FALSE(v.verified());
  EXPECT_NE(v.reason.find("could not look up TXT"), std::string::npos) << v.reason;
}

}  // namespace
}  // namespace ink::api_internal
