// Operations about Ink itself: health, identity, status, the catalog, registry credentials.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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

Status ValidateRegistryHost(const std::string& registry) {
  bool ok = !registry.empty() && registry.size() <= 255;
  for (char c : registry) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
                c == '[' || c == ']');
  }
  if (!ok || registry.front() == '-' || registry.front() == '.') {
    return InvalidArgument("registry '" + registry.substr(0, 64) +
                           "' is not a host[:port] such as ghcr.io or 127.0.0.1:5000");
  }
  return {};
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
  table.Add({.name = "health",
             .description = "Check that inkd answers (no token needed).",
             .input_schema = ObjectSchema(Json::object()),
             .output_schema =
                 ObjectSchema({{"status", {{"type", "string"}}}, {"routes", {{"type", "object"}}}}),
             .read_only = true,
             .idempotent = true,
             .needs_auth = false,
             .handler = [&deps](const Caller&, const Json&) -> Result<Json> {
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
             },
             // MCP's initialize and ping already say that inkd answers.
             .mcp = false,
             .rest = {{"GET", "/v1/health"}}});
  table.Add({.name = "whoami",
             .description = "Show the workspace and token this caller acts as.",
             .input_schema = ObjectSchema(Json::object()),
             .output_schema = ObjectSchema({{"workspace", {{"type", "object"}}}}),
             .read_only = true,
             .idempotent = true,
             .handler = [&deps](const Caller& c, const Json&) -> Result<Json> {
               std::string workspace_name;
               auto all = deps.store.ListWorkspaces();
               if (all.ok()) {
                 for (const auto& w : *all) {
                   if (w.id == c.workspace_id) workspace_name = w.name;
                 }
               }
               return Json{{"workspace", {{"id", c.workspace_id}, {"name", workspace_name}}},
                           {"token", {{"id", c.token_id}, {"name", c.token_name}}}};
             },
             .rest = {{"GET", "/v1/whoami"}}});
  table.Add(
      {.name = "status",
       .description = "Show inkd's version and uptime, whether the container runtime and "
                      "the edge answer, and counts of projects, services and containers.",
       .input_schema = ObjectSchema(Json::object()),
       .output_schema = ObjectSchema({{"version", {{"type", "string"}}}}),
       .read_only = true,
       .idempotent = true,
       .handler = [&deps](const Caller& c, const Json&) -> Result<Json> {
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
       },
       .rest = {{"GET", "/v1/status"}}});
  table.Add({.name = "list_operations",
             .description = "List every operation with its input and output JSON schema.",
             .input_schema = ObjectSchema(Json::object()),
             .output_schema = ObjectSchema({{"operations", {{"type", "array"}}}}),
             .read_only = true,
             .idempotent = true,
             .handler = [&table](const Caller&, const Json&) -> Result<Json> {
               return Json{{"operations", table.Describe()}};
             },
             .mcp = false,
             .rest = {{"GET", "/v1/operations"}}});  // MCP clients have tools/list
  const Json registry_arg = StringField("registry host[:port], e.g. ghcr.io or 127.0.0.1:5000");
  table.Add({.name = "set_registry_credential",
             .description = "Store credentials for a private container registry; deploys of "
                            "images from that registry use them. The password is never shown "
                            "again.",
             .input_schema = ObjectSchema({{"registry", registry_arg},
                                           {"username", StringField("registry user name", 256)},
                                           {"password", StringField("password or token", 4096)}},
                                          {"registry", "username", "password"}),
             .output_schema = ObjectSchema({{"registry", {{"type", "object"}}}}),
             .idempotent = true,
             .handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
               std::string registry = in["registry"];
               INK_RETURN_IF_ERROR(ValidateRegistryHost(registry));
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
             },
             // Registry passwords are set up by a person (`ink registry login`); deploy's error
             // says so. Not offered to agents, which keeps secrets out of their context.
             .mcp = false,
             .rest = {{"PUT", "/v1/registries/{registry}"}}});
  table.Add({.name = "list_registry_credentials",
             .description = "List the registries Ink has credentials for (never the passwords).",
             .input_schema = ObjectSchema(Json::object()),
             .output_schema = ObjectSchema({{"registries", {{"type", "array"}}}}),
             .read_only = true,
             .idempotent = true,
             .handler = [&deps](const Caller& c, const Json&) -> Result<Json> {
               auto list = deps.store.ListRegistryCredentials(c.workspace_id);
               if (!list.ok()) return list.error();
               Json out = Json::array();
               for (const auto& r : *list) {
                 out.push_back({{"registry", r.registry},
                                {"username", r.username},
                                {"created_at", r.created_at}});
               }
               return Json{{"registries", out}};
             },
             .mcp = false,
             .rest = {{"GET", "/v1/registries"}}});
  table.Add({.name = "delete_registry_credential",
             .description = "Forget the credentials of a registry.",
             .input_schema = ObjectSchema({{"registry", registry_arg}}, {"registry"}),
             .output_schema = ObjectSchema({{"deleted", {{"type", "boolean"}}}}),
             .destructive = true,
             .idempotent = true,
             .handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
               std::string registry = in["registry"];
               INK_RETURN_IF_ERROR(ValidateRegistryHost(registry));
               INK_RETURN_IF_ERROR(deps.store.DeleteRegistryCredential(c.workspace_id, registry));
               return Json{{"deleted", true}};
             },
             .mcp = false,
             .rest = {{"DELETE", "/v1/registries/{registry}"}}});
}

}  // namespace ink::api_internal
