// DetectPlan: settings files, the provider registry and overrides (see ink/build/plan.h).
#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include "detect_internal.h"
#include "toolchain.h"

namespace ink {
namespace build {

namespace fs = std::filesystem;

bool SourceTree::IsFile(const std::string& relative) const {
  std::error_code ec;
  return fs::is_regular_file(root_ / relative, ec);
}

bool SourceTree::IsDirectory(const std::string& relative) const {
  std::error_code ec;
  return fs::is_directory(root_ / relative, ec);
}

bool SourceTree::IsExecutable(const std::string& relative) const {
  std::error_code ec;
  auto status = fs::status(root_ / relative, ec);
  if (ec || !fs::is_regular_file(status)) return false;
  return (status.permissions() & fs::perms::owner_exec) != fs::perms::none;
}

std::optional<std::string> SourceTree::Read(const std::string& relative) const {
  if (!IsFile(relative)) return std::nullopt;
  std::ifstream in(root_ / relative, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(1 << 20, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

std::vector<std::string> SourceTree::List(const std::string& relative) const {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(root_ / relative, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
    if (names.size() > 10000) break;  // bounded: a tree this wide is not worth listing further
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool SourceTree::HasFileWithSuffix(const std::string& suffix, const std::string& relative) const {
  for (const auto& name : List(relative)) {
    if (name.size() > suffix.size() && name.ends_with(suffix) &&
        IsFile(relative.empty() ? name : relative + "/" + name))
      return true;
  }
  return false;
}

std::string SourceTree::FirstFile(const std::vector<std::string>& names) const {
  for (const auto& name : names) {
    if (IsFile(name)) return name;
  }
  return "";
}

BuildPlan NewPlan(const std::string& provider) {
  BuildPlan plan;
  plan.provider = provider;
  plan.base_image = kBaseImage;
  plan.user = "app";
  plan.port = 8080;
  plan.env["PORT"] = "8080";
  return plan;
}

void AddManifestIfPresent(const SourceTree& tree, BuildPlan& plan, const std::string& file) {
  if (!tree.IsFile(file)) return;
  plan.manifest_files.push_back(file);
  if (std::find(plan.detected_files.begin(), plan.detected_files.end(), file) ==
      plan.detected_files.end())
    plan.detected_files.push_back(file);
}

std::string ProcfileWebCommand(const SourceTree& tree) {
  auto text = tree.Read("Procfile");
  if (!text) return "";
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.starts_with("web:")) continue;
    std::string command = line.substr(4);
    size_t start = command.find_first_not_of(" \t");
    return start == std::string::npos ? "" : command.substr(start);
  }
  return "";
}

namespace {

bool MatchesDockerfile(const SourceTree& tree) {
  return tree.IsFile("Dockerfile") || tree.IsFile("Containerfile");
}

Result<BuildPlan> PlanDockerfile(const SourceTree& tree) {
  std::string file = tree.FirstFile({"Containerfile", "Dockerfile"});
  if (file.empty()) {
    return FailedPrecondition("provider \"dockerfile\" needs a Dockerfile or Containerfile in " +
                              tree.root().filename().string());
  }
  BuildPlan plan = NewPlan("dockerfile");
  plan.user.clear();  // the Dockerfile decides
  plan.base_image.clear();
  plan.detected_files = {file};
  plan.containerfile_path = file;
  plan.containerfile_text = tree.Read(file).value_or("");
  plan.decisions.push_back(file + " found: it is built as written (it always wins over detection)");
  // The port the image listens on: the last EXPOSE, else the default (PORT is passed at run time).
  std::istringstream lines(plan.containerfile_text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos) continue;
    std::string head = line.substr(start, 7);
    std::transform(head.begin(), head.end(), head.begin(), ::toupper);
    if (head != "EXPOSE ") continue;
    auto version = ParseVersion(line.substr(start + 7));
    if (version && version->major >= 1 && version->major <= 65535) plan.port = version->major;
  }
  if (plan.port != 8080) {
    plan.decisions.push_back("port " + std::to_string(plan.port) + " from EXPOSE in " + file);
  }
  plan.env["PORT"] = std::to_string(plan.port);
  plan.start_command = "";  // the file's CMD/ENTRYPOINT
  return plan;
}

Result<BuildPlan> PlanShellMissing(const SourceTree&) {
  return FailedPrecondition(
      "provider \"shell\" needs a Procfile with a `web:` line, an "
      "executable start.sh, or a start_command");
}

}  // namespace

bool MatchesProcfile(const SourceTree& tree) {
  return !ProcfileWebCommand(tree).empty() || tree.IsExecutable("start.sh");
}

Result<BuildPlan> PlanProcfile(const SourceTree& tree) {
  BuildPlan plan = NewPlan("shell");
  plan.packages = {};
  std::string web = ProcfileWebCommand(tree);
  if (!web.empty()) {
    plan.detected_files.push_back("Procfile");
    plan.start_command = web;
    plan.decisions.push_back("start: the `web:` line of the Procfile");
  } else if (tree.IsExecutable("start.sh")) {
    plan.detected_files.push_back("start.sh");
    plan.start_command = "./start.sh";
    plan.decisions.push_back("start: the executable start.sh");
  } else {
    return PlanShellMissing(tree);
  }
  plan.warnings.push_back(
      "no language was recognised: the app runs on the bare base image (Debian minbase); add "
      "Debian packages with a Dockerfile if it needs more");
  return plan;
}

const std::vector<Provider>& Providers() {
  // Language providers whose marker files are specific come before Node.js, because PHP, Ruby
  // and Python apps often carry a package.json for front-end assets; C/C++ (CMakeLists.txt) and
  // plain static files come after the languages, the Procfile/start.sh fallback last.
  static const std::vector<Provider> providers = {
      {"dockerfile", MatchesDockerfile, PlanDockerfile},
      {"dotnet", MatchesDotnet, PlanDotnet},
      {"go", MatchesGo, PlanGo},
      {"rust", MatchesRust, PlanRust},
      {"java", MatchesJava, PlanJava},
      {"php", MatchesPhp, PlanPhp},
      {"ruby", MatchesRuby, PlanRuby},
      {"python", MatchesPython, PlanPython},
      {"node", MatchesNode, PlanNode},
      {"cpp", MatchesCpp, PlanCpp},
      {"static", MatchesStatic, PlanStatic},
      {"shell", MatchesProcfile, PlanProcfile},
  };
  return providers;
}

namespace {

void Merge(PlanOverrides& into, const PlanOverrides& from) {
  if (from.provider) into.provider = from.provider;
  if (from.install_command) into.install_command = from.install_command;
  if (from.build_command) into.build_command = from.build_command;
  if (from.start_command) into.start_command = from.start_command;
  if (from.port) into.port = from.port;
  if (from.root_directory) into.root_directory = from.root_directory;
}

// Which layer set a field, for the plan's decisions.
std::string Origin(const std::optional<std::string>& from_settings_service, const std::string& f) {
  return from_settings_service ? "build settings" : f;
}

}  // namespace

}  // namespace build

const std::vector<std::string>& ProviderNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& provider : build::Providers()) out.push_back(provider.name);
    return out;
  }();
  return names;
}

Result<BuildPlan> DetectPlan(const std::filesystem::path& source_root,
                             const PlanOverrides& overrides) {
  using namespace build;
  std::error_code ec;
  if (!fs::is_directory(source_root, ec)) {
    return InvalidArgument("source root " + source_root.string() + " is not a directory");
  }
  SourceTree top(source_root);
  std::string top_file;
  auto top_settings = ReadSettingsFile(top, &top_file);
  if (!top_settings.ok()) return top_settings.error();

  std::string root_directory =
      overrides.root_directory.value_or(top_settings->root_directory.value_or(""));
  if (!root_directory.empty() && !top.IsDirectory(root_directory)) {
    return InvalidArgument("root_directory \"" + root_directory +
                           "\" is not a directory in the source; set it to the folder that holds "
                           "the app (relative to the repository root)");
  }
  SourceTree tree(root_directory.empty() ? source_root : source_root / root_directory);

  // Settings: ink.* at the source root, then ink.* in the app's root directory, then the
  // service's build settings, each later one overriding the earlier.
  PlanOverrides merged = *top_settings;
  std::vector<std::string> settings_files;
  if (!top_file.empty()) settings_files.push_back(top_file);
  if (!root_directory.empty()) {
    std::string app_file;
    auto app_settings = ReadSettingsFile(tree, &app_file);
    if (!app_settings.ok()) return app_settings.error();
    if (!app_file.empty()) settings_files.push_back(root_directory + "/" + app_file);
    Merge(merged, *app_settings);
  }
  std::string file_origin = settings_files.empty() ? "" : settings_files.back();
  Merge(merged, overrides);

  Result<BuildPlan> planned = FailedPrecondition("");
  bool found = false;
  if (merged.provider) {
    for (const auto& provider : Providers()) {
      if (provider.name != *merged.provider) continue;
      planned = provider.plan(tree);
      found = true;
      if (planned.ok()) {
        planned->decisions.insert(planned->decisions.begin(),
                                  "provider \"" + *merged.provider + "\" chosen by " +
                                      Origin(overrides.provider, file_origin));
      }
    }
  } else {
    for (const auto& provider : Providers()) {
      if (!provider.matches(tree)) continue;
      planned = provider.plan(tree);
      found = true;
      break;
    }
  }
  if (!found && merged.start_command) {
    planned = NewPlan("shell");
    planned->warnings.push_back(
        "no language was recognised: the start command runs on the bare base image");
    found = true;
  }
  if (!found) {
    return FailedPrecondition(
        "could not tell how to build " +
        (root_directory.empty() ? std::string("the source") : "\"" + root_directory + "\"") +
        ": no Dockerfile, package.json, requirements.txt/pyproject.toml/Pipfile, go.mod, "
        "Cargo.toml, pom.xml/build.gradle, Gemfile, composer.json/index.php, CMakeLists.txt, "
        "index.html, Procfile or executable start.sh was found. Add a Dockerfile, or set a "
        "start_command (and provider) in the build settings or ink.json" +
        (root_directory.empty() ? "; if the app is in a subfolder, set root_directory" : ""));
  }
  if (!planned.ok()) return planned.error();
  BuildPlan plan = std::move(*planned);
  plan.root_directory = root_directory;
  for (const auto& file : settings_files) plan.detected_files.push_back(file);

  bool dockerfile = plan.provider == "dockerfile";
  auto apply = [&](const std::optional<std::string>& override_value,
                   const std::optional<std::string>& service_value, std::string& field,
                   const char* what) {
    if (!override_value) return;
    if (dockerfile && std::string(what) != "start") {
      plan.warnings.push_back(std::string(what) +
                              " command ignored: the Dockerfile decides how the image is built");
      return;
    }
    field = *override_value;
    plan.decisions.push_back(std::string(what) + ": \"" + field + "\" from " +
                             Origin(service_value, file_origin));
  };
  apply(merged.install_command, overrides.install_command, plan.install_command, "install");
  apply(merged.build_command, overrides.build_command, plan.build_command, "build");
  if (!merged.start_command && !dockerfile && plan.provider != "shell") {
    std::string web = ProcfileWebCommand(tree);
    if (!web.empty()) {
      plan.start_command = web;
      plan.detected_files.push_back("Procfile");
      plan.decisions.push_back("start: the `web:` line of the Procfile (it wins over the " +
                               plan.provider + " default)");
    }
  }
  apply(merged.start_command, overrides.start_command, plan.start_command, "start");
  if (merged.port) {
    plan.port = *merged.port;
    plan.env["PORT"] = std::to_string(plan.port);
    plan.decisions.push_back("port " + std::to_string(plan.port) + " from " +
                             (overrides.port ? std::string("build settings") : file_origin));
  }
  if (!plan.start_command.empty()) {
    auto argv = StartArgv(plan.start_command);
    if (argv.size() == 3 && argv[0] == "/bin/sh" && !argv[2].starts_with("exec ")) {
      plan.warnings.push_back(
          "the start command is a shell command list, so the shell stays "
          "the main process and the app may not see SIGTERM on stop; put the "
          "steps in a script that ends with `exec <server>`");
    }
  }
  if (!dockerfile && plan.start_command.empty()) {
    return FailedPrecondition("the " + plan.provider + " plan has no start command: " +
                              "set start_command in the build settings or ink.json (e.g. "
                              "\"node server.js\"), or add a Procfile with a `web:` line");
  }
  return plan;
}

Json ToJson(const BuildPlan& plan) {
  Json caches = Json::array();
  for (const auto& cache : plan.caches) {
    caches.push_back({{"target", cache.target}, {"purpose", cache.purpose}});
  }
  Json artifacts = Json::array();
  for (const auto& artifact : plan.artifacts) {
    artifacts.push_back({{"from", artifact.from}, {"to", artifact.to}});
  }
  Json out = {
      {"provider", plan.provider},
      {"detected_files", plan.detected_files},
      {"decisions", plan.decisions},
      {"root_directory", plan.root_directory},
      {"base_image", plan.base_image},
      {"packages", plan.packages},
      {"setup_commands", plan.setup_commands},
      {"manifest_files", plan.manifest_files},
      {"install_command", plan.install_command},
      {"build_command", plan.build_command},
      {"caches", caches},
      {"runtime_image", plan.runtime_image},
      {"runtime_packages", plan.runtime_packages},
      {"artifacts", artifacts},
      {"workdir", plan.workdir},
      {"start_command", plan.start_command},
      {"start_argv",
       plan.start_command.empty() ? Json::array() : Json(StartArgv(plan.start_command))},
      {"port", plan.port},
      {"env", plan.env},
      {"user", plan.user},
      {"warnings", plan.warnings},
  };
  if (!plan.containerfile_path.empty()) out["containerfile_path"] = plan.containerfile_path;
  return out;
}

}  // namespace ink
