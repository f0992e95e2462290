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
  EXPECT_EQ(Norm("web-demo.localhost.."), "");  // an empty label (normalized again, it changed)
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

TEST(ParseRouteTableTest, ServiceIdIsOptionalButMustBeAString) {
  auto f = ParseRouteFile(R"({"version": 2, "routes": [
    {"host": "web-demo.localhost", "service": "web", "project": "demo", "service_id": "svc_1"},
    {"host": "old-demo.localhost", "service": "old", "project": "demo"},
    {"host": "num-demo.localhost", "service": "num", "project": "demo", "service_id": 7},
    {"host": "big-demo.localhost", "service": "big", "project": "demo",
     "service_id": ")" + std::string(256, 'x') + R"("}]})");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->table->Find("web-demo.localhost")->service_id, "svc_1");
  EXPECT_EQ(f->table->Find("old-demo.localhost")->service_id, "");  // an older inkd's file
  ASSERT_EQ(f->rejected.size(), 2u);
  EXPECT_EQ(f->rejected[0].reason,
            "routes[2].service_id must be a string of at most 255 bytes (or absent)");
  EXPECT_EQ(f->rejected[1].host, "big-demo.localhost");
}

TEST(ParseRouteTableTest, FileLevelErrorsNameTheProblem) {
  auto bad_json = ParseRouteTable("{not json");
  ASSERT_FALSE(bad_json.ok());
  EXPECT_NE(bad_json.error().message.find("malformed JSON"), std::string::npos);
  auto no_routes = ParseRouteTable(R"({"version": 1})");
  ASSERT_FALSE(no_routes.ok());
  EXPECT_NE(no_routes.error().message.find("routes"), std::string::npos);
  auto bad_version = ParseRouteFile(R"({"version": "7", "routes": []})");
  ASSERT_FALSE(bad_version.ok());
  EXPECT_NE(bad_version.error().message.find("version must be an integer"), std::string::npos);
  EXPECT_FALSE(ParseRouteFile("[]").ok());
  EXPECT_FALSE(ParseRouteFile(R"({"version": 1e99999, "routes": []})").ok());  // fuzzer find
  EXPECT_FALSE(ParseRouteFile("").ok());
}

// One bad entry never stops the others: each is skipped with a reason naming its field.
TEST(ParseRouteFileTest, BadEntriesAreSkippedAndTheRestLoads) {
  auto file = ParseRouteFile(R"({"version": 9, "routes": [
    {"host": "a.localhost", "service": "a", "project": "p",
     "backends": [{"address": "127.0.0.1", "port": 70000}]},
    {"host": "good.localhost", "service": "g", "project": "p",
     "backends": [{"address": "10.0.0.2", "port": 80}]},
    {"host": "n.localhost", "service": "n", "project": "p",
     "backends": [{"address": "db.internal", "port": 5432}]},
    "not an object",
    {"service": "nohost", "project": "p"},
    {"host": "bad host", "service": "b", "project": "p"},
    {"host": "GOOD.localhost.", "service": "dup", "project": "p"},
    {"host": "c.localhost", "service": "c", "project": "p", "backends": {}},
    {"host": "also-good.localhost", "service": "ag", "project": "p"}]})");
  ASSERT_TRUE(file.ok()) << file.error().message;
  const RouteTable& table = *file->table;
  EXPECT_EQ(table.version(), 9);
  ASSERT_EQ(table.routes().size(), 2u);
  ASSERT_NE(table.Find("good.localhost"), nullptr);
  EXPECT_EQ(table.Find("good.localhost")->service, "g");  // the first of a duplicate wins
  EXPECT_NE(table.Find("also-good.localhost"), nullptr);

  ASSERT_EQ(file->rejected.size(), 7u);
  auto reason = [&](size_t i) { return file->rejected[i].reason; };
  EXPECT_EQ(file->rejected[0].index, 0u);
  EXPECT_EQ(file->rejected[0].host, "a.localhost");
  EXPECT_NE(reason(0).find("routes[0].backends[0].port"), std::string::npos) << reason(0);
  EXPECT_NE(reason(1).find("not an IPv4 or IPv6 literal"), std::string::npos) << reason(1);
  EXPECT_EQ(file->rejected[2].index, 3u);
  EXPECT_EQ(file->rejected[2].host, "");
  EXPECT_NE(reason(2).find("routes[3] must be an object"), std::string::npos) << reason(2);
  EXPECT_NE(reason(3).find("routes[4].host must be a string"), std::string::npos) << reason(3);
  EXPECT_NE(reason(4).find("not a valid host name"), std::string::npos) << reason(4);
  EXPECT_NE(reason(5).find("appears twice (first at routes[1]"), std::string::npos) << reason(5);
  EXPECT_NE(reason(6).find("routes[7].backends must be an array"), std::string::npos) << reason(6);
}

TEST(ParseRouteFileTest, LongHostsAreCutInTheReport) {
  std::string host(5000, 'h');
  auto file = ParseRouteFile(R"({"routes": [{"host": ")" + host +
                             R"(", "service": "a", "project": "p"}]})");
  ASSERT_TRUE(file.ok());
  ASSERT_EQ(file->rejected.size(), 1u);
  EXPECT_EQ(file->rejected[0].host.size(), 255u);
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
