// Service variables (environment, secrets): list_env, set_env, unset_env, and the sealing
// helpers deploy uses for its `env` input.
//
// Values are write-only: they are sealed with SecretBox as soon as they are validated, and no
// response, event, deployment message, log line or error ever carries one (errors name the
// variable). list_env shows each value masked, with its length only. A change rolls out a new
// deployment of the current release by default (redeploy: false opts out); every deployment
// runs with its own snapshot of the variables (see Store::DeployOptions).
#include <set>

#include "ink/common/env_vars.h"
#include "src/api/operations_internal.h"

namespace ink::api_internal {
namespace {

// The same mask for every value, whatever its length or content: no fragment of a value is
// ever shown.
constexpr char kMask[] = "\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u2022";

// The spec a redeploy rolls out: the running release's (with its built image), else the
// service's newest desired spec.
Result<ServiceSpec> SpecToRedeploy(OperationDeps& deps, const Caller& caller, const Service& s) {
  if (s.active_deployment_id.empty()) return s.spec;
  auto d = deps.store.GetDeployment(caller.workspace_id, s.active_deployment_id);
  if (!d.ok()) return d.error();
  return d->spec;
}

// name → plaintext of the service's current variables (only those named in `wanted`).
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

// Applies a variable change (and the redeploy, unless opted out) and answers with what changed.
Result<Json> ApplyChange(OperationDeps& deps, const Caller& caller, const Project& project,
                         const Service& service, Store::VariableChange change,
                         std::vector<std::string> names, const std::string& operation,
                         bool redeploy) {
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  if (redeploy) {
    auto spec = SpecToRedeploy(deps, caller, service);
    if (!spec.ok()) return spec.error();
    INK_RETURN_IF_ERROR(AdmitSpec(deps.controller.policy(), *spec));  // before anything changes
    change.redeploy = *spec;
  }
  auto applied = deps.store.ChangeServiceVariables(caller.workspace_id, service.id, change);
  if (!applied.ok()) return applied.error();
  Json out = {{"service", service.name},
              {"project", project.name},
              {operation == "set_env" ? "set" : "unset", names},
              {"redeployed", applied->deployment.has_value()}};
  if (applied->deployment.has_value()) {
    const Deployment& d = *applied->deployment;
    Event e;
    e.workspace_id = caller.workspace_id;
    e.service_id = service.id;
    e.deployment_id = d.id;
    e.kind = "redeploy";
    e.message = operation + ": " + list;  // names only
    (void)deps.store.AppendEvent(e);
    deps.controller.Wake();
    out["deployment"] = DeploymentJson(d);
    out["url"] = ServiceUrl(deps, service.name, project.name);
  }
  return out;
}

Result<Json> ListEnv(OperationDeps& deps, const Caller& caller, const Json& input) {
  auto p = FindProject(deps, caller, input);
  if (!p.ok()) return p.error();
  auto s = FindService(deps, caller, *p, input);
  if (!s.ok()) return s.error();
  auto list = deps.store.ListServiceVariables(caller.workspace_id, s->id);
  if (!list.ok()) return list.error();
  // What the running release has: a sealed value copied into its snapshot is the same string,
  // so "live" needs no unsealing.
  std::map<std::string, std::string> running;
  if (!s->active_deployment_id.empty()) {
    auto snapshot = deps.store.ListDeploymentVariables(s->active_deployment_id);
    if (!snapshot.ok()) return snapshot.error();
    for (auto& v : *snapshot) running[v.name] = std::move(v.sealed_value);
  }
  Json variables = Json::array();
  for (const auto& v : *list) {
    auto value = deps.secrets.Open(v.sealed_value);
    Json entry = {{"name", v.name},
                  {"masked_value", kMask},
                  {"updated_at", v.updated_at},
                  {"live", running.count(v.name) && running[v.name] == v.sealed_value}};
    if (value.ok()) {
      entry["length"] = value->size();
    } else {
      entry["error"] = "cannot be unsealed with this server's key; set it again";
    }
    variables.push_back(std::move(entry));
    running.erase(v.name);
  }
  Json removed = Json::array();
  for (const auto& [name, unused] : running) removed.push_back(name);
  return Json{{"service", s->name},
              {"project", p->name},
              {"variables", variables},
              {"unset_but_live", removed}};
}

Result<Json> SetEnv(OperationDeps& deps, const Caller& caller, const Json& input) {
  auto p = FindProject(deps, caller, input);
  if (!p.ok()) return p.error();
  auto s = FindService(deps, caller, *p, input);
  if (!s.ok()) return s.error();
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
    for (auto& e : *entries) wanted[e.name] = std::move(e.value);
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
  // Values equal to the stored ones are not written again: repeating a set_env is a no-op and
  // does not roll out a release.
  auto current = deps.store.ListServiceVariables(caller.workspace_id, s->id);
  if (!current.ok()) return current.error();
  std::set<std::string> names;
  for (const auto& [name, unused] : wanted) names.insert(name);
  auto stored = OpenVariables(deps, *current, names);
  if (!stored.ok()) return stored.error();
  Store::VariableChange change;
  std::vector<std::string> changed, unchanged;
  for (const auto& [name, value] : wanted) {
    auto it = stored->find(name);
    if (it != stored->end() && it->second == value) {
      unchanged.push_back(name);
      continue;
    }
    change.set.push_back(SealedVariable{name, deps.secrets.Seal(value), 0});
    changed.push_back(name);
  }
  if (changed.empty()) {
    return Json{{"service", s->name},
                {"project", p->name},
                {"set", Json::array()},
                {"unchanged", unchanged},
                {"redeployed", false}};
  }
  auto out = ApplyChange(deps, caller, *p, *s, std::move(change), changed, "set_env",
                         RedeployWanted(input));
  if (out.ok()) (*out)["unchanged"] = unchanged;
  return out;
}

Result<Json> UnsetEnv(OperationDeps& deps, const Caller& caller, const Json& input) {
  auto p = FindProject(deps, caller, input);
  if (!p.ok()) return p.error();
  auto s = FindService(deps, caller, *p, input);
  if (!s.ok()) return s.error();
  Store::VariableChange change;
  std::set<std::string> seen;
  for (const auto& item : input["names"]) {
    std::string name = item.get<std::string>();
    INK_RETURN_IF_ERROR(ValidateVariableName(name));
    if (seen.insert(name).second) change.unset.push_back(name);
  }
  if (change.unset.empty()) return InvalidArgument("names is empty: name the variables to unset");
  auto names = change.unset;
  return ApplyChange(deps, caller, *p, *s, std::move(change), names, "unset_env",
                     RedeployWanted(input));
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
    if (Status valid = ValidateVariableName(name); !valid.ok()) {
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

Result<std::vector<SealedVariable>> SealEnvInput(OperationDeps& deps, const Json& input,
                                                 const std::string& field) {
  std::vector<SealedVariable> sealed;
  if (!input.contains(field)) return sealed;
  auto parsed = ParseEnvObject(input[field], field);
  if (!parsed.ok()) return parsed.error();
  for (const auto& [name, value] : *parsed) {
    sealed.push_back(SealedVariable{name, deps.secrets.Seal(value), 0});
  }
  return sealed;
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
