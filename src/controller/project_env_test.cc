// DeploymentEnvironment over a real (in-memory) store and a real SecretBox: the snapshot's
// references resolve against other services' current variables and shared variables, with
// Ink's addresses; dangling references fail naming them.
#include "ink/controller/project_env.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "ink/common/fake_clock.h"

namespace ink {
namespace {

class ProjectEnvTest : public ::testing::Test {
 protected:
  ProjectEnvTest() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ink-env-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    dir_ = pattern;
    auto store = OpenSqliteStore(":memory:", clock_);
    if (!store.ok()) ADD_FAILURE() << store.error().message;
    store_ = std::move(*store);
    box_ = std::make_unique<SecretBox>(*SecretBox::LoadOrCreate(dir_ + "/secret.key"));
    workspace_ = store_->CreateWorkspace("acme")->id;
    project_ = *store_->CreateProject(workspace_, "shop");
  }
  ~ProjectEnvTest() override { std::filesystem::remove_all(dir_); }

  Store::ServiceAndDeployment Deploy(const std::string& name, int port,
                                     const std::map<std::string, std::string>& vars) {
    ServiceSpec spec;
    spec.image = "img";
    spec.port = port;
    Store::DeployOptions options;
    for (const auto& [k, v] : vars) options.set_variables.push_back({k, box_->Seal(v), 0});
    return *store_->CreateOrUpdateServiceWithDeployment(workspace_, project_.id, name, spec,
                                                        options);
  }

  Result<std::map<std::string, std::string>> Env(const Store::ServiceAndDeployment& sd,
                                                 bool inject = true) {
    return DeploymentEnvironment(*store_, *box_, project_, sd.service, sd.deployment,
                                 {"ink.test", 8080}, inject);
  }

  FakeClock clock_;
  std::string dir_, workspace_;
  Project project_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<SecretBox> box_;
};

TEST_F(ProjectEnvTest, ReferencesResolveAgainstTheProject) {
  const std::string password = "p@ss $word #1 \"q\" \u00e9\n";
  Deploy("db", 5432, {{"PASSWORD", password}, {"URL", "postgres://u:${{PASSWORD}}@db:5432/x"}});
  ASSERT_TRUE(
      store_
          ->ChangeProjectVariables(workspace_, project_.id, {.set = {{"KEY", box_->Seal("k1"), 0}}})
          .ok());
  auto web = Deploy("web", 3000,
                    {{"DB", "${{db.URL}}"},
                     {"KEY", "${{ shared.KEY }}"},
                     {"PEER", "${{db.INK_PRIVATE_URL}}"},
                     {"LIT", "$${{db.URL}} costs $5"}});
  auto env = Env(web);
  ASSERT_TRUE(env.ok()) << env.error().message;
  EXPECT_EQ(env->at("DB"), "postgres://u:" + password + "@db:5432/x");
  EXPECT_EQ(env->at("KEY"), "k1");
  EXPECT_EQ(env->at("PEER"), "http://db.shop.internal:5432");
  EXPECT_EQ(env->at("LIT"), "${{db.URL}} costs $5");
  EXPECT_EQ(env->at("PORT"), "3000");
  EXPECT_EQ(env->at("INK_SERVICE"), "web");

  // A build gets only the deployment's own names.
  auto build = Env(web, /*inject=*/false);
  ASSERT_TRUE(build.ok()) << build.error().message;
  EXPECT_EQ(build->size(), 4u);
  EXPECT_EQ(build->count("PORT"), 0u);
  EXPECT_EQ(build->at("DB"), env->at("DB"));
}

TEST_F(ProjectEnvTest, DanglingReferencesAndCyclesFailNamingThem) {
  auto web = Deploy("web", 3000, {{"DB", "${{db.URL}}"}});
  auto env = Env(web);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(env.error().message.find("web.DB -> db.URL"), std::string::npos) << env.error().message;

  auto loop = Deploy("loop", 3000, {{"A", "x${{B}}"}, {"B", "${{A}}"}});
  auto cycle = Env(loop);
  ASSERT_FALSE(cycle.ok());
  EXPECT_NE(cycle.error().message.find("loop.A"), std::string::npos) << cycle.error().message;
}

TEST_F(ProjectEnvTest, PlainValuesNeedNoProjectLoad) {
  auto web = Deploy("web", 3000, {{"A", "plain $HOME"}});
  auto env = Env(web);
  ASSERT_TRUE(env.ok()) << env.error().message;
  EXPECT_EQ(env->at("A"), "plain $HOME");
  EXPECT_EQ(env->at("INK_PUBLIC_URL"), "http://web-shop.ink.test:8080");
}

}  // namespace
}  // namespace ink
