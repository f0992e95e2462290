// Variables (environment, secrets) of a service or of a project (shared variables, named in
// references as `${{shared.NAME}}`): list_env, set_env, unset_env, and the sealing helpers
// deploy uses for its `env` input.
//
// Values are write-only: they are sealed with SecretBox as soon as they are validated, and no
// response, event, deployment message, log line or error ever carries one (errors name the
// variable). list_env shows each value masked, with its length only. A change rolls out a new
// deployment of the current release by default (redeploy: false opts out), and of every running
// service whose variables reference a changed one; every deployment runs with its own snapshot
// of its service's variables (see Store::DeployOptions), references resolved when a replica
// starts (project_env.h). A change that would leave a reference dangling or make a cycle is
// refused and changes nothing.
#include <algorithm>
#include <set>

#include "ink/common/env_vars.h"
#include "ink/common/log.h"
#include "ink/common/variable_references.h"
#include "ink/controller/project_env.h"
#include "src/api/operations_internal.h"

namespace ink::api_internal {
namespace {

// The same mask for every value, whatever its length or content: no fragment of a value is
// ever shown.
constexpr char kMask[] = "\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u2022";

// Whose variables an operation reads or changes: one service's, or (`service` is "shared", the
// scope name references use; no service can have that name) the project's shared ones.
struct Scope {
  std::optional<Service> service;
  std::string Name() const { return service ? service->name : std::string(kSharedScope); }
};

Result<Scope> FindScope(OperationDeps& deps, const Caller& caller, const Project& project,
                        const Json& input) {
  if (input.value("service", "") == kSharedScope) return Scope{};
  auto s = FindService(deps, caller, project, input);
  if (!s.ok()) return s.error();
  return Scope{std::move(*s)};
}

// The project and scope the input names.
Result<std::pair<Project, Scope>> FindTarget(OperationDeps& deps, const Caller& caller,
                                             const Json& input) {
  auto p = FindProject(deps, caller, input);
  if (!p.ok()) return p.error();
  auto scope = FindScope(deps, caller, *p, input);
  if (!scope.ok()) return scope.error();
  return std::pair{std::move(*p), std::move(*scope)};
}

Result<std::vector<SealedVariable>> StoredVariables(OperationDeps& deps, const Caller& caller,
                                                    const Project& project, const Scope& scope) {
  if (scope.service) return deps.store.ListServiceVariables(caller.workspace_id, scope.service->id);
  return deps.store.ListProjectVariables(caller.workspace_id, project.id);
}

// Names the scope in an answer: {"service": "web"} or {"shared": true}.
Json ScopeJson(const Project& project, const Scope& scope) {
  Json out = {{"project", project.name}};
  if (scope.service) {
    out["service"] = scope.service->name;
  } else {
    out["shared"] = true;
  }
  return out;
}

// The spec a redeploy rolls out: the running release's (with its built image), else the
// service's newest desired spec.
Result<ServiceSpec> SpecToRedeploy(OperationDeps& deps, const Caller& caller, const Service& s) {
  if (s.active_deployment_id.empty()) return s.spec;
  auto d = deps.store.GetDeployment(caller.workspace_id, s.active_deployment_id);
  if (!d.ok()) return d.error();
  return d->spec;
}

// name → plaintext of the scope's current variables (only those named in `wanted`).
Result<std::map<std::string, std::string>> OpenVariables(OperationDeps& deps,
                                                         const std::vector<SealedVariable>& list,
                                                         const std::set<std::string>& wanted) {
  std::map<std::string, std::string> out;
  for (const auto& v : list) {
    if (!wanted.count(v.name)) continue;
    auto value = deps.secrets.Open(v.sealed_value);
    if (!value.ok()) {
      return Internal("variable " + v.name + " cannot be unsealed (" + value.error().message +
                      "); set it again");
    }
    out[v.name] = std::move(*value);
  }
  return out;
}

bool RedeployWanted(const Json& input) { return input.value("redeploy", true); }

// A name a user may set: a variable name, and not INK_* (Ink's own, injected in every replica).
Status ValidateUserVariableName(const std::string& name) {
  INK_RETURN_IF_ERROR(ValidateVariableName(name));
  if (name.rfind("INK_", 0) == 0) {
    return InvalidArgument(
        "variable " + name.substr(0, 64) +
        ": names starting with INK_ are Ink's (it sets INK_SERVICE, INK_PROJECT, INK_PRIVATE_URL "
        "and INK_PUBLIC_URL in every replica; reference another service's as "
        "${{web.INK_PRIVATE_URL}}); choose another name");
  }
  return {};
}

// What a change does to the scope's variables, in plaintext (in memory only).
struct PlainChange {
  std::map<std::string, std::string> set;
  std::vector<std::string> unset;
};

// Checks `change` against the project's references, as if applied: every variable it sets and
// every variable that uses a changed one must still resolve (no dangling reference, no cycle).
// Answers the other services whose resolved values use a changed variable (before or after the
// change): the ones to redeploy with it.
Result<std::set<std::string>> CheckReferences(OperationDeps& deps, const Project& project,
                                              const Scope& scope, const PlainChange& change) {
  auto before =
      LoadProjectEnv(deps.store, deps.secrets, project,
                     {.platform_domain = deps.platform_domain,
                      .edge_port = deps.edge_port,
                      .https_port = deps.public_https_port ? deps.public_https_port() : 0});
  if (!before.ok()) {
    // A value that cannot be unsealed (a changed server key) must not stop the user from
    // setting it again: without references in the new values there is nothing to resolve.
    for (const auto& [name, value] : change.set) {
      if (HasReferenceSyntax(value)) return before.error();
    }
    return std::set<std::string>{};
  }
  ProjectEnv after = *before;
  auto& variables = scope.service ? after.services[scope.service->name].variables : after.shared;
  for (const auto& [name, value] : change.set) variables[name] = value;
  for (const auto& name : change.unset) variables.erase(name);

  const std::string prefix = scope.Name() + ".";
  std::set<std::string> changed;
  for (const auto& [name, unused] : change.set) changed.insert(prefix + name);
  for (const auto& name : change.unset) changed.insert(prefix + name);
  std::set<std::string> affected = VariablesReferencing(*before, changed);
  affected.merge(VariablesReferencing(after, changed));
  for (const auto& [name, unused] : change.set) affected.insert(prefix + name);
  // Keys that the change removes are checked through the variables that use them.
  std::set<std::string> check, services;
  for (const auto& key : affected) {
    const std::string owner = key.substr(0, key.find('.'));
    const std::string name = key.substr(owner.size() + 1);
    const auto* vars = owner == kSharedScope ? &after.shared : nullptr;
    if (auto it = after.services.find(owner); it != after.services.end()) {
      vars = &it->second.variables;
    }
    if (vars == nullptr || !vars->count(name)) continue;
    check.insert(key);
    if (owner != kSharedScope && owner != scope.Name()) services.insert(owner);
  }
  if (Status resolvable = CheckResolvable(after, check); !resolvable.ok()) {
    return InvalidArgument(resolvable.error().message + " (nothing was changed)");
  }
  return services;
}

// The specs to roll out for the services named in `referencing` (by service id; their names in
// `names`): each running one's current release. A service that runs and rolls out nothing
// resolves the new values when it is next deployed; one whose first deployment is still rolling
// out gets a new one.
Result<std::map<std::string, ServiceSpec>> SpecsOfReferencing(
    OperationDeps& deps, const Caller& caller, const Project& project,
    const std::set<std::string>& referencing, std::map<std::string, std::string>& names) {
  std::map<std::string, ServiceSpec> specs;
  for (const auto& name : referencing) {
    auto s = deps.store.GetService(caller.workspace_id, project.id, name);
    if (!s.ok()) return s.error();
    if (s->active_deployment_id.empty()) {
      auto deployments = deps.store.ListDeployments(caller.workspace_id, s->id);
      if (!deployments.ok()) return deployments.error();
      if (std::all_of(deployments->begin(), deployments->end(),
                      [](const Deployment& d) { return IsFinished(d.status); })) {
        continue;
      }
    }
    auto spec = SpecToRedeploy(deps, caller, *s);
    if (!spec.ok()) return spec.error();
    INK_RETURN_IF_ERROR(AdmitSpec(deps.controller.policy(), *spec));
    specs[s->id] = *spec;
    names[s->id] = s->name;
  }
  return specs;
}

// Applies a variable change (and the redeploys, unless opted out: of the scope's service, and
// of the running services referencing a changed variable) and answers with what changed.
Result<Json> ApplyChange(OperationDeps& deps, const Caller& caller, const Project& project,
                         const Scope& scope, Store::VariableChange change,
                         const std::vector<std::string>& names,
                         const std::set<std::string>& referencing, const std::string& operation,
                         bool redeploy) {
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  std::map<std::string, std::string> service_names;  // id → name, of what is redeployed
  if (redeploy) {
    if (scope.service) {
      auto spec = SpecToRedeploy(deps, caller, *scope.service);
      if (!spec.ok()) return spec.error();
      INK_RETURN_IF_ERROR(AdmitSpec(deps.controller.policy(), *spec));  // before any change
      change.redeploy = *spec;
    }
    auto specs = SpecsOfReferencing(deps, caller, project, referencing, service_names);
    if (!specs.ok()) return specs.error();
    change.redeploy_referencing = std::move(*specs);
  }
  auto applied =
      scope.service
          ? deps.store.ChangeServiceVariables(caller.workspace_id, scope.service->id, change)
          : deps.store.ChangeProjectVariables(caller.workspace_id, project.id, change);
  if (!applied.ok()) return applied.error();
  Json out = ScopeJson(project, scope);
  out[operation == "set_env" ? "set" : "unset"] = names;
  out["redeployed"] = applied->deployment.has_value();
  out["referencing"] = referencing;
  auto record = [&](const std::string& service_id, const std::string& deployment_id,
                    const std::string& kind, const std::string& message) {
    Event e;
    e.workspace_id = caller.workspace_id;
    e.service_id = service_id;
    e.deployment_id = deployment_id;
    e.kind = kind;
    e.message = message;  // names only
    (void)deps.store.AppendEvent(e);
  };
  // The service's own variables changed: env_changed (whether or not it was rolled out now);
  // services redeployed because their variables use a changed one: redeploy.
  if (scope.service) {
    const auto& d = applied->deployment;
    record(scope.service->id, d ? d->id : "", "env_changed",
           operation + ": " + list +
               (d ? "" : " (not rolled out; the next deployment picks the change up)"));
  }
  if (applied->deployment.has_value()) {
    out["deployment"] = DeploymentJson(*applied->deployment);
    out["url"] = ServiceUrl(deps, scope.service->name, project.name);
  }
  Json redeployed = Json::array();
  for (const auto& d : applied->referencing) {
    record(d.service_id, d.id, "redeploy",
           operation + " of " + scope.Name() + " (" + list + "), which its variables use");
    redeployed.push_back({{"service", service_names[d.service_id]}, {"deployment", d.id}});
  }
  out["redeployed_referencing"] = std::move(redeployed);
  if (applied->deployment.has_value() || !applied->referencing.empty()) deps.controller.Wake();
  return out;
}

Json MaskedEntry(const OperationDeps& deps, const SealedVariable& v) {
  auto value = deps.secrets.Open(v.sealed_value);
  Json entry = {{"name", v.name}, {"masked_value", kMask}, {"updated_at", v.updated_at}};
  if (value.ok()) {
    entry["length"] = value->size();
  } else {
    entry["error"] = "cannot be unsealed with this server's key; set it again";
  }
  return entry;
}

Result<Json> ListEnv(OperationDeps& deps, const Caller& caller, const Json& input) {
  auto target = FindTarget(deps, caller, input);
  if (!target.ok()) return target.error();
  const Project* p = &target->first;
  const Scope* scope = &target->second;
  auto list = StoredVariables(deps, caller, *p, *scope);
  if (!list.ok()) return list.error();
  Json out = ScopeJson(*p, *scope);
  Json variables = Json::array();
  if (!scope->service) {  // shared variables belong to no release: no `live`
    for (const auto& v : *list) variables.push_back(MaskedEntry(deps, v));
    out["variables"] = std::move(variables);
    return out;
  }
  // What the running release has: a sealed value copied into its snapshot is the same string,
  // so "live" needs no unsealing.
  std::map<std::string, std::string> running;
  if (!scope->service->active_deployment_id.empty()) {
    auto snapshot = deps.store.ListDeploymentVariables(scope->service->active_deployment_id);
    if (!snapshot.ok()) return snapshot.error();
    for (auto& v : *snapshot) running[v.name] = std::move(v.sealed_value);
  }
  for (const auto& v : *list) {
    Json entry = MaskedEntry(deps, v);
    entry["live"] = running.count(v.name) && running[v.name] == v.sealed_value;
    variables.push_back(std::move(entry));
    running.erase(v.name);
  }
  Json removed = Json::array();
  for (const auto& [name, unused] : running) removed.push_back(name);
  out["variables"] = std::move(variables);
  out["unset_but_live"] = std::move(removed);
  return out;
}

// The variables set_env's input asks for: `dotenv` and `variables` merged, checked.
Result<std::map<std::string, std::string>> WantedVariables(const Json& input) {
  if (!input.contains("variables") && !input.contains("dotenv")) {
    return InvalidArgument(
        "give the variables to set: `variables` ({\"NAME\": \"value\"}) and/or `dotenv` (the "
        "text of a .env file)");
  }
  std::map<std::string, std::string> wanted;
  if (input.contains("dotenv")) {
    if (!input["dotenv"].is_string()) {
      return InvalidArgument("dotenv must be a string: the text of a .env file");
    }
    if (input["dotenv"].get_ref<const std::string&>().size() > (1u << 20)) {
      return InvalidArgument("dotenv is larger than 1 MiB");
    }
    auto entries = ParseDotenv(input["dotenv"].get<std::string>());
    if (!entries.ok()) return InvalidArgument("dotenv " + entries.error().message);
    for (auto& e : *entries) {
      if (Status valid = ValidateUserVariableName(e.name); !valid.ok()) {
        return InvalidArgument("dotenv line " + std::to_string(e.line) + ": " +
                               valid.error().message);
      }
      wanted[e.name] = std::move(e.value);
    }
  }
  if (input.contains("variables")) {
    auto parsed = ParseEnvObject(input["variables"], "variables");
    if (!parsed.ok()) return parsed.error();
    for (auto& [name, value] : *parsed) {
      if (wanted.count(name)) {
        return InvalidArgument("variable " + name +
                               " is given both in `variables` and in `dotenv`; give it once");
      }
      wanted[name] = std::move(value);
    }
  }
  if (wanted.empty()) {
    return InvalidArgument("no variables to set: `variables` is empty and `dotenv` has none");
  }
  if (wanted.size() > kMaxVariablesPerService) {
    return InvalidArgument("at most " + std::to_string(kMaxVariablesPerService) +
                           " variables per service; this request has " +
                           std::to_string(wanted.size()));
  }
  return wanted;
}

Result<Json> SetEnv(OperationDeps& deps, const Caller& caller, const Json& input) {
  auto target = FindTarget(deps, caller, input);
  if (!target.ok()) return target.error();
  const Project* p = &target->first;
  const Scope* scope = &target->second;
  auto wanted = WantedVariables(input);
  if (!wanted.ok()) return wanted.error();
  // Values equal to the stored ones are not written again: repeating a set_env is a no-op and
  // does not roll out a release.
  auto current = StoredVariables(deps, caller, *p, *scope);
  if (!current.ok()) return current.error();
  std::set<std::string> names;
  for (const auto& [name, unused] : *wanted) names.insert(name);
  auto stored = OpenVariables(deps, *current, names);
  if (!stored.ok()) return stored.error();
  PlainChange plain;
  std::vector<std::string> changed, unchanged;
  for (auto& [name, value] : *wanted) {
    auto it = stored->find(name);
    if (it != stored->end() && it->second == value) {
      unchanged.push_back(name);
      continue;
    }
    plain.set[name] = std::move(value);
    changed.push_back(name);
  }
  if (changed.empty()) {
    Json out = ScopeJson(*p, *scope);
    out["set"] = Json::array();
    out["unchanged"] = unchanged;
    out["redeployed"] = false;
    return out;
  }
  auto referencing = CheckReferences(deps, *p, *scope, plain);
  if (!referencing.ok()) return referencing.error();
  Store::VariableChange change;
  for (const auto& [name, value] : plain.set) {
    change.set.push_back(SealedVariable{name, deps.secrets.Seal(value), 0});
  }
  auto out = ApplyChange(deps, caller, *p, *scope, std::move(change), changed, *referencing,
                         "set_env", RedeployWanted(input));
  if (out.ok()) (*out)["unchanged"] = unchanged;
  return out;
}

Result<Json> UnsetEnv(OperationDeps& deps, const Caller& caller, const Json& input) {
  auto target = FindTarget(deps, caller, input);
  if (!target.ok()) return target.error();
  const Project* p = &target->first;
  const Scope* scope = &target->second;
  PlainChange plain;
  std::set<std::string> seen;
  for (const auto& item : input["names"]) {
    std::string name = item.get<std::string>();
    INK_RETURN_IF_ERROR(ValidateVariableName(name));
    if (seen.insert(name).second) plain.unset.push_back(name);
  }
  if (plain.unset.empty()) return InvalidArgument("names is empty: name the variables to unset");
  auto referencing = CheckReferences(deps, *p, *scope, plain);
  if (!referencing.ok()) return referencing.error();
  Store::VariableChange change;
  change.unset = plain.unset;
  return ApplyChange(deps, caller, *p, *scope, std::move(change), plain.unset, *referencing,
                     "unset_env", RedeployWanted(input));
}

}  // namespace

Result<std::map<std::string, std::string>> ParseEnvObject(const Json& object,
                                                          const std::string& field) {
  if (!object.is_object()) {
    return InvalidArgument(field + " must be an object {\"NAME\": \"value\"}");
  }
  if (object.size() > kMaxVariablesPerService) {
    return InvalidArgument(field + " has " + std::to_string(object.size()) +
                           " variables; a service can have at most " +
                           std::to_string(kMaxVariablesPerService));
  }
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : object.items()) {
    if (Status valid = ValidateUserVariableName(name); !valid.ok()) {
      return InvalidArgument(field + ": " + valid.error().message);
    }
    // Never echo the value, not even its type's literal (a numeric secret is still a secret).
    if (!value.is_string()) {
      return InvalidArgument(field + "." + name +
                             " must be a string; quote numbers and booleans (\"8080\", \"true\")");
    }
    const std::string& text = value.get_ref<const std::string&>();
    if (Status valid = ValidateVariableValue(name, text, kMaxVariableValueBytes); !valid.ok()) {
      return InvalidArgument(field + ": " + valid.error().message);
    }
    out[name] = text;
  }
  return out;
}

Result<std::vector<SealedVariable>> SealDeployEnv(OperationDeps& deps, const Project& project,
                                                  const std::string& service, const Json& input) {
  std::vector<SealedVariable> sealed;
  if (!input.contains("env")) return sealed;
  auto parsed = ParseEnvObject(input["env"], "env");
  if (!parsed.ok()) return parsed.error();
  bool references = false;
  for (const auto& [name, value] : *parsed) references = references || HasReferenceSyntax(value);
  if (references) {  // as set_env checks them: every reference resolves, no cycle
    auto env =
        LoadProjectEnv(deps.store, deps.secrets, project,
                       {.platform_domain = deps.platform_domain,
                      .edge_port = deps.edge_port,
                      .https_port = deps.public_https_port ? deps.public_https_port() : 0});
    if (!env.ok()) return env.error();
    ServiceEnv& entry = env->services[service];
    entry.addressing.service = service;  // a new service: enough to name its own INK_*
    entry.addressing.project = project.name;
    std::set<std::string> keys;
    for (const auto& [name, value] : *parsed) {
      entry.variables[name] = value;
      keys.insert(service + "." + name);
    }
    if (Status resolvable = CheckResolvable(*env, keys); !resolvable.ok()) {
      return InvalidArgument("env: " + resolvable.error().message + " (nothing was deployed)");
    }
  }
  for (const auto& [name, value] : *parsed) {
    sealed.push_back(SealedVariable{name, deps.secrets.Seal(value), 0});
  }
  return sealed;
}

Result<std::set<std::string>> DeployEnvReferencing(OperationDeps& deps, const Project& project,
                                                   const Service& service, const Json& input) {
  if (!input.contains("env")) return std::set<std::string>{};
  auto parsed = ParseEnvObject(input["env"], "env");
  if (!parsed.ok()) return parsed.error();
  std::set<std::string> names;
  for (const auto& [name, unused] : *parsed) names.insert(name);
  auto list = deps.store.ListServiceVariables(service.workspace_id, service.id);
  if (!list.ok()) return list.error();
  auto stored = OpenVariables(deps, *list, names);
  if (!stored.ok()) return stored.error();
  PlainChange plain;
  for (auto& [name, value] : *parsed) {
    auto it = stored->find(name);
    if (it == stored->end() || it->second != value) plain.set[name] = std::move(value);
  }
  if (plain.set.empty()) return std::set<std::string>{};
  return CheckReferences(deps, project, Scope{service}, plain);
}

Json RedeployReferencing(OperationDeps& deps, const Caller& caller, const Project& project,
                         const std::string& service, const std::set<std::string>& referencing) {
  Json redeployed = Json::array();
  std::map<std::string, std::string> names;
  auto specs = SpecsOfReferencing(deps, caller, project, referencing, names);
  if (!specs.ok()) {
    LogError("env", "deploy of " + service +
                        ": the services using its variables were not "
                        "redeployed: " +
                        specs.error().message);
    return redeployed;
  }
  for (const auto& [id, spec] : *specs) {
    auto created = deps.store.CreateOrUpdateServiceWithDeployment(caller.workspace_id, project.id,
                                                                  names[id], spec, {});
    if (!created.ok()) {
      LogError("env", "redeploy of " + names[id] + " after deploy of " + service +
                          " failed: " + created.error().message);
      continue;
    }
    Event e;
    e.workspace_id = caller.workspace_id;
    e.service_id = id;
    e.deployment_id = created->deployment.id;
    e.kind = "redeploy";
    e.message = "deploy of " + service + " changed variables that this service's variables use";
    (void)deps.store.AppendEvent(e);
    redeployed.push_back({{"service", names[id]}, {"deployment", created->deployment.id}});
  }
  if (!redeployed.empty()) deps.controller.Wake();
  return redeployed;
}

Json VariableNames(const OperationDeps& deps, const Service& service) {
  Json names = Json::array();
  auto list = deps.store.ListServiceVariables(service.workspace_id, service.id);
  if (list.ok()) {
    for (const auto& v : *list) names.push_back(v.name);
  }
  return names;
}

void RegisterEnvOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(Implement("list_env", {.handler = [&deps](const Caller& c, const Json& in) {
                        return ListEnv(deps, c, in);
                      }}));
  table.Add(Implement("set_env", {.handler = [&deps](const Caller& c, const Json& in) {
                        return SetEnv(deps, c, in);
                      }}));
  table.Add(Implement("unset_env", {.handler = [&deps](const Caller& c, const Json& in) {
                        return UnsetEnv(deps, c, in);
                      }}));
}

}  // namespace ink::api_internal
