#include "ink/edge/route_table.h"

#include <gtest/gtest.h>

namespace ink::edge {
namespace {

std::string Norm(std::string_view host) {
  char buf[256];
  return std::string(NormalizeHost(host, buf, sizeof buf));
}

TEST(NormalizeHostTest, StripsPortLowercasesAndDropsTrailingDot) {
  EXPECT_EQ(Norm("Web-Demo.LocalHost:8080"), "web-demo.localhost");
  EXPECT_EQ(Norm("web-demo.localhost."), "web-demo.localhost");
  EXPECT_EQ(Norm("web-demo.localhost.:80"), "web-demo.localhost");
  EXPECT_EQ(Norm(" example.com "), "example.com");
  EXPECT_EQ(Norm("[::1]:8080"), "[::1]");
}

TEST(NormalizeHostTest, RejectsGarbage) {
  EXPECT_EQ(Norm(""), "");
  EXPECT_EQ(Norm("a b"), "");
  EXPECT_EQ(Norm("<script>"), "");
  EXPECT_EQ(Norm("host:80x"), "");
  EXPECT_EQ(Norm("[::1"), "");
  EXPECT_EQ(Norm(std::string(300, 'a')), "");
}

TEST(ParseRouteTableTest, ParsesRoutesAndFindsByHost) {
  auto t = ParseRouteTable(R"({"version": 7, "routes": [
    {"host": "Web-Demo.localhost", "service": "web", "project": "demo",
     "backends": [{"address": "10.89.0.5", "port": 8080}, {"address": "fd00::5", "port": 81}]},
    {"host": "api-demo.localhost", "service": "api", "project": "demo", "backends": []}]})");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ((*t)->version(), 7);
  const Route* r = (*t)->Find("web-demo.localhost");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->service, "web");
  ASSERT_EQ(r->backends.size(), 2u);
  EXPECT_EQ(r->backends[0].key, "10.89.0.5:8080");
  EXPECT_EQ(r->backends[1].key, "[fd00::5]:81");
  EXPECT_EQ((*t)->IndexOf(r), 0u);
  ASSERT_NE((*t)->Find("api-demo.localhost"), nullptr);
  EXPECT_TRUE((*t)->Find("api-demo.localhost")->backends.empty());
  EXPECT_EQ((*t)->Find("nope.localhost"), nullptr);
}

TEST(ParseRouteTableTest, ErrorsNameTheProblem) {
  auto bad_json = ParseRouteTable("{not json");
  ASSERT_FALSE(bad_json.ok());
  EXPECT_NE(bad_json.error().message.find("malformed JSON"), std::string::npos);
  auto no_routes = ParseRouteTable(R"({"version": 1})");
  ASSERT_FALSE(no_routes.ok());
  EXPECT_NE(no_routes.error().message.find("routes"), std::string::npos);
  auto bad_port = ParseRouteTable(
      R"({"routes": [{"host": "a.localhost", "service": "a", "project": "p",
         "backends": [{"address": "127.0.0.1", "port": 70000}]}]})");
  ASSERT_FALSE(bad_port.ok());
  EXPECT_NE(bad_port.error().message.find("routes[0].backends[0].port"), std::string::npos);
  auto name = ParseRouteTable(
      R"({"routes": [{"host": "a.localhost", "service": "a", "project": "p",
         "backends": [{"address": "db.internal", "port": 5432}]}]})");
  ASSERT_FALSE(name.ok());
  EXPECT_NE(name.error().message.find("not an IPv4 or IPv6 literal"), std::string::npos);
  auto dup = ParseRouteTable(
      R"({"routes": [{"host": "a.localhost", "service": "a", "project": "p"},
                     {"host": "A.localhost.", "service": "b", "project": "p"}]})");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("appears twice"), std::string::npos);
}

TEST(RouteTableHolderTest, PublishBumpsGeneration) {
  RouteTableHolder holder;
  uint64_t g = holder.generation();
  EXPECT_TRUE(holder.Get()->routes().empty());
  holder.Publish(*ParseRouteTable(R"({"version": 2, "routes": []})"));
  EXPECT_EQ(holder.generation(), g + 1);
  EXPECT_EQ(holder.Get()->version(), 2);
}

}  // namespace
}  // namespace ink::edge
