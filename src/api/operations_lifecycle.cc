// Service lifecycle operations that roll out a new deployment of an existing service:
// update_service (change settings), restart_service (same release again), rollback_service
// (an earlier release, without a rebuild).
#include "src/api/operations_internal.h"

namespace ink::api_internal {
namespace {

// Starts a deployment of `spec` for an existing service and answers like deploy does.
// `variables_from` (a rollback) runs it with that deployment's variables instead of the
// service's current ones.
Result<Json> Redeploy(OperationDeps& deps, const Caller& caller, const Project& project,
                      const Service& service, const ServiceSpec& spec, const std::string& why,
                      const std::string& variables_from = "") {
  INK_RETURN_IF_ERROR(AdmitSpec(deps.controller.policy(), spec));
  INK_RETURN_IF_ERROR(CheckVolumeReplicas(spec));
  auto admitted = AdmitServiceSpec(deps, caller, project, service.name, spec, why);
  if (!admitted.ok()) return admitted.error();
  auto created = deps.store.CreateOrUpdateServiceWithDeployment(
      caller.workspace_id, project.id, service.name, spec,
      {.variables_from_deployment = variables_from});
  admitted->unlock();
  if (!created.ok()) return created.error();
  Event e;
  e.workspace_id = caller.workspace_id;
  e.service_id = service.id;
  e.deployment_id = created->deployment.id;
  e.kind = "redeploy";
  e.message = why;
  (void)deps.store.AppendEvent(e);
  deps.controller.Wake();
  return Json{{"deployment", DeploymentJson(created->deployment)},
              {"service", ServiceJson(deps, created->service, project.name, false)},
              {"url", ServiceUrl(deps, service.name, project.name)}};
}

// The spec the service runs now: its active deployment's (with the built image), or, if
// nothing is active yet, its newest desired spec.
Result<ServiceSpec> CurrentSpec(OperationDeps& deps, const Caller& caller, const Service& s) {
  if (s.active_deployment_id.empty()) return s.spec;
  auto d = deps.store.GetDeployment(caller.workspace_id, s.active_deployment_id);
  if (!d.ok()) return d.error();
  return d->spec;
}

}  // namespace

Status ValidateHealthPath(const std::string& path) {
  if (path.empty()) return {};
  if (path.front() != '/' || path.size() > 256) {
    return InvalidArgument("health_check_path '" + path.substr(0, 64) +
                           "' must start with '/' and be at most 256 characters, e.g. /healthz");
  }
  for (char c : path) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return InvalidArgument("health_check_path must not contain spaces or control characters");
    }
  }
  return {};
}

void RegisterLifecycleOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(Implement(
      "update_service", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto p = FindProject(deps, c, in);
        if (!p.ok()) return p.error();
        auto s = FindService(deps, c, *p, in);
        if (!s.ok()) return s.error();
        auto spec = CurrentSpec(deps, c, *s);
        if (!spec.ok()) return spec.error();
        std::vector<std::string> changed;
        if (in.contains("port")) spec->port = in["port"], changed.push_back("port");
        if (in.contains("cpu")) spec->cpu = in["cpu"], changed.push_back("cpu");
        if (in.contains("memory")) {
          auto memory = MemoryInput(in["memory"]);
          if (!memory.ok()) return memory.error();
          spec->memory_bytes = *memory;
          changed.push_back("memory");
        }
        if (in.contains("replicas")) spec->replicas = in["replicas"], changed.push_back("replicas");
        if (in.contains("runtime_class")) {
          spec->runtime_class = in["runtime_class"], changed.push_back("runtime_class");
        }
        if (in.contains("health_check_path")) {
          std::string path = in["health_check_path"];
          INK_RETURN_IF_ERROR(ValidateHealthPath(path));
          spec->health_check_path = path;
          changed.push_back("health_check_path");
        }
        if (in.contains("volumes")) {
          auto mounts = ParseVolumeMounts(deps, c, *p, s->name, in["volumes"]);
          if (!mounts.ok()) return mounts.error();
          spec->volumes = std::move(*mounts);
          changed.push_back("volumes");
        }
        if (changed.empty()) {
          return InvalidArgument(
              "nothing to update: give at least one of port, cpu, memory, replicas, "
              "runtime_class, health_check_path, volumes");
        }
        std::string what;
        for (const auto& f : changed) what += (what.empty() ? "" : ", ") + f;
        return Redeploy(deps, c, *p, *s, *spec, "update_service: " + what);
      }}));
  table.Add(Implement(
      "restart_service", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto p = FindProject(deps, c, in);
        if (!p.ok()) return p.error();
        auto s = FindService(deps, c, *p, in);
        if (!s.ok()) return s.error();
        if (s->active_deployment_id.empty()) {
          return FailedPrecondition("service '" + s->name +
                                    "' has no running release to restart; deploy it first");
        }
        auto spec = CurrentSpec(deps, c, *s);
        if (!spec.ok()) return spec.error();
        return Redeploy(deps, c, *p, *s, *spec, "restart_service");
      }}));
  table.Add(Implement(
      "rollback_service", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto p = FindProject(deps, c, in);
        if (!p.ok()) return p.error();
        auto s = FindService(deps, c, *p, in);
        if (!s.ok()) return s.error();
        auto list = deps.store.ListDeployments(c.workspace_id, s->id);  // newest first
        if (!list.ok()) return list.error();
        const Deployment* target = nullptr;
        if (in.contains("deployment")) {
          std::string id = in["deployment"];
          for (const auto& d : *list) {
            if (d.id == id) target = &d;
          }
          if (target == nullptr) {
            return NotFound("deployment '" + id.substr(0, 64) +
                            "' is not a deployment of "
                            "service '" +
                            s->name + "'; see `ink deployments list " + s->name + " --project " +
                            p->name + "`");
          }
          if (!HasRun(target->status)) {
            return FailedPrecondition("deployment " + id + " never ran successfully (status " +
                                      std::string(Name(target->status)) +
                                      "); pick an active or superseded one");
          }
        } else {
          for (const auto& d : *list) {
            if (d.status == DeploymentStatus::kSuperseded && d.id != s->active_deployment_id) {
              target = &d;
              break;
            }
          }
          if (target == nullptr) {
            return FailedPrecondition("service '" + s->name +
                                      "' has no earlier successful deployment to return to");
          }
        }
        if (target->spec.image.empty()) {
          return FailedPrecondition("deployment " + target->id + " has no image to return to");
        }
        auto exists = deps.runtime.ImageExists(target->spec.image);
        if (exists.ok() && !*exists && !target->spec.source.empty()) {
          return FailedPrecondition("the image of deployment " + target->id +
                                    " was garbage-collected; redeploy its source instead");
        }
        // Volumes are the service's, not a release's: a rollback keeps the ones attached now.
        ServiceSpec spec = target->spec;
        spec.volumes = s->spec.volumes;
        return Redeploy(deps, c, *p, *s, spec, "rollback to " + target->id, target->id);
      }}));
}

}  // namespace ink::api_internal
