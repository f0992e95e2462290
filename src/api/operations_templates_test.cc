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
    deps_->volumes = &volumes_;
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
  size_t VolumeCount() { return store_->ListVolumes(caller_.workspace_id, ProjectId())->size(); }
  templates::TemplateCatalog catalog_;
  std::unique_ptr<BuildPipeline> pipeline_;
  api_test::FakeVolumeHost volumes_;
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

TEST_F(TemplatesTest, VolumesAreCreatedOnceAttachedAndReused) {
  Json first = MustCall("deploy_template", {{"template", "postgres"}});
  ASSERT_EQ(first["volumes"].size(), 1u) << first.dump();
  EXPECT_EQ(first["volumes"][0]["volume"], "postgres-data");
  EXPECT_EQ(first["volumes"][0]["mount_path"], "/var/lib/postgresql/data");
  EXPECT_EQ(first["volumes"][0]["created"], true);
  auto v = store_->GetVolume(caller_.workspace_id, ProjectId(), "postgres-data");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->size_bytes, int64_t{1} << 30);
  EXPECT_EQ(v->service_name, "postgres");
  EXPECT_EQ(v->mount_path, "/var/lib/postgresql/data");
  EXPECT_EQ(volumes_.images.at(v->id), int64_t{1} << 30);
  auto s = store_->GetService(caller_.workspace_id, ProjectId(), "postgres");
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->spec.volumes.size(), 1u);
  EXPECT_EQ(s->spec.volumes[0].volume, "postgres-data");

  // The next deploy reuses it: same id, never formatted again, even if asked for another size.
  volumes_.fail_create = true;
  Json second = MustCall("deploy_template", {{"template", "postgres"}, {"volume_size", "2Gi"}});
  EXPECT_EQ(second["volumes"][0]["created"], false);
  auto again = store_->GetVolume(caller_.workspace_id, ProjectId(), "postgres-data");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, v->id);
  EXPECT_EQ(again->size_bytes, int64_t{1} << 30);
  EXPECT_EQ(volumes_.images.size(), 1u);
  EXPECT_EQ(VolumeCount(), 1u);

  // Another service of the same template gets its own volume, at the size asked for.
  volumes_.fail_create = false;
  MustCall("deploy_template",
           {{"template", "postgres"}, {"service", "db2"}, {"volume_size", "256Mi"}});
  auto other = store_->GetVolume(caller_.workspace_id, ProjectId(), "db2-data");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->size_bytes, 256 << 20);
  EXPECT_EQ(other->service_name, "db2");
}

TEST_F(TemplatesTest, ARefusedDeployLeavesNoVolumeBehind) {
  // Refused by deploy after the volume was made (a volume runs one replica): it is deleted.
  auto replicas = Call("deploy_template", {{"template", "postgres"}, {"replicas", 2}});
  ASSERT_FALSE(replicas.ok());
  EXPECT_NE(replicas.error().message.find("one replica"), std::string::npos)
      << replicas.error().message;
  EXPECT_EQ(VolumeCount(), 0u);
  EXPECT_TRUE(volumes_.images.empty());
  EXPECT_TRUE(store_->ListServices(caller_.workspace_id, ProjectId())->empty());

  // Refused before anything: a bad size.
  for (const char* size : {"0", "10P", "lots"}) {
    auto bad = Call("deploy_template", {{"template", "postgres"}, {"volume_size", size}});
    ASSERT_FALSE(bad.ok()) << size;
    EXPECT_NE(bad.error().message.find("volume_size"), std::string::npos) << bad.error().message;
  }
  // The volume host fails: the error names the volume, nothing is recorded.
  volumes_.fail_create = true;
  auto failed = Call("deploy_template", {{"template", "postgres"}});
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("postgres-data"), std::string::npos)
      << failed.error().message;
  EXPECT_EQ(VolumeCount(), 0u);
  EXPECT_TRUE(store_->ListServices(caller_.workspace_id, ProjectId())->empty());

  // A volume of that name held by another service is not taken over.
  volumes_.fail_create = false;
  MustCall("create_volume", {{"name", "postgres-data"}, {"size", "64Mi"}});
  MustCall("deploy", {{"service", "web"},
                      {"image", "localhost/ink/echo:test"},
                      {"volumes", {{{"volume", "postgres-data"}, {"mount_path", "/data"}}}}});
  auto taken = Call("deploy_template", {{"template", "postgres"}});
  ASSERT_FALSE(taken.ok());
  EXPECT_NE(taken.error().message.find("already attached to service 'web'"), std::string::npos)
      << taken.error().message;
  EXPECT_EQ(VolumeCount(), 1u);
  EXPECT_FALSE(store_->GetService(caller_.workspace_id, ProjectId(), "postgres").ok());
}

TEST_F(TemplatesTest, SeveralServicesAreDeployedInOrderAndWiredByTheirDeployedNames) {
  // A two-service template over the postgres build context: "db" and "site" (its main one).
  const templates::Template* pg = catalog_.Find("postgres");
  ASSERT_NE(pg, nullptr);
  auto t = templates::ParseTemplate("site", pg->dir, "site/template.json",
                                    R"j({"description": "a site and its database", "services": [
        {"name": "db", "build": ".", "port": 5432, "health_check": {"type": "tcp"},
         "volumes": [{"name": "data", "mount_path": "/var/lib/db", "size": "64Mi"}],
         "variables": {"PW": "secret(16)"}, "publishes": ["PW"]},
        {"name": "site", "build": ".", "port": 8080, "health_check": {"type": "http", "path": "/"},
         "volumes": [{"name": "files", "mount_path": "/srv"}],
         "variables": {"DB_PW": "${{db.PW}}", "DB_HOST": "${{db.INK_PRIVATE_URL}}:${{db.PORT}}"}}
      ]})j");
  ASSERT_TRUE(t.ok()) << t.error().message;
  std::vector<templates::Template> list = {std::move(*t)};
  catalog_ = templates::TemplateCatalog::FromTemplates(std::move(list));

  Json out = MustCall("deploy_template", {{"template", "site"}, {"service", "blog"}});
  EXPECT_EQ(out["service"]["name"], "blog");
  ASSERT_EQ(out["services"].size(), 2u) << out.dump();
  EXPECT_EQ(out["services"][0]["service"], "blog-db");
  EXPECT_EQ(out["services"][0]["generated"], Json::array({"PW"}));
  EXPECT_EQ(out["services"][0]["publishes"][0]["reference"], "${{blog-db.PW}}");
  EXPECT_EQ(out["services"][1]["service"], "blog");
  EXPECT_EQ(Variables("blog")["DB_PW"], "${{blog-db.PW}}");
  EXPECT_EQ(Variables("blog")["DB_HOST"], "${{blog-db.INK_PRIVATE_URL}}:${{blog-db.PORT}}");
  EXPECT_EQ(Variables("blog-db")["PW"].size(), 16u);
  EXPECT_EQ(store_->GetVolume(caller_.workspace_id, ProjectId(), "blog-db-data")->size_bytes,
            64 << 20);
  EXPECT_EQ(store_->GetVolume(caller_.workspace_id, ProjectId(), "blog-files")->service_name,
            "blog");

  // Again: both keep their variables and volumes.
  std::string pw = Variables("blog-db")["PW"];
  Json again = MustCall("deploy_template", {{"template", "site"}, {"service", "blog"}});
  EXPECT_TRUE(again["services"][0]["generated"].empty());
  EXPECT_EQ(again["services"][0]["volumes"][0]["created"], false);
  EXPECT_EQ(Variables("blog-db")["PW"], pw);
  EXPECT_EQ(VolumeCount(), 2u);

  // Overrides apply to the main service only; a bad one is refused before anything is deployed.
  auto bad =
      Call("deploy_template", {{"template", "site"}, {"service", "other"}, {"memory", "lots"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(store_->GetService(caller_.workspace_id, ProjectId(), "other-db").ok());
  EXPECT_EQ(VolumeCount(), 2u);
}

}  // namespace
}  // namespace ink
