// Internal to the controller: when a serving replica's liveness changes enough to journal.
// "unhealthy" when a replica that has passed a probe fails one (a replica still starting up,
// which never passed, is not reported: its readiness is the rollout's or the restart's), and
// "recovered" when one reported unhealthy passes again. Pure bookkeeping keyed by container id;
// the ReplicaReconciler feeds it each pass's latest probe results and records what it returns.
// Thread contract: one thread (the reconcile loop).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

namespace ink::controller_internal {

class HealthTransitions {
 public:
  // The kind to record ("unhealthy", "recovered") for the latest result of `container_id`, or
  // nothing when it is not a change worth an event.
  std::optional<std::string> Observe(const std::string& container_id, bool healthy);
  // Forgets containers not in `ids` (removed ones).
  void Retain(const std::set<std::string>& ids);

 private:
  struct State {
    bool passed_once = false;
    bool reported_unhealthy = false;
  };
  std::map<std::string, State> states_;
};

}  // namespace ink::controller_internal
