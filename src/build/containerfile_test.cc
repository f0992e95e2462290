// Unit tests of RenderContainerfile, StartArgv, ParsePlanOverrides and the version helpers.
#include <gtest/gtest.h>

#include "ink/build/plan.h"
#include "toolchain.h"

namespace ink {
namespace {

BuildPlan NodePlan() {
  BuildPlan plan;
  plan.provider = "node";
  plan.base_image = "localhost/ink/base:bookworm";
  plan.packages = {"nodejs", "npm"};
  plan.manifest_files = {"package.json", "package-lock.json"};
  plan.install_command = "npm ci";
  plan.build_command = "npm run build";
  plan.caches = {{"/root/.npm", "npm"}};
  plan.start_command = "node server.js";
  plan.user = "app";
  plan.env = {{"PORT", "8080"}, {"NODE_ENV", "production"}};
  return plan;
}

size_t Find(const std::string& text, const std::string& part) {
  size_t at = text.find(part);
  EXPECT_NE(at, std::string::npos) << "missing: " << part << "\n" << text;
  return at;
}

TEST(RenderContainerfileTest, ManifestsAndInstallBeforeTheSource) {
  auto text = RenderContainerfile(NodePlan());
  ASSERT_TRUE(text.ok()) << text.error().message;
  size_t apt = Find(*text, "apt-get install -y --no-install-recommends nodejs npm");
  size_t manifests = Find(*text, "COPY [\"package.json\",\"package-lock.json\",\"./\"]");
  size_t install = Find(*text, "RUN --mount=type=cache,target=/root/.npm npm ci");
  size_t source = Find(*text, "COPY . .");
  size_t build = Find(*text, "npm run build");
  EXPECT_LT(apt, manifests);
  EXPECT_LT(manifests, install);
  EXPECT_LT(install, source);
  EXPECT_LT(source, build);
  // NODE_ENV=production must not reach `npm ci` (it would skip the devDependencies the build
  // needs).
  EXPECT_GT(Find(*text, "ENV NODE_ENV=\"production\""), build);
}

TEST(RenderContainerfileTest, HostCaThroughArgsOnly) {
  auto text = RenderContainerfile(NodePlan());
  ASSERT_TRUE(text.ok());
  for (const char* variable : {"SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "PIP_CERT",
                               "CARGO_HTTP_CAINFO", "GIT_SSL_CAINFO"}) {
    Find(*text, std::string("ARG ") + variable + "=/etc/ink/host-ca.crt\n");
    EXPECT_EQ(text->find(std::string("ENV ") + variable), std::string::npos) << variable;
  }
  EXPECT_EQ(text->find("COPY /etc/ink"), std::string::npos);
}

TEST(RenderContainerfileTest, ExecFormCmdUserAndPort) {
  BuildPlan plan = NodePlan();
  plan.port = 3000;
  auto text = RenderContainerfile(plan);
  ASSERT_TRUE(text.ok());
  Find(*text, "CMD [\"node\",\"server.js\"]\n");
  Find(*text, "USER app\n");
  Find(*text, "EXPOSE 3000\n");
  Find(*text, "useradd --uid 10001");
  EXPECT_EQ(text->find("CMD node"), std::string::npos);
}

TEST(RenderContainerfileTest, MultiStageCopiesArtifactsIntoRuntime) {
  BuildPlan plan;
  plan.provider = "go";
  plan.base_image = "localhost/ink/base:bookworm";
  plan.packages = {"golang-go"};
  plan.build_command = "go build -o /out/app .";
  plan.runtime_image = "localhost/ink/base:bookworm";
  plan.artifacts = {{"/out/app", "/app/app"}};
  plan.start_command = "/app/app";
  plan.user = "app";
  plan.env = {{"PORT", "8080"}};
  auto text = RenderContainerfile(plan);
  ASSERT_TRUE(text.ok());
  size_t build_stage = Find(*text, "FROM localhost/ink/base:bookworm AS build\n");
  size_t runtime_stage = Find(*text, "\nFROM localhost/ink/base:bookworm\n");
  size_t copy = Find(*text, "COPY --from=build [\"/out/app\",\"/app/app\"]");
  EXPECT_LT(build_stage, runtime_stage);
  EXPECT_LT(runtime_stage, copy);
  // The toolchain stays in the build stage.
  EXPECT_LT(Find(*text, "golang-go"), runtime_stage);
  EXPECT_EQ(text->find("backports"), std::string::npos);
  plan.packages = {"golang-1.23-go/bookworm-backports"};
  auto backports = RenderContainerfile(plan);
  ASSERT_TRUE(backports.ok());
  EXPECT_LT(Find(*backports, "/etc/apt/sources.list.d/bookworm-backports.list && apt-get update"),
            Find(*backports, "golang-1.23-go/bookworm-backports"));
  EXPECT_GT(Find(*text, "useradd"), runtime_stage);
}

TEST(RenderContainerfileTest, NoManifestsInstallsAfterTheSource) {
  BuildPlan plan = NodePlan();
  plan.manifest_files.clear();
  auto text = RenderContainerfile(plan);
  ASSERT_TRUE(text.ok());
  EXPECT_LT(Find(*text, "COPY . ."), Find(*text, "npm ci"));
}

TEST(RenderContainerfileTest, DockerfileVerbatimAndStartOverride) {
  BuildPlan plan;
  plan.provider = "dockerfile";
  plan.containerfile_path = "Dockerfile";
  plan.containerfile_text = "FROM x\nCMD [\"a\"]";
  auto text = RenderContainerfile(plan);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, plan.containerfile_text);
  plan.start_command = "b --flag";
  text = RenderContainerfile(plan);
  ASSERT_TRUE(text.ok());
  Find(*text, "CMD [\"b\",\"--flag\"]\n");
}

TEST(RenderContainerfileTest, RefusesPlansThatCannotRun) {
  BuildPlan plan = NodePlan();
  plan.start_command.clear();
  EXPECT_FALSE(RenderContainerfile(plan).ok());
  plan = NodePlan();
  plan.port = 70000;
  auto text = RenderContainerfile(plan);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.error().message.find("70000"), std::string::npos);
}

TEST(StartArgvTest, SplitsSimpleCommandsAndExecsShellOnes) {
  EXPECT_EQ(StartArgv("node  server.js"), (std::vector<std::string>{"node", "server.js"}));
  EXPECT_EQ(StartArgv("gunicorn -b 0.0.0.0:$PORT app:app"),
            (std::vector<std::string>{"/bin/sh", "-c", "exec gunicorn -b 0.0.0.0:$PORT app:app"}));
  EXPECT_EQ(StartArgv("a && b"), (std::vector<std::string>{"/bin/sh", "-c", "a && b"}));
  EXPECT_EQ(StartArgv("FOO=1 node a.js"),
            (std::vector<std::string>{"/bin/sh", "-c", "exec FOO=1 node a.js"}));
}

TEST(ParsePlanOverridesTest, ValidSettings) {
  auto overrides = ParsePlanOverrides(
      R"({"provider":"node","start_command":"node a.js","build_command":"","port":3000,
          "root_directory":"./apps/web/","install_command":"npm i"})");
  ASSERT_TRUE(overrides.ok()) << overrides.error().message;
  EXPECT_EQ(*overrides->provider, "node");
  EXPECT_EQ(*overrides->build_command, "");
  EXPECT_EQ(*overrides->port, 3000);
  EXPECT_EQ(*overrides->root_directory, "apps/web");
  auto round_trip = ParsePlanOverrides(ToJson(*overrides).dump());
  ASSERT_TRUE(round_trip.ok());
  EXPECT_EQ(ToJson(*round_trip), ToJson(*overrides));
  EXPECT_TRUE(ParsePlanOverrides("").ok());
  EXPECT_TRUE(ParsePlanOverrides("{}").ok());
}

TEST(ParsePlanOverridesTest, ErrorsNameTheProblem) {
  struct Case {
    const char* json;
    const char* message;
  } cases[] = {
      {R"({"port":70000})", "port 70000 is out of range 1-65535"},
      {R"({"port":"80"})", "\"port\" must be an integer"},
      {R"({"startCommand":"x"})", "unknown key \"startCommand\""},
      {R"({"provider":"cobol"})", "unknown provider \"cobol\""},
      {R"({"root_directory":"/etc"})", "must be relative"},
      {R"({"root_directory":"a/../../b"})", "no \"..\""},
      {R"({"start_command":"  "})", "\"start_command\" is empty"},
      {R"({"start_command":"a\nb"})", "must be one line"},
      {R"({"build_command":5})", "must be a string"},
      {R"([1])", "must be a JSON object"},
      {R"({"port":)", "malformed JSON"},
  };
  for (const auto& c : cases) {
    auto overrides = ParsePlanOverrides(c.json);
    ASSERT_FALSE(overrides.ok()) << c.json;
    EXPECT_EQ(overrides.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(overrides.error().message.find(c.message), std::string::npos)
        << c.json << " → " << overrides.error().message;
  }
}

TEST(ToolchainTest, VersionRanges) {
  using build::MinimumOfRange;
  EXPECT_EQ(MinimumOfRange(">=20")->major, 20);
  EXPECT_EQ(MinimumOfRange("^18.17.0")->minor, 17);
  EXPECT_EQ(MinimumOfRange("20.x")->major, 20);
  EXPECT_EQ(MinimumOfRange("18 || 20")->major, 18);
  EXPECT_FALSE(MinimumOfRange("<21").has_value());
  EXPECT_FALSE(MinimumOfRange("*").has_value());
  EXPECT_TRUE(build::Newer({1, 24}, build::kDebianGo));
  EXPECT_FALSE(build::Newer({1, 22}, build::kDebianGo));
}

}  // namespace
}  // namespace ink
