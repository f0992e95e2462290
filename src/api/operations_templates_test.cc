// list_templates and deploy_template against the repository's catalog (templates/), with a real
// build pipeline for the archive store (nothing is built: the fixture's controller has no
// builder).
#include "ink/build/pipeline.h"
#include "src/api/operations_test_fixture.h"

namespace ink {
namespace {

class TemplatesTest : public api_test::OperationsTest {
 protected:
  void SetUp() override {
    OperationsTest::SetUp();
    auto catalog = templates::TemplateCatalog::Load(INK_TEMPLATES_DIR);
    ASSERT_TRUE(catalog.ok()) << catalog.error().message;
    catalog_ = std::move(*catalog);
    PipelineOptions options;
    options.data_dir = dir_;
    options.janitor_interval = std::chrono::seconds(0);
    pipeline_ = std::make_unique<BuildPipeline>(*store_, options);
    deps_->builds = pipeline_.get();
    deps_->templates = &catalog_;
  }
  void TearDown() override {
    controller_->Stop();
    pipeline_.reset();
    OperationsTest::TearDown();
  }
  // name → plaintext of service `service`'s variables.
  std::map<std::string, std::string> Variables(const std::string& service) {
    auto s = store_->GetService(caller_.workspace_id, ProjectId(), service);
    EXPECT_TRUE(s.ok());
    std::map<std::string, std::string> out;
    if (!s.ok()) return out;
    auto list = store_->ListServiceVariables(caller_.workspace_id, s->id);
    EXPECT_TRUE(list.ok());
    if (!list.ok()) return out;
    std::vector<SealedVariable> variables = std::move(*list);
    for (const auto& v : variables) out[v.name] = *box_->Open(v.sealed_value);
    return out;
  }
  templates::TemplateCatalog catalog_;
  std::unique_ptr<BuildPipeline> pipeline_;
};

TEST_F(TemplatesTest, ListShowsWhatEachPublishesButNoSecret) {
  auto listed = table_.Invoke(*table_.Find("list_templates"), caller_, Json::object());
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  Json out = *listed;
  const Json* pg = nullptr;
  for (const auto& t : out["templates"]) {
    if (t["name"] == "postgres") pg = &t;
  }
  ASSERT_NE(pg, nullptr) << out.dump();
  const Json& service = (*pg)["services"][0];
  EXPECT_EQ(service["port"], 5432);
  EXPECT_EQ(service["health_check"]["type"], "tcp");
  EXPECT_EQ(service["variables"]["PGPASSWORD"], "(generated secret of 32 characters)");
  EXPECT_NE(std::find(service["publishes"].begin(), service["publishes"].end(), "DATABASE_URL"),
            service["publishes"].end());
}

TEST_F(TemplatesTest, DeployMakesSecretsOnceAndKeepsThemOnTheNextDeploy) {
  Json first = MustCall("deploy_template", {{"template", "postgres"}});
  EXPECT_EQ(first["template"], "postgres");
  EXPECT_EQ(first["service"]["name"], "postgres");
  EXPECT_EQ(first["generated"], Json::array({"PGPASSWORD"}));
  EXPECT_TRUE(first["kept"].empty());
  EXPECT_EQ(first.dump().find(Variables("postgres")["PGPASSWORD"]), std::string::npos)
      << "a generated secret must never be in a response";
  auto vars = Variables("postgres");
  EXPECT_EQ(vars["PGPASSWORD"].size(), 32u);
  EXPECT_EQ(vars["PGUSER"], "postgres");
  EXPECT_EQ(vars["DATABASE_URL"],
            "postgres://${{PGUSER}}:${{PGPASSWORD}}@${{PGHOST}}:${{PGPORT}}/${{PGDATABASE}}");
  auto s = store_->GetService(caller_.workspace_id, ProjectId(), "postgres");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->spec.port, 5432);
  EXPECT_EQ(s->spec.memory_bytes, 512 << 20);
  EXPECT_NE(s->spec.source.find("archive"), std::string::npos) << s->spec.source;
  bool references = false;
  for (const auto& p : first["publishes"]) {
    references |= p["reference"] == "${{postgres.DATABASE_URL}}";
  }
  EXPECT_TRUE(references) << first["publishes"].dump();

  Json second = MustCall("deploy_template", {{"template", "postgres"}});
  EXPECT_TRUE(second["generated"].empty());
  EXPECT_NE(std::find(second["kept"].begin(), second["kept"].end(), "PGPASSWORD"),
            second["kept"].end());
  EXPECT_EQ(Variables("postgres")["PGPASSWORD"], vars["PGPASSWORD"]);
  EXPECT_NE(second["deployment"]["id"], first["deployment"]["id"]);

  // Given env replaces a value; the rest stays.
  MustCall("deploy_template", {{"template", "postgres"}, {"env", {{"PGDATABASE", "shop"}}}});
  EXPECT_EQ(Variables("postgres")["PGDATABASE"], "shop");
  EXPECT_EQ(Variables("postgres")["PGPASSWORD"], vars["PGPASSWORD"]);
}

TEST_F(TemplatesTest, ServiceNameAndResourcesCanBeChosen) {
  Json out = MustCall("deploy_template",
                      {{"template", "redis"}, {"service", "cache"}, {"memory", "128m"}});
  EXPECT_EQ(out["service"]["name"], "cache");
  auto s = store_->GetService(caller_.workspace_id, ProjectId(), "cache");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->spec.memory_bytes, 128 << 20);
  EXPECT_EQ(s->spec.port, 6379);
  EXPECT_EQ(Variables("cache")["REDIS_PASSWORD"].size(), 32u);
}

TEST_F(TemplatesTest, BadInputIsRefusedAndChangesNothing) {
  auto unknown = Call("deploy_template", {{"template", "oracle"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_NE(unknown.error().message.find("there is no template 'oracle'"), std::string::npos);
  EXPECT_NE(unknown.error().message.find("postgres"), std::string::npos) << unknown.error().message;
  EXPECT_NE(unknown.error().message.find("redis"), std::string::npos);

  auto bad_name = Call("deploy_template", {{"template", "postgres"}, {"env", {{"1BAD", "x"}}}});
  ASSERT_FALSE(bad_name.ok());
  EXPECT_NE(bad_name.error().message.find("1BAD"), std::string::npos) << bad_name.error().message;

  auto bad_service = Call("deploy_template", {{"template", "postgres"}, {"service", "No_Good"}});
  ASSERT_FALSE(bad_service.ok());

  auto bad_memory = Call("deploy_template", {{"template", "postgres"}, {"memory", "lots"}});
  ASSERT_FALSE(bad_memory.ok());

  auto bad_field = Call("deploy_template", {{"template", "postgres"}, {"overrides", 1}});
  ASSERT_FALSE(bad_field.ok());

  auto no_project = Call("deploy_template", {{"template", "postgres"}, {"project", "nope"}});
  ASSERT_FALSE(no_project.ok());
  EXPECT_EQ(no_project.error().code, ErrorCode::kNotFound);

  EXPECT_TRUE(store_->ListServices(caller_.workspace_id, ProjectId())->empty());
}

}  // namespace
}  // namespace ink
