// Sandboxes: a workspace's throwaway gVisor containers for running untrusted code.
//
// A sandbox is one container, always of the gvisor runtime class, running `sleep infinity`
// under catatonit, with the runtime policy's memory, CPU and pids limits, no-new-privileges and
// the policy's reduced capabilities. Its network is "none" (no interface but loopback, which
// StartSandbox brings up: podman leaves it down) or "on":
// a bridge network of its own, put in Ink's isolation table (network_isolation.h), so it reaches
// the outside but not inkd, the host's own addresses, the metadata address or any other
// project or sandbox network. Its container and network carry ink.instance, ink.workspace and
// ink.sandbox labels, so the reaper finds them after an inkd restart or crash.
//
// StartSandbox records the row first ("starting": it claims the id, and a container listed
// before rows are read always has its row), then the network, then the container; a failure
// undoes what was made and ends the row as "failed". DestroySandbox removes the container, then
// the network. The store's EndSandbox decides who destroys: only the caller it answers true.
//
// Thread-safe: every function may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "ink/common/clock.h"
#include "ink/common/result.h"
#include "ink/controller/runtime_policy.h"
#include "ink/runtime/runtime.h"
#include "ink/store/store.h"

namespace ink {

inline constexpr const char* kLabelSandbox = "ink.sandbox";
// Time to live: the default when create_sandbox names none, and the most it or
// set_sandbox_timeout may give (from now).
inline constexpr int kDefaultSandboxTtlSeconds = 300;
inline constexpr int kMaxSandboxTtlSeconds = 24 * 3600;
// Live sandboxes a workspace may hold at once.
inline constexpr int kMaxSandboxesPerWorkspace = 20;
// How long an ended sandbox's row is kept (a late call is told why it is gone).
inline constexpr int64_t kEndedSandboxKeepMillis = int64_t{24} * 3600 * 1000;

// The podman container and network names of sandbox `id` of inkd instance `instance`.
std::string SandboxContainerName(const std::string& instance, const std::string& id);
std::string SandboxNetworkName(const std::string& instance, const std::string& id);

// Records `request` (workspace_id, image, cpu, memory_bytes, network, expires_at: checked by
// the caller) and starts its container; returns the running sandbox. `recorded` (if set) is
// called once, right after the row is written or its write failed (the caller's quota
// admission ends there).
Result<Sandbox> StartSandbox(Store& store, ContainerRuntime& runtime, const RuntimePolicy& policy,
                             const std::string& instance, Sandbox request,
                             const std::function<void()>& recorded = {});
// Removes sandbox `id`'s container (found by its label) and its network, if any.
Status DestroySandbox(ContainerRuntime& runtime, const std::string& instance,
                      const std::string& id);

// The reaper: destroys sandboxes whose time to live passed, removes containers of this instance
// labelled as sandboxes that are no longer live (an inkd crash between the two steps of a
// create or delete), ends live rows whose container vanished (a host restart) or stopped (the
// sandbox died: ended "failed" with the exit code as its reason), and purges rows
// that ended more than a day ago. Time comes from `clock`.
class SandboxReaper {
 public:
  SandboxReaper(Store& store, ContainerRuntime& runtime, Clock& clock, std::string instance);
  ~SandboxReaper();  // Stop()

  // One pass; returns how many sandboxes or orphan containers it removed.
  int Sweep();
  // Sweeps every `interval` on a thread of its own until Stop.
  void Start(std::chrono::milliseconds interval);
  void Stop();

 private:
  Store& store_;
  ContainerRuntime& runtime_;
  Clock& clock_;
  const std::string instance_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace ink
