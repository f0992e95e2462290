#include "ink/controller/runtime_policy.h"

#include "ink/common/resources.h"

namespace ink {
Status RuntimePolicy::Validate() const {
  if (default_memory_bytes < kMinMemoryLimitBytes || default_memory_bytes > max_memory_bytes) {
    return InvalidArgument("--default-memory " + FormatMemory(default_memory_bytes) +
                           " must be at least 6m and at most --max-memory (" +
                           FormatMemory(max_memory_bytes) + ")");
  }
  INK_RETURN_IF_ERROR(ValidateCpuCores(default_cpu, "--default-cpu"));
  INK_RETURN_IF_ERROR(ValidateCpuCores(max_cpu, "--max-cpu"));
  if (!(default_cpu > 0) || !(max_cpu >= default_cpu)) {
    return InvalidArgument("--default-cpu " + FormatCpuCores(default_cpu) +
                           " must be above 0 and at most --max-cpu (" + FormatCpuCores(max_cpu) +
                           ")");
  }
  if (pids_limit < 16 || pids_limit > 4'194'304) {
    return InvalidArgument("--default-pids " + std::to_string(pids_limit) +
                           " must be between 16 and 4194304 (processes and threads)");
  }
  return {};
}

ContainerLimits LimitsFor(const RuntimePolicy& policy, const ServiceSpec& spec) {
  return {spec.memory_bytes > 0 ? spec.memory_bytes : policy.default_memory_bytes,
          spec.cpu > 0 ? spec.cpu : policy.default_cpu, policy.pids_limit};
}

Status AdmitSpec(const RuntimePolicy& policy, const ServiceSpec& spec) {
  if (spec.runtime_class == "runc") {
    if (!policy.allow_runc) {
      return PermissionDenied(
          "runtime_class 'runc' runs the app on the host's kernel and is disabled on this Ink: "
          "deploy with runtime_class 'gvisor' (the default, sandboxed), or ask the host's admin "
          "to start inkd with --allow-runc");
    }
  } else if (spec.runtime_class != "gvisor") {
    return InvalidArgument("runtime_class '" + spec.runtime_class.substr(0, 32) +
                           "' is unknown; use 'gvisor' (the default)");
  }
  if (spec.memory_bytes > policy.max_memory_bytes) {
    return InvalidArgument("memory " + FormatMemory(spec.memory_bytes) +
                           " is above this Ink's maximum of " +
                           FormatMemory(policy.max_memory_bytes) +
                           " per container; ask for less (or the admin can raise --max-memory)");
  }
  if (spec.cpu > policy.max_cpu) {
    return InvalidArgument("cpu " + FormatCpuCores(spec.cpu) + " is above this Ink's maximum of " +
                           FormatCpuCores(policy.max_cpu) +
                           " cores per container; ask for less (or the admin can raise "
                           "--max-cpu)");
  }
  return {};
}

Status ApplyRuntimePolicy(const RuntimePolicy& policy, const ServiceSpec& spec,
                          ContainerSpec* container) {
  INK_RETURN_IF_ERROR(AdmitSpec(policy, spec));
  ContainerLimits limits = LimitsFor(policy, spec);
  container->runtime_class = spec.runtime_class;
  container->memory_bytes = limits.memory_bytes;
  container->cpu = limits.cpu;
  container->pids_limit = limits.pids;
  container->no_new_privileges = true;
  container->capabilities = policy.capabilities;
  return {};
}

}  // namespace ink
