#include "ink/templates/catalog.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace ink::templates {
namespace {

namespace fs = std::filesystem;

class TemplateCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ink-templates-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "db");
    Write("db/Dockerfile", "FROM localhost/ink/base:bookworm\n");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& relative, const std::string& text) {
    fs::create_directories((dir_ / relative).parent_path());
    std::ofstream(dir_ / relative) << text;
  }
  // Parses `services[0]` given as JSON text inside a valid template.
  Result<Template> ParseService(const std::string& service) {
    return ParseTemplate("db", (dir_ / "db").string(), "db/template.json",
                         R"j({"description": "a db", "services": [)j" + service + "]}");
  }
  std::string Error(const std::string& service) {
    auto t = ParseService(service);
    return t.ok() ? "(parsed)" : t.error().message;
  }
  fs::path dir_;
};

constexpr char kGood[] = R"j({"build": ".", "port": 5432, "health_check": {"type": "tcp"},
  "resources": {"cpu": 1, "memory": "512Mi"},
  "volumes": [{"name": "data", "mount_path": "/var/lib/db"},
              {"name": "logs", "mount_path": "/var/log/db", "size": "64Mi"}],
  "variables": {"USER": "app", "PASSWORD": "secret(32)", "URL": "db://${{USER}}:${{PASSWORD}}@h"},
  "publishes": ["URL", "PASSWORD"]})j";

TEST_F(TemplateCatalogTest, ParsesAGoodTemplate) {
  auto t = ParseService(kGood);
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_EQ(t->services.size(), 1u);
  const TemplateService& s = t->services[0];
  EXPECT_EQ(s.port, 5432);
  EXPECT_EQ(s.health_check_type, "tcp");
  EXPECT_EQ(s.cpu, 1);
  EXPECT_EQ(s.memory_bytes, 512 << 20);
  ASSERT_EQ(s.volumes.size(), 2u);
  EXPECT_EQ(s.volumes[0].mount_path, "/var/lib/db");
  EXPECT_EQ(s.volumes[0].size_bytes, kDefaultTemplateVolumeBytes);
  EXPECT_EQ(s.volumes[1].size_bytes, 64 << 20);
  ASSERT_EQ(s.variables.size(), 3u);
  EXPECT_EQ(s.variables[0].name, "PASSWORD");  // sorted
  EXPECT_EQ(s.variables[0].secret_length, 32);
  EXPECT_EQ(s.Variable("URL")->value, "db://${{USER}}:${{PASSWORD}}@h");
  EXPECT_FALSE(s.Variable("URL")->generated());
  EXPECT_EQ(s.publishes, (std::vector<std::string>{"URL", "PASSWORD"}));
  Json shown = t->ToJson();
  EXPECT_EQ(shown["name"], "db");
  EXPECT_EQ(shown["services"][0]["variables"]["PASSWORD"], "(generated secret of 32 characters)");
  EXPECT_EQ(shown["services"][0]["resources"]["memory"], "512m");
}

TEST_F(TemplateCatalogTest, BadFieldsAreNamedWithTheFile) {
  auto expect = [&](const std::string& service, const std::string& part) {
    std::string message = Error(service);
    EXPECT_NE(message.find("db/template.json: "), std::string::npos) << message;
    EXPECT_NE(message.find(part), std::string::npos) << message;
  };
  expect(R"j({"port": 1, "health_check": {"type": "tcp"}})j", "services[0].build: is required");
  expect(R"j({"build": "..", "port": 5432, "health_check": {"type": "tcp"}})j",
         "services[0].build: must stay inside");
  expect(R"j({"build": "/etc", "port": 5432, "health_check": {"type": "tcp"}})j",
         "services[0].build: must stay inside");
  expect(R"j({"build": ".", "health_check": {"type": "tcp"}})j", "services[0].port: is required");
  expect(R"j({"build": ".", "port": 99999, "health_check": {"type": "tcp"}})j", "services[0].port");
  expect(R"j({"build": ".", "port": 5432})j", "services[0].health_check: is required");
  expect(R"j({"build": ".", "port": 5432, "health_check": {"type": "exec"}})j",
         "services[0].health_check.type");
  expect(R"j({"build": ".", "port": 80, "health_check": {"type": "http"}})j",
         "services[0].health_check.path");
  expect(R"j({"build": ".", "port": 80, "health_check": {"type": "tcp"}, "prot": 1})j",
         "services[0].prot: unknown field");
  expect(R"j({"build": ".", "port": 80, "health_check": {"type": "tcp"},
             "variables": {"1BAD": "x"}})j",
         "services[0].variables.1BAD");
  expect(R"j({"build": ".", "port": 80, "health_check": {"type": "tcp"},
             "variables": {"INK_SERVICE": "x"}})j",
         "services[0].variables.INK_SERVICE: INK_* variables are Ink's own");
  expect(R"j({"build": ".", "port": 80, "health_check": {"type": "tcp"},
             "variables": {"P": "secret(4)"}})j",
         "services[0].variables.P: secret(N) needs a length N from 16 to 128");
  expect(R"j({"build": ".", "port": 80, "health_check": {"type": "tcp"},
             "variables": {"P": "secret(x)"}})j",
         "services[0].variables.P: secret(N)");
  expect(R"j({"build": ".", "port": 80, "health_check": {"type": "tcp"},
             "variables": {"P": 3}})j",
         "services[0].variables.P: must be a string");
  expect(R"j({"build": ".", "port": 80, "health_check": {"type": "tcp"},
             "publishes": ["NOPE"]})j",
         "services[0].publishes[0]: 'NOPE' is not one of the service's variables");
  expect(R"j({"build": ".", "port": 80, "health_check": {"type": "tcp"},
             "volumes": [{"name": "data", "mount_path": "/"}]})j",
         "services[0].volumes[0].mount_path");
  expect(R"j({"build": ".", "port": 80, "health_check": {"type": "tcp"},
             "volumes": [{"name": "data", "mount_path": "/proc/x"}]})j",
         "services[0].volumes[0].mount_path");
  expect(R"j({"build": ".", "port": 80, "health_check": {"type": "tcp"},
             "volumes": [{"name": "data", "mount_path": "/data", "size": "0"}]})j",
         "services[0].volumes[0].size");
  expect(R"j({"build": ".", "port": 80, "health_check": {"type": "tcp"},
             "volumes": [{"name": "data", "mount_path": "/data", "size": 5}]})j",
         "services[0].volumes[0].size: must be a size");
  expect(R"j({"build": ".", "port": 80, "health_check": {"type": "tcp"},
             "volumes": [{"name": "data"}]})j",
         "services[0].volumes[0]: needs name and mount_path");
  expect(R"j({"build": ".", "port": 80, "health_check": {"type": "tcp"},
             "resources": {"memory": "lots"}})j",
         "services[0].resources.memory");
  expect(R"j({"build": ".", "port": 80, "health_check": {"type": "tcp"},
             "resources": {"cpu": -1}})j",
         "services[0].resources.cpu");
}

TEST_F(TemplateCatalogTest, TopLevelErrors) {
  auto parse = [&](const std::string& text) {
    auto t = ParseTemplate("db", (dir_ / "db").string(), "db/template.json", text);
    return t.ok() ? std::string("(parsed)j") : t.error().message;
  };
  EXPECT_NE(parse("{").find("db/template.json: not valid JSON"), std::string::npos);
  EXPECT_NE(parse(R"j({"services": []})j").find("description: is required"), std::string::npos);
  EXPECT_NE(parse(R"j({"description": "x"})j").find("services: is required"), std::string::npos);
  EXPECT_NE(parse(R"j({"description": "x", "services": []})j").find("1 to 4 services"),
            std::string::npos);
  EXPECT_NE(parse(R"j({"description": "x", "services": [], "extra": 1})j").find("extra: unknown"),
            std::string::npos);
  auto bad_name = ParseTemplate("Bad_Name", (dir_ / "db").string(), "f", R"j({})j");
  ASSERT_FALSE(bad_name.ok());
  EXPECT_NE(bad_name.error().message.find("directory name"), std::string::npos);
}

TEST_F(TemplateCatalogTest, SeveralServicesAreNamedAndReferenceEarlierOnes) {
  auto parse = [&](const std::string& services) {
    return ParseTemplate("app", (dir_ / "db").string(), "app/template.json",
                         R"j({"description": "x", "services": )j" + services + "}");
  };
  const std::string db = R"j({"name": "db", "build": ".", "port": 3306,
      "health_check": {"type": "tcp"}, "variables": {"PW": "secret(16)"}})j";
  const std::string app = R"j({"name": "app", "build": ".", "port": 80,
      "health_check": {"type": "http", "path": "/"},
      "variables": {"DB_PW": "${{db.PW}}", "DB_HOST": "${{db.INK_PRIVATE_URL}}"}})j";
  auto t = parse("[" + db + "," + app + "]");
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_EQ(t->services.size(), 2u);
  EXPECT_EQ(t->services[0].name, "db");
  EXPECT_EQ(&t->Main(), &t->services[1]);  // named like the template
  EXPECT_EQ(t->DeployedName(t->services[0], "blog"), "blog-db");
  EXPECT_EQ(t->DeployedName(t->services[1], "blog"), "blog");
  EXPECT_EQ(t->ToJson()["services"][0]["name"], "db");

  auto error = [&](const std::string& services) {
    auto r = parse(services);
    return r.ok() ? std::string("(parsed)") : r.error().message;
  };
  EXPECT_NE(error("[" + app + "," + db + "]")
                .find("services[0].variables.DB_HOST: references service 'db', listed after it"),
            std::string::npos)
      << error("[" + app + "," + db + "]");
  EXPECT_NE(error(R"j([{"build": ".", "port": 1, "health_check": {"type": "tcp"}},)j" + db + "]")
                .find("services[0].name: is required when a template has several services"),
            std::string::npos);
  EXPECT_NE(error("[" + db + "," + db + "]").find("services[1].name: 'db' names two services"),
            std::string::npos);
  EXPECT_NE(error("[" + db + "," + db + "," + db + "," + db + "," + db + "]").find("1 to 4"),
            std::string::npos);
}

TEST_F(TemplateCatalogTest, AServiceMayBeTakenFromAnotherTemplate) {
  Write("db/template.json",
        std::string(R"j({"description": "a db", "services": [)j") + kGood + "]}");
  Write("site/Dockerfile", "FROM x\n");
  Write("site/template.json", R"j({"description": "site", "services": [
      {"name": "store", "from": "db"},
      {"name": "site", "build": ".", "port": 80, "health_check": {"type": "tcp"},
       "variables": {"DB": "${{store.URL}}"}}]})j");
  auto catalog = TemplateCatalog::Load(dir_.string());
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  const Template* site = catalog->Find("site");
  ASSERT_NE(site, nullptr);
  EXPECT_EQ(site->services[0].name, "store");
  EXPECT_EQ(site->services[0].port, 5432);
  EXPECT_EQ(site->services[0].build_context, fs::weakly_canonical(dir_ / "db").string());
  EXPECT_TRUE(site->services[0].Variable("PASSWORD")->generated());

  Write("site/template.json", R"j({"description": "site", "services": [
      {"name": "store", "from": "nope"}]})j");
  auto missing = TemplateCatalog::Load(dir_.string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("services[0].from: there is no template 'nope'"),
            std::string::npos)
      << missing.error().message;
  Write("loop/template.json",
        R"j({"description": "l", "services": [{"name": "a", "from": "site"}]})j");
  Write("site/template.json", R"j({"description": "site", "services": [
      {"name": "a", "from": "loop"}]})j");
  auto loop = TemplateCatalog::Load(dir_.string());
  ASSERT_FALSE(loop.ok());
  EXPECT_NE(loop.error().message.find("takes a service from another one"), std::string::npos)
      << loop.error().message;
}

TEST_F(TemplateCatalogTest, NoDockerfileIsAnError) {
  fs::remove(dir_ / "db/Dockerfile");
  EXPECT_NE(Error(kGood).find("services[0].build: the build context has no Dockerfile"),
            std::string::npos);
}

TEST_F(TemplateCatalogTest, LoadRefusesABrokenTemplateAndNamesIt) {
  Write("db/template.json",
        std::string(R"j({"description": "a db", "services": [)j") + kGood + "]}");
  auto good = TemplateCatalog::Load(dir_.string());
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(good->Names(), "db");
  ASSERT_NE(good->Find("db"), nullptr);
  EXPECT_EQ(good->Find("nope"), nullptr);

  fs::create_directories(dir_ / "empty");
  auto missing = TemplateCatalog::Load(dir_.string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("empty/template.json: missing"), std::string::npos);
  fs::remove_all(dir_ / "empty");

  Write("kv/Dockerfile", "FROM x\n");
  Write("kv/template.json", R"j({"description": "kv", "services": [{"build": "."}]})j");
  auto broken = TemplateCatalog::Load(dir_.string());
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("kv/template.json: services[0].port"), std::string::npos)
      << broken.error().message;

  EXPECT_FALSE(TemplateCatalog::Load((dir_ / "absent").string()).ok());
}

TEST_F(TemplateCatalogTest, PacksTheBuildContextAsTar) {
  Write("db/bin/start.sh", "#!/bin/sh\necho hi\n");
  fs::permissions(dir_ / "db/bin/start.sh", fs::perms::owner_all);
  auto t = ParseService(kGood);
  ASSERT_TRUE(t.ok()) << t.error().message;
  auto tar = PackBuildContext(t->services[0]);
  ASSERT_TRUE(tar.ok()) << tar.error().message;
  EXPECT_EQ(tar->size() % 512, 0u);
  EXPECT_EQ(tar->substr(257, 5), "ustar");
  EXPECT_NE(tar->find("Dockerfile"), std::string::npos);
  EXPECT_NE(tar->find("bin/start.sh"), std::string::npos);
  EXPECT_NE(tar->find("echo hi"), std::string::npos);

  fs::create_symlink("/etc/passwd", dir_ / "db/link");
  auto refused = PackBuildContext(t->services[0]);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("only files and directories"), std::string::npos);
}

TEST_F(TemplateCatalogTest, SecretsAreRandomAndOfTheAskedLength) {
  std::string a = GenerateSecret(32), b = GenerateSecret(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("abcdefghijklmnopqrstuvwxyz234567"), std::string::npos);
}

// The catalog in the repository loads, and its templates publish what the issue asks for.
TEST(RepositoryTemplates, LoadAndPublishTheirVariables) {
  auto catalog = TemplateCatalog::Load(INK_TEMPLATES_DIR);
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  const Template* pg = catalog->Find("postgres");
  ASSERT_NE(pg, nullptr);
  for (const char* name :
       {"DATABASE_URL", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"}) {
    EXPECT_NE(pg->services[0].Variable(name), nullptr) << name;
  }
  EXPECT_TRUE(pg->services[0].Variable("PGPASSWORD")->generated());
  const Template* redis = catalog->Find("redis");
  ASSERT_NE(redis, nullptr);
  EXPECT_NE(redis->services[0].Variable("REDIS_URL"), nullptr);
  for (const auto& t : catalog->templates()) {
    EXPECT_FALSE(t.services[0].publishes.empty()) << t.name;
    auto tar = PackBuildContext(t.services[0]);
    EXPECT_TRUE(tar.ok()) << t.name << ": " << tar.error().message;
  }
}

}  // namespace
}  // namespace ink::templates
