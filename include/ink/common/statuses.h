// The statuses a deployment and a service can be in: one enum each, with the one spelling the
// API, the store (SQLite text column), the controller and the CLI use. Nothing else compares
// status strings: parse with ParseDeploymentStatus, print with Name().
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace ink {

// pending → [building →] deploying → active | failed; active → superseded when a newer one
// becomes active. Source deploys go through building; image deploys skip it.
enum class DeploymentStatus {
  kPending,     // written by deploy (or update, restart, rollback, set_env), not picked up yet
  kBuilding,    // a source deploy: queued for, or running, its build
  kDeploying,   // pulling the image, starting replicas, waiting for health and the edge
  kActive,      // serves the service's traffic
  kFailed,      // stopped for good; the message says why
  kSuperseded,  // was active; a newer deployment took over
};

// "pending", "building", "deploying", "active", "failed", "superseded".
std::string_view Name(DeploymentStatus status);
// The status spelled `name`, nullopt for anything else.
std::optional<DeploymentStatus> ParseDeploymentStatus(std::string_view name);
// "pending, building, deploying, active, failed or superseded" (for error messages).
std::string_view DeploymentStatusList();

// True once nothing more will happen to it: active, failed or superseded.
bool IsFinished(DeploymentStatus status);
// True while the controller still works on it: pending, building or deploying.
bool IsInFlight(DeploymentStatus status);
// True if it ran successfully at some point (active or superseded): a rollback may return to it.
bool HasRun(DeploymentStatus status);

// What a service is doing, summarized for people and agents (get_service, list_services).
enum class ServiceStatus {
  kStopped,    // nothing active, nothing in flight, newest deployment not failed (e.g. none)
  kDeploying,  // its newest deployment is in flight
  kRunning,    // active release, every desired replica healthy
  kDegraded,   // active release, some replicas healthy
  kCrashed,    // active release, no healthy replica
  kFailed,     // nothing active and its newest deployment failed
};

// "stopped", "deploying", "running", "degraded", "crashed", "failed".
std::string_view Name(ServiceStatus status);
std::optional<ServiceStatus> ParseServiceStatus(std::string_view name);

// The service's status from its newest deployment's status (nullopt: none yet), whether it has
// an active deployment, and its healthy and desired replica counts.
ServiceStatus SummarizeServiceStatus(std::optional<DeploymentStatus> newest, bool has_active,
                                     int healthy_replicas, int desired_replicas);

}  // namespace ink
