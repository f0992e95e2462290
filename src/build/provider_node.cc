// Node.js provider: npm / yarn / pnpm chosen by lockfile, Debian's nodejs 18 + npm 9.
#include <regex>

#include "detect_internal.h"
#include "toolchain.h"

namespace ink::build {
namespace {

bool HasDependency(const Json& package, const std::string& name) {
  for (const char* section : {"dependencies", "devDependencies"}) {
    if (package.contains(section) && package[section].is_object() &&
        package[section].contains(name))
      return true;
  }
  return false;
}

std::string Script(const Json& package, const char* name) {
  if (package.contains("scripts") && package["scripts"].is_object() &&
      package["scripts"].contains(name) && package["scripts"][name].is_string())
    return package["scripts"][name].get<std::string>();
  return "";
}

std::string StringAt(const Json& package, const char* key) {
  return package.contains(key) && package[key].is_string() ? package[key].get<std::string>() : "";
}

}  // namespace

bool MatchesNode(const SourceTree& tree) { return tree.IsFile("package.json"); }

Result<BuildPlan> PlanNode(const SourceTree& tree) {
  auto text = tree.Read("package.json");
  if (!text) return FailedPrecondition("provider \"node\" needs a package.json");
  auto parsed = ParseJson(*text);
  if (!parsed.ok()) return InvalidArgument("package.json: " + parsed.error().message);
  if (!parsed->is_object()) return InvalidArgument("package.json must hold a JSON object");
  const Json& package = *parsed;

  BuildPlan plan = NewPlan("node");
  plan.detected_files.push_back("package.json");
  plan.packages = {"nodejs", "npm"};
  plan.manifest_files.push_back("package.json");
  std::string package_manager_field = StringAt(package, "packageManager");

  // Package manager by lockfile (then the packageManager field), npm by default.
  std::string manager = "npm";
  if (tree.IsFile("pnpm-lock.yaml") || package_manager_field.starts_with("pnpm@")) {
    manager = "pnpm";
  } else if (tree.IsFile("yarn.lock") || package_manager_field.starts_with("yarn@")) {
    manager = "yarn";
  }
  std::string run = manager == "npm" ? "npm run" : manager;
  if (manager == "npm") {
    bool locked = tree.IsFile("package-lock.json") || tree.IsFile("npm-shrinkwrap.json");
    AddManifestIfPresent(tree, plan, "package-lock.json");
    AddManifestIfPresent(tree, plan, "npm-shrinkwrap.json");
    plan.install_command =
        locked ? "npm ci --no-audit --no-fund" : "npm install --no-audit --no-fund";
    plan.decisions.push_back(locked
                                 ? "npm (package-lock.json): npm ci installs exactly the lockfile"
                                 : "npm: no lockfile, so npm install resolves versions at build "
                                   "time (commit package-lock.json for repeatable builds)");
    plan.caches.push_back({"/root/.npm", "npm download cache"});
  } else if (manager == "yarn") {
    AddManifestIfPresent(tree, plan, "yarn.lock");
    AddManifestIfPresent(tree, plan, ".yarnrc");
    plan.packages.push_back("yarnpkg");
    plan.setup_commands.push_back("ln -sf /usr/bin/yarnpkg /usr/local/bin/yarn");
    plan.install_command =
        tree.IsFile("yarn.lock") ? "yarn install --frozen-lockfile" : "yarn install";
    plan.decisions.push_back(
        "yarn (yarn.lock): Debian's yarnpkg 1.22 (Debian's nodejs has no "
        "corepack)");
    plan.caches.push_back({"/root/.cache/yarn", "yarn download cache"});
    auto lock = tree.Read("yarn.lock");
    if ((lock && lock->find("__metadata:") != std::string::npos) ||
        std::regex_search(package_manager_field, std::regex("^yarn@[2-9]"))) {
      plan.warnings.push_back(
          "yarn.lock is from Yarn 2+ (Berry), which needs corepack; Debian's "
          "nodejs lacks it and Yarn 1.22 is used, which may not read the "
          "lockfile. Set install_command, or use npm/pnpm");
    }
  } else {
    AddManifestIfPresent(tree, plan, "pnpm-lock.yaml");
    AddManifestIfPresent(tree, plan, "pnpm-workspace.yaml");
    // pnpm is not packaged by Debian: install it from the npm registry, at the lockfile's major.
    std::string version = "8";
    std::smatch match;
    if (std::regex_search(package_manager_field, match, std::regex("^pnpm@([0-9][^+]*)"))) {
      version = match[1];
    } else if (auto lock = tree.Read("pnpm-lock.yaml")) {
      if (std::regex_search(*lock, match, std::regex("lockfileVersion: '?([0-9]+)"))) {
        version = std::stoi(match[1]) >= 9 ? "9" : "8";
      }
    }
    plan.setup_commands.push_back("npm install -g --no-audit --no-fund pnpm@" + version);
    plan.install_command =
        tree.IsFile("pnpm-lock.yaml") ? "pnpm install --frozen-lockfile" : "pnpm install";
    plan.decisions.push_back("pnpm (pnpm-lock.yaml): pnpm@" + version +
                             " from the npm registry (Debian has no pnpm package)");
    plan.caches.push_back({"/root/.local/share/pnpm/store", "pnpm content store"});
  }
  AddManifestIfPresent(tree, plan, ".npmrc");

  if (package.contains("engines") && package["engines"].is_object() &&
      package["engines"].contains("node") && package["engines"]["node"].is_string()) {
    std::string range = package["engines"]["node"].get<std::string>();
    auto minimum = MinimumOfRange(range);
    if (minimum && minimum->major > kDebianNode.major) {
      plan.warnings.push_back("package.json engines.node is \"" + range +
                              "\" but Debian "
                              "bookworm has Node.js " +
                              ToString(kDebianNode) +
                              "; the app may fail to build or run. Lower the requirement or "
                              "build with a Dockerfile on an image with a newer Node.js");
    }
  }

  std::string build_script = Script(package, "build");
  if (!build_script.empty()) {
    plan.build_command = run + " build";
    plan.decisions.push_back("build: package.json scripts.build (\"" + build_script + "\")");
  }

  std::string start_script = Script(package, "start");
  std::smatch match;
  static const std::regex simple_node("^node ([A-Za-z0-9_./-]+)$");
  bool next = HasDependency(package, "next");
  if (!start_script.empty() && std::regex_match(start_script, match, simple_node)) {
    plan.start_command = start_script;
    plan.decisions.push_back("start: scripts.start (\"" + start_script +
                             "\") run directly, so node receives signals");
  } else if (!start_script.empty()) {
    plan.start_command = manager == "npm" ? "npm start" : manager + " start";
    plan.decisions.push_back("start: package.json scripts.start (\"" + start_script + "\")");
  } else if (next) {
    plan.start_command = "node_modules/.bin/next start";
    plan.decisions.push_back("start: Next.js (next start, which reads PORT)");
  } else {
    std::string main = StringAt(package, "main");
    std::string entry = !main.empty() && tree.IsFile(main)
                            ? main
                            : tree.FirstFile({"server.js", "index.js", "app.js", "main.js",
                                              "server.mjs", "index.mjs"});
    bool front_end = HasDependency(package, "vite") || HasDependency(package, "react-scripts");
    if (!entry.empty()) {
      plan.start_command = "node " + entry;
      plan.decisions.push_back("start: node " + entry +
                               (entry == main ? " (package.json main)" : " (entry file found)"));
    } else if (front_end && !build_script.empty()) {
      std::string out = HasDependency(package, "vite") ? "dist" : "build";
      ServeStaticOutput(plan, "/app/" + out);
      plan.decisions.push_back(
          std::string(HasDependency(package, "vite") ? "Vite" : "Create React App") +
          " front end without a server: the build output " + out + "/ is served as static files");
    }
  }
  if (next && plan.build_command.empty()) {
    plan.warnings.push_back(
        "Next.js app without a build script: `next start` needs `next build` "
        "first; add \"build\": \"next build\" to package.json");
  }
  if (plan.runtime_image.empty()) plan.env["NODE_ENV"] = "production";  // set after install/build
  return plan;
}

}  // namespace ink::build
