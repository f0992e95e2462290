// Internal to the controller: ReplicaReconciler keeps each service's active release running.
//
// What it converges: every service with an active deployment has, for each replica index below
// the deployment's count, one running container of that deployment. A replica that exited (or
// was OOM-killed) is recorded as an event (exit code, OOM from the memory cgroup), removed, and
// recreated after a backoff: 1 s doubling to 60 s, reset after 60 s of healthy running. A
// missing replica of a deployment a rollout still owns is the rollout's to create, not this.
//
// How: Reconcile() runs on the loop thread once per pass with that pass's snapshot (services,
// each one's active deployment, the containers). It decides from the snapshot and the backoff it
// keeps, and never waits for the runtime: removals and restarts are JobRunner jobs keyed by the
// replica, so a slow create of one tenant's replica holds neither the loop nor another tenant;
// health comes from the HealthProber (the latest result of a probe it requests). It answers what
// it observed, for get_service.
//
// Thread contract: Reconcile from the loop thread only (the backoff is its own); the jobs run on
// the JobRunner's workers and touch only the runtime and the hooks, which must be thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "health_events.h"
#include "ink/common/clock.h"
#include "ink/controller/health_prober.h"
#include "ink/controller/service_controller.h"
#include "ink/runtime/runtime.h"
#include "ink/store/model.h"
#include "job_runner.h"

namespace ink::controller_internal {

// How long a replica that failed `failures` times in a row waits before it is started again.
std::chrono::seconds RestartDelay(int failures);

// True if the container stopped for good (exited, stopped, dead or OOM-killed).
bool IsExited(const ContainerInfo& c);
// "exited with code N" or "was killed: out of memory (OOM)".
std::string ExitReason(const ContainerInfo& c);
// The container of `deployment_id`'s replica `index` in `containers`, or null.
// The deployments, other than each service's active one, whose containers get_service shows:
// those being rolled out (`rolling`) or drained (`draining`), by deployment id → service id.
std::map<std::string, std::string> ReleasesInTransition(
    const std::map<std::string, Service>& services, const std::vector<ContainerInfo>& containers,
    const std::set<std::string>& rolling, const std::set<std::string>& draining);
const ContainerInfo* FindReplica(const std::vector<ContainerInfo>& containers,
                                 const std::string& deployment_id, int index);

// What get_service shows of container `c`, replica `index` of `d`.
ReplicaStatus Observe(const ContainerInfo& c, const Deployment& d, int index, bool healthy);

class ReplicaReconciler {
 public:
  struct Hooks {
    // Finds or creates and starts the replica (the controller's EnsureReplica).
    std::function<Status(const Service&, const Deployment&, int index)> ensure_replica;
    // Records an event for the service (kind, message).
    std::function<void(const Service&, const std::string& deployment_id, const std::string& kind,
                       const std::string& message)>
        event;
  };

  ReplicaReconciler(ContainerRuntime& runtime, HealthProber& health, JobRunner& jobs, Clock& clock,
                    Hooks hooks);

  // One pass. `active`: each service's active deployment, by service id. `rolling`: deployment
  // ids a rollout owns (an active one among them is being stopped by a stop-then-start rollout:
  // neither restarted nor counted as crashed). Returns the replicas observed, by service id (every
  // service has an entry, empty if it runs nothing): the active deployment's (serving), then the
  // containers of `others` (deployments being rolled out, starting, or drained, draining; by id),
  // which are only shown, not repaired.
  std::map<std::string, std::vector<ReplicaStatus>> Reconcile(
      const std::map<std::string, Service>& services,
      const std::map<std::string, Deployment>& active, const std::vector<ContainerInfo>& containers,
      const std::set<std::string>& rolling, const std::map<std::string, Deployment>& others = {});

 private:
  struct Backoff {
    int failures = 0;
    Clock::TimePoint next_attempt{};
  };

  ContainerRuntime& runtime_;
  HealthProber& health_;
  JobRunner& jobs_;
  Clock& clock_;
  const Hooks hooks_;

  // Loop thread only.
  std::map<std::string, Backoff> backoff_;  // "service/replica" → restart backoff
  std::map<std::string, int> restarts_;     // "service/replica" → restarts so far
  std::set<std::string> crashes_seen_;      // ids of exited containers already counted
  HealthTransitions health_events_;         // serving replicas' liveness, for the journal
};

}  // namespace ink::controller_internal
