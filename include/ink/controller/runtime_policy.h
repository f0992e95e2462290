// RuntimePolicy: what a tenant's container may be — which runtime class, how much memory, CPU
// and processes, which privileges. The host's admin sets it with inkd's flags (--allow-runc,
// --default-memory, --max-memory, --default-cpu, --max-cpu, --default-pids); the API admits or
// refuses each requested spec with it (deploy, update_service, rollback), and the controller
// applies it to every container it creates, so a spec stored before a policy change is held to
// the policy in force.
//
// Defaults and why:
//   - gVisor only: runc runs tenant code on the host kernel as root, one kernel bug from the
//     host; it exists only when the admin passes --allow-runc (e.g. a trusted single-tenant box).
//   - Every container has a memory, CPU and pids limit: a service that names none gets the
//     defaults (512m, 1 core, 512 pids), one that names more gets at most the maximum.
//   - no-new-privileges, and of podman's default capabilities only those typical apps need
//     (kDefaultCapabilities): CHOWN, DAC_OVERRIDE, FOWNER, FSETID (entrypoints that fix file
//     ownership and modes), KILL (signal own children), NET_BIND_SERVICE (listen below 1024),
//     SETUID, SETGID (drop root to an app user, e.g. nginx, postgres). Dropped: SETFCAP and
//     SETPCAP (grant capabilities to files or other processes), SYS_CHROOT, and NET_RAW, MKNOD,
//     AUDIT_WRITE and everything else podman or the runtime would otherwise allow.
// Plain value type and pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ink/common/result.h"
#include "ink/runtime/runtime.h"
#include "ink/store/model.h"

namespace ink {

inline const std::vector<std::string> kDefaultCapabilities = {
    "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "NET_BIND_SERVICE", "SETGID", "SETUID"};

struct RuntimePolicy {
  bool allow_runc = false;
  int64_t default_memory_bytes = int64_t{512} << 20;
  int64_t max_memory_bytes = int64_t{8} << 30;
  double default_cpu = 1;
  double max_cpu = 4;
  int64_t pids_limit = 512;
  std::vector<std::string> capabilities = kDefaultCapabilities;

  // InvalidArgument if a default exceeds its maximum or a value is out of range (flag checks).
  Status Validate() const;
};

// The limits a container of `spec` runs with: the spec's where it names them, else the defaults.
struct ContainerLimits {
  int64_t memory_bytes = 0;
  double cpu = 0;
  int64_t pids = 0;
};
ContainerLimits LimitsFor(const RuntimePolicy& policy, const ServiceSpec& spec);

// Whether a tenant may run `spec`: PermissionDenied for runc without --allow-runc,
// InvalidArgument for an unknown runtime class or limits above the maximum; each message says
// what to do instead.
Status AdmitSpec(const RuntimePolicy& policy, const ServiceSpec& spec);

// Admits `spec` and sets `container`'s runtime class, limits and privileges from it.
Status ApplyRuntimePolicy(const RuntimePolicy& policy, const ServiceSpec& spec,
                          ContainerSpec* container);

}  // namespace ink
