// Internal to the controller: the journal entries a release going live adds besides "deployed":
// "scale" when its replicas, CPU or memory differ from the release it replaces (from → to), and
// "volume_attached" / "volume_detached" for each volume it mounts or no longer mounts. Also the
// message of "deploy_started". Pure: RolloutActions (rollout_actions.cc) reads the store and
// records them. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "ink/store/model.h"

namespace ink::controller_internal {

struct EventNote {
  std::string kind;
  std::string message;
};

// What changed from `before` (the release `after` replaces; null for a service's first) to
// `after`, as events in a stable order: scale first, then detached, then attached volumes.
std::vector<EventNote> SpecChangeEvents(const ServiceSpec* before, const ServiceSpec& after);

// "rolling out <image or source build> with N replica(s), replacing dep_..." for deploy_started.
std::string DeployStartedMessage(const Deployment& d, const std::string& previous_id);

}  // namespace ink::controller_internal
