// RenderContainerfile and StartArgv (see ink/build/plan.h).
//
// Layout of a rendered file (single stage, or build + runtime stages):
//   FROM base [AS build]; ARG lines pointing TLS clients at the host CA bundle (RUN steps only);
//   apt-get install <toolchain> (shared by every app of the language through the layer cache);
//   setup commands; COPY <manifests>; RUN <install>; COPY . .; RUN <build>;
//   [FROM base; apt-get install <runtime packages>; COPY --from=build <artifacts>];
//   the app user; ENV; WORKDIR; USER; EXPOSE; CMD in exec form.
#include <algorithm>
#include <sstream>

#include "detect_internal.h"
#include "ink/common/resources.h"
#include "toolchain.h"

namespace ink {
namespace {

// Variables that make common TLS clients trust the bundle the pipeline mounts. ARG, not ENV:
// they exist in RUN steps of the stage that declares them and never reach the image.
const char* const kCaVariables[] = {
    "SSL_CERT_FILE",        // OpenSSL clients: curl, git, Go, Ruby, PHP, pip's urllib3 fallback
    "NODE_EXTRA_CA_CERTS",  // node and npm/yarn/pnpm (added to node's built-in roots)
    "PIP_CERT",             // pip
    "REQUESTS_CA_BUNDLE",   // Python requests (pipenv)
    "CARGO_HTTP_CAINFO",    // cargo
    "GIT_SSL_CAINFO",       // git
    "CURL_CA_BUNDLE",       // curl
    "COMPOSER_CAFILE",      // composer
};

// Variables the build steps need as well as the running app (the Python virtualenv).
bool NeededWhileBuilding(const std::string& name) {
  return name == "PATH" || name == "VIRTUAL_ENV";
}

std::string JsonArray(const std::vector<std::string>& items) { return Json(items).dump(); }

std::string EnvValue(const std::string& value) {
  return Json(value).dump();  // a double-quoted string with escapes, as ENV accepts
}

std::string CacheMounts(const BuildPlan& plan) {
  std::string mounts;
  for (const auto& cache : plan.caches) {
    // Shared (the default), not sharing=locked: buildah 1.28 deadlocks when a later RUN of the
    // same build mounts a locked cache again (a Go build hung for 10 minutes in step 15/15).
    // The caches used here (npm, pip, Go, cargo registry, ...) are safe for concurrent use.
    mounts += "--mount=type=cache,target=" + cache.target + " ";
  }
  return mounts;
}

void AptInstall(std::ostringstream& out, const std::vector<std::string>& packages) {
  if (packages.empty()) return;
  out << "RUN ";
  bool backports = std::any_of(packages.begin(), packages.end(), [](const std::string& p) {
    return p.ends_with("/bookworm-backports");
  });
  if (backports) {
    // The base image's own mirror (mmdebstrap wrote it to sources.list), its backports suite.
    out << "sed -n 's|^deb \\([^ ]*\\) bookworm main.*|deb \\1 bookworm-backports main|p' "
           "/etc/apt/sources.list > /etc/apt/sources.list.d/bookworm-backports.list && ";
  }
  out << "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "
         "--no-install-recommends";
  for (const auto& package : packages) out << " " << package;
  out << " && rm -rf /var/lib/apt/lists/*\n";
}

void AddUser(std::ostringstream& out, const BuildPlan& plan) {
  if (plan.user.empty()) return;
  out << "RUN useradd --uid 10001 --user-group --create-home --home-dir /home/" << plan.user
      << " --shell /usr/sbin/nologin " << plan.user << "\n";
}

}  // namespace

std::vector<std::string> StartArgv(const std::string& start_command) {
  std::istringstream words(start_command);
  std::vector<std::string> argv;
  std::string word;
  while (words >> word) argv.push_back(word);
  bool shell = start_command.find_first_of("$`\\\"';&|<>()*?[]#~{}\n") != std::string::npos ||
               (!argv.empty() && argv[0].find('=') != std::string::npos);
  if (!shell) return argv;
  // `exec` makes the app replace the shell so it receives SIGTERM; a command list cannot be
  // exec'd as a whole, so it keeps the shell (DetectPlan warns about that).
  bool list = start_command.find_first_of(";&|\n") != std::string::npos;
  if (list || start_command.starts_with("exec ")) return {"/bin/sh", "-c", start_command};
  return {"/bin/sh", "-c", "exec " + start_command};
}

Result<std::string> RenderContainerfile(const BuildPlan& plan) {
  if (plan.provider == "dockerfile") {
    if (plan.containerfile_text.empty()) {
      return InvalidArgument("the plan names " + plan.containerfile_path +
                             " but holds no text; it is empty in the source");
    }
    std::string text = plan.containerfile_text;
    if (!plan.start_command.empty()) {  // a start command override replaces the file's CMD
      if (!text.ends_with("\n")) text += "\n";
      text += "# start_command from Ink's build settings\nCMD " +
              JsonArray(StartArgv(plan.start_command)) + "\n";
    }
    return text;
  }
  if (plan.start_command.empty()) {
    return InvalidArgument("the " + plan.provider + " plan has no start command to render");
  }
  INK_RETURN_IF_ERROR(ValidateAppPort(plan.port));
  if (plan.base_image.empty()) return InvalidArgument("the plan has no base image");
  bool multi_stage = !plan.runtime_image.empty();

  std::ostringstream out;
  out << "# Generated by Ink from the \"" << plan.provider << "\" build plan.\n"
      << "# Build with: podman build --volume /etc/ssl/certs/ca-certificates.crt:"
      << build::kHostCaPath << ":ro -f <this file> <app directory>\n";
  out << "FROM " << plan.base_image << (multi_stage ? " AS build" : "") << "\n";
  out << "# The host's CA bundle, mounted by the build only: trusted by RUN steps, not baked in.\n";
  for (const char* variable : kCaVariables) {
    out << "ARG " << variable << "=" << build::kHostCaPath << "\n";
  }
  AptInstall(out, plan.packages);
  if (!multi_stage) AddUser(out, plan);
  for (const auto& [name, value] : plan.env) {
    if (NeededWhileBuilding(name)) out << "ENV " << name << "=" << EnvValue(value) << "\n";
  }
  if (!plan.setup_commands.empty()) {
    out << "RUN ";
    for (size_t i = 0; i < plan.setup_commands.size(); ++i) {
      out << (i ? " && " : "") << plan.setup_commands[i];
    }
    out << "\n";
  }
  out << "WORKDIR /app\n";
  std::string mounts = CacheMounts(plan);
  // Manifests first: a change to the code alone reuses the dependency layer.
  if (!plan.manifest_files.empty()) {
    std::vector<std::string> copy = plan.manifest_files;
    copy.push_back("./");
    out << "COPY " << JsonArray(copy) << "\n";
    if (!plan.install_command.empty()) out << "RUN " << mounts << plan.install_command << "\n";
    out << "COPY . .\n";
  } else {
    out << "COPY . .\n";
    if (!plan.install_command.empty()) out << "RUN " << mounts << plan.install_command << "\n";
  }
  if (!plan.build_command.empty()) out << "RUN " << mounts << plan.build_command << "\n";

  if (multi_stage) {
    out << "\nFROM " << plan.runtime_image << "\n";
    AptInstall(out, plan.runtime_packages);
    AddUser(out, plan);
    for (const auto& artifact : plan.artifacts) {
      out << "COPY --from=build " << JsonArray({artifact.from, artifact.to}) << "\n";
    }
  }
  for (const auto& [name, value] : plan.env) {
    if (!NeededWhileBuilding(name)) out << "ENV " << name << "=" << EnvValue(value) << "\n";
  }
  out << "WORKDIR " << (multi_stage ? plan.workdir : "/app") << "\n";
  if (!plan.user.empty()) out << "USER " << plan.user << "\n";
  out << "EXPOSE " << plan.port << "\n";
  out << "CMD " << JsonArray(StartArgv(plan.start_command)) << "\n";
  return out.str();
}

}  // namespace ink
