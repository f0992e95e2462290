// Unit tests of the command handlers' logic: which request each command sends, how replies are
// printed, and which exit code results. The transport is a scripted recorder (no inkd here; the
// end-to-end tests drive the real binary against a real inkd).
#include "commands.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "ink/common/exec_limits.h"
#include "ink/common/fake_clock.h"

namespace ink::cli {
namespace {

struct Sent {
  std::string method;
  std::string target;
  std::optional<Json> body;
  std::string token;
};

// Replies scripted by the test, in order; records what was sent.
struct Script {
  std::deque<Result<ApiReply>> replies;
  std::vector<Sent> sent;
  std::vector<Config> connected;
};

class ScriptedTransport : public ApiTransport {
 public:
  ScriptedTransport(Script& script, Config config) : script_(script), config_(std::move(config)) {}
  Result<ApiReply> Send(std::string_view method, const std::string& target,
                        const std::optional<Json>& body) override {
    script_.sent.push_back({std::string(method), target, body, config_.token});
    if (script_.replies.empty()) return ApiReply{500, "no scripted reply"};
    Result<ApiReply> reply = script_.replies.front();
    script_.replies.pop_front();
    return reply;
  }
  Result<ApiReply> Stream(const std::string& target,
                          const std::function<bool(std::string_view)>& sink) override {
    script_.sent.push_back({"STREAM", target, std::nullopt, config_.token});
    Result<ApiReply> reply = script_.replies.front();
    script_.replies.pop_front();
    if (reply.ok() && reply->status == 200) {
      // Deliver the body in two chunks, as a network would.
      std::string body = reply->body;
      sink(std::string_view(body).substr(0, body.size() / 2));
      sink(std::string_view(body).substr(body.size() / 2));
      return ApiReply{200, ""};
    }
    return reply;
  }
  std::string url() const override { return config_.api_url; }

 private:
  Script& script_;
  Config config_;
};

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ink-cli-commands-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    vars_["INK_CONFIG"] = dir_ + "/config.json";
    vars_["INK_API_URL"] = "http://127.0.0.1:7070";
    vars_["INK_TOKEN"] = "ink_test";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  int Run(std::vector<std::string> args, std::string stdin_text = "", bool terminal = false) {
    out_.str("");
    err_.str("");
    std::istringstream in(stdin_text);
    CliEnv env{.out = out_,
               .err = err_,
               .in = in,
               .env = [this](std::string_view name) -> std::optional<std::string> {
                 auto it = vars_.find(std::string(name));
                 if (it == vars_.end()) return std::nullopt;
                 return it->second;
               },
               .connect = [this](const Config& config) -> Result<std::unique_ptr<ApiTransport>> {
                 script_.connected.push_back(config);
                 return std::unique_ptr<ApiTransport>(new ScriptedTransport(script_, config));
               },
               .clock = clock_,
               .sleep = [this](std::chrono::milliseconds d) { clock_.Advance(d); },
               .in_is_terminal = terminal};
    return RunCli(args, env);
  }

  void Reply(int status, Json body) { script_.replies.push_back(ApiReply{status, body.dump()}); }
  void Unreachable() { script_.replies.push_back(Unavailable("connection refused")); }

  std::string dir_;
  std::map<std::string, std::string> vars_;
  Script script_;
  FakeClock clock_;
  const Clock::TimePoint start_ = clock_.Steady();
  std::ostringstream out_, err_;
};

TEST_F(CommandsTest, ProjectsListPrintsATableOrTheJson) {
  Json reply = {{"projects",
                 {{{"id", "prj_1"}, {"name", "demo"}, {"created_at", 1'700'000'000'000 - 300'000}},
                  {{"id", "prj_22"}, {"name", "longer-name"}, {"created_at", 1'699'999'990'000}}}}};
  Reply(200, reply);
  ASSERT_EQ(Run({"projects", "list"}), 0) << err_.str();
  EXPECT_EQ(out_.str(),
            "NAME          ID       CREATED\n"
            "demo          prj_1    5m ago\n"
            "longer-name   prj_22   10s ago\n");
  ASSERT_EQ(script_.sent.size(), 1u);
  EXPECT_EQ(script_.sent[0].method, "GET");
  EXPECT_EQ(script_.sent[0].target, "/v1/projects");
  EXPECT_EQ(script_.sent[0].token, "ink_test");

  Reply(200, reply);
  ASSERT_EQ(Run({"projects", "list", "--json"}), 0);
  EXPECT_EQ(Json::parse(out_.str()), reply);
}

TEST_F(CommandsTest, EmptyListsPrintAHintOnStderrOnly) {
  Reply(200, {{"projects", Json::array()}});
  ASSERT_EQ(Run({"projects", "list"}), 0);
  EXPECT_EQ(out_.str(), "");
  EXPECT_NE(err_.str().find("ink projects create NAME"), std::string::npos);
}

TEST_F(CommandsTest, ApiErrorsPrintTheServerMessageAndExit1) {
  Reply(409, {{"error", {{"code", "already_exists"}, {"message", "project demo already exists"}}}});
  EXPECT_EQ(Run({"projects", "create", "demo"}), 1);
  EXPECT_EQ(err_.str(), "error: project demo already exists\n");
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(script_.sent[0].body, (Json{{"name", "demo"}}));

  Reply(401, {{"error", {{"code", "unauthenticated"}, {"message", "invalid token"}}}});
  EXPECT_EQ(Run({"status"}), 1);
  EXPECT_NE(err_.str().find("ink login"), std::string::npos) << err_.str();
}

TEST_F(CommandsTest, UnreachableInkdExits3NamingTheUrl) {
  Unreachable();
  EXPECT_EQ(Run({"projects", "list"}), 3);
  EXPECT_NE(err_.str().find("cannot reach inkd at http://127.0.0.1:7070"), std::string::npos);
  EXPECT_NE(err_.str().find("ink status"), std::string::npos);
}

TEST_F(CommandsTest, UsageErrorsExit2WithTheUsageLineAndSendNothing) {
  EXPECT_EQ(Run({"deploy", "--image", "x", "--project", "p", "--service", "s", "--port", "x"}), 2);
  EXPECT_NE(err_.str().find("usage: ink deploy [DIR] --project P"), std::string::npos)
      << err_.str();
  EXPECT_EQ(Run({"nonsense"}), 2);
  EXPECT_TRUE(script_.sent.empty());
}

TEST_F(CommandsTest, MissingConfigExplainsLogin) {
  vars_.erase("INK_API_URL");
  vars_.erase("INK_TOKEN");
  EXPECT_EQ(Run({"status"}), 1);
  EXPECT_NE(err_.str().find("admin-token"), std::string::npos) << err_.str();
  EXPECT_TRUE(script_.connected.empty());
}

TEST_F(CommandsTest, DeploySendsTheSpecAndPrintsIdAndUrl) {
  Reply(202, {{"deployment", {{"id", "dep_1"}, {"status", "pending"}}},
              {"service", {{"name", "web"}}},
              {"url", "http://web-demo.localhost:8000"}});
  ASSERT_EQ(Run({"deploy", "--image",  "img:1", "--service",  "web",   "--port",    "8080",
                 "--env",  "A=1",      "--env", "B=two=2",    "--env", "A=3",       "--cpu",
                 "0.5",    "--memory", "256m",  "--replicas", "2",     "--runtime", "runc"}),
            2)
      << "no project: usage error";
  vars_["INK_PROJECT"] = "demo";
  ASSERT_EQ(Run({"deploy", "--image",  "img:1", "--service",  "web",   "--port",    "8080",
                 "--env",  "A=1",      "--env", "B=two=2",    "--env", "A=3",       "--cpu",
                 "0.5",    "--memory", "256m",  "--replicas", "2",     "--runtime", "runc"}),
            0)
      << err_.str();
  ASSERT_EQ(script_.sent.size(), 1u);
  EXPECT_EQ(script_.sent[0].method, "POST");
  EXPECT_EQ(script_.sent[0].target, "/v1/projects/demo/deploy");
  EXPECT_EQ(script_.sent[0].body, (Json{{"service", "web"},
                                        {"image", "img:1"},
                                        {"port", 8080},
                                        {"env", {{"A", "3"}, {"B", "two=2"}}},
                                        {"cpu", 0.5},
                                        {"memory", "256m"},
                                        {"replicas", 2},
                                        {"runtime_class", "runc"}}));
  EXPECT_NE(out_.str().find("dep_1"), std::string::npos);
  EXPECT_NE(out_.str().find("http://web-demo.localhost:8000"), std::string::npos);
}

TEST_F(CommandsTest, DeployWaitFollowsTheDeploymentWithoutPolling) {
  Reply(202, {{"deployment", {{"id", "dep_1"}, {"status", "pending"}}}, {"url", "http://u"}});
  // One get_deployment {wait} in its NDJSON form: progress lines as inkd sends them, then the
  // result.
  script_.replies.push_back(ApiReply{
      200, Json{{"progress", "dep_1: pending"}}.dump() + "\n" +
               Json{{"progress", "dep_1: deploying (pulling)"}}.dump() + "\n" +
               Json{{"progress", "dep_1: active (pulling)"}}.dump() + "\n" +
               Json{{"result",
                     {{"deployment", {{"id", "dep_1"}, {"status", "active"}}}, {"finished", true}}}}
                   .dump() +
               "\n"});
  // The first answer still shows the previous release's replicas; the second the new one's.
  Reply(200, {{"service",
               {{"name", "s"},
                {"status", "running"},
                {"replicas_observed", {{{"deployment_id", "dep_0"}}}}}}});
  Reply(200, {{"service",
               {{"name", "s"},
                {"status", "running"},
                {"replicas_observed", {{{"deployment_id", "dep_1"}}}}}}});
  ASSERT_EQ(Run({"deploy", "--image", "i", "--project", "p", "--service", "s", "--wait", "--json"}),
            0)
      << err_.str();
  ASSERT_EQ(script_.sent.size(), 4u);
  EXPECT_EQ(script_.sent[1].method, "STREAM");
  EXPECT_EQ(script_.sent[1].target, "/v1/deployments/dep_1?wait=300");
  EXPECT_EQ(script_.sent[2].target, "/v1/projects/p/services/s");
  EXPECT_EQ(script_.sent[3].target, "/v1/projects/p/services/s");
  Json printed = Json::parse(out_.str());  // exactly one JSON document
  EXPECT_EQ(printed["deployment"]["status"], "active");
  EXPECT_EQ(printed["service"]["status"], "running");  // the final service, as services get
  EXPECT_EQ(printed["service"]["replicas_observed"][0]["deployment_id"], "dep_1");
  EXPECT_EQ(printed["url"], "http://u");
  EXPECT_NE(err_.str().find("deployment dep_1: deploying (pulling)"), std::string::npos);
  EXPECT_EQ(err_.str().find("active"), std::string::npos) << "the final state is not progress";
}

TEST_F(CommandsTest, DeployWaitFailedExits1WithTheMessage) {
  Reply(202, {{"deployment", {{"id", "dep_2"}, {"status", "pending"}}}, {"url", "http://u"}});
  Reply(200, {{"result",
               {{"deployment",
                 {{"id", "dep_2"}, {"status", "failed"}, {"message", "health check failed"}}},
                {"finished", true}}}});
  EXPECT_EQ(Run({"deploy", "--image", "i", "--project", "p", "--service", "s", "--wait"}), 1);
  EXPECT_EQ(err_.str().rfind("error: deployment dep_2 failed: health check failed", 0), 0u)
      << "the failure is printed once, as the error: " << err_.str();
}

TEST_F(CommandsTest, DeployWaitTimesOut) {
  Reply(202, {{"deployment", {{"id", "dep_3"}}}, {"url", "http://u"}});
  Reply(200, {{"result",
               {{"deployment", {{"id", "dep_3"}, {"status", "deploying"}}}, {"finished", false}}}});
  EXPECT_EQ(Run({"deploy", "--image", "i", "--project", "p", "--service", "s", "--wait",
                 "--timeout", "3s"}),
            1);
  EXPECT_NE(err_.str().find("timed out after 3s"), std::string::npos) << err_.str();
  ASSERT_EQ(script_.sent.size(), 2u);  // deploy + one wait of the whole timeout
  EXPECT_EQ(script_.sent[1].target, "/v1/deployments/dep_3?wait=3");
}

TEST_F(CommandsTest, AWaitPastTheServersLimitAsksAgainAndAnErrorLineIsAnError) {
  Reply(202, {{"deployment", {{"id", "dep_4"}}}, {"url", "http://u"}});
  Reply(200, {{"result",
               {{"deployment", {{"id", "dep_4"}, {"status", "building"}}}, {"finished", false}}}});
  Reply(200, {{"error", {{"code", "not_found"}, {"message", "deployment 'dep_4' does not exist"}}},
              {"status", 404}});
  EXPECT_EQ(Run({"deploy", "--image", "i", "--project", "p", "--service", "s", "--wait",
                 "--timeout", "20m"}),
            1);
  ASSERT_EQ(script_.sent.size(), 3u);
  EXPECT_EQ(script_.sent[1].target, "/v1/deployments/dep_4?wait=600");
  EXPECT_EQ(script_.sent[2].target, "/v1/deployments/dep_4?wait=600");
  EXPECT_NE(err_.str().find("does not exist"), std::string::npos) << err_.str();
}

TEST_F(CommandsTest, ServicesListAndGet) {
  Reply(200, {{"services",
               {{{"name", "web"},
                 {"status", "running"},
                 {"replicas", 2},
                 {"replicas_healthy", 1},
                 {"image", "img:1"},
                 {"url", "http://web-demo.localhost:8000"}}}}});
  ASSERT_EQ(Run({"services", "list", "--project", "demo"}), 0);
  EXPECT_EQ(out_.str(),
            "NAME   STATUS    REPLICAS   IMAGE   URL\n"
            "web    running   1/2        img:1   http://web-demo.localhost:8000\n");
  EXPECT_EQ(script_.sent.back().target, "/v1/projects/demo/services");

  Reply(200, {{"service",
               {{"name", "web"},
                {"status", "degraded"},
                {"env_names", {"A", "B"}},
                {"cpu", 0},
                {"memory", 268435456},
                {"replicas_observed",
                 {{{"name", "web-1"}, {"state", "exited"}, {"oom_killed", true}, {"restarts", 3}}}},
                {"events", {{{"kind", "oom_killed"}, {"message", "killed: out of memory"}}}}}}});
  ASSERT_EQ(Run({"services", "get", "web", "--project", "demo"}), 0);
  EXPECT_EQ(script_.sent.back().target, "/v1/projects/demo/services/web");
  EXPECT_NE(out_.str().find("Env:                A, B"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("CPU:                unlimited"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("Memory:             256Mi"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("exited (OOM killed)"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("killed: out of memory"), std::string::npos) << out_.str();
}

TEST_F(CommandsTest, MetricsDrawsSparklinesWithLimitsAndHints) {
  Json dist = {{"current", 0.5}, {"p50", 0.25}, {"p95", 0.5}, {"max", 0.5}};
  Reply(200, {{"project", "demo"},
              {"service", "web"},
              {"window", "1h"},
              {"points", 4},
              {"replicas", 1},
              {"cpu", {{"cores", dist}, {"limit_cores", 0.5}}},
              {"memory",
               {{"bytes", {{"current", 1048576}, {"p50", 0}, {"p95", 1048576}, {"max", 2097152}}},
                {"limit_bytes", 2097152}}},
              {"network", {{"rx_bytes_per_s", dist}, {"tx_bytes_per_s", dist}}},
              {"restarts", 0},
              {"oom_kills", 2},
              {"requests", {{"total", 0}}},
              {"hints", {"memory at 50% of limit"}},
              {"series",
               {{"cpu_cores", {0, 0.25, 0.5, 0.5}},
                {"memory_bytes", {0, 0, 1048576, 2097152}},
                {"rx_bytes_per_s", {0, 0, 0, 0}},
                {"tx_bytes_per_s", {0, 0, 0, 0}}}}});
  ASSERT_EQ(Run({"metrics", "web", "--project", "demo", "--window", "1h"}), 0);
  EXPECT_EQ(script_.sent.back().target,
            "/v1/projects/demo/services/web/metrics?series=true&window=1h");
  std::string out = out_.str();
  EXPECT_NE(out.find("CPU       ▁▅██  now 0.50 cores, p95 0.50 cores, max 0.50 cores (limit 0.50 "
                     "cores)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("memory    ▁▁▅█  now 1.0 MiB"), std::string::npos) << out;
  EXPECT_NE(out.find("(limit 2.0 MiB)"), std::string::npos) << out;
  EXPECT_NE(out.find("OOM kills 2"), std::string::npos) << out;
  EXPECT_NE(out.find("hint: memory at 50% of limit"), std::string::npos) << out;
  EXPECT_EQ(out.find("requests "), std::string::npos) << out;  // none through the edge

  // --json: the operation's answer as it is, without the chart's series.
  Reply(200, {{"service", "web"}, {"hints", Json::array()}});
  ASSERT_EQ(Run({"metrics", "web", "--project", "demo", "--json"}), 0);
  EXPECT_EQ(script_.sent.back().target, "/v1/projects/demo/services/web/metrics");
}

TEST_F(CommandsTest, DeploymentsListTruncatesLongMessages) {
  Reply(200, {{"deployments",
               {{{"id", "dep_1"},
                 {"status", "failed"},
                 {"image", "img:1"},
                 {"message", std::string(100, 'x')}}}}});
  ASSERT_EQ(Run({"deployments", "list", "web", "--project", "demo"}), 0);
  EXPECT_EQ(script_.sent.back().target, "/v1/projects/demo/services/web/deployments");
  EXPECT_NE(out_.str().find(std::string(57, 'x') + "...\n"), std::string::npos) << out_.str();
  EXPECT_EQ(out_.str().find(std::string(58, 'x')), std::string::npos) << out_.str();
}

TEST_F(CommandsTest, LogsPrintsReplicaPrefixedLinesOrStreams) {
  Reply(200, {{"lines",
               {{{"replica", "web-1"}, {"stream", "stdout"}, {"text", "hello"}},
                {{"replica", "web-2"}, {"stream", "stderr"}, {"text", "oops"}}}}});
  ASSERT_EQ(Run({"logs", "web", "--project", "demo", "--tail", "5"}), 0);
  EXPECT_EQ(out_.str(), "[web-1] hello\n[web-2] oops\n");
  EXPECT_EQ(script_.sent.back().target, "/v1/projects/demo/services/web/logs?tail=5");

  script_.replies.push_back(ApiReply{200, "[web-1] a\n[web-1] b\n"});
  ASSERT_EQ(Run({"logs", "web", "--project", "demo", "-f"}), 0);
  EXPECT_EQ(out_.str(), "[web-1] a\n[web-1] b\n");
  EXPECT_EQ(script_.sent.back().method, "STREAM");
  EXPECT_EQ(script_.sent.back().target, "/v1/projects/demo/services/web/logs?follow=true");

  Reply(404, {{"error", {{"code", "not_found"}, {"message", "service web not found"}}}});
  EXPECT_EQ(Run({"logs", "web", "--project", "demo", "--follow"}), 1);
  EXPECT_EQ(err_.str(), "error: service web not found\n");

  EXPECT_EQ(Run({"logs", "web", "--project", "demo", "-f", "--json"}), 2);
}

TEST_F(CommandsTest, LogsSinceAndFilterGoToTheServerAndTruncationIsSaid) {
  Reply(200, {{"lines", {{{"replica", "0"}, {"stream", "stdout"}, {"text", "GET /a 500"}}}},
              {"truncated", true}});
  ASSERT_EQ(Run({"logs", "web", "--project", "demo", "--since", "10m", "--filter", "500 &x"}), 0);
  EXPECT_EQ(script_.sent.back().target,
            "/v1/projects/demo/services/web/logs?filter=500%20%26x&since=10m");
  EXPECT_EQ(out_.str(), "[0] GET /a 500\n");
  EXPECT_NE(err_.str().find("--filter"), std::string::npos);
  EXPECT_EQ(Run({"logs", "--build", "dep_x", "--filter", "x", "--project", "demo"}), 2);
}

TEST_F(CommandsTest, NamesAreEncodedInPaths) {
  Reply(200, {{"deleted", true}});
  ASSERT_EQ(Run({"registry", "logout", "127.0.0.1:5000"}), 0);
  EXPECT_EQ(script_.sent.back().method, "DELETE");
  EXPECT_EQ(script_.sent.back().target.rfind("/v1/registries/127.0.0.1", 0), 0u)
      << script_.sent.back().target;
  Reply(200, {{"deployment", {{"id", "a b"}}}});
  ASSERT_EQ(Run({"deployments", "get", "a b"}), 0);
  EXPECT_EQ(script_.sent.back().target.find(' '), std::string::npos);
}

TEST_F(CommandsTest, StorageSetReadsSecretsFromAFileNeverTheCommandLine) {
  Reply(200, {{"storage", {{"name", "offsite"}, {"provider", "s3"}, {"bucket", "bk1"},
                           {"prefix", ""}}},
              {"created", true}});
  ASSERT_EQ(Run({"storage", "set", "offsite", "--provider", "s3", "--bucket", "bk1",
                 "--endpoint", "http://127.0.0.1:4569", "--path-style", "--secrets-file", "-"},
                "access_key_id=AKID\nsecret_access_key='hunter2'\n"),
            0)
      << err_.str();
  EXPECT_EQ(script_.sent.back().method, "PUT");
  EXPECT_EQ(script_.sent.back().target, "/v1/storages/offsite");
  const Json& body = *script_.sent.back().body;
  EXPECT_EQ(body["secrets"],
            (Json{{"access_key_id", "AKID"}, {"secret_access_key", "hunter2"}}));
  EXPECT_EQ(body["path_style"], true);
  EXPECT_EQ(out_.str().find("hunter2"), std::string::npos);
  EXPECT_NE(out_.str().find("Added storage offsite (s3, bk1)"), std::string::npos) << out_.str();
  // A file without field=value lines is a usage error; nothing is sent.
  size_t sent = script_.sent.size();
  EXPECT_EQ(Run({"storage", "set", "offsite", "--provider", "s3", "--bucket", "bk1",
                 "--secrets-file", "-"},
                "# nothing\n"),
            2);
  EXPECT_EQ(script_.sent.size(), sent);
}

TEST_F(CommandsTest, RegistryLoginReadsThePasswordFromStdin) {
  Reply(200, {{"registry", {{"registry", "127.0.0.1:5000"}, {"username", "bot"}}}});
  ASSERT_EQ(Run({"registry", "login", "127.0.0.1:5000", "--username", "bot", "--password-stdin"},
                "s3cret\n"),
            0)
      << err_.str();
  EXPECT_EQ(script_.sent.back().method, "PUT");
  EXPECT_EQ(script_.sent.back().body, (Json{{"username", "bot"}, {"password", "s3cret"}}));
  EXPECT_EQ(out_.str().find("s3cret"), std::string::npos);
  EXPECT_EQ(Run({"registry", "login", "r", "--username", "bot", "--password-stdin"}, ""), 2);
}

TEST_F(CommandsTest, LoginChecksTheTokenThenSavesAPrivateConfig) {
  vars_.erase("INK_API_URL");
  vars_.erase("INK_TOKEN");
  std::string token_file = dir_ + "/admin-token";
  { std::ofstream(token_file) << "ink_admin\n"; }
  Reply(200, {{"workspace", {{"id", "wsp_1"}, {"name", "default"}}},
              {"token", {{"id", "tok_1"}, {"name", "admin"}}}});
  ASSERT_EQ(Run({"login", "--api-url", "http://127.0.0.1:7070/", "--token-file", token_file}), 0)
      << err_.str();
  EXPECT_EQ(script_.sent.back().target, "/v1/whoami");
  EXPECT_EQ(script_.sent.back().token, "ink_admin");
  EXPECT_NE(out_.str().find("workspace default"), std::string::npos) << out_.str();
  struct stat st;
  ASSERT_EQ(::stat((dir_ + "/config.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream saved(dir_ + "/config.json");
  Json config = Json::parse(saved);
  EXPECT_EQ(config, (Json{{"api_url", "http://127.0.0.1:7070"}, {"token", "ink_admin"}}));

  // The saved config is used by the next command.
  Reply(200, {{"projects", Json::array()}});
  ASSERT_EQ(Run({"projects", "list"}), 0);
  EXPECT_EQ(script_.connected.back().token, "ink_admin");
}

TEST_F(CommandsTest, LoginWithARejectedTokenSavesNothing) {
  Reply(401, {{"error", {{"code", "unauthenticated"}, {"message", "unknown token"}}}});
  EXPECT_EQ(Run({"login", "--api-url", "http://h:1", "--token-stdin"}, "ink_bad\n"), 1);
  EXPECT_EQ(script_.sent.back().token, "ink_bad");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/config.json"));
  EXPECT_EQ(Run({"login", "--api-url", "http://h:1", "--token", "a", "--token-stdin"}), 2);
  EXPECT_EQ(Run({"login", "--api-url", "ftp://h", "--token", "a"}), 2);
}

TEST_F(CommandsTest, StatusShowsVersionsHealthAndCounts) {
  Reply(200, {{"version", "0.1.0"},
              {"uptime_seconds", 3725},
              {"runtime", {{"ok", false}, {"message", "podman socket not found"}}},
              {"edge", {{"url", "http://127.0.0.1:8000"}, {"ok", true}}},
              {"platform_domain", "localhost"},
              {"counts", {{"projects", 1}, {"services", 2}, {"containers", 3}}}});
  ASSERT_EQ(Run({"status"}), 0);
  const std::string out = out_.str();
  EXPECT_NE(out.find("Server version:   0.1.0"), std::string::npos) << out;
  EXPECT_NE(out.find("Client version:"), std::string::npos);
  EXPECT_NE(out.find("Uptime:           1h2m"), std::string::npos) << out;
  EXPECT_NE(out.find("DOWN (podman socket not found)"), std::string::npos) << out;
  EXPECT_NE(out.find("http://127.0.0.1:8000 (ok)"), std::string::npos) << out;
  EXPECT_NE(out.find("Containers:       3"), std::string::npos) << out;
}

TEST_F(CommandsTest, HelpAndVersionNeedNoServer) {
  EXPECT_EQ(Run({"--help"}), 0);
  EXPECT_NE(out_.str().find("Exit codes"), std::string::npos);
  EXPECT_EQ(Run({"version", "--json"}), 0);
  EXPECT_TRUE(Json::parse(out_.str()).contains("version"));
  EXPECT_EQ(Run({"projects", "create", "--help"}), 0);
  EXPECT_NE(out_.str().find("Usage: ink projects create NAME"), std::string::npos);
  EXPECT_TRUE(script_.connected.empty());
}

TEST_F(CommandsTest, ScaleIsUpdateServiceWithReplicasCpuAndMemoryOnly) {
  Reply(202, {{"deployment", {{"id", "dep_2"}, {"status", "pending"}}},
              {"service", {{"name", "web"}}},
              {"url", "http://web-demo.localhost"}});
  ASSERT_EQ(Run({"scale", "web", "--project", "demo", "--replicas", "3", "--cpu", "0.5", "--memory",
                 "512m"}),
            0)
      << err_.str();
  ASSERT_EQ(script_.sent.size(), 1u);
  EXPECT_EQ(script_.sent[0].method, "PATCH");
  EXPECT_EQ(script_.sent[0].target, "/v1/projects/demo/services/web");
  EXPECT_EQ(script_.sent[0].body, (Json{{"replicas", 3}, {"cpu", 0.5}, {"memory", "512m"}}));
  EXPECT_NE(out_.str().find("dep_2"), std::string::npos) << out_.str();
  // Nothing to scale, another setting, or a value out of range: usage errors, nothing sent.
  EXPECT_EQ(Run({"scale", "web", "--project", "demo"}), 2);
  EXPECT_NE(err_.str().find("nothing to scale"), std::string::npos) << err_.str();
  EXPECT_EQ(Run({"scale", "web", "--project", "demo", "--port", "80"}), 2);
  EXPECT_EQ(Run({"scale", "web", "--project", "demo", "--replicas", "0"}), 2);
  EXPECT_EQ(script_.sent.size(), 1u);
}

}  // namespace
}  // namespace ink::cli

namespace ink::cli {
namespace {

TEST_F(CommandsTest, ExecPrintsTheStreamsAndExitsWithTheCommandsCode) {
  Reply(200, {{"exit_code", 3},
              {"stdout", "out\n"},
              {"stderr", "err\n"},
              {"stdout_truncated", false},
              {"stderr_truncated", false},
              {"timed_out", false}});
  ASSERT_EQ(Run({"exec", "web", "--project", "demo", "--timeout", "5", "--", "sh", "-c", "exit 3",
                 "--not-a-flag"}),
            3);
  EXPECT_EQ(script_.sent.back().target, "/v1/projects/demo/services/web/exec");
  EXPECT_EQ(script_.sent.back().body,
            (Json{{"command", {"sh", "-c", "exit 3", "--not-a-flag"}}, {"timeout", 5}}));
  EXPECT_EQ(out_.str(), "out\n");
  EXPECT_NE(err_.str().find("err\n"), std::string::npos);

  Reply(200, {{"exit_code", 137}, {"stdout", ""}, {"stderr", ""}, {"timed_out", true}});
  EXPECT_EQ(Run({"exec", "web", "--project", "demo", "--", "sleep", "99"}), 124);
  EXPECT_NE(err_.str().find("killed at the timeout"), std::string::npos) << err_.str();
  EXPECT_EQ(Run({"exec", "web", "--project", "demo"}), 2);  // no command
}

TEST_F(CommandsTest, ExecSendsPipedStdinUnlessATerminalOrStdinFlagAndBoundsIt) {
  Json ok = {{"exit_code", 0}, {"stdout", ""}, {"stderr", ""}, {"timed_out", false}};
  Reply(200, ok);
  ASSERT_EQ(Run({"exec", "web", "--project", "demo", "--", "wc", "-l"}, "a\nb\n"), 0);
  EXPECT_EQ(script_.sent.back().body, (Json{{"command", {"wc", "-l"}}, {"stdin", "a\nb\n"}}));

  Reply(200, ok);  // --stdin wins over the pipe, which is not read
  ASSERT_EQ(Run({"exec", "web", "--project", "demo", "--stdin", "flag", "--", "cat"}, "pipe"), 0);
  EXPECT_EQ((*script_.sent.back().body)["stdin"], "flag");

  Reply(200, ok);  // a terminal is not read: no stdin
  ASSERT_EQ(Run({"exec", "web", "--project", "demo", "--", "cat"}, "typed", true), 0);
  EXPECT_FALSE(script_.sent.back().body->contains("stdin"));

  size_t sent = script_.sent.size();
  EXPECT_EQ(Run({"exec", "web", "--project", "demo", "--", "cat"},
                std::string(kMaxExecStdinBytes + 1, 'x')),
            2);
  EXPECT_NE(err_.str().find("more than 1048576 bytes"), std::string::npos) << err_.str();
  EXPECT_EQ(script_.sent.size(), sent);  // nothing was sent
  EXPECT_EQ(Run({"exec", "web", "--project", "demo", "--", "cat"}, "bin\xff\xfe"), 2);
  EXPECT_NE(err_.str().find("not UTF-8 text"), std::string::npos) << err_.str();
  EXPECT_EQ(script_.sent.size(), sent);

  Reply(200, ok);  // exactly the limit is passed on
  ASSERT_EQ(
      Run({"exec", "web", "--project", "demo", "--", "cat"}, std::string(kMaxExecStdinBytes, 'x')),
      0);
  EXPECT_EQ((*script_.sent.back().body)["stdin"].get<std::string>().size(), kMaxExecStdinBytes);
}

}  // namespace
}  // namespace ink::cli

namespace ink::cli {
namespace {

TEST_F(CommandsTest, DeployTemplateCallsDeployTemplate) {
  Reply(202, {{"deployment", {{"id", "dep_1"}, {"status", "pending"}}},
              {"template", "postgres"},
              {"generated", {"PGPASSWORD"}},
              {"kept", Json::array()},
              {"publishes", {{{"name", "DATABASE_URL"}, {"reference", "${{db.DATABASE_URL}}"}}}},
              {"url", "http://db-demo.localhost"}});
  ASSERT_EQ(Run({"deploy", "--template", "postgres", "--project", "demo", "--service", "db"}), 0)
      << err_.str();
  EXPECT_EQ(script_.sent.back().target, "/v1/projects/demo/templates/postgres/deploy");
  EXPECT_EQ(script_.sent.back().body, (Json{{"service", "db"}}));
  EXPECT_NE(out_.str().find("Generated (stored encrypted): PGPASSWORD"), std::string::npos);
  EXPECT_NE(out_.str().find("${{db.DATABASE_URL}}"), std::string::npos) << out_.str();
  // A source does not go with a template; a plain deploy still needs --service.
  EXPECT_EQ(Run({"deploy", "--template", "postgres", "--project", "demo", "--image", "x"}), 2);
  EXPECT_EQ(Run({"deploy", "--project", "demo", "--image", "localhost/x:1"}), 2);
  EXPECT_NE(err_.str().find("missing --service"), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace ink::cli
