#include "ink/api/operations.h"

#include <cmath>

#include "ink/common/image_reference.h"
#include "ink/common/names.h"
#include "ink/common/resources.h"
#include "ink/common/service_addresses.h"
#include "src/api/operations_internal.h"

namespace ink {

using namespace api_internal;

namespace api_internal {

Json ProjectJson(const Project& p) {
  return {{"id", p.id}, {"name", p.name}, {"created_at", p.created_at}};
}

std::string ServiceUrl(const OperationDeps& deps, const std::string& service,
                       const std::string& project) {
  return PublicServiceUrl(service, project, deps.platform_domain, deps.edge_port,
                          deps.public_https_port ? deps.public_https_port() : 0);
}

Json DeploymentJson(const Deployment& d) {
  return {{"id", d.id},
          {"service_id", d.service_id},
          {"image", d.spec.image},
          {"source",
           d.spec.source.empty() ? Json(nullptr) : Json::parse(d.spec.source, nullptr, false)},
          {"status", Name(d.status)},
          {"message", d.message},
          // A deployment that mounts volumes replaces its predecessor stop-then-start (a volume
          // has one writer): the service is down between the two.
          {"rollout", d.spec.volumes.empty() ? "start-then-stop" : "stop-then-start"},
          {"created_at", d.created_at},
          {"updated_at", d.updated_at}};
}

// The port traffic goes to: the active deployment's (a build's plan may have chosen it), else
// the service's desired one.
int ActivePort(const Service& s, const std::vector<Deployment>& deployments) {
  for (const auto& d : deployments) {
    if (d.id == s.active_deployment_id) return d.spec.port;
  }
  return s.spec.port;
}

// What the service's containers run with: its own limits, else inkd's defaults.
Json LimitsJson(const OperationDeps& deps, const ServiceSpec& spec) {
  ContainerLimits limits = LimitsFor(deps.controller.policy(), spec);
  return {{"memory", limits.memory_bytes},
          {"cpu", limits.cpu},
          {"pids", limits.pids},
          {"defaults", spec.memory_bytes == 0 || spec.cpu == 0}};
}

Json EventJson(const Event& e) {
  return {{"kind", e.kind},
          {"message", e.message},
          {"deployment_id", e.deployment_id},
          {"created_at", e.created_at}};
}

void JournalEvent(OperationDeps& deps, const std::string& workspace_id,
                  const std::string& service_id, const std::string& kind,
                  const std::string& message) {
  Event e;
  e.workspace_id = workspace_id;
  e.service_id = service_id;
  e.kind = kind;
  e.message = message;
  (void)deps.store.AppendEvent(e);
}

Json ServiceJson(const OperationDeps& deps, const Service& s, const std::string& project_name,
                 bool details) {
  // Roles are told against the active deployment just read, not the controller's last pass.
  auto replicas = deps.controller.Replicas(s.id, s.active_deployment_id);
  int healthy = 0;
  for (const auto& r : replicas) healthy += r.healthy && r.role == ReplicaRole::kServing ? 1 : 0;
  auto deployments = deps.store.ListDeployments(s.workspace_id, s.id);
  // Deployments come newest first: the newest one says whether a rollout is under way.
  std::optional<DeploymentStatus> newest;
  if (deployments.ok() && !deployments->empty()) newest = deployments->front().status;
  ServiceStatus status =
      SummarizeServiceStatus(newest, !s.active_deployment_id.empty(), healthy, s.spec.replicas);
  Json env_names = VariableNames(deps, s);
  Json out = {{"id", s.id},
              {"name", s.name},
              {"project", project_name},
              {"url", ServiceUrl(deps, s.name, project_name)},
              {"image", s.spec.image},
              {"port", ActivePort(s, deployments.ok() ? *deployments : std::vector<Deployment>{})},
              {"replicas", s.spec.replicas},
              {"replicas_healthy", healthy},
              {"cpu", s.spec.cpu},
              {"memory", s.spec.memory_bytes},
              {"runtime_class", s.spec.runtime_class},
              {"limits", LimitsJson(deps, s.spec)},
              {"env_names", env_names},
              {"status", Name(status)},
              {"active_deployment_id", s.active_deployment_id},
              {"created_at", s.created_at},
              {"updated_at", s.updated_at}};
  if (details) {
    // Serving and starting replicas; those of a superseded release, still finishing in-flight
    // requests, are listed apart.
    Json rs = Json::array(), draining = Json::array();
    for (const auto& r : replicas) {
      Json& list = r.role == ReplicaRole::kDraining ? draining : rs;
      list.push_back({{"index", r.index},
                      {"container_id", r.container_id.substr(0, 12)},
                      {"deployment_id", r.deployment_id},
                      {"name", r.name},
                      {"state", r.state},
                      {"healthy", r.healthy},
                      {"restarts", r.restarts},
                      {"oci_runtime", r.oci_runtime},
                      {"address", r.address},
                      {"exit_code", r.exit_code},
                      {"oom_killed", r.oom_killed},
                      {"role", Name(r.role)}});
    }
    out["replicas_observed"] = rs;
    out["replicas_draining"] = draining;
    Json events = Json::array();
    auto list = deps.store.ListEvents(s.workspace_id, s.id, 20);
    if (list.ok()) {
      for (const auto& e : *list) {
        events.push_back(EventJson(e));
      }
    }
    out["events"] = events;
  }
  return out;
}

Result<int64_t> MemoryInput(const Json& memory) {
  std::string text = memory.is_string()           ? memory.get<std::string>()
                     : memory.is_number_integer() ? std::to_string(memory.get<int64_t>())
                                                  : "";
  if (!memory.is_string() && !memory.is_number_integer()) {
    return InvalidArgument("memory must be a string such as \"256m\" or a byte count");
  }
  if (text == "0") return 0;
  return ParseMemoryLimit(text);
}

Result<Project> FindProject(OperationDeps& deps, const Caller& caller, const Json& input) {
  std::string name = input.value("project", "");
  auto p = deps.store.GetProject(caller.workspace_id, name);
  if (!p.ok() && p.error().code == ErrorCode::kNotFound) {
    return NotFound("project '" + name.substr(0, 64) +
                    "' does not exist; list projects with `ink projects list` or create it with "
                    "`ink projects create " +
                    name.substr(0, 64) + "`");
  }
  return p;
}

Result<Service> FindService(OperationDeps& deps, const Caller& caller, const Project& project,
                            const Json& input) {
  std::string name = input.value("service", "");
  auto s = deps.store.GetService(caller.workspace_id, project.id, name);
  if (!s.ok() && s.error().code == ErrorCode::kNotFound) {
    return NotFound("service '" + name.substr(0, 64) + "' does not exist in project '" +
                    project.name + "'; list services with `ink services list --project " +
                    project.name + "`");
  }
  return s;
}

}  // namespace api_internal

Status ValidateImageReference(const std::string& image) {
  auto parsed = ParseImageReference(image);
  if (!parsed.ok()) return parsed.error();
  return {};
}

namespace {

// Checks that the image exists before anything is created, so a typo is a 400, not a failed
// deployment. Local images (already in podman's store) need no registry.
Status CheckImage(OperationDeps& deps, const Caller& caller, const std::string& image) {
  auto local = deps.runtime.ImageExists(image);
  auto reference = ParseImageReference(image);
  if (!reference.ok()) return reference.error();
  const std::string host = reference->registry;
  if (local.ok() && *local && reference->LocalOnly()) return {};
  if (host.empty()) {
    return InvalidArgument("image '" + image +
                           "' names no registry and is not in the local image store; give the "
                           "full reference including the registry host, e.g. "
                           "registry.example.com/" +
                           image);
  }
  if (host == "localhost") {
    return InvalidArgument("image '" + image + "' is not in the local image store");
  }
  std::optional<RegistryAuth> auth;
  auto cred = deps.store.FindRegistryCredential(caller.workspace_id, reference->PullRegistry());
  if (cred.ok()) {
    auto password = deps.secrets.Open(cred->sealed_password);
    if (!password.ok()) return password.error();
    auth = RegistryAuth{cred->username, *password};
  }
  return deps.runtime.CheckRegistryImage(image, auth);
}

// Refuses a deploy whose hostname another service holds, before anything else is checked or
// written (the store refuses it again in the deploy's transaction if two deploys race). The
// holder is named only to its own workspace.
Status CheckHostnameFree(OperationDeps& deps, const Caller& caller, const Project& project,
                         const std::string& service) {
  auto claim = deps.store.FindHostnameClaim(ServiceHostLabel(service, project.name));
  if (!claim.ok()) return claim.error().code == ErrorCode::kNotFound ? Status{} : claim.error();
  bool same_workspace = claim->workspace_id == caller.workspace_id;
  if (same_workspace && claim->project_name == project.name && claim->service_name == service) {
    return {};
  }
  std::string holder = same_workspace ? "service '" + claim->service_name + "' of project '" +
                                            claim->project_name + "'"
                                      : "a service of another workspace";
  return AlreadyExists("service '" + service + "' in project '" + project.name +
                       "' would be served at " +
                       PublicServiceHost(service, project.name, deps.platform_domain) + ", which " +
                       holder + " already has; choose another service name (or project name)");
}

Result<Json> Deploy(OperationDeps& deps, const Caller& caller, const Json& input) {
  auto project = FindProject(deps, caller, input);
  if (!project.ok()) return project.error();
  std::string name = input["service"];
  INK_RETURN_IF_ERROR(ValidateServiceName(name));
  if (name.size() + project->name.size() + 1 > 63) {
    return InvalidArgument("service name '" + name + "' with project '" + project->name +
                           "' makes a hostname label longer than 63 characters; shorten one");
  }
  INK_RETURN_IF_ERROR(CheckHostnameFree(deps, caller, *project, name));
  // A service keeps its settings across deploys (port, resources, replicas, runtime class,
  // health check, build overrides) unless this deploy names them, as on Railway or Fly: a
  // `git push` or a webhook redeploys with what the service already had.
  ServiceSpec spec;
  auto existing = deps.store.GetService(caller.workspace_id, project->id, name);
  if (existing.ok()) {
    spec = existing->spec;
    spec.image.clear();
    spec.source.clear();
  }
  const std::string kept_build_settings = spec.build_settings;
  INK_RETURN_IF_ERROR(DeploySource(deps, caller, input, spec));  // image, git or archive
  if (spec.build_settings.empty() && !spec.source.empty()) {
    spec.build_settings = kept_build_settings;
  }
  if (input.contains("port")) spec.port = input["port"];
  // env becomes sealed service variables, set in the deployment's transaction.
  auto variables = SealDeployEnv(deps, *project, name, input);
  if (!variables.ok()) return variables.error();
  std::set<std::string> referencing;  // services whose variables use a value this env changes
  if (existing.ok()) {
    auto found = DeployEnvReferencing(deps, *project, *existing, input);
    if (!found.ok()) return found.error();
    referencing = std::move(*found);
  }
  if (input.contains("cpu")) spec.cpu = input["cpu"];
  if (input.contains("memory")) {
    auto memory = MemoryInput(input["memory"]);
    if (!memory.ok()) return memory.error();
    spec.memory_bytes = *memory;
  }
  if (input.contains("replicas")) spec.replicas = input["replicas"];
  if (input.contains("runtime_class")) spec.runtime_class = input["runtime_class"];
  INK_RETURN_IF_ERROR(AdmitSpec(deps.controller.policy(), spec));
  INK_RETURN_IF_ERROR(ApplyVolumesInput(deps, caller, *project, name, input, spec));
  if (input.contains("health_check_path")) {
    spec.health_check_path = input["health_check_path"];
    INK_RETURN_IF_ERROR(ValidateHealthPath(spec.health_check_path));
  }
  if (!spec.image.empty()) INK_RETURN_IF_ERROR(CheckImage(deps, caller, spec.image));
  auto admitted = AdmitServiceSpec(deps, caller, *project, name, spec, "deploy");
  if (!admitted.ok()) return admitted.error();
  auto created = deps.store.CreateOrUpdateServiceWithDeployment(
      caller.workspace_id, project->id, name, spec, {.set_variables = std::move(*variables)});
  admitted->unlock();
  if (!created.ok()) return created.error();
  deps.controller.Wake();
  return Json{
      {"deployment", DeploymentJson(created->deployment)},
      {"service", ServiceJson(deps, created->service, project->name, false)},
      {"url", ServiceUrl(deps, name, project->name)},
      {"redeployed_referencing", RedeployReferencing(deps, caller, *project, name, referencing)}};
}

// get_deployment: reads a deployment; with `wait` (seconds) it waits until the deployment has
// finished (active, failed, superseded), reporting each status or message change to `progress`
// and stopping early when the caller cancels. The wait sleeps on the store's watch (woken by
// writes of this deployment or its service, never by a timer polling SQLite). A caller that
// wakes the wait when it cancels (MCP: Progress::on_cancel) is never looked at on a timer; one
// that can only be asked (REST's progress stream: is the client still there?) is asked once a
// second.
Result<Json> GetDeployment(OperationDeps& deps, const Caller& caller, const Json& input,
                           const Progress& progress) {
  std::string id = input["deployment"];
  int wait = input.value("wait", 0);
  Clock& clock = deps.store.changes().clock();
  const auto deadline = clock.Steady() + std::chrono::seconds(wait);
  // Subscribed before the first read, so no write between the read and the wait is missed.
  auto changes = wait > 0 ? deps.store.changes().Subscribe({DeploymentKey(id)}) : nullptr;
  bool woken_on_cancel = changes != nullptr && progress.on_cancel != nullptr;
  if (woken_on_cancel) progress.on_cancel([&changes] { changes->Wake(); });
  // Unregistered before `changes` goes (declared after it, so destroyed first).
  std::unique_ptr<const Progress, void (*)(const Progress*)> unregister(
      woken_on_cancel ? &progress : nullptr, [](const Progress* p) { p->on_cancel(nullptr); });
  std::string last;
  while (true) {
    auto d = deps.store.GetDeployment(caller.workspace_id, id);
    if (!d.ok() && d.error().code == ErrorCode::kNotFound) {
      return NotFound("deployment '" + id.substr(0, 64) +
                      "' does not exist; list them with `ink deployments list`");
    }
    if (!d.ok()) return d.error();
    bool finished = IsFinished(d->status);
    std::string state =
        std::string(Name(d->status)) + (d->message.empty() ? "" : " (" + d->message + ")");
    if (wait > 0 && state != last && progress.report) progress.report(id + ": " + state);
    last = state;
    bool cancelled = progress.cancelled && progress.cancelled();
    if (finished || wait == 0 || cancelled || clock.Steady() >= deadline) {
      Json out = {{"deployment", DeploymentJson(*d)}, {"finished", finished}};
      return out;
    }
    changes->Add(ServiceKey(d->service_id));  // deleting the service deletes it too
    auto until = deadline;
    if (progress.cancelled && !woken_on_cancel) {
      until = std::min(until, clock.Steady() + std::chrono::seconds(1));
    }
    changes->Wait(until);
  }
}

// The service once the controller observes the replicas of `deployment` (its newly active
// release; "" = no need), so a wait's answer shows the release it waited for: activation comes
// first, the next controller pass (under a second) observes its replicas as serving and notifies
// ReplicasKey, which wakes this wait (no polling). Waits at most 5 s.
Result<Service> ServiceAfter(OperationDeps& deps, const std::string& service_id,
                             const std::string& deployment) {
  if (!deployment.empty()) {
    // Subscribed before the first look, so a pass that ends in between is not missed.
    Watch& changes = deps.store.changes();
    auto passes = changes.Subscribe({ReplicasKey(service_id)});
    const auto deadline = changes.clock().Steady() + std::chrono::seconds(5);
    deps.controller.Wake();
    auto observed = [&] {
      auto replicas = deps.controller.Replicas(service_id);
      // Serving in the pass itself: a pass that ran before the activation lists the replica
      // as starting, with a health result that may predate its readiness (the CI failure
      // where a service read "crashed" right after its deploy went active).
      return std::any_of(replicas.begin(), replicas.end(), [&](const ReplicaStatus& r) {
        return r.deployment_id == deployment && r.role == ReplicaRole::kServing;
      });
    };
    while (!observed() && passes->Wait(deadline)) {
    }
  }
  return deps.store.GetServiceById(service_id);
}

// Gives an operation that starts a deployment (it answers {deployment: {id, ...}, ...}) a
// `wait` input: with wait > 0 it then waits like get_deployment, reporting progress, and
// answers with the deployment as it ended plus `finished`, and `service` as get_service shows
// it then (replicas and events).
Operation WithDeploymentWait(OperationDeps& deps, Operation op) {
  auto start = std::move(op.handler);
  op.handler = nullptr;
  op.with_progress = [&deps, start](const Caller& c, const Json& in,
                                    const Progress& progress) -> Result<Json> {
    Json args = in;
    int wait = args.value("wait", 0);
    args.erase("wait");
    auto started = start(c, args);
    if (!started.ok() || wait == 0) return started;
    const Json& d = (*started)["deployment"];
    if (!d.is_object() || !d.contains("id")) return started;
    auto waited = GetDeployment(deps, c, {{"deployment", d["id"]}, {"wait", wait}}, progress);
    if (!waited.ok()) return started;  // it was created; say so rather than fail
    (*started)["deployment"] = (*waited)["deployment"];
    (*started)["finished"] = (*waited)["finished"];
    const Json& service = (*started)["service"];
    if (service.is_object() && service.contains("id")) {
      std::string deployment = (*waited)["deployment"]["id"];
      bool active = (*waited)["deployment"]["status"] == Name(DeploymentStatus::kActive);
      auto now = ServiceAfter(deps, service["id"], active ? deployment : "");
      if (now.ok() && now->workspace_id == c.workspace_id) {
        (*started)["service"] = ServiceJson(deps, *now, service.value("project", ""), true);
      }
    }
    return started;
  };
  return op;
}

}  // namespace

namespace api_internal {

Result<Json> DeployService(OperationDeps& deps, const Caller& caller, const Json& input) {
  return Deploy(deps, caller, input);
}

Operation WithWaitForDeployment(OperationDeps& deps, Operation op) {
  return WithDeploymentWait(deps, std::move(op));
}

}  // namespace api_internal

void RegisterOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(Implement("create_project",
                      {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
                        std::string name = in["name"];
                        INK_RETURN_IF_ERROR(ValidateName("project name", name));
                        auto p = deps.store.CreateProject(c.workspace_id, name);
                        if (!p.ok()) return p.error();
                        return Json{{"project", ProjectJson(*p)}};
                      }}));
  table.Add(
      Implement("list_projects", {.handler = [&deps](const Caller& c, const Json&) -> Result<Json> {
                  auto list = deps.store.ListProjects(c.workspace_id);
                  if (!list.ok()) return list.error();
                  Json out = Json::array();
                  for (const auto& p : *list) out.push_back(ProjectJson(p));
                  return Json{{"projects", out}};
                }}));
  table.Add(Implement("get_project",
                      {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
                        auto p = FindProject(deps, c, in);
                        if (!p.ok()) return p.error();
                        return Json{{"project", ProjectJson(*p)}};
                      }}));
  // the MCP catalog small
  table.Add(Implement(
      "delete_project", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto p = FindProject(deps, c, in);
        if (!p.ok()) return p.error();
        // Volumes hold data and outlive services: refused before any service is deleted.
        auto volumes = deps.store.ListVolumes(c.workspace_id, p->id);
        if (!volumes.ok()) return volumes.error();
        if (!volumes->empty()) {
          std::string names;
          for (const auto& v : *volumes) names += (names.empty() ? "" : ", ") + v.name;
          return FailedPrecondition("project '" + p->name + "' still has volumes (" + names +
                                    "), which hold data: delete each with `ink volumes delete "
                                    "NAME --project " +
                                    p->name + "` first; nothing was deleted");
        }
        auto services = deps.store.ListServices(c.workspace_id, p->id);
        if (!services.ok()) return services.error();
        for (const auto& s : *services) {
          INK_RETURN_IF_ERROR(deps.store.DeleteService(c.workspace_id, s.id));
        }
        INK_RETURN_IF_ERROR(deps.store.DeleteProject(c.workspace_id, p->id));
        deps.controller.ForgetNetwork(p->network);
        deps.controller.Wake();
        return Json{{"deleted", true}, {"services_deleted", static_cast<int>(services->size())}};
      }}));
  table.Add(WithDeploymentWait(
      deps, Implement("deploy", {.handler = [&deps](const Caller& c, const Json& in) {
                        return Deploy(deps, c, in);
                      }})));
  table.Add(Implement("list_services",
                      {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
                        auto p = FindProject(deps, c, in);
                        if (!p.ok()) return p.error();
                        auto list = deps.store.ListServices(c.workspace_id, p->id);
                        if (!list.ok()) return list.error();
                        Json out = Json::array();
                        for (const auto& s : *list)
                          out.push_back(ServiceJson(deps, s, p->name, false));
                        return Json{{"services", out}};
                      }}));
  table.Add(Implement("get_service",
                      {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
                        auto p = FindProject(deps, c, in);
                        if (!p.ok()) return p.error();
                        auto s = FindService(deps, c, *p, in);
                        if (!s.ok()) return s.error();
                        return Json{{"service", ServiceJson(deps, *s, p->name, true)}};
                      }}));
  table.Add(Implement("delete_service",
                      {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
                        auto p = FindProject(deps, c, in);
                        if (!p.ok()) return p.error();
                        auto s = FindService(deps, c, *p, in);
                        if (!s.ok()) return s.error();
                        return DeleteService(deps, c, *p, *s, in.value("delete_volumes", false));
                      }}));
  table.Add(Implement("list_deployments",
                      {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
                        auto p = FindProject(deps, c, in);
                        if (!p.ok()) return p.error();
                        auto s = FindService(deps, c, *p, in);
                        if (!s.ok()) return s.error();
                        auto list = deps.store.ListDeployments(c.workspace_id, s->id);
                        if (!list.ok()) return list.error();
                        Json out = Json::array();
                        for (const auto& d : *list) out.push_back(DeploymentJson(d));
                        return Json{{"deployments", out}};
                      }}));
  table.Add(Implement("get_deployment", {.with_progress = [&deps](const Caller& c, const Json& in,
                                                                  const Progress& p) {
                        return GetDeployment(deps, c, in, p);
                      }}));
  RegisterLogOperations(table, deps);
  RegisterEventOperations(table, deps);
  RegisterMetricsOperations(table, deps);
  RegisterCostOperations(table, deps);
  RegisterQuotaOperations(table, deps);
  RegisterDomainOperations(table, deps);
  RegisterStorageOperations(table, deps);
  RegisterBackupOperations(table, deps);
  RegisterAdminOperations(table, deps);
  RegisterLifecycleOperations(table, deps);
  RegisterBuildOperations(table, deps);
  RegisterSourceOperations(table, deps);
  RegisterEnvOperations(table, deps);
  RegisterExecOperations(table, deps);
  RegisterTemplateOperations(table, deps);
  RegisterVolumeOperations(table, deps);
  RegisterSnapshotOperations(table, deps);
  RegisterSandboxOperations(table, deps);
}

}  // namespace ink
