// Unit tests of DetectPlan: every provider from marker files in temp dirs, the priority order,
// overrides, ink.json / ink.toml, bad settings and missing-toolchain messages.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "ink/build/plan.h"

namespace ink {
namespace {

namespace fs = std::filesystem;

class DetectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("ink-detect-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void Write(const std::string& relative, const std::string& text) {
    fs::create_directories((root_ / relative).parent_path());
    std::ofstream(root_ / relative) << text;
  }
  BuildPlan Detect(const PlanOverrides& overrides = {}) {
    auto plan = DetectPlan(root_, overrides);
    EXPECT_TRUE(plan.ok()) << plan.error().message;
    return plan.ok() ? *plan : BuildPlan{};
  }
  Error DetectError(const PlanOverrides& overrides = {}) {
    auto plan = DetectPlan(root_, overrides);
    EXPECT_FALSE(plan.ok()) << ToJson(*plan).dump(2);
    return plan.ok() ? Error{} : plan.error();
  }
  fs::path root_;
};

bool Contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

bool AnyContains(const std::vector<std::string>& items, const std::string& part) {
  return std::any_of(items.begin(), items.end(),
                     [&](const std::string& s) { return s.find(part) != std::string::npos; });
}

TEST_F(DetectTest, NodeWithNpmLockfileBuildAndStartScripts) {
  Write(
      "package.json",
      R"({"scripts":{"build":"tsc","start":"node dist/server.js"},"dependencies":{"express":"4"}})");
  Write("package-lock.json", "{}");
  BuildPlan plan = Detect();
  EXPECT_EQ(plan.provider, "node");
  EXPECT_EQ(plan.install_command, "npm ci --no-audit --no-fund");
  EXPECT_EQ(plan.build_command, "npm run build");
  EXPECT_EQ(plan.start_command, "node dist/server.js");
  EXPECT_EQ(plan.manifest_files, (std::vector<std::string>{"package.json", "package-lock.json"}));
  EXPECT_TRUE(Contains(plan.packages, "nodejs"));
  EXPECT_EQ(plan.port, 8080);
  EXPECT_EQ(plan.env.at("PORT"), "8080");
  EXPECT_EQ(plan.user, "app");
  EXPECT_EQ(plan.caches.at(0).target, "/root/.npm");
}

TEST_F(DetectTest, NodeYarnAndPnpmByLockfile) {
  Write("package.json", R"({"scripts":{"start":"next start"},"dependencies":{"next":"14"}})");
  Write("yarn.lock", "# yarn lockfile v1\n");
  BuildPlan yarn = Detect();
  EXPECT_EQ(yarn.install_command, "yarn install --frozen-lockfile");
  EXPECT_TRUE(Contains(yarn.packages, "yarnpkg"));
  EXPECT_EQ(yarn.start_command, "yarn start");
  EXPECT_TRUE(AnyContains(yarn.warnings, "next build"));  // no build script

  fs::remove(root_ / "yarn.lock");
  Write("pnpm-lock.yaml", "lockfileVersion: '9.0'\n");
  BuildPlan pnpm = Detect();
  EXPECT_EQ(pnpm.install_command, "pnpm install --frozen-lockfile");
  EXPECT_TRUE(AnyContains(pnpm.setup_commands, "npm install -g --no-audit --no-fund pnpm@9"));
}

TEST_F(DetectTest, NodeEntryFileAndViteStaticOutput) {
  Write("package.json", R"({"name":"x"})");
  Write("index.js", "");
  EXPECT_EQ(Detect().start_command, "node index.js");

  fs::remove(root_ / "index.js");
  Write("package.json", R"({"scripts":{"build":"vite build"},"devDependencies":{"vite":"5"}})");
  BuildPlan plan = Detect();
  EXPECT_EQ(plan.runtime_image, "localhost/ink/base:bookworm");
  EXPECT_EQ(plan.runtime_packages, std::vector<std::string>{"busybox"});
  ASSERT_EQ(plan.artifacts.size(), 1u);
  EXPECT_EQ(plan.artifacts[0].from, "/app/dist");
  EXPECT_NE(plan.start_command.find("busybox httpd"), std::string::npos);
  EXPECT_EQ(plan.env.count("NODE_ENV"), 0u);
}

TEST_F(DetectTest, NodeEnginesNewerThanDebianWarns) {
  Write("package.json", R"({"engines":{"node":">=20"},"scripts":{"start":"node a.js"}})");
  BuildPlan plan = Detect();
  EXPECT_TRUE(AnyContains(plan.warnings, "Node.js 18"));
  Write("package.json", R"({"engines":{"node":">=16"},"scripts":{"start":"node a.js"}})");
  EXPECT_TRUE(Detect().warnings.empty());
}

TEST_F(DetectTest, NodeBadPackageJson) {
  Write("package.json", "{not json");
  Error error = DetectError();
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_NE(error.message.find("package.json"), std::string::npos);
}

TEST_F(DetectTest, PythonStdlibMainFile) {
  Write("main.py", "import http.server\n");
  BuildPlan plan = Detect();
  EXPECT_EQ(plan.provider, "python");
  EXPECT_EQ(plan.start_command, "python3 main.py");
  EXPECT_EQ(plan.packages, std::vector<std::string>{"python3"});
  EXPECT_TRUE(plan.install_command.empty());
}

TEST_F(DetectTest, PythonRequirementsPreferDebianAndPickServer) {
  Write("requirements.txt", "Flask==2.2.2\ngunicorn>=20\n# comment\n-r other.txt\n");
  Write("app.py", "from flask import Flask\napp = Flask(__name__)\n");
  BuildPlan plan = Detect();
  EXPECT_TRUE(Contains(plan.packages, "python3-flask"));
  EXPECT_TRUE(Contains(plan.packages, "gunicorn"));
  EXPECT_TRUE(Contains(plan.packages, "python3-venv"));
  EXPECT_EQ(plan.install_command, "/opt/venv/bin/pip install -r requirements.txt");
  EXPECT_EQ(plan.start_command, "gunicorn --bind 0.0.0.0:$PORT app:app");
  EXPECT_EQ(plan.manifest_files, std::vector<std::string>{"requirements.txt"});

  Write("requirements.txt", "fastapi\nuvicorn[standard]\n");
  Write("app.py", "app = FastAPI()\n");
  EXPECT_EQ(Detect().start_command, "uvicorn app:app --host 0.0.0.0 --port $PORT");
}

TEST_F(DetectTest, PythonPyprojectAndDjango) {
  Write("pyproject.toml",
        "[project]\nrequires-python = \">=3.12\"\ndependencies = [\"django>4\"]\n");
  Write("manage.py", "");
  Write("site1/wsgi.py", "");
  BuildPlan plan = Detect();
  EXPECT_TRUE(plan.manifest_files.empty());  // pip install . needs the whole tree
  EXPECT_EQ(plan.install_command, "/opt/venv/bin/pip install .");
  EXPECT_TRUE(AnyContains(plan.warnings, "Python 3.11"));
  EXPECT_NE(plan.start_command.find("manage.py runserver"), std::string::npos);
}

TEST_F(DetectTest, GoModuleAndVersionChecks) {
  Write("go.mod", "module x\n\ngo 1.19\n");
  Write("main.go", "package main\n");
  BuildPlan plan = Detect();
  EXPECT_EQ(plan.provider, "go");
  EXPECT_EQ(plan.runtime_image, "localhost/ink/base:bookworm");
  EXPECT_EQ(plan.start_command, "/app/app");
  EXPECT_NE(plan.build_command.find("go build"), std::string::npos);
  EXPECT_TRUE(plan.warnings.empty());

  EXPECT_TRUE(Contains(plan.packages, "golang-1.23-go/bookworm-backports"));
  EXPECT_EQ(plan.build_command.find("sed"), std::string::npos);

  // What `go mod init` writes today: three-part versions and toolchain lines are read by 1.23.
  Write("go.mod", "module x\n\ngo 1.22.3\n\ntoolchain go1.22.5\n");
  EXPECT_TRUE(Detect().warnings.empty());
  // Newer than Debian's Go: built with the go line lowered, and said so.
  Write("go.mod", "module x\n\ngo 1.24.0\ntoolchain go1.24.2\n");
  plan = Detect();
  EXPECT_TRUE(AnyContains(plan.warnings, "Go 1.24.0"));
  EXPECT_NE(plan.build_command.find("go 1.23/; /^toolchain /d' go.mod && "), std::string::npos)
      << plan.build_command;
  EXPECT_NE(plan.install_command.find("go 1.23/"), std::string::npos);
}

TEST_F(DetectTest, GoMainInCmdDirectory) {
  Write("go.mod", "module x\n\ngo 1.19\n");
  Write("cmd/server/main.go", "package main\n");
  EXPECT_NE(Detect().build_command.find("./cmd/server"), std::string::npos);
}

TEST_F(DetectTest, RustBinaryNameAndRustVersion) {
  Write("Cargo.toml", "[package]\nname = \"svc\"\nedition = \"2021\"\n");
  BuildPlan plan = Detect();
  EXPECT_EQ(plan.provider, "rust");
  EXPECT_EQ(plan.start_command, "/app/svc");
  EXPECT_TRUE(Contains(plan.packages, "cargo-web"));
  Write("Cargo.toml", "[package]\nname = \"svc\"\nedition = \"2024\"\nrust-version = \"1.85\"\n");
  EXPECT_EQ(Detect().provider, "rust");
  Write("Cargo.toml", "[package]\nname = \"svc\"\nrust-version = \"1.90\"\n");
  EXPECT_NE(DetectError().message.find("Rust 1.85"), std::string::npos);
}

TEST_F(DetectTest, CppExecutableFromCMake) {
  Write("CMakeLists.txt", "project(x)\nadd_executable(server main.cc)\n");
  BuildPlan plan = Detect();
  EXPECT_EQ(plan.provider, "cpp");
  EXPECT_EQ(plan.start_command, "/app/server");
  EXPECT_TRUE(Contains(plan.packages, "g++"));
  Write("CMakeLists.txt", "project(x)\nadd_library(x a.cc)\n");
  EXPECT_NE(DetectError().message.find("add_executable"), std::string::npos);
}

TEST_F(DetectTest, JavaMavenAndGradle) {
  Write("pom.xml", "<project><properties><java.version>21</java.version></properties></project>");
  BuildPlan maven = Detect();
  EXPECT_EQ(maven.provider, "java");
  EXPECT_TRUE(Contains(maven.packages, "maven"));
  EXPECT_EQ(maven.runtime_packages, std::vector<std::string>{"openjdk-17-jre-headless"});
  EXPECT_TRUE(AnyContains(maven.warnings, "OpenJDK 17"));
  fs::remove(root_ / "pom.xml");
  Write("build.gradle", "");
  EXPECT_TRUE(AnyContains(Detect().warnings, "Gradle wrapper"));
}

TEST_F(DetectTest, DotnetIsRefusedClearly) {
  Write("App.csproj", "<Project/>");
  Error error = DetectError();
  EXPECT_EQ(error.code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(error.message.find("no .NET SDK"), std::string::npos);
  EXPECT_NE(error.message.find("Dockerfile"), std::string::npos);
}

TEST_F(DetectTest, RubyAndPhp) {
  Write("Gemfile", "source 'https://rubygems.org'\ngem 'sinatra'\ngem \"puma\"\n");
  Write("config.ru", "run App\n");
  BuildPlan ruby = Detect();
  EXPECT_EQ(ruby.provider, "ruby");
  EXPECT_TRUE(Contains(ruby.packages, "ruby-sinatra"));
  EXPECT_EQ(ruby.start_command, "bundle exec puma -b tcp://0.0.0.0:$PORT config.ru");
  Write("Gemfile", "ruby '3.3.0'\ngem 'rack'\n");
  EXPECT_NE(DetectError().message.find("Ruby 3.1"), std::string::npos);

  fs::remove_all(root_);
  fs::create_directories(root_);
  Write("public/index.php", "<?php echo 1;");
  Write("composer.json", R"({"require":{"php":">=8.1","ext-mbstring":"*"}})");
  BuildPlan php = Detect();
  EXPECT_EQ(php.provider, "php");
  EXPECT_TRUE(Contains(php.packages, "php-mbstring"));
  EXPECT_EQ(php.start_command, "php -S 0.0.0.0:$PORT -t public");
}

TEST_F(DetectTest, StaticSite) {
  Write("index.html", "<p>x</p>");
  BuildPlan plan = Detect();
  EXPECT_EQ(plan.provider, "static");
  EXPECT_EQ(plan.artifacts.at(0).from, "/app");
  EXPECT_EQ(plan.artifacts.at(0).to, "/srv/www");
}

TEST_F(DetectTest, ProcfileAndStartScript) {
  Write("Procfile", "worker: x\nweb: ./serve --port $PORT\n");
  BuildPlan plan = Detect();
  EXPECT_EQ(plan.provider, "shell");
  EXPECT_EQ(plan.start_command, "./serve --port $PORT");
  fs::remove(root_ / "Procfile");
  Write("start.sh", "#!/bin/sh\n");
  EXPECT_EQ(DetectError().code, ErrorCode::kFailedPrecondition);  // not executable
  fs::permissions(root_ / "start.sh", fs::perms::owner_all);
  EXPECT_EQ(Detect().start_command, "./start.sh");
}

TEST_F(DetectTest, ProcfileWebLineWinsOverLanguageStart) {
  Write("main.py", "");
  Write("Procfile", "web: python3 -m http.server $PORT\n");
  BuildPlan plan = Detect();
  EXPECT_EQ(plan.provider, "python");
  EXPECT_EQ(plan.start_command, "python3 -m http.server $PORT");
}

TEST_F(DetectTest, NothingMatchesSaysWhatToAdd) {
  Write("README.md", "hi");
  Error error = DetectError();
  EXPECT_EQ(error.code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(error.message.find("Add a Dockerfile"), std::string::npos);
  EXPECT_NE(error.message.find("root_directory"), std::string::npos);
}

TEST_F(DetectTest, PriorityDockerfileThenLanguages) {
  Write("package.json", R"({"scripts":{"start":"node a.js"}})");
  Write("requirements.txt", "flask\n");
  Write("app.py", "app = 1\n");
  Write("index.html", "");
  EXPECT_EQ(Detect().provider, "python");  // python before node (asset package.json)
  Write("go.mod", "module x\ngo 1.19\n");
  Write("main.go", "");
  EXPECT_EQ(Detect().provider, "go");
  Write("Dockerfile", "FROM localhost/ink/base:bookworm\nEXPOSE 3000\nCMD [\"true\"]\n");
  BuildPlan plan = Detect();
  EXPECT_EQ(plan.provider, "dockerfile");
  EXPECT_EQ(plan.containerfile_path, "Dockerfile");
  EXPECT_EQ(plan.port, 3000);
  EXPECT_NE(plan.containerfile_text.find("EXPOSE 3000"), std::string::npos);
}

TEST_F(DetectTest, OverridesReplaceDetectedValues) {
  Write("package.json", R"({"scripts":{"start":"node a.js","build":"x"}})");
  PlanOverrides overrides;
  overrides.start_command = "node b.js";
  overrides.build_command = "";
  overrides.install_command = "npm install --omit=dev";
  overrides.port = 3000;
  BuildPlan plan = Detect(overrides);
  EXPECT_EQ(plan.start_command, "node b.js");
  EXPECT_EQ(plan.build_command, "");
  EXPECT_EQ(plan.install_command, "npm install --omit=dev");
  EXPECT_EQ(plan.port, 3000);
  EXPECT_EQ(plan.env.at("PORT"), "3000");
  EXPECT_TRUE(AnyContains(plan.decisions, "from build settings"));
}

TEST_F(DetectTest, ForcedProviderAndDockerfileSkipped) {
  Write("Dockerfile", "FROM x\n");
  Write("index.html", "");
  PlanOverrides overrides;
  overrides.provider = "static";
  EXPECT_EQ(Detect(overrides).provider, "static");
  overrides.provider = "go";
  EXPECT_NE(DetectError(overrides).message.find("go.mod"), std::string::npos);
}

TEST_F(DetectTest, InkJsonAndRootDirectory) {
  Write("ink.json", R"({"root_directory":"apps/web","start_command":"node server.js"})");
  Write("apps/web/package.json", R"({"scripts":{"start":"node other.js"}})");
  Write("apps/web/ink.toml", "# app settings\nport = 5000\n");
  BuildPlan plan = Detect();
  EXPECT_EQ(plan.root_directory, "apps/web");
  EXPECT_EQ(plan.provider, "node");
  EXPECT_EQ(plan.start_command, "node server.js");
  EXPECT_EQ(plan.port, 5000);
  EXPECT_TRUE(Contains(plan.detected_files, "ink.json"));
  EXPECT_TRUE(Contains(plan.detected_files, "apps/web/ink.toml"));
  // Build settings win over ink.json.
  PlanOverrides overrides;
  overrides.start_command = "node third.js";
  EXPECT_EQ(Detect(overrides).start_command, "node third.js");
}

TEST_F(DetectTest, BadSettingsFiles) {
  Write("ink.json", R"({"start":"x"})");
  Error error = DetectError();
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_NE(error.message.find("unknown key \"start\""), std::string::npos);
  fs::remove(root_ / "ink.json");
  Write("ink.toml", "[build]\nstart_command = 'x'\n");
  EXPECT_NE(DetectError().message.find("ink.toml line 1"), std::string::npos);
  Write("ink.toml", "root_directory = \"missing\"\n");
  EXPECT_NE(DetectError().message.find("\"missing\" is not a directory"), std::string::npos);
}

TEST_F(DetectTest, ShellListStartCommandWarns) {
  Write("main.py", "");
  PlanOverrides overrides;
  overrides.start_command = "python3 migrate.py && python3 main.py";
  EXPECT_TRUE(AnyContains(Detect(overrides).warnings, "SIGTERM"));
}

TEST_F(DetectTest, PlanJsonHasTheDocumentedFields) {
  Write("main.py", "");
  Json json = ToJson(Detect());
  for (const char* key : {"provider", "detected_files", "decisions", "root_directory", "base_image",
                          "packages", "install_command", "build_command", "start_command",
                          "start_argv", "port", "env", "caches", "warnings"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_EQ(json["start_argv"], Json({"python3", "main.py"}));
}

TEST_F(DetectTest, SourceRootMustBeADirectory) {
  auto plan = DetectPlan(root_ / "nope", {});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace ink
