// Templates: list_templates, deploy_template.
//
// deploy_template is deploy with the template filled in: its build context (templates/<name>/,
// a Dockerfile on Ink's base image) is packed and stored like an uploaded archive, and the one
// deploy path (DeployService) builds and rolls it out with the template's port, health check,
// resources and variables. Variables are set only where the service has none of that name yet:
// generated secrets are made on the first deploy and kept by every later one (a redeploy rolls
// out the service's stored, sealed variables; a second deploy_template keeps them too). Only
// `env` given in the call replaces a value.
//
// A template's volumes are the service's own: volume "<service>-<name>" is created (at the
// template's size, or volume_size) by the first deploy_template that finds it missing and
// attached through deploy's `volumes` input, in the deploy's transaction. Every later deploy
// reuses it as it is (never recreated, never formatted again). A deploy that is refused after
// this call created a volume deletes it again: nothing half-made stays behind.
#include "ink/common/names.h"
#include "ink/common/resources.h"
#include "ink/runtime/volume_host.h"
#include "src/api/operations_internal.h"

namespace ink::api_internal {
namespace {

using templates::Template;
using templates::TemplateService;

Result<const Template*> FindTemplate(const OperationDeps& deps, const Json& in) {
  std::string name = in.value("template", "");
  const Template* t = deps.templates == nullptr ? nullptr : deps.templates->Find(name);
  if (t == nullptr) {
    return NotFound("there is no template '" + name.substr(0, 64) + "'; the templates are: " +
                    (deps.templates == nullptr ? "(none)" : deps.templates->Names()) +
                    " (see list_templates / `ink templates list`)");
  }
  return t;
}

// The stored build context of `service` as an archive of the caller's workspace.
Result<std::string> StoreBuildContext(OperationDeps& deps, const Caller& caller,
                                      const TemplateService& service) {
  auto tar = templates::PackBuildContext(service);
  if (!tar.ok()) return tar.error();
  size_t consumed = 0;
  BodyReader reader = [&](char* buffer, size_t size) -> Result<size_t> {
    size_t n = std::min(size, tar->size() - consumed);
    std::copy_n(tar->data() + consumed, n, buffer);
    consumed += n;
    return n;
  };
  auto archive = deps.builds->ReceiveArchive(caller.workspace_id, reader);
  if (!archive.ok()) return archive.error();
  return archive->id;
}

// The template's volumes as deploy's `volumes` input ([{volume, mount_path}]), creating each one
// the project does not have yet; `created` gets those this call made. `size` (> 0) replaces
// the template's sizes for the volumes created here.
Result<Json> TemplateVolumes(OperationDeps& deps, const Caller& c, const Project& project,
                             const std::string& service, const TemplateService& ts, int64_t size,
                             std::vector<Volume>& created) {
  Json mounts = Json::array();
  for (const auto& tv : ts.volumes) {
    std::string name = service + "-" + tv.name;
    auto existing = deps.store.GetVolume(c.workspace_id, project.id, name);
    if (!existing.ok()) {
      if (existing.error().code != ErrorCode::kNotFound) return existing.error();
      auto made = CreateVolume(deps, c, project, name, size > 0 ? size : tv.size_bytes);
      if (!made.ok()) {
        return Error{made.error().code, "volume '" + name + "' of template service '" + service +
                                            "': " + made.error().message};
      }
      created.push_back(*made);
    }
    mounts.push_back({{"volume", name}, {"mount_path", tv.mount_path}});
  }
  return mounts;
}

// Deletes the volumes a refused deploy_template created (nothing is attached to them yet).
void RemoveCreatedVolumes(OperationDeps& deps, const Caller& c, const std::vector<Volume>& made) {
  for (const auto& v : made) {
    if (deps.volumes->Remove(v.id).ok()) (void)deps.store.DeleteVolume(c.workspace_id, v.id);
  }
}

// `value` with each reference to a sibling template service (${{db.X}}) naming the service it
// is deployed as (${{blog-db.X}}).
std::string RenameSiblings(std::string value, const Template& t, const std::string& base) {
  for (const auto& sibling : t.services) {
    if (sibling.name.empty()) continue;
    const std::string from = "${{" + sibling.name + ".";
    const std::string to = "${{" + t.DeployedName(sibling, base) + ".";
    for (size_t at = value.find(from); at != std::string::npos;
         at = value.find(from, at + to.size())) {
      value.replace(at, from.size(), to);
    }
  }
  return value;
}

// What one service of the template is deployed with: deploy's input, and the names of the
// variables generated and kept. `overrides` (env, cpu, memory, replicas) apply to the template's
// main service only.
struct ServicePlan {
  const TemplateService* ts = nullptr;
  std::string name;
  Json deploy;
  Json generated = Json::array(), kept = Json::array();
};

Result<ServicePlan> PlanService(OperationDeps& deps, const Caller& c, const Project& project,
                                const Template& t, const TemplateService& ts,
                                const std::string& base, const Json& in) {
  ServicePlan plan{.ts = &ts, .name = t.DeployedName(ts, base)};
  const bool main = &ts == &t.Main();
  INK_RETURN_IF_ERROR(ValidateName("service name", plan.name));
  std::map<std::string, std::string> overrides;
  if (main && in.contains("env")) {
    auto parsed = ParseEnvObject(in["env"], "env");
    if (!parsed.ok()) return parsed.error();
    overrides = std::move(*parsed);
  }
  // What the service already has is kept: secrets are made once, never again.
  std::set<std::string> existing;
  if (auto s = deps.store.GetService(c.workspace_id, project.id, plan.name); s.ok()) {
    auto variables = deps.store.ListServiceVariables(c.workspace_id, s->id);
    if (!variables.ok()) return variables.error();
    for (const auto& v : *variables) existing.insert(v.name);
  }
  Json env = Json::object();
  for (const auto& v : ts.variables) {
    if (overrides.count(v.name)) continue;
    if (existing.count(v.name)) {
      plan.kept.push_back(v.name);
      continue;
    }
    env[v.name] = v.generated() ? templates::GenerateSecret(v.secret_length)
                                : RenameSiblings(v.value, t, base);
    if (v.generated()) plan.generated.push_back(v.name);
  }
  for (const auto& [name, value] : overrides) env[name] = value;
  plan.deploy = {{"project", project.name},
                 {"service", plan.name},
                 {"port", ts.port},
                 {"env", env},
                 {"health_check_path", ts.health_check_type == "http" ? ts.health_check_path : ""}};
  if (main && in.contains("cpu")) {
    plan.deploy["cpu"] = in["cpu"];
  } else if (ts.cpu > 0) {
    plan.deploy["cpu"] = ts.cpu;
  }
  if (main && in.contains("memory")) {
    plan.deploy["memory"] = in["memory"];
  } else if (ts.memory_bytes > 0) {
    plan.deploy["memory"] = ts.memory_bytes;
  }
  if (main && in.contains("replicas")) plan.deploy["replicas"] = in["replicas"];
  if (plan.deploy.contains("memory")) {
    auto memory = MemoryInput(plan.deploy["memory"]);
    if (!memory.ok()) return memory.error();
  }
  return plan;
}

// Stores the build context, creates the volumes the project lacks and deploys: one service.
Result<Json> DeployPlanned(OperationDeps& deps, const Caller& c, const Project& project,
                           ServicePlan& plan, int64_t volume_size) {
  auto archive = StoreBuildContext(deps, c, *plan.ts);
  if (!archive.ok()) return archive.error();
  plan.deploy["archive_id"] = *archive;
  std::vector<Volume> created;
  if (!plan.ts->volumes.empty()) {
    auto volumes = TemplateVolumes(deps, c, project, plan.name, *plan.ts, volume_size, created);
    if (!volumes.ok()) {
      RemoveCreatedVolumes(deps, c, created);
      return volumes.error();
    }
    plan.deploy["volumes"] = *volumes;
  }
  auto out = DeployService(deps, c, plan.deploy);
  if (!out.ok()) {
    RemoveCreatedVolumes(deps, c, created);
    return out.error();
  }
  Json volumes = Json::array();
  for (const auto& mount : plan.deploy.value("volumes", Json::array())) {
    bool made = std::any_of(created.begin(), created.end(),
                            [&](const Volume& v) { return v.name == mount["volume"]; });
    volumes.push_back(
        {{"volume", mount["volume"]}, {"mount_path", mount["mount_path"]}, {"created", made}});
  }
  Json publishes = Json::array();
  for (const auto& name : plan.ts->publishes) {
    publishes.push_back({{"name", name}, {"reference", "${{" + plan.name + "." + name + "}}"}});
  }
  (*out)["generated"] = plan.generated;
  (*out)["kept"] = plan.kept;
  (*out)["publishes"] = publishes;
  (*out)["volumes"] = volumes;
  return out;
}

// A template's services are deployed in the order it lists them (a service references only
// those before it, so each reference is checked against a service that exists). Everything that
// can be refused is checked for every service before the first is deployed.
Result<Json> DeployTemplate(OperationDeps& deps, const Caller& c, const Json& in) {
  auto t = FindTemplate(deps, in);
  if (!t.ok()) return t.error();
  if (deps.builds == nullptr) {
    return FailedPrecondition("this inkd has no build pipeline: templates are built from source");
  }
  auto project = FindProject(deps, c, in);
  if (!project.ok()) return project.error();
  std::string base = in.value("service", (*t)->name);
  INK_RETURN_IF_ERROR(ValidateName("service name", base));
  int64_t volume_size = 0;
  if (in.contains("volume_size")) {
    auto size = ParseVolumeSize(in["volume_size"].get<std::string>());
    if (!size.ok()) return InvalidArgument("volume_size: " + size.error().message);
    volume_size = *size;
  }
  std::vector<ServicePlan> plans;
  for (const auto& ts : (*t)->services) {
    auto plan = PlanService(deps, c, *project, **t, ts, base, in);
    if (!plan.ok()) return plan.error();
    plans.push_back(std::move(*plan));
  }
  Json main, services = Json::array();
  std::string deployed;
  for (auto& plan : plans) {
    auto out = DeployPlanned(deps, c, *project, plan, volume_size);
    if (!out.ok()) {
      if (deployed.empty()) return out.error();
      return Error{out.error().code,
                   "service '" + plan.name + "' of template '" + (*t)->name + "' was refused (" +
                       deployed +
                       " deployed already; fix this and deploy the template again, which keeps "
                       "what they have): " +
                       out.error().message};
    }
    deployed += (deployed.empty() ? "" : ", ") + plan.name;
    services.push_back({{"service", plan.name},
                        {"deployment", (*out)["deployment"]["id"]},
                        {"generated", (*out)["generated"]},
                        {"kept", (*out)["kept"]},
                        {"volumes", (*out)["volumes"]},
                        {"publishes", (*out)["publishes"]}});
    if (plan.ts == &(*t)->Main()) main = std::move(*out);
  }
  main["template"] = (*t)->name;
  main["services"] = services;
  return main;
}

}  // namespace

void RegisterTemplateOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(
      Implement("list_templates", {.handler = [&deps](const Caller&, const Json&) -> Result<Json> {
                  Json list = Json::array();
                  if (deps.templates != nullptr) {
                    for (const auto& t : deps.templates->templates()) {
                      list.push_back(t.ToJson());
                    }
                  }
                  return Json{{"templates", list}};
                }}));
  table.Add(WithWaitForDeployment(
      deps, Implement("deploy_template",
                      {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
                        return DeployTemplate(deps, c, in);
                      }})));
}

}  // namespace ink::api_internal
