#include "replica_observation.h"

#include <algorithm>

#include "replica_reconciler.h"

namespace ink::controller_internal {

void ReplicaObservation::Replace(std::map<std::string, std::vector<ReplicaStatus>> observed) {
  std::lock_guard lock(mu_);
  observed_.swap(observed);
}

void ReplicaObservation::AddActivated(ContainerRuntime& runtime, const Service& s,
                                      const Deployment& d, const std::vector<std::string>& ids) {
  std::vector<ReplicaStatus> seen;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto c = runtime.InspectContainer(ids[i]);
    if (!c.ok()) continue;  // the next pass tells what became of it
    auto last = health_.Last(c->id);
    seen.push_back(Observe(*c, d, static_cast<int>(i), last && last->healthy));
  }
  std::lock_guard lock(mu_);
  auto& list = observed_[s.id];
  for (auto& r : seen) {
    bool known = std::any_of(list.begin(), list.end(), [&](const ReplicaStatus& o) {
      return o.container_id == r.container_id;
    });
    if (!known) list.push_back(std::move(r));
  }
}

std::vector<ReplicaStatus> ReplicaObservation::Read(
    const std::string& service_id, const std::string& active,
    const std::function<bool(const std::string&)>& rolling) const {
  std::vector<ReplicaStatus> replicas;
  {
    std::lock_guard lock(mu_);
    auto it = observed_.find(service_id);
    if (it == observed_.end()) return {};
    replicas = it->second;
  }
  // A pass that ran while the release was still starting saw no result yet; the rollout has
  // since recorded the replica ready (then activated it).
  for (auto& r : replicas) {
    if (auto last = health_.Last(r.container_id)) {
      r.healthy = last->healthy;
      r.unprobed = false;
    }
  }
  if (active.empty()) return replicas;
  for (auto& r : replicas) {
    if (r.deployment_id == active) {
      r.role = ReplicaRole::kServing;
    } else if (rolling(r.deployment_id)) {
      r.role = ReplicaRole::kStarting;
    } else {
      r.role = ReplicaRole::kDraining;  // superseded: draining, or removed since the pass
    }
  }
  return replicas;
}

}  // namespace ink::controller_internal
