#include "client_policy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstring>

namespace ink::edge::internal {
namespace {

sockaddr_storage Address(const char* text) {
  sockaddr_storage s{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&s);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&s);
  if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
  } else if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
  }
  return s;
}

TEST(CidrSetTest, MatchesRangesOfBothFamilies) {
  auto set = CidrSet::Parse({"10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1", "172.16.0.0/12"});
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_TRUE(set->Contains(Address("10.200.3.4")));
  EXPECT_TRUE(set->Contains(Address("192.168.1.7")));
  EXPECT_FALSE(set->Contains(Address("192.168.1.8")));
  EXPECT_TRUE(set->Contains(Address("172.31.255.255")));
  EXPECT_FALSE(set->Contains(Address("172.32.0.1")));
  EXPECT_TRUE(set->Contains(Address("fd12::1")));
  EXPECT_TRUE(set->Contains(Address("::1")));
  EXPECT_FALSE(set->Contains(Address("::2")));
  EXPECT_TRUE(set->Contains(Address("::ffff:10.1.1.1")));  // IPv4-mapped counts as IPv4
  EXPECT_FALSE(set->Contains(Address("127.0.0.1")));
  auto none = CidrSet::Parse({});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->Contains(Address("127.0.0.1")));
}

TEST(CidrSetTest, ErrorsNameTheEntry) {
  auto bad = CidrSet::Parse({"10.0.0.0/33"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("10.0.0.0/33"), std::string::npos);
  bad = CidrSet::Parse({"example.com"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("not an IP address or CIDR range"), std::string::npos);
  EXPECT_FALSE(CidrSet::Parse({"10.0.0.0/"}).ok());
  EXPECT_FALSE(CidrSet::Parse({"::/129"}).ok());
}

TEST(ClientConnectionLimiterTest, CapsEachClientAndReleases) {
  ClientConnectionLimiter limiter(2);
  uint32_t a1, a2, a3, b1;
  EXPECT_TRUE(limiter.TryAcquire(Address("10.0.0.1"), &a1));
  EXPECT_TRUE(limiter.TryAcquire(Address("10.0.0.1"), &a2));
  EXPECT_FALSE(limiter.TryAcquire(Address("10.0.0.1"), &a3));
  EXPECT_TRUE(limiter.TryAcquire(Address("10.0.0.2"), &b1));  // another client is not starved
  limiter.Release(a1);
  EXPECT_TRUE(limiter.TryAcquire(Address("10.0.0.1"), &a3));
  // IPv6 clients count per /64.
  uint32_t c1, c2, c3;
  EXPECT_TRUE(limiter.TryAcquire(Address("2001:db8:1:2::1"), &c1));
  EXPECT_TRUE(limiter.TryAcquire(Address("2001:db8:1:2::ffff"), &c2));
  EXPECT_FALSE(limiter.TryAcquire(Address("2001:db8:1:2:abcd::9"), &c3));
  ClientConnectionLimiter unlimited(0);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(unlimited.TryAcquire(Address("10.0.0.1"), &a1));
  EXPECT_EQ(a1, ClientConnectionLimiter::kNoSlot);
}

}  // namespace
}  // namespace ink::edge::internal
