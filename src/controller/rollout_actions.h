// Internal to the controller: RolloutActions does the I/O a Rollout (rollout.h) asks for: the
// build, the image check or pull, creating and starting replicas, inspecting and probing them,
// recording a failure, removing a superseded release. Each method is one blocking action whose
// result the controller feeds back to the Rollout; EnsureReplica also serves the
// ReplicaReconciler's restarts.
//
// Nothing here waits for time to pass: readiness probes go through a HealthProber (concurrent,
// bounded per service, each with a deadline), so Check returns what the probes said so far and
// the Rollout decides when to look again.
//
// Thread contract: every method may be called from any thread at once (the controller's
// JobRunner workers); the store, runtime, builder and probers it uses are thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ink/build/builder.h"
#include "ink/common/secret_box.h"
#include "ink/controller/health_prober.h"
#include "ink/controller/runtime_policy.h"
#include "ink/runtime/runtime.h"
#include "ink/store/store.h"
#include "rollout.h"

namespace ink::controller_internal {

// "ink-<instance>-<project>-<service>-<deployment id>-<replica>": unique per instance and
// deterministic, so a create retried after a crash finds the container instead of duplicating.
std::string ReplicaContainerName(const std::string& instance, const std::string& project,
                                 const std::string& service, const std::string& deployment_id,
                                 int index);

// Appends an event of service `s` to the store and logs it.
void RecordEvent(Store& store, const Service& s, const std::string& deployment_id,
                 const std::string& kind, const std::string& message);

class RolloutActions {
 public:
  struct Hooks {
    // Records an event for the service (kind, message).
    std::function<void(const Service&, const std::string& deployment_id, const std::string& kind,
                       const std::string& message)>
        event;
    // True once the controller stops (a build in progress is abandoned).
    std::function<bool()> stopping;
    // Mounts volume `id` on the host (idempotent) and returns the directory a replica
    // bind-mounts; unset: a deployment with volumes fails, saying so.
    std::function<Result<std::string>(const std::string& volume_id)> mount_volume;
    // ink-edge's HTTPS port when it serves the default hostnames with a certificate, else 0
    // (INK_PUBLIC_URL is then http); unset: always 0.
    std::function<int()> public_https_port;
  };

  // `builder` may be null (deployments with a source then fail). `readiness` probes new
  // replicas; `liveness` is told about the ones found ready, so the loop routes to them without
  // waiting for a first liveness probe.
  RolloutActions(Store& store, ContainerRuntime& runtime, const SecretBox& secrets,
                 Builder* builder, HealthProber& readiness, HealthProber& liveness,
                 std::string instance, const RuntimePolicy& policy, std::string platform_domain,
                 int edge_port, Hooks hooks);

  // Builds the deployment's source and records the image (and port) in the store.
  // `cancelled` says the deployment was superseded or its service deleted: the build is
  // abandoned as when inkd stops.
  Result<BuiltImage> Build(const Service& s, const Deployment& d,
                           const std::function<bool()>& cancelled);
  // Finds the image in the local store or pulls it (with the workspace's credentials). An
  // Unavailable error means the local look-up itself failed (worth asking again).
  Status PrepareImage(const Service& s, const Deployment& d);
  // Stop-then-start: stops and removes `previous`'s containers before `d`'s replicas start (the
  // deployment mounts volumes, which have one writer), saying so in `d`'s status.
  void StopPrevious(const Service& s, const Deployment& d, const std::string& previous);
  // Ensures every replica of `d` exists and runs; returns their container ids in order.
  Result<std::vector<std::string>> StartReplicas(const Service& s, const Deployment& d);
  // Inspects each container and asks for a readiness probe of the running ones.
  Result<std::vector<ReplicaCheck>> Check(const Service& s, const Deployment& d,
                                          const std::vector<std::string>& container_ids);
  // Marks `d` failed with `reason` (plus the log tail of `log_tail_of`, if named), records the
  // event and removes `d`'s containers. Does nothing once the controller stops (the failure may
  // be the shutdown's own doing).
  void RecordFailure(const Service& s, const Deployment& d, const std::string& reason,
                     const std::string& log_tail_of);
  // Activates `d` in the store and records that it is live.
  Status Activate(const Service& s, const Deployment& d, const std::string& timings);
  // Removes every container of `deployment_id` (graceful: stopped first, SIGTERM then 10 s).
  void RemoveDeployment(const std::string& deployment_id, bool graceful);

  // Finds `d`'s replica `index`, creating and starting it if needed. A new replica carries the
  // service's private DNS names and Ink's injected variables (service_addresses.h), and
  // bind-mounts the volumes of `d`'s spec (each mounted on the host first).
  Result<ContainerInfo> EnsureReplica(const Service& s, const Deployment& d, int index);
  // The last `lines` lines the container printed (at most 4 KiB).
  std::string LogTail(const std::string& container_id, int lines);

 private:
  // The bind mounts of `d`'s volumes (volumes of `s`'s project, looked up by name).
  Result<std::vector<BindMount>> VolumeMounts(const Service& s, const Deployment& d);

  Store& store_;
  ContainerRuntime& runtime_;
  const SecretBox& secrets_;
  Builder* const builder_;
  HealthProber& readiness_;
  HealthProber& liveness_;
  const std::string instance_;
  const RuntimePolicy& policy_;
  const std::string platform_domain_;  // with edge_port_: where the edge serves the service
  const int edge_port_;
  const Hooks hooks_;
};

}  // namespace ink::controller_internal
