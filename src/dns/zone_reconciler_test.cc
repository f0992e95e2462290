// Unit tests of the platform zone's rules: the sets Ink wants and the sets it owns, and a
// reconciler pass against an in-memory provider (the PowerDNS one is exercised by
// test/e2e/test_domains.py's PlatformZone).
#include "ink/dns/zone_reconciler.h"

#include <gtest/gtest.h>

#include <map>

namespace ink::dns {
namespace {

const std::vector<std::string> kEdge = {"192.0.2.10", "2001:db8::10", "192.0.2.9"};

TEST(DesiredZoneSetsTest, TheWildcardAndEachPlatformNameByFamily) {
  auto sets = DesiredZoneSets("apps.example.com", {"api.apps.example.com", "x.other.com"}, kEdge, 60);
  ASSERT_EQ(sets.size(), 4u);
  EXPECT_EQ(sets[0], (RecordSet{"*.apps.example.com", "A", 60, {"192.0.2.10", "192.0.2.9"}}));
  EXPECT_EQ(sets[1], (RecordSet{"*.apps.example.com", "AAAA", 60, {"2001:db8::10"}}));
  EXPECT_EQ(sets[2].name, "api.apps.example.com");
  EXPECT_EQ(sets[3].type, "AAAA");
}

TEST(OwnedByInkTest, OnlyAddressSetsHoldingExactlyTheEdgesAddresses) {
  EXPECT_TRUE(OwnedByInk({"old.apps.example.com", "A", 300, {"192.0.2.9", "192.0.2.10"}},
                         "apps.example.com", kEdge));
  EXPECT_FALSE(OwnedByInk({"mail.apps.example.com", "A", 60, {"198.51.100.1"}},
                          "apps.example.com", kEdge));
  EXPECT_FALSE(OwnedByInk({"old.apps.example.com", "A", 60, {"192.0.2.9"}}, "apps.example.com",
                          kEdge));
  EXPECT_FALSE(OwnedByInk({"apps.example.com", "A", 60, {"192.0.2.9", "192.0.2.10"}},
                          "apps.example.com", kEdge));
  EXPECT_FALSE(OwnedByInk({"x.apps.example.com", "TXT", 60, {"192.0.2.9", "192.0.2.10"}},
                          "apps.example.com", kEdge));
}

class MemoryProvider : public DnsProvider {
 public:
  Status EnsureZone(const std::string& zone) override {
    zones[zone];
    return {};
  }
  Result<std::vector<RecordSet>> List(const std::string& zone) override {
    std::vector<RecordSet> out;
    for (const auto& [key, set] : zones[zone]) out.push_back(set);
    return out;
  }
  Status Replace(const std::string& zone, const RecordSet& set) override {
    ++writes;
    zones[zone][{set.name, set.type}] = set;
    return {};
  }
  Status Delete(const std::string& zone, const std::string& name,
                const std::string& type) override {
    ++writes;
    zones[zone].erase({name, type});
    return {};
  }
  std::map<std::string, std::map<std::pair<std::string, std::string>, RecordSet>> zones;
  int writes = 0;
};

TEST(ZoneReconcilerTest, ConvergesIdempotentlyAndLeavesOthersRecordsAlone) {
  MemoryProvider p;
  const std::string zone = "apps.example.com";
  p.zones[zone][{"mail.apps.example.com", "A"}] = {"mail.apps.example.com", "A", 60, {"198.51.100.1"}};
  ZoneReconciler r(p, zone, {"192.0.2.10"});
  auto first = r.Converge({"api.apps.example.com", "mail.apps.example.com"});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->replace.size(), 2u);  // the wildcard and api
  ASSERT_EQ(first->conflicts.size(), 1u);
  EXPECT_EQ(first->conflicts[0], "mail.apps.example.com A is not Ink's");
  EXPECT_EQ(p.zones[zone].at({"mail.apps.example.com", "A"}).values,
            std::vector<std::string>{"198.51.100.1"});
  const int writes = p.writes;
  ASSERT_TRUE(r.Converge({"api.apps.example.com"}).ok());
  EXPECT_EQ(p.writes, writes);  // nothing to change
  ASSERT_TRUE(r.Converge({}).ok());  // api removed
  EXPECT_EQ(p.zones[zone].count({"api.apps.example.com", "A"}), 0u);
  EXPECT_EQ(p.zones[zone].count({"*.apps.example.com", "A"}), 1u);
  EXPECT_EQ(p.zones[zone].count({"mail.apps.example.com", "A"}), 1u);
}

}  // namespace
}  // namespace ink::dns
