// Operations about Ink itself: health, identity, status, the catalog, registry credentials.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ink/common/image_reference.h"
#include "src/api/operations_internal.h"

namespace ink::api_internal {
namespace {

bool EdgeAnswers(const std::string& host, int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host == "0.0.0.0" ? "127.0.0.1" : host.c_str(), &addr.sin_addr) != 1) {
    return false;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// The route file for `status`: the edge's problem if any, and the skipped entries of the
// caller's own services (another workspace's are only counted).
Json RoutesJson(const RouteStatus& routing, const std::string& workspace_id, Json unrouted) {
  Json rejected = Json::array();
  for (const auto& r : routing.rejected) {
    if (r.workspace_id != workspace_id) continue;
    rejected.push_back(
        {{"host", r.host}, {"reason", r.reason}, {"kept_previous", r.kept_previous}});
  }
  return {{"ok", routing.ok() && unrouted.empty()},     {"problem", routing.problem},
          {"written_version", routing.written_version}, {"loaded_version", routing.loaded_version},
          {"edge_reported", routing.edge_reported},     {"rejected", rejected},
          {"rejected_total", routing.rejected_count},   {"unrouted", unrouted}};
}

}  // namespace

void RegisterAdminOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(Implement("health", {.handler = [&deps](const Caller&, const Json&) -> Result<Json> {
                        // No token here: counts and a sentence, never a tenant's host names.
                        RouteStatus routing = deps.controller.Routing();
                        return Json{{"status", routing.ok() ? "ok" : "degraded"},
                                    {"version", deps.version},
                                    {"routes",
                                     {{"ok", routing.ok()},
                                      {"problem", routing.problem},
                                      {"written_version", routing.written_version},
                                      {"loaded_version", routing.loaded_version},
                                      {"rejected_entries", routing.rejected_count}}}};
                      }}));
  table.Add(Implement("whoami", {.handler = [&deps](const Caller& c, const Json&) -> Result<Json> {
                        std::string workspace_name;
                        auto all = deps.store.ListWorkspaces();
                        if (all.ok()) {
                          for (const auto& w : *all) {
                            if (w.id == c.workspace_id) workspace_name = w.name;
                          }
                        }
                        return Json{
                            {"workspace", {{"id", c.workspace_id}, {"name", workspace_name}}},
                            {"token", {{"id", c.token_id}, {"name", c.token_name}}}};
                      }}));
  table.Add(Implement(
      "status", {.handler = [&deps](const Caller& c, const Json&) -> Result<Json> {
        auto runtime = deps.controller.RuntimeStatus();
        int services = 0;
        Json unrouted = Json::array();
        auto projects = deps.store.ListProjects(c.workspace_id);
        if (projects.ok()) {
          for (const auto& p : *projects) {
            auto list = deps.store.ListServices(c.workspace_id, p.id);
            if (!list.ok()) continue;
            services += static_cast<int>(list->size());
            for (const auto& svc : *list) {
              if (deps.controller.Unrouted(svc.id)) {
                unrouted.push_back({{"project", p.name},
                                    {"service", svc.name},
                                    {"reason", "its hostname belongs to another service"}});
              }
            }
          }
        }
        auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
            std::chrono::steady_clock::now() - deps.started_at);
        std::string edge_url = "http://" + deps.edge_host + ":" + std::to_string(deps.edge_port);
        return Json{
            {"version", deps.version},
            {"uptime_seconds", uptime.count()},
            {"runtime",
             {{"ok", runtime.ok()},
              {"message", runtime.ok() ? "podman answers" : runtime.error().message}}},
            {"edge", {{"url", edge_url}, {"ok", EdgeAnswers(deps.edge_host, deps.edge_port)}}},
            {"routes", RoutesJson(deps.controller.Routing(), c.workspace_id, unrouted)},
            {"platform_domain", deps.platform_domain},
            {"counts",
             {{"projects", projects.ok() ? static_cast<int>(projects->size()) : 0},
              {"services", services},
              {"containers", deps.controller.ContainerCount()}}}};
      }}));
  table.Add(Implement("list_operations",
                      {.handler = [&table](const Caller&, const Json&) -> Result<Json> {
                        return Json{{"operations", table.Describe()}};
                      }}));
  table.Add(Implement("set_registry_credential",
                      {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
                        std::string registry = in["registry"];
                        INK_RETURN_IF_ERROR(ValidateRegistryHost(registry));
                        registry = CanonicalRegistryHost(registry);
                        std::string username = in["username"], password = in["password"];
                        if (username.empty() || password.empty()) {
                          return InvalidArgument("username and password must not be empty");
                        }
                        RegistryCredential cred;
                        cred.workspace_id = c.workspace_id;
                        cred.registry = registry;
                        cred.username = username;
                        cred.sealed_password = deps.secrets.Seal(password);
                        auto saved = deps.store.PutRegistryCredential(cred);
                        if (!saved.ok()) return saved.error();
                        return Json{{"registry",
                                     {{"registry", saved->registry},
                                      {"username", saved->username},
                                      {"created_at", saved->created_at}}}};
                      }}));
  table.Add(Implement("list_registry_credentials",
                      {.handler = [&deps](const Caller& c, const Json&) -> Result<Json> {
                        auto list = deps.store.ListRegistryCredentials(c.workspace_id);
                        if (!list.ok()) return list.error();
                        Json out = Json::array();
                        for (const auto& r : *list) {
                          out.push_back({{"registry", r.registry},
                                         {"username", r.username},
                                         {"created_at", r.created_at}});
                        }
                        return Json{{"registries", out}};
                      }}));
  table.Add(Implement("delete_registry_credential",
                      {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
                        std::string registry = in["registry"];
                        INK_RETURN_IF_ERROR(ValidateRegistryHost(registry));
                        INK_RETURN_IF_ERROR(deps.store.DeleteRegistryCredential(
                            c.workspace_id, CanonicalRegistryHost(registry)));
                        return Json{{"deleted", true}};
                      }}));
}

}  // namespace ink::api_internal
