#include "ink/common/service_addresses.h"

#include <gtest/gtest.h>

namespace ink {
namespace {

ReplicaAddressing Db() {
  return {.service = "db",
          .project = "shop",
          .platform_domain = "apps.example.com",
          .edge_port = 8443,
          .port = 5432};
}

TEST(PrivateServiceAliases, ServiceNameAndInternalName) {
  EXPECT_EQ(PrivateServiceName("db", "shop"), "db.shop.internal");
  EXPECT_EQ(PrivateServiceAliases("db", "shop"),
            (std::vector<std::string>{"db", "db.shop.internal"}));
}

TEST(PublicServiceUrl, OmitsPort80) {
  EXPECT_EQ(PublicServiceHost("web", "api-demo", "localhost"), "web-api-demo.localhost");
  EXPECT_EQ(PublicServiceUrl("web", "api-demo", "localhost", 80), "http://web-api-demo.localhost");
  EXPECT_EQ(PublicServiceUrl("web", "api-demo", "localhost", 8080),
            "http://web-api-demo.localhost:8080");
}

TEST(InkVariables, DescribeWhereTheReplicaRuns) {
  auto vars = InkVariables(Db());
  EXPECT_EQ(vars, (std::map<std::string, std::string>{
                      {"INK_SERVICE", "db"},
                      {"INK_PROJECT", "shop"},
                      {"INK_PRIVATE_URL", "http://db.shop.internal:5432"},
                      {"INK_PUBLIC_URL", "http://db-shop.apps.example.com:8443"}}));
}

TEST(InjectVariables, InkNamesWinUserPortStays) {
  std::map<std::string, std::string> env = {
      {"PORT", "3000"}, {"INK_SERVICE", "not-me"}, {"DATABASE_URL", "postgres://x"}};
  InjectVariables(Db(), env);
  EXPECT_EQ(env["PORT"], "3000");  // the user's PORT is kept
  EXPECT_EQ(env["INK_SERVICE"], "db");
  EXPECT_EQ(env["INK_PRIVATE_URL"], "http://db.shop.internal:5432");
  EXPECT_EQ(env["DATABASE_URL"], "postgres://x");
  EXPECT_EQ(env.size(), 6u);
}

TEST(InjectVariables, AddsPortWhenUnset) {
  std::map<std::string, std::string> env;
  InjectVariables(Db(), env);
  EXPECT_EQ(env["PORT"], "5432");
  EXPECT_EQ(env.size(), 5u);
}

}  // namespace
}  // namespace ink
