#include "rollout_actions.h"

#include <optional>
#include <utility>

#include "ink/common/image_reference.h"
#include "ink/common/log.h"
#include "ink/common/service_addresses.h"
#include "ink/controller/project_env.h"
#include "ink/controller/service_controller.h"
#include "replica_reconciler.h"
#include "spec_change_events.h"

namespace ink::controller_internal {

std::string ReplicaContainerName(const std::string& instance, const std::string& project,
                                 const std::string& service, const std::string& deployment_id,
                                 int index) {
  return "ink-" + instance + "-" + project + "-" + service + "-" + deployment_id + "-" +
         std::to_string(index);
}

void RecordEvent(Store& store, const Service& s, const std::string& deployment_id,
                 const std::string& kind, const std::string& message) {
  Event e;
  e.workspace_id = s.workspace_id;
  e.service_id = s.id;
  e.deployment_id = deployment_id;
  e.kind = kind;
  e.message = message;
  (void)store.AppendEvent(e);
  LogInfo("controller", s.name + " (" + s.id + "): " + kind + ": " + message);
}

RolloutActions::RolloutActions(Store& store, ContainerRuntime& runtime, const SecretBox& secrets,
                               Builder* builder, HealthProber& readiness, HealthProber& liveness,
                               std::string instance, const RuntimePolicy& policy,
                               std::string platform_domain, int edge_port, Hooks hooks)
    : store_(store),
      runtime_(runtime),
      secrets_(secrets),
      builder_(builder),
      readiness_(readiness),
      liveness_(liveness),
      instance_(std::move(instance)),
      policy_(policy),
      platform_domain_(std::move(platform_domain)),
      edge_port_(edge_port),
      hooks_(std::move(hooks)) {}

Result<BuiltImage> RolloutActions::Build(const Service& s, const Deployment& d,
                                         const std::function<bool()>& cancelled) {
  if (builder_ == nullptr) {
    return FailedPrecondition("this inkd cannot build from source (no builder configured)");
  }
  (void)store_.UpdateDeploymentStatus(d.id, DeploymentStatus::kBuilding, "queued for a build");
  auto image = builder_->Build(
      d, s,
      [&](const std::string& phase) {
        (void)store_.UpdateDeploymentStatus(d.id, DeploymentStatus::kBuilding, phase);
      },
      [&] { return hooks_.stopping() || cancelled(); });
  if (!image.ok()) return image.error();
  INK_RETURN_IF_ERROR(store_.SetDeploymentImage(d.id, image->image, image->port));
  int port = image->port > 0 ? image->port : d.spec.port;
  hooks_.event(s, d.id, "built",
               "built image " + image->image + " (listens on port " + std::to_string(port) + ")");
  return image;
}

Status RolloutActions::PrepareImage(const Service& s, const Deployment& d) {
  (void)store_.UpdateDeploymentStatus(d.id, DeploymentStatus::kDeploying,
                                      "pulling image " + d.spec.image);
  std::string registry = RegistryHostOf(d.spec.image);
  // Images under "localhost/" (built on this host) or named without a registry live only in
  // the local store: there is nothing to pull, and "localhost" is no registry to ask. A busy
  // podman (concurrent builds) may fail the look-up itself: the Rollout asks again.
  if (registry.empty() || registry == "localhost") {
    auto exists = runtime_.ImageExists(d.spec.image);
    std::string message = "image " + d.spec.image + " is not in this host's image store" +
                          (exists.ok() ? "" : " (podman: " + exists.error().message + ")") +
                          "; build it again or deploy an image from a registry";
    if (!exists.ok()) return Unavailable(message);
    if (!*exists) return NotFound(message);
    return {};
  }
  std::optional<RegistryAuth> auth;
  auto cred = store_.FindRegistryCredential(s.workspace_id, PullRegistryOf(d.spec.image));
  if (cred.ok()) {
    auto password = secrets_.Open(cred->sealed_password);
    if (password.ok()) auth = RegistryAuth{cred->username, *password};
  }
  Status pulled = runtime_.PullImage(d.spec.image, auth);
  if (!pulled.ok()) {
    // Not Unavailable: a pull that failed is not asked again.
    return Internal("pulling image " + d.spec.image + " failed: " + pulled.error().message);
  }
  return {};
}

void RolloutActions::StopPrevious(const Service& s, const Deployment& d,
                                  const std::string& previous) {
  (void)store_.UpdateDeploymentStatus(
      d.id, DeploymentStatus::kDeploying,
      "stopping the previous release first: the service mounts volumes, which have one writer "
      "(stop-then-start; the service is down until the new release is healthy)");
  hooks_.event(s, d.id, "stopping_previous",
               "stop-then-start: stopping " + previous + " before the new release starts");
  RemoveDeployment(previous, /*graceful=*/true);
}

Result<std::vector<std::string>> RolloutActions::StartReplicas(const Service& s,
                                                               const Deployment& d) {
  (void)store_.UpdateDeploymentStatus(
      d.id, DeploymentStatus::kDeploying,
      "starting " + std::to_string(d.spec.replicas) + " replica(s)");
  std::vector<std::string> ids;
  for (int i = 0; i < d.spec.replicas; ++i) {
    if (hooks_.stopping()) return Unavailable("inkd is stopping");
    auto c = EnsureReplica(s, d, i);
    if (!c.ok()) {
      return Error{c.error().code,
                   "starting replica " + std::to_string(i) + " failed: " + c.error().message};
    }
    ids.push_back(c->id);
  }
  (void)store_.UpdateDeploymentStatus(
      d.id, DeploymentStatus::kDeploying,
      "waiting for port " + std::to_string(d.spec.port) + " to accept connections");
  return ids;
}

Result<std::vector<ReplicaCheck>> RolloutActions::Check(
    const Service& s, const Deployment& d, const std::vector<std::string>& container_ids) {
  std::vector<ReplicaCheck> checks;
  for (const auto& id : container_ids) {
    ReplicaCheck check;
    check.container_id = id;
    auto c = runtime_.InspectContainer(id);
    if (!c.ok()) {
      if (c.error().code != ErrorCode::kNotFound) return c.error();  // ask again
      check.gone = true;
      check.exit_reason = c.error().message;
    } else if (IsExited(*c)) {
      check.exited = true;
      check.exit_reason = ExitReason(*c);
    } else if (c->state == "running" && !c->ip_address.empty()) {
      check.address = c->ip_address;
      readiness_.Request(id, {s.id, c->ip_address, d.spec.port, ProbeTarget::Kind::kReady,
                              d.spec.health_check_path});
      auto last = readiness_.Last(id);
      check.ready = last.has_value() && last->healthy;
      if (check.ready) liveness_.Record(id, true);  // the loop routes to it without a probe
    }
    checks.push_back(std::move(check));
  }
  return checks;
}

void RolloutActions::RecordFailure(const Service& s, const Deployment& d, const std::string& reason,
                                   const std::string& log_tail_of) {
  if (hooks_.stopping()) return;  // maybe the shutdown's own error: the next inkd looks again
  std::string tail = log_tail_of.empty() ? "" : LogTail(log_tail_of, 20);
  std::string message = reason + (tail.empty() ? "" : "; last log lines:\n" + tail);
  (void)store_.UpdateDeploymentStatus(d.id, DeploymentStatus::kFailed, message);
  hooks_.event(s, d.id, "deploy_failed", message);
  RemoveDeployment(d.id, /*graceful=*/false);
}

Status RolloutActions::Activate(const Service& s, const Deployment& d, const std::string& timings) {
  INK_RETURN_IF_ERROR(store_.ActivateDeployment(s.id, d.id));
  (void)store_.UpdateDeploymentStatus(d.id, DeploymentStatus::kActive, "serving");
  LogInfo("controller", d.id + " rollout: " + timings);
  hooks_.event(s, d.id, "deployed",
               d.spec.image + " is live with " + std::to_string(d.spec.replicas) + " replica(s)");
  // `s` is the service as the rollout found it: its active release is the one `d` replaces.
  std::optional<ServiceSpec> before;
  if (!s.active_deployment_id.empty() && s.active_deployment_id != d.id) {
    auto previous = store_.GetDeployment(s.workspace_id, s.active_deployment_id);
    if (previous.ok()) before = previous->spec;
  }
  for (const auto& note : SpecChangeEvents(before ? &*before : nullptr, d.spec)) {
    hooks_.event(s, d.id, note.kind, note.message);
  }
  return {};
}

void RolloutActions::RemoveDeployment(const std::string& deployment_id, bool graceful) {
  auto mine =
      runtime_.ListContainers({{kLabelInstance, instance_}, {kLabelDeployment, deployment_id}});
  if (!mine.ok()) return;
  for (const auto& c : *mine) {
    if (graceful) (void)runtime_.StopContainer(c.id, 10);
    (void)runtime_.RemoveContainer(c.id, true);
  }
}

Result<ContainerInfo> RolloutActions::EnsureReplica(const Service& s, const Deployment& d,
                                                    int index) {
  auto project = store_.GetProject(s.workspace_id, s.project_id);
  if (!project.ok()) return project.error();
  auto existing = runtime_.ListContainers({{kLabelInstance, instance_},
                                           {kLabelDeployment, d.id},
                                           {kLabelReplica, std::to_string(index)}});
  if (!existing.ok()) return existing.error();
  if (!existing->empty()) {
    ContainerInfo c = existing->front();
    for (size_t i = 1; i < existing->size(); ++i) {  // never keep duplicates
      (void)runtime_.RemoveContainer((*existing)[i].id, true);
    }
    if (c.state == "created" || c.state == "configured") {
      INK_RETURN_IF_ERROR(runtime_.StartContainer(c.id));
      auto again = runtime_.InspectContainer(c.id);
      if (again.ok()) return again;
    }
    return c;
  }
  INK_RETURN_IF_ERROR(runtime_.EnsureNetwork(project->network, {{kLabelInstance, instance_},
                                                                {kLabelWorkspace, s.workspace_id},
                                                                {kLabelProject, s.project_id}}));
  ContainerSpec spec;
  spec.name = ReplicaContainerName(instance_, project->name, s.name, d.id, index);
  spec.image = d.spec.image;
  // The deployment's own snapshot of the service variables with their references resolved,
  // unsealed only here.
  auto env = DeploymentEnvironment(store_, secrets_, *project, s, d,
                                   {.platform_domain = platform_domain_,
                                    .edge_port = edge_port_,
                                    .https_port = hooks_.public_https_port
                                                      ? hooks_.public_https_port()
                                                      : 0});
  if (!env.ok()) return env.error();
  spec.env = std::move(*env);
  spec.labels = {{kLabelInstance, instance_},   {kLabelWorkspace, s.workspace_id},
                 {kLabelProject, s.project_id}, {kLabelService, s.id},
                 {kLabelDeployment, d.id},      {kLabelReplica, std::to_string(index)}};
  spec.network = project->network;
  // Every replica of every release carries the names, so they survive redeploys and restarts.
  spec.network_aliases = PrivateServiceAliases(s.name, project->name);
  // The policy in force now, whatever was allowed when the spec was stored.
  INK_RETURN_IF_ERROR(ApplyRuntimePolicy(policy_, d.spec, &spec));
  auto mounts = VolumeMounts(s, d);
  if (!mounts.ok()) return mounts.error();
  spec.mounts = std::move(*mounts);
  auto id = runtime_.CreateContainer(spec);
  if (!id.ok()) return id.error();
  auto started = runtime_.StartContainer(*id);
  if (!started.ok()) {
    (void)runtime_.RemoveContainer(*id, true);
    return started.error();
  }
  return runtime_.InspectContainer(*id);
}

Result<std::vector<BindMount>> RolloutActions::VolumeMounts(const Service& s, const Deployment& d) {
  std::vector<BindMount> mounts;
  for (const VolumeMount& m : d.spec.volumes) {
    auto v = store_.GetVolume(s.workspace_id, s.project_id, m.volume);
    if (!v.ok()) {
      return FailedPrecondition("volume '" + m.volume +
                                "' cannot be mounted: " + v.error().message);
    }
    if (!hooks_.mount_volume) {
      return FailedPrecondition("volume '" + m.volume + "': this inkd keeps no volumes");
    }
    auto dir = hooks_.mount_volume(v->id);
    if (!dir.ok()) {
      return FailedPrecondition("volume '" + m.volume +
                                "' cannot be mounted: " + dir.error().message);
    }
    mounts.push_back({*dir, m.mount_path});
  }
  return mounts;
}

std::string RolloutActions::LogTail(const std::string& container_id, int lines) {
  std::string out;
  (void)runtime_.StreamLogs(container_id, {.tail = lines},
                            [&](std::string_view, std::string_view line) {
                              out += std::string(line) + "\n";
                              return out.size() < 4096;
                            });
  return out;
}

}  // namespace ink::controller_internal
