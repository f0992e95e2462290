#include "ink/controller/project_env.h"

namespace ink {
namespace {

Result<std::map<std::string, std::string>> Open(const SecretBox& secrets,
                                                const std::vector<SealedVariable>& sealed,
                                                const std::string& owner) {
  std::map<std::string, std::string> out;
  for (const auto& variable : sealed) {
    auto value = secrets.Open(variable.sealed_value);
    if (!value.ok()) {
      return Internal("variable " + owner + "." + variable.name + " cannot be unsealed (" +
                      value.error().message + "); set it again with `ink env set`");
    }
    out[variable.name] = std::move(*value);
  }
  return out;
}

}  // namespace

Result<ProjectEnv> LoadProjectEnv(Store& store, const SecretBox& secrets, const Project& project,
                                  const PublicAddressing& where) {
  ProjectEnv env;
  auto shared = store.ListProjectVariables(project.workspace_id, project.id);
  if (!shared.ok()) return shared.error();
  auto opened = Open(secrets, *shared, std::string(kSharedScope));
  if (!opened.ok()) return opened.error();
  env.shared = std::move(*opened);
  auto services = store.ListServices(project.workspace_id, project.id);
  if (!services.ok()) return services.error();
  for (const auto& s : *services) {
    ServiceEnv entry;
    auto variables = store.ListServiceVariables(s.workspace_id, s.id);
    if (!variables.ok()) return variables.error();
    auto values = Open(secrets, *variables, s.name);
    if (!values.ok()) return values.error();
    entry.variables = std::move(*values);
    int port = s.spec.port;
    if (!s.active_deployment_id.empty()) {
      auto active = store.GetDeployment(s.workspace_id, s.active_deployment_id);
      if (active.ok()) port = active->spec.port;
    }
    entry.addressing = {.service = s.name,
                        .project = project.name,
                        .platform_domain = where.platform_domain,
                        .edge_port = where.edge_port,
                        .port = port,
                        .https_port = where.https_port};
    env.services[s.name] = std::move(entry);
  }
  return env;
}

Result<std::map<std::string, std::string>> DeploymentEnvironment(
    Store& store, const SecretBox& secrets, const Project& project, const Service& service,
    const Deployment& d, const PublicAddressing& where, bool inject) {
  auto sealed = store.ListDeploymentVariables(d.id);
  if (!sealed.ok()) return sealed.error();
  auto own = Open(secrets, *sealed, service.name);
  if (!own.ok()) return own.error();
  const ReplicaAddressing addressing = {.service = service.name,
                                        .project = project.name,
                                        .platform_domain = where.platform_domain,
                                        .edge_port = where.edge_port,
                                        .port = d.spec.port,
                                        .https_port = where.https_port};
  bool references = false;
  for (const auto& [name, value] : *own) references = references || HasReferenceSyntax(value);
  if (!references) {  // the common case: nothing else to load
    if (inject) InjectVariables(addressing, *own);
    return own;
  }
  auto env = LoadProjectEnv(store, secrets, project, where);
  if (!env.ok()) return env.error();
  env->services[service.name] = ServiceEnv{.variables = *own, .addressing = addressing};
  auto resolved = ResolveServiceEnv(*env, service.name);
  if (!resolved.ok()) {
    return InvalidArgument("deployment " + d.id + ": " + resolved.error().message);
  }
  if (inject) return resolved;
  std::map<std::string, std::string> named;
  for (const auto& [name, unused] : *own) named[name] = std::move((*resolved)[name]);
  return named;
}

}  // namespace ink
