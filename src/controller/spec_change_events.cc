#include "spec_change_events.h"

#include <algorithm>

#include "ink/common/resources.h"

namespace ink::controller_internal {
namespace {

std::string Cpu(double cores) { return cores > 0 ? FormatCpuCores(cores) : "default"; }
std::string Memory(int64_t bytes) { return bytes > 0 ? FormatMemory(bytes) : "default"; }

bool Mounts(const ServiceSpec& spec, const VolumeMount& mount) {
  return std::find(spec.volumes.begin(), spec.volumes.end(), mount) != spec.volumes.end();
}

}  // namespace

std::vector<EventNote> SpecChangeEvents(const ServiceSpec* before, const ServiceSpec& after) {
  std::vector<EventNote> out;
  if (before != nullptr) {
    std::vector<std::string> parts;
    if (before->replicas != after.replicas) {
      parts.push_back("replicas " + std::to_string(before->replicas) + " → " +
                      std::to_string(after.replicas));
    }
    if (before->cpu != after.cpu)
      parts.push_back("cpu " + Cpu(before->cpu) + " → " + Cpu(after.cpu));
    if (before->memory_bytes != after.memory_bytes) {
      parts.push_back("memory " + Memory(before->memory_bytes) + " → " +
                      Memory(after.memory_bytes));
    }
    std::string message;
    for (const auto& part : parts) message += (message.empty() ? "" : ", ") + part;
    if (!message.empty()) out.push_back({"scale", message});
    for (const auto& mount : before->volumes) {
      if (!Mounts(after, mount)) {
        out.push_back({"volume_detached",
                       "volume " + mount.volume + " is no longer mounted at " + mount.mount_path});
      }
    }
  }
  for (const auto& mount : after.volumes) {
    if (before == nullptr || !Mounts(*before, mount)) {
      out.push_back(
          {"volume_attached", "volume " + mount.volume + " mounted at " + mount.mount_path});
    }
  }
  return out;
}

std::string DeployStartedMessage(const Deployment& d, const std::string& previous_id) {
  std::string what = d.spec.image.empty() ? "a build of the service's source" : d.spec.image;
  return "rolling out " + what + " with " + std::to_string(d.spec.replicas) + " replica(s)" +
         (previous_id.empty() ? "" : ", replacing " + previous_id);
}

}  // namespace ink::controller_internal
