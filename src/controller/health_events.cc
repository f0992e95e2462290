#include "health_events.h"

namespace ink::controller_internal {

std::optional<std::string> HealthTransitions::Observe(const std::string& container_id,
                                                      bool healthy) {
  State& state = states_[container_id];
  if (healthy) {
    state.passed_once = true;
    if (!state.reported_unhealthy) return std::nullopt;
    state.reported_unhealthy = false;
    return "recovered";
  }
  if (!state.passed_once || state.reported_unhealthy) return std::nullopt;
  state.reported_unhealthy = true;
  return "unhealthy";
}

void HealthTransitions::Retain(const std::set<std::string>& ids) {
  std::erase_if(states_, [&](const auto& entry) { return ids.count(entry.first) == 0; });
}

}  // namespace ink::controller_internal
