#include "network_isolation.h"

#include <gtest/gtest.h>

namespace ink::runtime_internal {
namespace {

TEST(NetworkIsolationTest, TheRulesetRebuildsItsFixedChainsInOneBatch) {
  std::string rules = IsolationRuleset();
  // The chains hook before the iptables filter chains, where netavark's accepts live.
  EXPECT_NE(rules.find("hook forward priority -10"), std::string::npos);
  EXPECT_NE(rules.find("hook input priority -10"), std::string::npos);
  // Flushed before the rules are added, in the same batch: re-applying adds no duplicates.
  EXPECT_LT(rules.find("flush chain inet ink forward"), rules.find("add rule inet ink forward"));
  // The same-bridge accept comes before the bridge-to-bridge drop; metadata is rejected first.
  size_t metadata = rules.find("169.254.0.0/16");
  size_t same = rules.find("@same_bridge accept");
  size_t drop = rules.find("oifname @bridges counter drop");
  ASSERT_NE(drop, std::string::npos);
  EXPECT_LT(metadata, same);
  EXPECT_LT(same, drop);
  // The host's own services: replies and DNS accepted before the final rejects.
  EXPECT_LT(rules.find("ct state established,related accept"), rules.find("reject with tcp reset"));
  EXPECT_LT(rules.find("th dport 53 accept"), rules.find("reject with tcp reset"));
  // Sets are added, never flushed: other inkd instances' bridges stay isolated.
  EXPECT_EQ(rules.find("flush set"), std::string::npos);
  EXPECT_EQ(rules.find("flush table"), std::string::npos);
}

TEST(NetworkIsolationTest, BridgeElementsAddOrAddThenDelete) {
  auto add = BridgeElements("podman3", false);
  ASSERT_TRUE(add.ok());
  EXPECT_NE(add->find("add element inet ink bridges { \"podman3\" }"), std::string::npos);
  EXPECT_NE(add->find("same_bridge { \"podman3\" . \"podman3\" }"), std::string::npos);
  EXPECT_EQ(add->find("delete"), std::string::npos);
  auto remove = BridgeElements("podman3", true);
  ASSERT_TRUE(remove.ok());
  EXPECT_LT(remove->find("add element inet ink bridges"),
            remove->find("delete element inet ink bridges"));
}

TEST(NetworkIsolationTest, RefusesWhatIsNotAnInterfaceName) {
  for (std::string bad : {"", "podman3\"; flush ruleset", "a b", "sixteen-chars-xx", "x;y"}) {
    auto elements = BridgeElements(bad, false);
    EXPECT_FALSE(elements.ok()) << bad;
    if (!elements.ok()) {
      EXPECT_NE(elements.error().message.find("interface name"), std::string::npos);
    }
  }
  EXPECT_TRUE(BridgeElements("br-ink_1.x", false).ok());
}

}  // namespace
}  // namespace ink::runtime_internal
