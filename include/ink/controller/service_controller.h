// ServiceController: converges running containers to the services and deployments in the Store.
//
// A thin wiring of small reconcilers (each header in src/controller/ says what it converges):
//   - Rollout (rollout.h): a state machine per unfinished deployment, advanced by the loop on
//     events (a step's outcome, a readiness probe's result, its own timer): build, pull or find
//     the image, create/adopt the replicas (deterministic names + labels, so a restart after
//     kill -9 adopts instead of duplicating), wait until each is ready, point the route at them,
//     activate, drain and remove the previous release. A failed step leaves the previous release
//     serving and marks the deployment failed with the reason and the log tail. Its I/O
//     (RolloutActions) runs on worker pools, at most a few steps per project at once, so one
//     tenant's stuck registry or podman call delays no other tenant's rollout;
//   - ReplicaReconciler: keeps the active deployment's replicas running (crash/OOM events,
//     restart with exponential backoff 1 s doubling to 60 s); health from the HealthProber
//     (concurrent, bounded per service, per-probe deadlines);
//   - GarbageCollector: removes containers of deleted services and of failed or superseded
//     deployments;
//   - RouteReconciler: writes the route table (healthy replicas only) for ink-edge. A rollout
//     is activated only once ink-edge reports it loaded the route to the new replicas
//     (edge-status.json); if the edge skips the entry or does not load it within
//     `route_timeout`, the deployment fails and the previous release keeps serving. Only a
//     service holding its hostname gets a route.
// One loop thread runs a full pass every tick (1 s, or sooner after Wake()) and advances the
// rollouts between passes; it never blocks on podman, a probe or a build.
// Start()/Stop() from the owner thread; Wake() and the query methods from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ink/build/builder.h"
#include "ink/common/clock.h"
#include "ink/common/json.h"
#include "ink/common/secret_box.h"
#include "ink/controller/health_prober.h"
#include "ink/controller/route_publisher.h"
#include "ink/controller/runtime_policy.h"
#include "ink/runtime/runtime.h"
#include "ink/runtime/volume_host.h"
#include "ink/store/store.h"

namespace ink {

struct ControllerOptions {
  std::string instance = "default";  // value of the ink.instance label on every container
  std::string routes_path;           // route table file read by ink-edge ("" = none)
  // Where ink-edge reports what it loaded; "" = no report is awaited (a written file counts as
  // served).
  std::string edge_status_path;
  std::chrono::seconds route_timeout{15};  // for the edge to load a rollout's route
  std::string platform_domain = "localhost";
  int edge_port = 8080;  // where ink-edge listens: part of each replica's INK_PUBLIC_URL
  // ink-edge's HTTPS port when it serves the default hostnames with a certificate, asked at
  // each deployment (INK_PUBLIC_URL is https then); unset or 0: http.
  std::function<int()> public_https_port;
  std::chrono::milliseconds tick{1000};
  std::chrono::seconds pull_timeout{600};
  std::chrono::seconds health_timeout{60};
  std::chrono::milliseconds drain{1500};  // old release keeps serving this long after a switch
  RuntimePolicy policy;                   // applied to every container created
  HealthProberOptions probes;             // the liveness probes of active replicas
  // Mounts the volumes replicas bind-mount (not owned); null: a deployment with volumes fails.
  VolumeHost* volumes = nullptr;
};

// What a replica is doing for its service: serving (its deployment is the active one),
// starting (its deployment is being rolled out) or draining (its deployment was superseded and
// the replica finishes in-flight requests until it is removed).
enum class ReplicaRole { kServing, kStarting, kDraining };
// "serving", "starting", "draining".
std::string_view Name(ReplicaRole role);

// What the controller last saw of one replica (for get_service).
struct ReplicaStatus {
  std::string container_id;
  std::string name;
  std::string deployment_id;
  int index = 0;
  std::string state;
  bool healthy = false;
  bool unprobed = false;  // running, but no health probe has answered for it yet
  int restarts = 0;
  std::string oci_runtime;
  std::string address;  // ip:port
  int exit_code = 0;
  bool oom_killed = false;
  ReplicaRole role = ReplicaRole::kServing;  // as of the Replicas() call that answered it
};

class ServiceController {
 public:
  // `builder` may be null: then deployments with a source fail with a clear message. `prober`
  // null: probes go over the network (NetworkProber).
  ServiceController(Store& store, ContainerRuntime& runtime, const SecretBox& secrets, Clock& clock,
                    ControllerOptions options, Builder* builder = nullptr,
                    Prober* prober = nullptr);
  ~ServiceController();

  void Start();
  // Stops the loop and waits for rollouts in flight to reach a safe point. Containers keep
  // running: inkd restarts adopt them.
  void Stop();
  // Asks for a reconcile pass now (after a deploy, a delete).
  void Wake();
  // Removes a project's network once its containers are gone (called after delete_project).
  void ForgetNetwork(const std::string& network);

  // Observed replicas of a service, from the last pass: those of its active deployment and of
  // the deployments being rolled out or drained. Each one's role is told against
  // `active_deployment_id`, the service's active deployment as the caller just read it from the
  // store (the last pass may predate an activation); "" = as the last pass saw it.
  std::vector<ReplicaStatus> Replicas(const std::string& service_id,
                                      const std::string& active_deployment_id = "") const;
  // Number of containers seen in the last pass; whether the runtime answered.
  int ContainerCount() const;
  Status RuntimeStatus() const;
  // The route file as written and as ink-edge reports serving it (reads the edge's report).
  RouteStatus Routing() const;
  // The runtime policy containers are created with (the API admits specs with it).
  const RuntimePolicy& policy() const;
  // True if the service holds no hostname and therefore has no route (see the store).
  bool Unrouted(const std::string& service_id) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Label keys Ink puts on every container.
inline constexpr const char* kLabelInstance = "ink.instance";
inline constexpr const char* kLabelWorkspace = "ink.workspace";
inline constexpr const char* kLabelProject = "ink.project";
inline constexpr const char* kLabelService = "ink.service";
inline constexpr const char* kLabelDeployment = "ink.deployment";
inline constexpr const char* kLabelReplica = "ink.replica";

}  // namespace ink
