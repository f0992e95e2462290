#include "ink/common/variable_references.h"

#include <gtest/gtest.h>

namespace ink {
namespace {

ServiceEnv Service(std::string name, int port, std::map<std::string, std::string> variables) {
  return {.variables = std::move(variables),
          .addressing = {.service = name,
                         .project = "shop",
                         .platform_domain = "localhost",
                         .edge_port = 8080,
                         .port = port}};
}

// web → db and shared; db's URL is built from its own and shared variables.
ProjectEnv Shop() {
  ProjectEnv env;
  env.shared = {{"API_KEY", "k-123"}, {"DB_PASSWORD", "p@ss"}};
  env.services["db"] =
      Service("db", 5432,
              {{"URL", "postgres://app:${{shared.DB_PASSWORD}}@${{INK_PRIVATE_URL}}/app"},
               {"USER", "app"}});
  env.services["web"] =
      Service("web", 3000, {{"DB", "${{db.URL}}"}, {"K", "${{ shared.API_KEY }}"}, {"PLAIN", "x"}});
  return env;
}

TEST(ResolveServiceEnv, ReplacesReferencesAcrossServicesAndShared) {
  auto env = ResolveServiceEnv(Shop(), "web");
  ASSERT_TRUE(env.ok()) << env.error().message;
  EXPECT_EQ(env->at("DB"), "postgres://app:p@ss@http://db.shop.internal:5432/app");
  EXPECT_EQ(env->at("K"), "k-123");
  EXPECT_EQ(env->at("PLAIN"), "x");
  // Ink's injected variables are the referencing service's own.
  EXPECT_EQ(env->at("INK_SERVICE"), "web");
  EXPECT_EQ(env->at("PORT"), "3000");
}

TEST(ResolveServiceEnv, InjectedVariablesOfAnotherServiceAreReferencable) {
  ProjectEnv env = Shop();
  env.services["web"].variables = {{"API", "${{db.INK_PRIVATE_URL}}"},
                                   {"P", "${{db.PORT}}"},
                                   {"PUB", "${{db.INK_PUBLIC_URL}}"},
                                   {"WHO", "${{db.INK_SERVICE}}/${{db.INK_PROJECT}}"}};
  auto out = ResolveServiceEnv(env, "web");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->at("API"), "http://db.shop.internal:5432");
  EXPECT_EQ(out->at("P"), "5432");
  EXPECT_EQ(out->at("PUB"), "http://db-shop.localhost:8080");
  EXPECT_EQ(out->at("WHO"), "db/shop");
  // A service's own PORT wins over the injected one, for references too.
  env.services["db"].variables["PORT"] = "6000";
  EXPECT_EQ(ResolveServiceEnv(env, "web")->at("P"), "6000");
}

TEST(ResolveServiceEnv, SameScopeReferences) {
  ProjectEnv env;
  env.shared = {{"HOST", "h"}, {"URL", "http://${{HOST}}"}};
  env.services["a"] =
      Service("a", 1, {{"X", "1"}, {"Y", "${{X}}-${{a.X}}"}, {"Z", "${{shared.URL}}"}});
  auto out = ResolveServiceEnv(env, "a");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->at("Y"), "1-1");
  EXPECT_EQ(out->at("Z"), "http://h");  // `${{HOST}}` in a shared variable is shared's
}

TEST(ResolveServiceEnv, DanglingReferencesNameTheChain) {
  ProjectEnv env = Shop();
  env.services["web"].variables = {{"DB", "${{db.NOPE}}"}};
  auto out = ResolveServiceEnv(env, "web");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(out.error().message, "web.DB -> db.NOPE: service 'db' has no variable NOPE");

  env.services["web"].variables = {{"DB", "${{cache.URL}}"}};
  EXPECT_EQ(ResolveServiceEnv(env, "web").error().message,
            "web.DB -> cache.URL: there is no service 'cache' in this project");

  // Through another variable: the whole chain.
  env.services["web"].variables = {{"DB", "${{db.URL}}"}};
  env.shared.erase("DB_PASSWORD");
  EXPECT_EQ(ResolveServiceEnv(env, "web").error().message,
            "web.DB -> db.URL -> shared.DB_PASSWORD: the project has no shared variable "
            "DB_PASSWORD");
}

TEST(ResolveServiceEnv, CyclesAreRefusedNamingThem) {
  ProjectEnv env;
  env.services["a"] = Service("a", 1, {{"X", "${{b.Y}}"}});
  env.services["b"] = Service("b", 2, {{"Y", "pre-${{a.X}}"}});
  auto out = ResolveServiceEnv(env, "a");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message,
            "reference cycle: a.X -> b.Y -> a.X (a value cannot depend on itself)");
  env.services["a"].variables = {{"X", "${{X}}"}};
  EXPECT_EQ(ResolveServiceEnv(env, "a").error().message,
            "reference cycle: a.X -> a.X (a value cannot depend on itself)");
  env.services["a"].variables = {{"X", "1"}};
  env.shared = {{"P", "${{Q}}"}, {"Q", "${{P}}"}};
  EXPECT_EQ(CheckSharedVariables(env).error().message,
            "reference cycle: shared.P -> shared.Q -> shared.P (a value cannot depend on itself)");
}

TEST(ResolveServiceEnv, EscapeAndUnclosedAreLiteral) {
  ProjectEnv env = Shop();
  env.services["web"].variables = {
      {"ESC", "$${{db.URL}}"},
      {"UNCLOSED", "${{ not closed"},
      {"LONE", "${HOME} $ $$ ${ $(x) ${{"},
      {"MIXED", "a $${{x}} b ${{shared.API_KEY}} c"},
  };
  auto out = ResolveServiceEnv(env, "web");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->at("ESC"), "${{db.URL}}");
  EXPECT_EQ(out->at("UNCLOSED"), "${{ not closed");
  EXPECT_EQ(out->at("LONE"), "${HOME} $ $$ ${ $(x) ${{");
  EXPECT_EQ(out->at("MIXED"), "a ${{x}} b k-123 c");
}

TEST(ResolveServiceEnv, MalformedReferenceIsAnErrorThatDoesNotQuoteTheValue) {
  ProjectEnv env = Shop();
  for (std::string bad :
       {"${{}}", "${{ secret-ish text }}", "${{a.b.c}}", "x${{Db.URL}}", "${{db.lower-case}}"}) {
    env.services["web"].variables = {{"V", bad}};
    auto out = ResolveServiceEnv(env, "web");
    ASSERT_FALSE(out.ok()) << bad;
    EXPECT_NE(out.error().message.find("web.V: the ${{...}} at byte "), std::string::npos)
        << out.error().message;
    EXPECT_EQ(out.error().message.find("secret-ish"), std::string::npos);
  }
}

TEST(ResolveServiceEnv, ValuesKeepEveryByte) {
  ProjectEnv env;
  const std::string tricky =
      "a $b #c 'd' \"e\"  spaces \n newline\ttab ünïcødé 🙂 \\ ${x} $$";
  env.shared = {{"T", tricky}};
  env.services["a"] = Service("a", 1, {{"RAW", tricky}, {"REF", "<${{shared.T}}>"}, {"EMPTY", ""}});
  auto out = ResolveServiceEnv(env, "a");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->at("RAW"), tricky);
  EXPECT_EQ(out->at("REF"), "<" + tricky + ">");
  EXPECT_EQ(out->at("EMPTY"), "");
  // A referenced value is inserted as it is, never parsed again: its `${{` stays text.
  env.shared = {{"T", "$${{x}}"}};
  env.services["a"].variables = {{"REF", "${{shared.T}}"}};
  EXPECT_EQ(ResolveServiceEnv(env, "a")->at("REF"), "${{x}}");
}

TEST(ServicesReferencing, DirectAndThroughOtherVariables) {
  ProjectEnv env = Shop();
  env.services["api"] = Service("api", 1, {{"U", "${{web.DB}}"}});
  env.services["lone"] = Service("lone", 1, {{"X", "1"}});
  EXPECT_EQ(ServicesReferencing(env, {"db.URL"}), (std::set<std::string>{"api", "web"}));
  EXPECT_EQ(ServicesReferencing(env, {"shared.DB_PASSWORD"}),
            (std::set<std::string>{"api", "db", "web"}));
  EXPECT_EQ(ServicesReferencing(env, {"shared.API_KEY"}), (std::set<std::string>{"web"}));
  EXPECT_TRUE(ServicesReferencing(env, {"db.USER"}).empty());
  EXPECT_TRUE(ServicesReferencing(env, {"lone.X"}).empty());
  // A cycle or a dangling reference elsewhere does not hang or hide the others.
  env.services["c1"] = Service("c1", 1, {{"X", "${{c2.X}}"}});
  env.services["c2"] = Service("c2", 1, {{"X", "${{c1.X}}${{nope.Y}}${{shared.API_KEY}}"}});
  EXPECT_EQ(ServicesReferencing(env, {"shared.API_KEY"}),
            (std::set<std::string>{"c1", "c2", "web"}));
}

TEST(VariablesReferencing, NamesEachVariableThatUsesAChangedOne) {
  ProjectEnv env = Shop();
  env.shared["URL"] = "${{db.URL}}";
  env.services["api"] = Service("api", 1, {{"U", "${{web.DB}}"}, {"Z", "z"}});
  EXPECT_EQ(VariablesReferencing(env, {"db.URL"}),
            (std::set<std::string>{"api.U", "shared.URL", "web.DB"}));
  EXPECT_EQ(VariablesReferencing(env, {"shared.DB_PASSWORD"}),
            (std::set<std::string>{"api.U", "db.URL", "shared.URL", "web.DB"}));
  EXPECT_TRUE(VariablesReferencing(env, {"api.Z"}).empty());
}

TEST(CheckResolvable, ResolvesOnlyTheKeysAsked) {
  ProjectEnv env = Shop();
  env.services["bad"] = Service("bad", 1, {{"X", "${{nope.Y}}"}, {"OK", "${{db.USER}}"}});
  EXPECT_TRUE(CheckResolvable(env, {"web.DB", "bad.OK", "shared.API_KEY"}).ok());
  EXPECT_EQ(CheckResolvable(env, {"bad.X"}).error().message,
            "bad.X -> nope.Y: there is no service 'nope' in this project");
  EXPECT_FALSE(CheckResolvable(env, {"web.MISSING"}).ok());
  env.services["web"].variables["DB"] = "${{web.K2}}";
  env.services["web"].variables["K2"] = "${{DB}}";
  EXPECT_EQ(CheckResolvable(env, {"web.DB"}).error().message,
            "reference cycle: web.DB -> web.K2 -> web.DB (a value cannot depend on itself)");
}

}  // namespace
}  // namespace ink
