// Compiled-language providers: Go, Rust, C/C++ (CMake), Java (Maven/Gradle) and .NET (refused:
// Debian has no SDK). Each builds in a toolchain stage and copies the program into a slim
// runtime stage on the base image.
#include <algorithm>
#include <regex>

#include "detect_internal.h"
#include "toolchain.h"

namespace ink::build {
namespace {

void MultiStage(BuildPlan& plan, const std::string& built, const std::string& installed) {
  plan.runtime_image = kBaseImage;
  plan.artifacts.push_back({built, installed});
}

// The value of `key = "..."` inside the TOML table `[table]` (first occurrence), or "".
std::string TomlString(const std::string& text, const std::string& table, const std::string& key) {
  size_t start = text.find("[" + table + "]");
  if (start == std::string::npos) return "";
  size_t end = text.find("\n[", start + 1);
  std::string section =
      text.substr(start, end == std::string::npos ? std::string::npos : end - start);
  std::smatch match;
  if (std::regex_search(section, match,
                        std::regex("(^|\\n)\\s*" + key + "\\s*=\\s*[\"']([^\"']*)[\"']")))
    return match[2];
  return "";
}

}  // namespace

bool MatchesGo(const SourceTree& tree) { return tree.IsFile("go.mod"); }

Result<BuildPlan> PlanGo(const SourceTree& tree) {
  auto mod = tree.Read("go.mod");
  if (!mod) return FailedPrecondition("provider \"go\" needs a go.mod");
  BuildPlan plan = NewPlan("go");
  plan.packages = {kGoPackage, "git"};
  plan.env["PATH"] =
      std::string(kGoBin) + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  plan.decisions.push_back("toolchain: Go " + ToString(kDebianGo) +
                           " from Debian bookworm-backports (GOTOOLCHAIN=local: no download)");
  AddManifestIfPresent(tree, plan, "go.mod");
  AddManifestIfPresent(tree, plan, "go.sum");
  // Go refuses a go.mod that asks for a newer Go than it is; such a module is built with the
  // go line lowered to this Go (most code compiles; newer language or library features fail
  // with the compiler naming them).
  std::string lower;
  std::smatch match;
  if (std::regex_search(*mod, match, std::regex("(^|\\n)go ([0-9]+\\.[0-9]+)(\\.[0-9]+)?"))) {
    std::string wanted = match[2].str() + match[3].str();
    auto version = ParseVersion(match[2].str());
    if (version && Newer(*version, kDebianGo)) {
      lower = "sed -i -E 's/^go [0-9.]+[[:space:]]*$/go " + ToString(kDebianGo) +
              "/; /^toolchain /d' go.mod && ";
      plan.warnings.push_back("go.mod asks for Go " + wanted +
                              " but the newest Go from Debian is " + ToString(kDebianGo) +
                              "; the build lowers the go line to " + ToString(kDebianGo) +
                              ", and code using newer language or library features will not "
                              "compile");
    }
  }
  plan.install_command = lower + "GOTOOLCHAIN=local go mod download";
  plan.caches = {{"/root/go/pkg/mod", "Go module cache"},
                 {"/root/.cache/go-build", "Go build cache"}};
  std::string package = ".";
  if (!tree.HasFileWithSuffix(".go")) {
    for (const auto& name : tree.List("cmd")) {
      if (tree.HasFileWithSuffix(".go", "cmd/" + name)) {
        package = "./cmd/" + name;
        break;
      }
    }
    if (package == ".") {
      return FailedPrecondition(
          "go.mod found but no .go files at the root or in cmd/<name>/; "
          "set build_command (e.g. \"CGO_ENABLED=0 go build -o /out/app "
          "./server\")");
    }
  }
  plan.build_command =
      lower + "GOTOOLCHAIN=local CGO_ENABLED=0 go build -trimpath -o /out/app " + package;
  plan.decisions.push_back("build: go build " + package +
                           " into a static binary (CGO off), run "
                           "from a runtime stage without the Go toolchain");
  MultiStage(plan, "/out/app", "/app/app");
  plan.start_command = "/app/app";
  return plan;
}

bool MatchesRust(const SourceTree& tree) { return tree.IsFile("Cargo.toml"); }

Result<BuildPlan> PlanRust(const SourceTree& tree) {
  auto cargo = tree.Read("Cargo.toml");
  if (!cargo) return FailedPrecondition("provider \"rust\" needs a Cargo.toml");
  BuildPlan plan = NewPlan("rust");
  plan.detected_files.push_back("Cargo.toml");
  if (tree.IsFile("Cargo.lock")) plan.detected_files.push_back("Cargo.lock");
  // rustc-web/cargo-web (1.85, kept current for Firefox) rather than rustc/cargo 1.63, which
  // cannot read today's Cargo.lock (version 4) or edition 2024.
  plan.packages = {"rustc-web", "cargo-web", "git"};
  plan.decisions.push_back("toolchain: Rust " + ToString(kDebianRust) +
                           " (Debian's rustc-web and cargo-web)");
  std::string name = TomlString(*cargo, "[bin]", "name");
  if (name.empty()) name = TomlString(*cargo, "package", "name");
  if (name.empty()) {
    return InvalidArgument("Cargo.toml has no [package] name; add one (it names the binary)");
  }
  std::string rust_version = TomlString(*cargo, "package", "rust-version");
  auto version = ParseVersion(rust_version);
  if (version && Newer(*version, kDebianRust)) {
    return FailedPrecondition("Cargo.toml needs rust-version " + rust_version +
                              " but Debian bookworm has Rust " + ToString(kDebianRust) +
                              " (cargo refuses to build); lower rust-version or build with a "
                              "Dockerfile");
  }
  // Cargo cannot resolve a manifest without its sources, so there is no separate install
  // layer; downloaded crates are a build cache. The target directory is not: cache mounts are
  // keyed by path, so every Rust app built on the host would share (and fight over) one.
  plan.caches = {{"/root/.cargo/registry", "crates download cache"}};
  plan.build_command =
      "cargo build --release && install -D target/release/" + name + " /out/" + name;
  plan.decisions.push_back("build: cargo build --release of binary \"" + name + "\"");
  MultiStage(plan, "/out/" + name, "/app/" + name);
  plan.start_command = "/app/" + name;
  return plan;
}

bool MatchesCpp(const SourceTree& tree) { return tree.IsFile("CMakeLists.txt"); }

Result<BuildPlan> PlanCpp(const SourceTree& tree) {
  auto cmake = tree.Read("CMakeLists.txt");
  if (!cmake) return FailedPrecondition("provider \"cpp\" needs a CMakeLists.txt");
  BuildPlan plan = NewPlan("cpp");
  plan.detected_files.push_back("CMakeLists.txt");
  plan.packages = {"cmake", "make", "g++"};
  std::smatch match;
  if (!std::regex_search(*cmake, match,
                         std::regex("add_executable\\s*\\(\\s*([A-Za-z0-9_.+-]+)[\\s)]"))) {
    return FailedPrecondition(
        "CMakeLists.txt has no add_executable(<name> ...) with a literal "
        "name; set start_command and build_command in the build settings");
  }
  std::string name = match[1];
  if (std::regex_search(*cmake, std::regex("find_package|pkg_check_modules|find_library"))) {
    plan.warnings.push_back(
        "CMakeLists.txt looks for libraries: their -dev packages are not "
        "installed by the plan and the runtime stage has only the base "
        "image's libraries; use a Dockerfile to add them");
  }
  // No build-tree cache: cache mounts are keyed by path, and CMake refuses a build tree made
  // for another source directory, so two C++ apps on one host would break each other.
  plan.build_command =
      "cmake -S . -B .ink-build -DCMAKE_BUILD_TYPE=Release && cmake --build .ink-build -j "
      "\"$(nproc)\" "
      "--target " +
      name + " && install -D \"$(find .ink-build -maxdepth 3 -type f -name " + name +
      " -perm -u+x | head -n 1)\" /out/" + name;
  plan.decisions.push_back("build: CMake Release build of executable \"" + name +
                           "\" (add_executable in CMakeLists.txt)");
  MultiStage(plan, "/out/" + name, "/app/" + name);
  plan.start_command = "/app/" + name;
  return plan;
}

bool MatchesJava(const SourceTree& tree) {
  return tree.IsFile("pom.xml") || tree.IsFile("build.gradle") || tree.IsFile("build.gradle.kts");
}

Result<BuildPlan> PlanJava(const SourceTree& tree) {
  BuildPlan plan = NewPlan("java");
  std::string jar;
  if (auto pom = tree.Read("pom.xml")) {
    plan.packages = {"openjdk-17-jdk-headless", "maven"};
    AddManifestIfPresent(tree, plan, "pom.xml");
    plan.install_command = "mvn -B -q dependency:go-offline";
    plan.build_command = "mvn -B -DskipTests package";
    plan.caches = {{"/root/.m2", "Maven repository"}};
    jar = "target";
    std::smatch match;
    if (std::regex_search(*pom, match,
                          std::regex("<(java\\.version|maven\\.compiler\\.release|maven\\.compiler"
                                     "\\.target)>\\s*([0-9.]+)\\s*<"))) {
      auto version = ParseVersion(match[2]);
      if (version && version->major == 1) version = ParseVersion(match[2].str().substr(2));
      if (version && version->major > kDebianJava.major) {
        plan.warnings.push_back("pom.xml targets Java " + match[2].str() +
                                " but Debian bookworm has OpenJDK 17; the compiler will refuse");
      }
    }
    plan.decisions.push_back("build: Maven (pom.xml) with OpenJDK 17");
  } else if (tree.IsFile("build.gradle") || tree.IsFile("build.gradle.kts")) {
    plan.packages = {"openjdk-17-jdk-headless"};
    plan.detected_files.push_back(tree.FirstFile({"build.gradle", "build.gradle.kts"}));
    if (tree.IsFile("gradlew")) {
      plan.detected_files.push_back("gradlew");
      plan.build_command = "sh ./gradlew --no-daemon build -x test";
      plan.decisions.push_back("build: the project's Gradle wrapper (it downloads Gradle)");
    } else {
      plan.packages.push_back("gradle");
      plan.build_command = "gradle --no-daemon build -x test";
      plan.warnings.push_back("no gradlew: Debian's Gradle " + ToString(kDebianGradle) +
                              " is used, which is too old for most current builds; commit the "
                              "Gradle wrapper (gradlew and gradle/wrapper/)");
    }
    plan.caches = {{"/root/.gradle", "Gradle caches"}};
    jar = "build/libs";
  } else {
    return FailedPrecondition("provider \"java\" needs pom.xml or build.gradle");
  }
  plan.build_command += " && install -D \"$(ls " + jar +
                        "/*.jar | grep -v -E '(-plain|-sources|-javadoc|original-)' | head -n 1)\" "
                        "/out/app.jar";
  plan.runtime_image = kBaseImage;
  plan.runtime_packages = {"openjdk-17-jre-headless"};
  plan.artifacts.push_back({"/out/app.jar", "/app/app.jar"});
  // Spring Boot reads server.port, not PORT; other programs ignore the property.
  plan.start_command = "java -Dserver.port=$PORT -jar /app/app.jar";
  plan.decisions.push_back("start: java -jar with the built jar in a JRE-only runtime stage");
  return plan;
}

bool MatchesDotnet(const SourceTree& tree) {
  return tree.HasFileWithSuffix(".csproj") || tree.HasFileWithSuffix(".fsproj") ||
         tree.HasFileWithSuffix(".sln");
}

Result<BuildPlan> PlanDotnet(const SourceTree& tree) {
  (void)tree;
  return FailedPrecondition(
      ".NET project found (*.csproj/*.fsproj/*.sln), but Debian bookworm has no .NET SDK package "
      "(apt-cache policy dotnet-sdk-8.0 finds nothing), so Ink cannot build it from source. Add a "
      "Dockerfile whose build starts from an image with the .NET SDK that your registry serves, "
      "or deploy a prebuilt image");
}

}  // namespace ink::build
