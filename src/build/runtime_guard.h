// The build runtime guard: the check ink-build-runtime (src/cmd/ink-build-runtime) makes on the
// OCI bundle of every RUN step before it hands the step to crun. It is the second wall behind
// the Dockerfile policy (dockerfile_policy.h): if a Containerfile ever gets a mount past the
// parser (a buildah option Ink misreads, a traversal not yet known), the step still cannot see
// the host, because the runtime refuses a config.json that
//   - bind-mounts anything from outside the allowed sources: containers' storage, the step's
//     own run directory, the workspace's cache directory, this build's work tree (context,
//     secret) and the host CA bundle. buildah has already mounted each source inside the
//     bundle by then, so the guard asks the mount table what each one really shows (device
//     and path in that file system) and checks that host path;
//   - has a root file system outside containers' storage;
//   - lacks a mount, pid, ipc, uts or network namespace, or joins a namespace by a path other
//     than a network namespace netavark made (/run/netns/...): no host network, no host pid;
//   - holds a capability that reaches past the container (CAP_SYS_ADMIN, CAP_SYS_MODULE, ...).
// It also writes the build's pids limit into the config (podman build has no --pids-limit).
//
// Pure functions over JSON plus a realpath callback: unit-tested without a runtime. Internal to
// ink_build and ink-build-runtime.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ink/common/json.h"
#include "ink/common/result.h"

namespace ink::build {

struct RuntimeGuardPolicy {
  std::string runtime = "crun";  // the real OCI runtime the guard execs
  // Host paths a bind mount may show (a directory and what is below it, or a file): the
  // build's work tree (context, secret file), containers' storage (secrets buildah copies,
  // stages), the workspace's cache directory, the host CA bundle. The bundle directory
  // (buildah's per-step run directory: resolv.conf, hosts) is always allowed.
  std::vector<std::string> allowed_sources;
  // Where the step's root file system may be, besides the bundle directory.
  std::vector<std::string> allowed_roots;
  int64_t pids_limit = 0;  // written into linux.resources.pids.limit; 0 = left alone

  Json ToJson() const;
  static Result<RuntimeGuardPolicy> FromJson(const Json& json);
};

// One line of /proc/self/mountinfo.
struct MountEntry {
  std::string device;      // "254:0"
  std::string root;        // the path inside that file system which is mounted here
  std::string mountpoint;  // where
  std::string fstype;
};
std::vector<MountEntry> ParseMountInfo(const std::string& text);

// Which host path `path` (already resolved) shows. buildah 1.28 bind-mounts every RUN --mount
// source at <bundle>/mnt/buildah-bind-target-N before crun runs, so a mount source in
// config.json is usually one of those: the mount table says what is really there (device and
// root), and the host path is where that device's file system is mounted outside the bundle.
// NotFound if no mount outside the bundle shows that file system (e.g. an anonymous one).
Result<std::string> HostPathOf(const std::string& path, const std::vector<MountEntry>& mounts,
                               const std::string& bundle);

// Resolves a host path the way realpath(3) does; an error if it does not exist.
using RealPath = std::function<Result<std::string>(const std::string& path)>;

// realpath(3).
Result<std::string> SystemRealPath(const std::string& path);

// What the guard knows about the host when it checks one step.
struct GuardContext {
  std::string bundle;              // resolved bundle directory
  std::vector<MountEntry> mounts;  // the guard's mount table (buildah's mount namespace)
  RealPath realpath;
};

// Checks an OCI runtime config (config.json as JSON) against `policy`. Returns the config to
// run: the pids limit set. PermissionDenied naming the mount, namespace or capability
// otherwise.
Result<Json> GuardBundleConfig(const Json& config, const RuntimeGuardPolicy& policy,
                               const GuardContext& context);

// The command line the guard was given, split: its own flag (--ink-guard=FILE, removed), the
// runtime's subcommand ("create", "run", "delete", ...) and the bundle directory of create/run
// (--bundle/-b, else the working directory, "" if neither is known).
struct RuntimeInvocation {
  std::vector<std::string> args;  // what the real runtime gets (argv[1..] minus --ink-guard)
  std::string guard_file;
  std::string subcommand;
  std::string bundle;
};
RuntimeInvocation ParseRuntimeInvocation(const std::vector<std::string>& argv_tail);

}  // namespace ink::build
