// Unit tests of the env operations (list_env, set_env, unset_env, deploy's env) over a real
// SQLite store and a real SecretBox, with a recording fake runtime: values are sealed at rest,
// open byte-exact, never appear in any response or error, and reach the container spec the
// controller builds.
#include "src/api/operations_test_fixture.h"

namespace ink {
namespace {

const std::map<std::string, std::string> kNasty = {
    {"DOLLAR", "pa$$w0rd ${HOME} $1"},
    {"HASH", "abc#def # x"},
    {"QUOTES", "it's \"q\" `b`"},
    {"SPACES", "  s3cret  "},
    {"NEWLINES", "l1\nl2\r\nl3\n"},
    {"EMOJI", "🚀 ünïcödé 中文"},
    {"EMPTY", ""},
};

class EnvOperationsTest : public api_test::OperationsTest {
 protected:
  std::map<std::string, std::string> Opened(const std::vector<SealedVariable>& variables) {
    std::map<std::string, std::string> out;
    for (const auto& v : variables) {
      auto value = box_->Open(v.sealed_value);
      EXPECT_TRUE(value.ok()) << v.name;
      out[v.name] = value.ok() ? *value : "<unsealable>";
    }
    return out;
  }

  // Deploys `name` from an image with `env` and marks the deployment active (as a rollout
  // would); returns the service's id.
  std::string DeployActive(const std::string& name, const Json& env) {
    Json out =
        MustCall("deploy", {{"service", name}, {"image", "localhost/ink/echo:test"}, {"env", env}});
    std::string deployment = out["deployment"]["id"];
    auto s = store_->GetService(caller_.workspace_id, ProjectId(), name);
    EXPECT_TRUE(s.ok());
    EXPECT_TRUE(store_->ActivateDeployment(s->id, deployment).ok());
    return s->id;
  }

  void ExpectNoValueIn(const std::string& text) {
    for (const auto& [name, value] : kNasty) {
      if (!value.empty()) {
        EXPECT_EQ(text.find(value), std::string::npos) << name << " in " << text;
      }
    }
    for (const char* fragment : {"pa$$w0rd", "s3cret", "🚀", "l1\nl2"}) {
      EXPECT_EQ(text.find(fragment), std::string::npos) << fragment << " in " << text;
    }
  }
};

Json NastyJson() {
  Json env = Json::object();
  for (const auto& [name, value] : kNasty) env[name] = value;
  return env;
}

TEST_F(EnvOperationsTest, ValuesAreSealedOpenByteExactAndNeverReturned) {
  Json deployed = MustCall(
      "deploy", {{"service", "web"}, {"image", "localhost/ink/echo:test"}, {"env", NastyJson()}});
  ExpectNoValueIn(deployed.dump());
  const std::string service_id = ServiceId();
  auto stored = store_->ListServiceVariables(caller_.workspace_id, service_id);
  ASSERT_TRUE(stored.ok());
  for (const auto& v : *stored) ExpectNoValueIn(v.sealed_value);  // sealed at rest
  EXPECT_EQ(Opened(*stored), kNasty);
  std::string first = deployed["deployment"]["id"];
  EXPECT_EQ(Opened(*store_->ListDeploymentVariables(first)), kNasty);

  Json set = MustCall("set_env", {{"service", "web"},
                                  {"variables", {{"EXTRA", "x s3cret"}, {"DOLLAR", "pa$$w0rd2"}}},
                                  {"dotenv", "FROM_FILE='🚀 pa$$w0rd3'\n"}});
  ExpectNoValueIn(set.dump());
  EXPECT_TRUE(set["redeployed"].get<bool>());
  EXPECT_EQ(set["set"], (Json{"DOLLAR", "EXTRA", "FROM_FILE"}));
  std::string second = set["deployment"]["id"];
  auto snapshot = Opened(*store_->ListDeploymentVariables(second));
  EXPECT_EQ(snapshot.at("DOLLAR"), "pa$$w0rd2");
  EXPECT_EQ(snapshot.at("FROM_FILE"), "🚀 pa$$w0rd3");
  EXPECT_EQ(snapshot.at("NEWLINES"), kNasty.at("NEWLINES"));
  EXPECT_EQ(Opened(*store_->ListDeploymentVariables(first)), kNasty);  // unchanged

  Json listed = MustCall("list_env", {{"service", "web"}});
  ExpectNoValueIn(listed.dump());
  ASSERT_EQ(listed["variables"].size(), kNasty.size() + 2);
  for (const auto& v : listed["variables"]) {
    EXPECT_EQ(v["masked_value"], "••••••••");  // the same mask whatever the value
    EXPECT_FALSE(v["live"].get<bool>());       // nothing is active in this test
    std::string name = v["name"];
    if (kNasty.count(name) && name != "DOLLAR") {
      EXPECT_EQ(v["length"], kNasty.at(name).size());
    }
  }
  Json service = MustCall("get_service", {{"service", "web"}});
  ExpectNoValueIn(service.dump());
  EXPECT_EQ(service["service"]["env_names"].size(), kNasty.size() + 2);
  auto events = store_->ListEvents(caller_.workspace_id, service_id, 0);
  for (const auto& e : *events) ExpectNoValueIn(e.message);
}

TEST_F(EnvOperationsTest, AServicesOwnChangeIsEnvChangedAndItsDependentsAreRedeploy) {
  const std::string db = DeployActive("db", {{"URL", "u1"}});
  const std::string web = DeployActive("web", {{"DB", "${{db.URL}}"}});
  auto kinds = [&](const std::string& id) {
    std::vector<std::pair<std::string, std::string>> out;
    auto events = store_->ListEvents(caller_.workspace_id, id, 0);
    EXPECT_TRUE(events.ok());
    if (events.ok()) {
      for (const auto& e : *events) out.emplace_back(e.kind, e.message);
    }
    return out;
  };
  const size_t db_before = kinds(db).size(), web_before = kinds(web).size();
  MustCall("set_env", {{"service", "db"}, {"variables", {{"URL", "u2"}, {"X", "x"}}}});
  auto db_events = kinds(db);
  ASSERT_EQ(db_events.size(), db_before + 1);
  EXPECT_EQ(db_events.back().first, "env_changed");
  EXPECT_EQ(db_events.back().second, "set_env: URL, X");
  auto web_events = kinds(web);
  ASSERT_EQ(web_events.size(), web_before + 1);
  EXPECT_EQ(web_events.back().first, "redeploy");  // a dependent: its own env did not change
  // Not rolled out: still env_changed, saying so; unchanged values record nothing.
  MustCall("unset_env", {{"service", "db"}, {"names", {"X"}}, {"redeploy", false}});
  db_events = kinds(db);
  ASSERT_EQ(db_events.size(), db_before + 2);
  EXPECT_EQ(db_events.back().first, "env_changed");
  EXPECT_NE(db_events.back().second.find("unset_env: X (not rolled out"), std::string::npos)
      << db_events.back().second;
  MustCall("set_env", {{"service", "web"}, {"variables", {{"DB", "${{db.URL}}"}}}});
  EXPECT_EQ(kinds(web).size(), web_before + 1);
}

TEST_F(EnvOperationsTest, SettingTheSameValuesAgainChangesNothing) {
  MustCall("deploy",
           {{"service", "web"}, {"image", "localhost/ink/echo:test"}, {"env", NastyJson()}});
  auto before = store_->ListServiceVariables(caller_.workspace_id, ServiceId());
  Json again = MustCall("set_env", {{"service", "web"}, {"variables", NastyJson()}});
  EXPECT_FALSE(again["redeployed"].get<bool>());
  EXPECT_TRUE(again["set"].empty());
  EXPECT_EQ(again["unchanged"].size(), kNasty.size());
  auto after = store_->ListServiceVariables(caller_.workspace_id, ServiceId());
  ASSERT_EQ(after->size(), before->size());
  for (size_t i = 0; i < after->size(); ++i) {
    EXPECT_EQ((*after)[i].sealed_value, (*before)[i].sealed_value);
  }
  EXPECT_EQ(store_->ListDeployments(caller_.workspace_id, ServiceId())->size(), 1u);
}

TEST_F(EnvOperationsTest, BadInputIsRejectedWithoutEchoingValuesAndChangesNothing) {
  MustCall("deploy",
           {{"service", "web"}, {"image", "localhost/ink/echo:test"}, {"env", {{"KEEP", "k"}}}});
  const std::vector<std::pair<Json, std::string>> cases = {
      {{{"variables", {{"OK", "fine"}, {"9X", "hunter2"}}}}, "9X"},
      {{{"variables", {{"N", 31337}}}}, "must be a string"},
      {{{"variables", {{"N", true}}}}, "must be a string"},
      {{{"variables", {{"Z", std::string("hunter2\0x", 9)}}}}, "NUL"},
      {{{"variables", {{"BIG", std::string(64 * 1024 + 1, 'h')}}}}, "65536"},
      {{{"variables", "A=hunter2"}}, "object"},
      {{{"dotenv", "A=1\nhunter2\n"}}, "line 2"},
      {{{"dotenv", 31337}}, "must be a string"},
      {{{"variables", {{"A", "1"}}}, {"dotenv", "A=hunter2\n"}}, "given both"},
      {Json::object(), "give the variables"},
  };
  for (const auto& [fields, mention] : cases) {
    Json input = fields;
    input["service"] = "web";
    auto result = Call("set_env", input);
    ASSERT_FALSE(result.ok()) << input.dump();
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument) << result.error().message;
    EXPECT_NE(result.error().message.find(mention), std::string::npos) << result.error().message;
    EXPECT_EQ(result.error().message.find("hunter2"), std::string::npos) << result.error().message;
    EXPECT_EQ(result.error().message.find("31337"), std::string::npos) << result.error().message;
  }
  auto unset = Call("unset_env", {{"service", "web"}, {"names", {"KEEP", "MISSING"}}});
  ASSERT_FALSE(unset.ok());
  EXPECT_EQ(unset.error().code, ErrorCode::kNotFound);
  auto deploy = Call("deploy", {{"service", "web"},
                                {"image", "localhost/ink/echo:test"},
                                {"env", {{"OK", "1"}, {"A-B", "hunter2"}}}});
  ASSERT_FALSE(deploy.ok());
  EXPECT_EQ(deploy.error().message.find("hunter2"), std::string::npos);

  auto variables = store_->ListServiceVariables(caller_.workspace_id, ServiceId());
  EXPECT_EQ(Opened(*variables), (std::map<std::string, std::string>{{"KEEP", "k"}}));
  EXPECT_EQ(store_->ListDeployments(caller_.workspace_id, ServiceId())->size(), 1u);
}

TEST_F(EnvOperationsTest, ControllerGivesTheContainerTheDeploymentsSnapshotPlusInjected) {
  MustCall("deploy", {{"service", "web"},
                      {"image", "localhost/ink/echo:test"},
                      {"port", 9090},
                      {"env", NastyJson()}});
  controller_->Start();
  std::unique_lock lock(runtime_.mu);
  ASSERT_TRUE(runtime_.changed.wait_for(lock, std::chrono::seconds(20),
                                        [&] { return !runtime_.created.empty(); }));
  std::map<std::string, std::string> want = kNasty;
  want["PORT"] = "9090";
  want["INK_SERVICE"] = "web";
  want["INK_PROJECT"] = "demo";
  want["INK_PRIVATE_URL"] = "http://web.demo.internal:9090";
  want["INK_PUBLIC_URL"] = "http://web-demo.localhost:8080";  // as get_service reports it
  EXPECT_EQ(runtime_.created.front().env, want);
  EXPECT_EQ(runtime_.created.front().network_aliases,
            (std::vector<std::string>{"web", "web.demo.internal"}));
  for (const auto& [key, value] : runtime_.created.front().labels) ExpectNoValueIn(value);
}

TEST_F(EnvOperationsTest, SharedVariablesAreSetListedAndUnsetOnTheProject) {
  Json set = MustCall("set_env", {{"service", "shared"},
                                  {"variables", {{"API_KEY", "k-hunter2"}, {"REGION", "eu"}}}});
  EXPECT_EQ(set["shared"], true);
  EXPECT_EQ(set["set"], (Json{"API_KEY", "REGION"}));
  EXPECT_FALSE(set["redeployed"].get<bool>());
  EXPECT_EQ(set.dump().find("hunter2"), std::string::npos);
  auto stored = store_->ListProjectVariables(caller_.workspace_id, ProjectId());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(Opened(*stored),
            (std::map<std::string, std::string>{{"API_KEY", "k-hunter2"}, {"REGION", "eu"}}));
  Json listed = MustCall("list_env", {{"service", "shared"}});
  ASSERT_EQ(listed["variables"].size(), 2u);
  EXPECT_EQ(listed["variables"][0]["name"], "API_KEY");
  EXPECT_EQ(listed["variables"][0]["length"], 9);
  EXPECT_FALSE(listed["variables"][0].contains("live"));
  EXPECT_EQ(listed.dump().find("hunter2"), std::string::npos);
  MustCall("unset_env", {{"service", "shared"}, {"names", {"REGION"}}});
  EXPECT_EQ(store_->ListProjectVariables(caller_.workspace_id, ProjectId())->size(), 1u);
  // `shared` is never a service's name.
  auto named = Call("deploy", {{"service", "shared"}, {"image", "localhost/ink/echo:test"}});
  ASSERT_FALSE(named.ok());
  EXPECT_NE(named.error().message.find("reserved"), std::string::npos);
}

TEST_F(EnvOperationsTest, InkNamesAreRefusedEverywhereAUserSetsVariables) {
  const std::vector<std::pair<std::string, Json>> cases = {
      {"set_env", {{"service", "shared"}, {"variables", {{"INK_SERVICE", "spoofed"}}}}},
      {"set_env", {{"service", "shared"}, {"dotenv", "A=1\nINK_PUBLIC_URL=x\n"}}},
      {"deploy",
       {{"service", "web"}, {"image", "localhost/ink/echo:test"}, {"env", {{"INK_PROJECT", "x"}}}}},
  };
  for (const auto& [operation, input] : cases) {
    auto result = Call(operation, input);
    ASSERT_FALSE(result.ok()) << input.dump();
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(result.error().message.find("INK_"), std::string::npos) << result.error().message;
  }
  EXPECT_NE(Call("set_env", cases[1].second).error().message.find("line 2"), std::string::npos);
  EXPECT_TRUE(store_->ListProjectVariables(caller_.workspace_id, ProjectId())->empty());
  EXPECT_TRUE(store_->ListServices(caller_.workspace_id, ProjectId())->empty());
}

TEST_F(EnvOperationsTest, DanglingReferencesAndCyclesAreRefusedNamingThem) {
  const std::string db = DeployActive("db", {{"URL", "postgres://db/app"}});
  const std::string web = DeployActive("web", {{"DB", "${{db.URL}}"}});
  struct Case {
    std::string operation;
    Json input;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"set_env",
       {{"service", "web"}, {"variables", {{"X", "${{nope.Y}}"}}}},
       "web.X -> nope.Y: there is no service 'nope' in this project (nothing was changed)"},
      {"set_env",
       {{"service", "web"}, {"variables", {{"X", "${{shared.MISSING}}"}}}},
       "web.X -> shared.MISSING: the project has no shared variable MISSING"},
      {"set_env",
       {{"service", "db"}, {"variables", {{"URL", "${{web.DB}}"}}}},
       "reference cycle: "},
      {"set_env", {{"service", "web"}, {"variables", {{"X", "${{bad ref}}"}}}}, "web.X"},
      // Removing a variable another service uses leaves that reference dangling.
      {"unset_env",
       {{"service", "db"}, {"names", {"URL"}}},
       "web.DB -> db.URL: service 'db' has no variable URL"},
  };
  for (const auto& c : cases) {
    auto result = Call(c.operation, c.input);
    ASSERT_FALSE(result.ok()) << c.input.dump();
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(result.error().message.find(c.message), std::string::npos) << result.error().message;
  }
  EXPECT_EQ(Opened(*store_->ListServiceVariables(caller_.workspace_id, db)),
            (std::map<std::string, std::string>{{"URL", "postgres://db/app"}}));
  EXPECT_EQ(store_->ListDeployments(caller_.workspace_id, db)->size(), 1u);
  EXPECT_EQ(store_->ListDeployments(caller_.workspace_id, web)->size(), 1u);
  // deploy's env is checked the same way, before anything is created.
  auto deploy = Call("deploy", {{"service", "api"},
                                {"image", "localhost/ink/echo:test"},
                                {"env", {{"U", "${{db.NOPE}}"}, {"S", "${{INK_SERVICE}}"}}}});
  ASSERT_FALSE(deploy.ok());
  EXPECT_NE(deploy.error().message.find("api.U -> db.NOPE: service 'db' has no variable NOPE"),
            std::string::npos)
      << deploy.error().message;
  EXPECT_FALSE(store_->GetService(caller_.workspace_id, ProjectId(), "api").ok());
  MustCall("deploy", {{"service", "api"},
                      {"image", "localhost/ink/echo:test"},
                      {"env", {{"U", "${{db.URL}}"}, {"S", "${{INK_SERVICE}}"}}}});
}

TEST_F(EnvOperationsTest, ChangingAReferencedValueRedeploysTheServicesUsingIt) {
  const std::string db = DeployActive("db", {{"URL", "u1"}});
  MustCall("set_env", {{"service", "shared"}, {"variables", {{"API_KEY", "k1"}}}});
  const std::string web =
      DeployActive("web", {{"DB", "${{db.URL}}"}, {"K", "${{shared.API_KEY}}x"}});
  const std::string lone = DeployActive("lone", {{"A", "1"}});
  auto count = [&](const std::string& id) {
    return store_->ListDeployments(caller_.workspace_id, id)->size();
  };
  const size_t web_before = count(web), lone_before = count(lone);

  Json changed = MustCall("set_env", {{"service", "db"}, {"variables", {{"URL", "u2"}}}});
  EXPECT_TRUE(changed["redeployed"].get<bool>());
  EXPECT_EQ(changed["referencing"], Json{"web"});
  ASSERT_EQ(changed["redeployed_referencing"].size(), 1u);
  EXPECT_EQ(changed["redeployed_referencing"][0]["service"], "web");
  EXPECT_EQ(count(web), web_before + 1);
  EXPECT_EQ(count(lone), lone_before);
  EXPECT_EQ(count(db), 2u);

  Json shared = MustCall("set_env", {{"service", "shared"}, {"variables", {{"API_KEY", "k2"}}}});
  EXPECT_EQ(shared["referencing"], Json{"web"});
  EXPECT_EQ(shared["redeployed_referencing"].size(), 1u);
  EXPECT_EQ(count(web), web_before + 2);

  // redeploy: false stores the change and says who references it, rolling nothing out.
  Json quiet = MustCall(
      "set_env", {{"service", "shared"}, {"variables", {{"API_KEY", "k3"}}}, {"redeploy", false}});
  EXPECT_EQ(quiet["referencing"], Json{"web"});
  EXPECT_TRUE(quiet["redeployed_referencing"].empty());
  EXPECT_EQ(count(web), web_before + 2);
  auto events = store_->ListEvents(caller_.workspace_id, web, 20);
  ASSERT_TRUE(events.ok());
  bool seen = false;
  for (const auto& e : *events) {
    seen = seen || e.message.find("set_env of shared (API_KEY)") != std::string::npos;
    EXPECT_EQ(e.message.find("k2"), std::string::npos);
  }
  EXPECT_TRUE(seen);
}

TEST_F(EnvOperationsTest, ADeployThatChangesAReferencedValueRedeploysTheServicesUsingIt) {
  const std::string db = DeployActive("db", {{"URL", "u1"}, {"OTHER", "o1"}});
  const std::string web = DeployActive("web", {{"DB", "${{db.URL}}"}});
  auto count = [&](const std::string& id) {
    return store_->ListDeployments(caller_.workspace_id, id)->size();
  };
  const size_t web_before = count(web);
  auto deploy_db = [&](const Json& env) {
    return MustCall("deploy",
                    {{"service", "db"}, {"image", "localhost/ink/echo:test"}, {"env", env}});
  };
  // The same values again, or a change no one references: web is left alone.
  EXPECT_TRUE(deploy_db({{"URL", "u1"}})["redeployed_referencing"].empty());
  EXPECT_TRUE(deploy_db({{"OTHER", "o2"}})["redeployed_referencing"].empty());
  EXPECT_EQ(count(web), web_before);
  // A new value of db.URL: web gets a deployment that resolves it.
  Json out = deploy_db({{"URL", "u2"}});
  ASSERT_EQ(out["redeployed_referencing"].size(), 1u) << out.dump();
  EXPECT_EQ(out["redeployed_referencing"][0]["service"], "web");
  EXPECT_EQ(count(web), web_before + 1);
  auto events = store_->ListEvents(caller_.workspace_id, web, 20);
  ASSERT_TRUE(events.ok());
  bool seen = false;
  for (const auto& e : *events) {
    seen = seen || e.message.find("deploy of db changed") != std::string::npos;
    EXPECT_EQ(e.message.find("u2"), std::string::npos);
  }
  EXPECT_TRUE(seen);
  // A deploy whose env would leave web's reference dangling is refused, changing nothing.
  auto r = Call("deploy", {{"service", "db"},
                           {"image", "localhost/ink/echo:test"},
                           {"env", {{"URL", "${{nowhere.X}}"}}}});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(count(web), web_before + 1);
}

}  // namespace
}  // namespace ink
