// Build plans: how Ink turns a source tree without a Dockerfile into a Containerfile.
//
// DetectPlan() looks at the files of a source tree (no network, no processes) and decides the
// stack with an ordered provider registry: an explicit Dockerfile/Containerfile in the app's
// root directory always wins, then ink.json / ink.toml settings, then language providers (Node.js,
// Python, Go, Ruby, PHP, Rust, Java, .NET, C/C++, static site) and finally a Procfile `web:` line
// or an executable start.sh. The resulting BuildPlan records what was decided and why (the files
// seen, one sentence per decision) so an agent or a person can inspect it (`ToJson`) before or
// after a build. RenderContainerfile() turns a plan into a Containerfile for `podman build`.
//
// Build contract for the pipeline (callers: the build pipeline in src/build, `ink plan`):
//   podman build --runtime crun
//     --volume /etc/ssl/certs/ca-certificates.crt:/etc/ink/host-ca.crt:ro
//     -f <rendered Containerfile, written OUTSIDE the context> <source_root>/<root_directory>
// The host CA bundle is used by RUN steps only (ARG variables such as SSL_CERT_FILE point at
// /etc/ink/host-ca.crt), never copied into the image. The image listens on plan.port and has
// PORT set in its environment.
//
// Thread contract: free functions over plain values; safe to call from any thread.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ink/common/json.h"
#include "ink/common/result.h"

namespace ink {

// Settings that replace what detection would choose. Parsed from ServiceSpec.build_settings
// (JSON text) and read from ink.json / ink.toml in the source tree. Unset fields keep the
// detected value. JSON keys: provider, install_command, build_command, start_command, port,
// root_directory.
struct PlanOverrides {
  std::optional<std::string> provider;  // force a provider by name, e.g. "node", "static"
  std::optional<std::string> install_command;
  std::optional<std::string> build_command;  // "" means: no build step
  std::optional<std::string> start_command;
  std::optional<int> port;                    // 1-65535
  std::optional<std::string> root_directory;  // relative, inside the source tree ("apps/web")
};

// Parses build settings JSON text ("" or "{}" = no overrides). Unknown keys, wrong types, a port
// out of range, an absolute or escaping root directory and unknown providers are InvalidArgument
// errors that name the key and say how to fix it.
Result<PlanOverrides> ParsePlanOverrides(const std::string& json_text);

// The overrides as JSON (only the fields that are set); ParsePlanOverrides(ToJson(o).dump()) == o.
Json ToJson(const PlanOverrides& overrides);

// The names DetectPlan knows, in registry (priority) order, e.g. "dockerfile", "node", ...
const std::vector<std::string>& ProviderNames();

// A build cache directory mounted into RUN steps (RUN --mount=type=cache,target=...).
struct BuildCache {
  std::string target;   // absolute path inside the build container, e.g. "/root/.npm"
  std::string purpose;  // "npm download cache"
};

// A file or directory copied from the build stage into the slim runtime stage.
struct Artifact {
  std::string from;  // absolute path in the build stage, e.g. "/app/dist"
  std::string to;    // absolute path in the runtime stage
};

struct BuildPlan {
  std::string provider;                     // "dockerfile", "node", "python", "go", "static", ...
  std::vector<std::string> detected_files;  // files (relative to root_directory) that matched
  std::vector<std::string> decisions;       // one sentence per decision, e.g. "start: package.json
                                            // scripts.start"
  std::string root_directory;               // relative to the source root; "" = the source root
                                            // (also the podman build context)
  // Build stage.
  std::string base_image;                   // FROM of the build stage
  std::vector<std::string> packages;        // Debian packages installed first (the toolchain)
  std::vector<std::string> setup_commands;  // after packages, before the manifests
  std::vector<std::string> manifest_files;  // copied (and installed) before the rest of the source
  std::string install_command;              // "" = none
  std::string build_command;                // "" = none
  std::vector<BuildCache> caches;           // mounted into install and build steps
  // Runtime stage; runtime_image "" means single stage (the app runs where it was built).
  std::string runtime_image;
  std::vector<std::string> runtime_packages;
  std::vector<Artifact> artifacts;
  std::string workdir = "/app";
  std::string start_command;  // shell syntax; rendered in exec form (see plan JSON)
  int port = 8080;
  std::map<std::string, std::string> env;  // baked into the image; always holds PORT
  std::string user;                        // runtime user name ("app"), "" = root
  std::vector<std::string> warnings;       // things that may break the build or the app
  // provider "dockerfile" only: the file used (relative to root_directory) and its text.
  std::string containerfile_path;
  std::string containerfile_text;  // not in ToJson (it is in the tree)
};

// Decides how to build the tree at `source_root` (a directory). Errors: InvalidArgument for bad
// ink.json/ink.toml or overrides (root directory missing, forced provider that does not fit),
// FailedPrecondition when no provider matches or the toolchain is missing from Debian (.NET),
// with a message saying what to add (e.g. "add a Dockerfile or a start command").
Result<BuildPlan> DetectPlan(const std::filesystem::path& source_root,
                             const PlanOverrides& overrides);

// The plan as JSON: provider, detected_files, decisions, root_directory, base_image, packages,
// setup_commands, manifest_files, install_command, build_command, start_command, start_argv (the
// exec-form CMD), runtime_image, runtime_packages, artifacts, port, env, caches, user, warnings,
// containerfile_path.
Json ToJson(const BuildPlan& plan);

// The exec-form argv the image's CMD uses for `start_command`: simple words are split; anything
// using shell syntax ($PORT, &&, quotes) becomes ["/bin/sh","-c","exec <command>"] so the app,
// not the shell, receives signals.
std::vector<std::string> StartArgv(const std::string& start_command);

// Renders the Containerfile for `plan` (the user's own text for provider "dockerfile").
// InvalidArgument if the plan cannot be rendered (no start command, port out of range).
Result<std::string> RenderContainerfile(const BuildPlan& plan);

}  // namespace ink
