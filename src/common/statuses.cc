#include "ink/common/statuses.h"

#include <array>
#include <utility>

namespace ink {
namespace {

constexpr std::array<std::pair<DeploymentStatus, std::string_view>, 6> kDeploymentNames = {{
    {DeploymentStatus::kPending, "pending"},
    {DeploymentStatus::kBuilding, "building"},
    {DeploymentStatus::kDeploying, "deploying"},
    {DeploymentStatus::kActive, "active"},
    {DeploymentStatus::kFailed, "failed"},
    {DeploymentStatus::kSuperseded, "superseded"},
}};

constexpr std::array<std::pair<ServiceStatus, std::string_view>, 6> kServiceNames = {{
    {ServiceStatus::kStopped, "stopped"},
    {ServiceStatus::kDeploying, "deploying"},
    {ServiceStatus::kRunning, "running"},
    {ServiceStatus::kDegraded, "degraded"},
    {ServiceStatus::kCrashed, "crashed"},
    {ServiceStatus::kFailed, "failed"},
}};

template <typename Enum, size_t N>
std::string_view NameIn(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum e) {
  for (const auto& [value, name] : names) {
    if (value == e) return name;
  }
  return "unknown";
}

template <typename Enum, size_t N>
std::optional<Enum> ParseIn(const std::array<std::pair<Enum, std::string_view>, N>& names,
                            std::string_view text) {
  for (const auto& [value, name] : names) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view Name(DeploymentStatus status) { return NameIn(kDeploymentNames, status); }

std::optional<DeploymentStatus> ParseDeploymentStatus(std::string_view name) {
  return ParseIn(kDeploymentNames, name);
}

std::string_view DeploymentStatusList() {
  return "pending, building, deploying, active, failed or superseded";
}

bool IsFinished(DeploymentStatus status) {
  return status == DeploymentStatus::kActive || status == DeploymentStatus::kFailed ||
         status == DeploymentStatus::kSuperseded;
}

bool IsInFlight(DeploymentStatus status) { return !IsFinished(status); }

bool HasRun(DeploymentStatus status) {
  return status == DeploymentStatus::kActive || status == DeploymentStatus::kSuperseded;
}

std::string_view Name(ServiceStatus status) { return NameIn(kServiceNames, status); }

std::optional<ServiceStatus> ParseServiceStatus(std::string_view name) {
  return ParseIn(kServiceNames, name);
}

ServiceStatus SummarizeServiceStatus(std::optional<DeploymentStatus> newest, bool has_active,
                                     int healthy_replicas, int desired_replicas) {
  if (newest && IsInFlight(*newest)) return ServiceStatus::kDeploying;
  if (!has_active) {
    return newest == DeploymentStatus::kFailed ? ServiceStatus::kFailed : ServiceStatus::kStopped;
  }
  if (healthy_replicas >= desired_replicas) return ServiceStatus::kRunning;
  return healthy_replicas > 0 ? ServiceStatus::kDegraded : ServiceStatus::kCrashed;
}

}  // namespace ink
