// Internal to the controller: ReplicaObservation is what get_service reads about a service's
// replicas.
//
// What it holds: each service's replicas as the last reconcile pass observed them (Replace), plus
// the replicas a rollout activated since (AddActivated: the pass may have listed the containers
// before the rollout created them, and an active release with no observed replica would read
// "crashed" until the next pass). Read() tells each replica's health as the prober has it now,
// not as the pass read it, and its role against the active release the caller just read.
//
// Thread contract: Replace from the loop thread, AddActivated from a rollout step, Read from any
// thread; all are safe to call concurrently.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "ink/controller/health_prober.h"
#include "ink/controller/service_controller.h"
#include "ink/runtime/runtime.h"
#include "ink/store/model.h"

namespace ink::controller_internal {

class ReplicaObservation {
 public:
  explicit ReplicaObservation(const HealthProber& health) : health_(health) {}

  // The pass's observation, by service id, replaces the previous one.
  void Replace(std::map<std::string, std::vector<ReplicaStatus>> observed);
  // `ids` are the containers of `d` (replica index = position) that its rollout just activated.
  void AddActivated(ContainerRuntime& runtime, const Service& s, const Deployment& d,
                    const std::vector<std::string>& ids);
  // With `active` empty, roles stay as observed; else a replica of `active` serves, one of a
  // deployment `rolling` says is being rolled out starts, any other drains.
  std::vector<ReplicaStatus> Read(const std::string& service_id, const std::string& active,
                                  const std::function<bool(const std::string&)>& rolling) const;

 private:
  const HealthProber& health_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<ReplicaStatus>> observed_;  // by service id
};

}  // namespace ink::controller_internal
