// The catalog: Ink itself: health, identity, status, the catalog, registry
// credentials.
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareAdminOperations(std::vector<Operation>& ops) {
  const Json registry_arg = StringField("registry host[:port], e.g. ghcr.io or 127.0.0.1:5000");
  ops.push_back({.name = "health",
                 .description = "Check that inkd answers (no token needed).",
                 .input_schema = ObjectSchema(Json::object()),
                 .output_schema = ObjectSchema(
                     {{"status", {{"type", "string"}}}, {"routes", {{"type", "object"}}}}),
                 .read_only = true,
                 .idempotent = true,
                 .needs_auth = false,
                 // MCP's initialize and ping already say that inkd answers.
                 .mcp = false,
                 .rest = {{"GET", "/v1/health"}}});
  ops.push_back({.name = "whoami",
                 .description = "Show the workspace and token this caller acts as.",
                 .input_schema = ObjectSchema(Json::object()),
                 .output_schema = ObjectSchema({{"workspace", {{"type", "object"}}}}),
                 .read_only = true,
                 .idempotent = true,
                 .rest = {{"GET", "/v1/whoami"}}});
  ops.push_back(
      {.name = "status",
       .description = "Show inkd's version and uptime, whether the container runtime and "
                      "the edge answer, and counts of projects, services and containers.",
       .input_schema = ObjectSchema(Json::object()),
       .output_schema = ObjectSchema({{"version", {{"type", "string"}}}}),
       .read_only = true,
       .idempotent = true,
       .rest = {{"GET", "/v1/status"}},
       .cli = {.command = {"status"},
               .positionals = {},
               .flags = {},
               .summary = "show inkd's version, runtime and edge health, and object counts"}});
  // Not an MCP tool: MCP clients have tools/list.
  ops.push_back({.name = "list_operations",
                 .description = "List every operation with its input and output JSON schema.",
                 .input_schema = ObjectSchema(Json::object()),
                 .output_schema = ObjectSchema({{"operations", {{"type", "array"}}}}),
                 .read_only = true,
                 .idempotent = true,
                 .mcp = false,
                 .rest = {{"GET", "/v1/operations"}}});
  ops.push_back(
      {.name = "set_registry_credential",
       .description = "Store credentials for a private container registry; deploys of "
                      "images from that registry use them. The password is never shown "
                      "again.",
       .input_schema = ObjectSchema({{"registry", registry_arg},
                                     {"username", StringField("registry user name", 256)},
                                     {"password", StringField("password or token", 4096)}},
                                    {"registry", "username", "password"}),
       .output_schema = ObjectSchema({{"registry", {{"type", "object"}}}}),
       .idempotent = true,
       // Registry passwords are set up by a person (`ink registry login`); deploy's error
       // says so. Not offered to agents, which keeps secrets out of their context.
       .mcp = false,
       .rest = {{"PUT", "/v1/registries/{registry}"}},
       .cli = {.command = {"registry", "login"},
               .positionals = {"registry"},
               .flags = {{"password", "--password-stdin"}},
               .summary = "store credentials inkd uses to pull from a private registry"}});
  ops.push_back(
      {.name = "list_registry_credentials",
       .description = "List the registries Ink has credentials for (never the passwords).",
       .input_schema = ObjectSchema(Json::object()),
       .output_schema = ObjectSchema({{"registries", {{"type", "array"}}}}),
       .read_only = true,
       .idempotent = true,
       .mcp = false,
       .rest = {{"GET", "/v1/registries"}},
       .cli = {.command = {"registry", "list"},
               .positionals = {},
               .flags = {},
               .summary = "list stored registry credentials (never passwords)"}});
  ops.push_back({.name = "delete_registry_credential",
                 .description = "Forget the credentials of a registry.",
                 .input_schema = ObjectSchema({{"registry", registry_arg}}, {"registry"}),
                 .output_schema = ObjectSchema({{"deleted", {{"type", "boolean"}}}}),
                 .destructive = true,
                 .idempotent = true,
                 .mcp = false,
                 .rest = {{"DELETE", "/v1/registries/{registry}"}},
                 .cli = {.command = {"registry", "logout"},
                         .positionals = {"registry"},
                         .flags = {},
                         .summary = "delete the stored credentials of a registry"}});
}

}  // namespace ink::catalog_internal
