#include "ink/dns/dns_names.h"

#include <gtest/gtest.h>

namespace ink::dns {
namespace {

TEST(CanonicalNameTest, LowercasesAndDropsTheTrailingDot) {
  EXPECT_EQ(*CanonicalName("API.Apps.Example.COM."), "api.apps.example.com");
  EXPECT_EQ(*CanonicalName("a-b.x1.io"), "a-b.x1.io");
  EXPECT_EQ(*CanonicalName("xn--bcher-kva.example"), "xn--bcher-kva.example");
}

TEST(CanonicalNameTest, RefusesWhatIsNotAHostName) {
  struct Case {
    std::string name, message_part;
  };
  for (const Case& c : std::vector<Case>{
           {"", "empty"},
           {".", "empty"},
           {"localhost", "two labels"},
           {"a..example.com", "label 2 of the domain name is empty"},
           {"-a.example.com", "hyphen"},
           {"a-.example.com", "hyphen"},
           {"a_b.example.com", "other than a letter"},
           {"a b.example.com", "other than a letter"},
           {"web.example.com/x", "other than a letter"},
           {"10.0.0.1", "IP address"},
           {"b\xff\xfe.example", "punycode"},
           {std::string(64, 'a') + ".example.com", "at most 63"},
           {std::string(250, 'a').insert(60, ".").insert(120, ".").insert(180, ".") + ".com",
            "at most 253"},
           {"*.apps.example.com", "wildcard"},
       }) {
    auto r = CanonicalName(c.name);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find(c.message_part), std::string::npos)
        << c.name << ": " << r.error().message;
  }
}

TEST(CanonicalNameTest, InternationalizedNamesAreKeptInPunycode) {
  EXPECT_EQ(*CanonicalName("B\xc3\xbc" "cher.Example"), "xn--bcher-kva.example");
  EXPECT_EQ(*CanonicalName("xn--bcher-kva.example"), "xn--bcher-kva.example");
  EXPECT_EQ(*CanonicalName("shop.m\xc3\xbcnchen.de."), "shop.xn--mnchen-3ya.de");
}

TEST(CanonicalNameTest, AWildcardOnlyAsTheWholeFirstLabelWhenAllowed) {
  EXPECT_EQ(*CanonicalName("*.Apps.example.com", true), "*.apps.example.com");
  EXPECT_FALSE(CanonicalName("a.*.example.com", true).ok());
  EXPECT_FALSE(CanonicalName("*a.example.com", true).ok());
}

TEST(InZoneTest, OnlyWholeLabels) {
  EXPECT_TRUE(InZone("apps.example.com", "apps.example.com"));
  EXPECT_TRUE(InZone("web.apps.example.com", "apps.example.com"));
  EXPECT_TRUE(InZone("*.apps.example.com", "apps.example.com"));
  EXPECT_FALSE(InZone("evilapps.example.com", "apps.example.com"));
  EXPECT_FALSE(InZone("example.com", "apps.example.com"));
}

TEST(PlanZoneChangesTest, ConvergesOwnedSetsAndLeavesOthersAlone) {
  auto ink_owned = [](const RecordSet& s) { return s.name != "mail.apps.example.com"; };
  std::vector<RecordSet> actual = {
      {"web.apps.example.com", "A", 60, {"127.0.0.2", "127.0.0.1"}},  // same, other order
      {"old.apps.example.com", "A", 60, {"127.0.0.1"}},               // no longer wanted
      {"api.apps.example.com", "A", 300, {"127.0.0.1"}},              // TTL differs
      {"mail.apps.example.com", "A", 60, {"10.1.1.1"}},               // not Ink's
  };
  std::vector<RecordSet> desired = {
      {"web.apps.example.com", "A", 60, {"127.0.0.1", "127.0.0.2"}},
      {"api.apps.example.com", "A", 60, {"127.0.0.1"}},
      {"new.apps.example.com", "TXT", 60, {"token"}},
      {"mail.apps.example.com", "A", 60, {"127.0.0.1"}},
  };
  ZoneChanges c = PlanZoneChanges(actual, desired, ink_owned);
  ASSERT_EQ(c.replace.size(), 2u);
  EXPECT_EQ(c.replace[0].name, "api.apps.example.com");
  EXPECT_EQ(c.replace[1].name, "new.apps.example.com");
  ASSERT_EQ(c.remove.size(), 1u);
  EXPECT_EQ(c.remove[0].name, "old.apps.example.com");
  ASSERT_EQ(c.conflicts.size(), 1u);
  EXPECT_EQ(c.conflicts[0], "mail.apps.example.com A is not Ink's");
  // Converged: nothing to do.
  std::vector<RecordSet> after = {desired[0], desired[1], desired[2], actual[3]};
  ZoneChanges none = PlanZoneChanges(after, {desired[0], desired[1], desired[2]}, ink_owned);
  EXPECT_TRUE(none.replace.empty());
  EXPECT_TRUE(none.remove.empty());
  EXPECT_TRUE(none.conflicts.empty());
}

}  // namespace
}  // namespace ink::dns
