// Internals of DetectPlan (ink/build/plan.h): a read-only view of the app's source tree, the
// provider registry and helpers the providers share. Internal to ink_build; pure functions of
// the files, safe from any thread.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ink/build/plan.h"
#include "ink/common/result.h"

namespace ink::build {

// The files of one app directory (the root directory of the plan). Paths are relative to it.
class SourceTree {
 public:
  explicit SourceTree(std::filesystem::path root) : root_(std::move(root)) {}
  const std::filesystem::path& root() const { return root_; }
  bool IsFile(const std::string& relative) const;
  bool IsDirectory(const std::string& relative) const;
  bool IsExecutable(const std::string& relative) const;
  // The file's text (at most 1 MiB); nullopt if it is missing or not a regular file.
  std::optional<std::string> Read(const std::string& relative) const;
  // Names of the entries directly in `relative` ("" = the root), sorted.
  std::vector<std::string> List(const std::string& relative = "") const;
  // True if any file directly in `relative` ends with `suffix` (e.g. ".go").
  bool HasFileWithSuffix(const std::string& suffix, const std::string& relative = "") const;
  // The first of `names` that is a file, or "".
  std::string FirstFile(const std::vector<std::string>& names) const;

 private:
  std::filesystem::path root_;
};

// One entry of the registry. `matches` is a cheap look at marker files; `plan` builds the plan
// (it is also called when a provider is forced, so it must fail clearly without its markers).
struct Provider {
  const char* name;
  bool (*matches)(const SourceTree& tree);
  Result<BuildPlan> (*plan)(const SourceTree& tree);
};

// The registry in priority order (first match wins).
const std::vector<Provider>& Providers();

// A plan with the defaults every provider starts from: base image, non-root user "app",
// port 8080, PORT in env, the provider name.
BuildPlan NewPlan(const std::string& provider);

// Adds `file` to plan.detected_files and plan.manifest_files if it exists in `tree`.
void AddManifestIfPresent(const SourceTree& tree, BuildPlan& plan, const std::string& file);

// Providers (provider_*.cc).
bool MatchesNode(const SourceTree& tree);
Result<BuildPlan> PlanNode(const SourceTree& tree);
bool MatchesPython(const SourceTree& tree);
Result<BuildPlan> PlanPython(const SourceTree& tree);
bool MatchesGo(const SourceTree& tree);
Result<BuildPlan> PlanGo(const SourceTree& tree);
bool MatchesRust(const SourceTree& tree);
Result<BuildPlan> PlanRust(const SourceTree& tree);
bool MatchesJava(const SourceTree& tree);
Result<BuildPlan> PlanJava(const SourceTree& tree);
bool MatchesDotnet(const SourceTree& tree);
Result<BuildPlan> PlanDotnet(const SourceTree& tree);
bool MatchesCpp(const SourceTree& tree);
Result<BuildPlan> PlanCpp(const SourceTree& tree);
bool MatchesRuby(const SourceTree& tree);
Result<BuildPlan> PlanRuby(const SourceTree& tree);
bool MatchesPhp(const SourceTree& tree);
Result<BuildPlan> PlanPhp(const SourceTree& tree);
bool MatchesStatic(const SourceTree& tree);
Result<BuildPlan> PlanStatic(const SourceTree& tree);
bool MatchesProcfile(const SourceTree& tree);
Result<BuildPlan> PlanProcfile(const SourceTree& tree);

// The `web:` command of a Procfile, or "" if there is none.
std::string ProcfileWebCommand(const SourceTree& tree);

// Turns `plan` into one that serves `directory` (absolute path in the build stage) as static
// files from a slim runtime stage with busybox httpd. Used by the static provider and by Node
// front ends (Vite, Create React App) whose build output is plain files.
void ServeStaticOutput(BuildPlan& plan, const std::string& directory);

// Settings files in the tree: ink.json or ink.toml (InvalidArgument naming the file and key).
Result<PlanOverrides> ReadSettingsFile(const SourceTree& tree, std::string* file_read);

// Validates one override set (used by ParsePlanOverrides and the settings files); `origin` names
// where they came from for messages ("build settings", "ink.toml").
Result<PlanOverrides> OverridesFromJson(const Json& json, const std::string& origin);

}  // namespace ink::build
