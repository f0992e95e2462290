// ink-build-runtime: the OCI runtime podman build is given for Ink's builds
// (`podman --runtime ink-build-runtime build --runtime-flag ink-guard=POLICY ...`). For `create`
// and `run` it checks the bundle's config.json against the build's policy (runtime_guard.h:
// no bind mount from the host outside buildah's storage and the build's own tree, own
// namespaces, no dangerous capabilities, the pids limit written in) and then execs the real
// runtime (crun) with the same arguments minus its own flag; every other subcommand (state,
// start, kill, delete, ...) goes straight to the real runtime. Without a policy file a
// create/run is refused: the guard fails closed.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "src/build/runtime_guard.h"

namespace {

int Refuse(const std::string& message) {
  std::cerr << "ink-build-runtime: " << message << "\n";
  return 125;
}

ink::Result<ink::Json> ReadJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) return ink::NotFound("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return ink::ParseJson(text.str());
}

bool WriteJson(const std::string& path, const ink::Json& json) {
  std::string tmp = path + ".ink-guard.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << json.dump();
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

int Exec(const std::string& runtime, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(runtime.c_str()));
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  ::execvp(runtime.c_str(), argv.data());
  return Refuse("cannot run the OCI runtime " + runtime);
}

}  // namespace

int main(int argc, char** argv) {
  auto invocation =
      ink::build::ParseRuntimeInvocation(std::vector<std::string>(argv + 1, argv + argc));
  ink::build::RuntimeGuardPolicy policy;
  if (!invocation.guard_file.empty()) {
    auto json = ReadJson(invocation.guard_file);
    if (!json.ok()) return Refuse("build policy: " + json.error().message);
    auto parsed = ink::build::RuntimeGuardPolicy::FromJson(*json);
    if (!parsed.ok()) return Refuse(parsed.error().message);
    policy = *parsed;
  }
  if (invocation.subcommand != "create" && invocation.subcommand != "run") {
    return Exec(policy.runtime, invocation.args);
  }
  if (invocation.guard_file.empty()) {
    return Refuse("refused to " + invocation.subcommand +
                  " a container without a build policy (--ink-guard=FILE)");
  }
  std::string config_path = invocation.bundle + "/config.json";
  auto config = ReadJson(config_path);
  if (!config.ok()) return Refuse(config.error().message);
  ink::build::GuardContext context;
  context.realpath = ink::build::SystemRealPath;
  auto bundle = context.realpath(invocation.bundle);
  if (!bundle.ok()) return Refuse("bundle: " + bundle.error().message);
  context.bundle = *bundle;
  {
    std::ifstream in("/proc/self/mountinfo");
    std::stringstream text;
    text << in.rdbuf();
    context.mounts = ink::build::ParseMountInfo(text.str());
  }
  auto guarded = ink::build::GuardBundleConfig(*config, policy, context);
  if (!guarded.ok()) return Refuse(guarded.error().message);
  if (!WriteJson(config_path, *guarded)) return Refuse("cannot rewrite " + config_path);
  return Exec(policy.runtime, invocation.args);
}
