// Starting and destroying a sandbox's container and network (ink/sandbox/sandboxes.h).
#include "ink/sandbox/sandboxes.h"

#include "ink/common/log.h"
#include "ink/controller/service_controller.h"

namespace ink {

std::string SandboxContainerName(const std::string& instance, const std::string& id) {
  return instance + "-" + id;
}

std::string SandboxNetworkName(const std::string& instance, const std::string& id) {
  return instance + "-net-" + id;
}

namespace {

ContainerSpec SandboxContainerSpec(const RuntimePolicy& policy, const std::string& instance,
                                   const Sandbox& s) {
  ContainerSpec spec;
  spec.name = SandboxContainerName(instance, s.id);
  spec.image = s.image;
  spec.command = {"sleep", "infinity"};
  spec.labels = {
      {kLabelInstance, instance}, {kLabelWorkspace, s.workspace_id}, {kLabelSandbox, s.id}};
  if (s.network == "on") spec.network = SandboxNetworkName(instance, s.id);
  spec.cpu = s.cpu;
  spec.memory_bytes = s.memory_bytes;
  spec.pids_limit = policy.pids_limit;
  spec.runtime_class = "gvisor";  // always: sandboxes run hostile code
  spec.init = true;
  spec.no_new_privileges = true;
  spec.capabilities = policy.capabilities;
  return spec;
}

}  // namespace

Result<Sandbox> StartSandbox(Store& store, ContainerRuntime& runtime, const RuntimePolicy& policy,
                             const std::string& instance, Sandbox request,
                             const std::function<void()>& recorded) {
  auto have = runtime.ImageExists(request.image);
  if (!have.ok()) return have.error();
  if (!*have) INK_RETURN_IF_ERROR(runtime.PullImage(request.image, std::nullopt));
  auto row = store.CreateSandbox(std::move(request));
  if (recorded) recorded();
  if (!row.ok()) return row.error();
  Sandbox s = *row;
  auto fail = [&](const Error& error) -> Error {
    (void)store.EndSandbox(s.id, "failed", error.message);
    (void)DestroySandbox(runtime, instance, s.id);
    return error;
  };
  if (s.network == "on") {
    Status made = runtime.EnsureNetwork(
        SandboxNetworkName(instance, s.id),
        {{kLabelInstance, instance}, {kLabelWorkspace, s.workspace_id}, {kLabelSandbox, s.id}});
    if (!made.ok()) return fail(made.error());
  }
  auto id = runtime.CreateContainer(SandboxContainerSpec(policy, instance, s));
  if (!id.ok()) return fail(id.error());
  if (Status started = runtime.StartContainer(*id); !started.ok()) return fail(started.error());
  // Without a network the namespace's lo is down: bring it up so a server and its client inside
  // can talk over 127.0.0.1 (nothing outside is reachable either way).
  if (s.network == "none") {
    if (Status lo = runtime.BringUpLoopback(*id); !lo.ok()) return fail(lo.error());
  }
  if (Status marked = store.MarkSandboxRunning(s.id, *id); !marked.ok()) {
    return fail(marked.error());
  }
  s.container_id = *id;
  s.status = "running";
  return s;
}

Status DestroySandbox(ContainerRuntime& runtime, const std::string& instance,
                      const std::string& id) {
  auto containers = runtime.ListContainers({{kLabelInstance, instance}, {kLabelSandbox, id}});
  if (!containers.ok()) return containers.error();
  for (const auto& c : *containers) INK_RETURN_IF_ERROR(runtime.RemoveContainer(c.id, true));
  Status removed = runtime.RemoveNetwork(SandboxNetworkName(instance, id));
  if (!removed.ok() && removed.error().code != ErrorCode::kNotFound) {
    LogWarn("sandbox", "removing the network of " + id + ": " + removed.error().message);
    return removed;
  }
  return {};
}

}  // namespace ink
