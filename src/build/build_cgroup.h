// The cgroup every process of one build lives in, and how it is emptied.
//
// podman build --cgroup-parent=/ink-build-<instance>/<deployment> puts each RUN step's
// container in that cgroup (cgroupfs manager, in every hierarchy the host mounts). The cgroup is
// what makes "a build dies with inkd" true: killing podman build is not enough. Measured on this
// host (podman 4.3, buildah 1.28): `kill -9` of podman build (what PR_SET_PDEATHSIG does when
// inkd crashes) kills buildah's runtime monitor, but the step's `sh -c ... sleep` is reparented
// to init and keeps running, in its cgroup. So the pipeline empties the build's cgroup after
// every build (finished, failed, timed out or stopped), and inkd empties every cgroup of its
// instance when it starts (no build of the instance runs then): whatever inkd's death left
// behind is killed at the next start.
//
// Emptying: cgroup v2 (or the hybrid layout's unified tree) has cgroup.kill, which kills the
// whole subtree at once; on plain v1 every pid of every cgroup.procs is sent SIGKILL until none
// is left. Then the directories are removed, deepest first, in every hierarchy. Paths outside
// /ink-build-* are refused, so a bad argument can never empty someone else's cgroup.
//
// I/O at the edge (the cgroup file system); the root is a parameter so a test can use a real
// cgroup of its own. Thread-safe (no state).
#pragma once

#include <chrono>
#include <string>

#include "ink/common/result.h"

namespace ink::build {

inline constexpr char kCgroupRoot[] = "/sys/fs/cgroup";

// "/ink-build-<instance>": the parent of every build cgroup of an inkd instance.
std::string InstanceBuildCgroup(const std::string& instance);
// "/ink-build-<instance>/<deployment id>": the --cgroup-parent of one build.
std::string BuildCgroup(const std::string& instance, const std::string& deployment_id);

struct CgroupReaped {
  int killed = 0;        // processes found in the tree and sent SIGKILL (v1; -1 = cgroup.kill)
  bool existed = false;  // the cgroup existed in some hierarchy
};

// Kills every process in `cgroup` (a path such as BuildCgroup's, below `root`) and its
// descendants, waits up to `wait` for them to be gone, and removes the directories.
// InvalidArgument for a path outside /ink-build-*; Unavailable if processes are still there at
// the deadline (the directories stay: a later call tries again). A missing cgroup is success.
Result<CgroupReaped> ReapCgroup(const std::string& root, const std::string& cgroup,
                                std::chrono::milliseconds wait = std::chrono::seconds(10));

}  // namespace ink::build
