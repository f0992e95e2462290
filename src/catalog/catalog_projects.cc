// The catalog: Projects, services and deployments: deploy and what reads
// its results.
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareProjectOperations(std::vector<Operation>& ops) {
  const Json project_arg = NameField("project name");
  const Json service_arg = NameField("service name");
  ops.push_back({.name = "create_project",
                 .description =
                     "Create a project: a group of services that share a private network. "
                     "Use before the first deploy.",
                 .input_schema = ObjectSchema({{"name", project_arg}}, {"name"}),
                 .output_schema = ObjectSchema({{"project", {{"type", "object"}}}}),
                 .success_status = 201,
                 .rest = {{"POST", "/v1/projects"}},
                 .cli = {.command = {"projects", "create"},
                         .positionals = {"name"},
                         .flags = {},
                         .summary = "create a project"}});
  ops.push_back({.name = "list_projects",
                 .description = "List the projects of this workspace.",
                 .input_schema = ObjectSchema(Json::object()),
                 .output_schema = ObjectSchema({{"projects", {{"type", "array"}}}}),
                 .read_only = true,
                 .idempotent = true,
                 .rest = {{"GET", "/v1/projects"}},
                 .cli = {.command = {"projects", "list"},
                         .positionals = {},
                         .flags = {},
                         .summary = "list projects"}});
  // list_projects says as much; keeps
  ops.push_back({.name = "get_project",
                 .description = "Get one project by name or id.",
                 .input_schema = ObjectSchema({{"project", project_arg}}, {"project"}),
                 .output_schema = ObjectSchema({{"project", {{"type", "object"}}}}),
                 .read_only = true,
                 .idempotent = true,
                 .mcp = false,
                 .rest = {{"GET", "/v1/projects/{project}"}},
                 .cli = {.command = {"projects", "get"},
                         .positionals = {"project"},
                         .flags = {},
                         .summary = "show one project"}});
  ops.push_back({.name = "delete_project",
                 .description = "Delete a project and every service in it (their containers stop).",
                 .input_schema = ObjectSchema({{"project", project_arg}}, {"project"}),
                 .output_schema = ObjectSchema({{"deleted", {{"type", "boolean"}}}}),
                 .destructive = true,
                 .rest = {{"DELETE", "/v1/projects/{project}"}},
                 .cli = {.command = {"projects", "delete"},
                         .positionals = {"project"},
                         .flags = {},
                         .summary = "delete a project and all of its services"}});
  ops.push_back(WithWaitField(
      {.name = "deploy",
       .description =
           "Deploy a service of a project from a container image, a git repository (git, ref, "
           "path) or an uploaded directory (archive_id): creates the service or rolls out a new "
           "release of it. Sources are built into an image first (status building; read the build "
           "with get_logs {build: true}). Returns at once with the deployment id and the service "
           "URL (or, "
           "with wait, once it is active or failed, with the service as get_service shows it); "
           "else poll get_deployment.",
       .input_schema = WithSourceFields(ObjectSchema(
           {{"project", project_arg},
            {"service", service_arg},
            {"image",
             {{"type", "string"},
              {"minLength", 1},
              {"maxLength", 600},
              {"description",
               "image reference including its registry, e.g. "
               "ghcr.io/acme/web:1.4 (or give git / archive_id to build from source)"}}},
            {"port", AppPortField("port the app listens on (default 8080; also set as $PORT)")},
            {"env",
             {{"type", "object"},
              {"additionalProperties", {{"type", "string"}}},
              {"description",
               "object {NAME: value}: environment variables to set (stored encrypted; others "
               "already set stay; see set_env/unset_env)"}}},
            {"cpu", CpuField("CPU cores, e.g. 0.5 (default: inkd's --default-cpu, 1)")},
            {"memory", MemoryField("memory limit, e.g. \"256m\", \"1g\" or a byte count "
                                   "\"268435456\"")},
            {"replicas", ReplicasField("containers to run (default 1)")},
            {"runtime_class",
             {{"type", "string"},
              {"enum", {"gvisor", "runc"}},
              {"description",
               "gvisor (default, sandboxed); runc only if inkd runs with --allow-runc"}}},
            {"health_check_path",
             {{"type", "string"},
              {"maxLength", 256},
              {"description",
               "HTTP path that must answer below 500 before traffic switches "
               "(default: TCP connect, then / or /healthz)"}}},
            {"volumes", VolumesField()}},
           {"project", "service"})),
       .output_schema = ObjectSchema({{"deployment", {{"type", "object"}}},
                                      {"service", {{"type", "object"}}},
                                      {"url", {{"type", "string"}}},
                                      {"redeployed_referencing", {{"type", "array"}}}}),
       .open_world = true,
       .success_status = 202,
       .rest = {{"POST", "/v1/projects/{project}/deploy"}},
       .cli = {.command = {"deploy"},
               .positionals = {},
               .flags = {{"runtime_class", "--runtime"}, {"health_check_path", "--health-path"}},
               .summary =
                   "deploy a directory, a git repository or an image as a service of a project"}}));
  ops.push_back({.name = "list_services",
                 .description = "List the services of a project with their status and URL.",
                 .input_schema = ObjectSchema({{"project", project_arg}}, {"project"}),
                 .output_schema = ObjectSchema({{"services", {{"type", "array"}}}}),
                 .read_only = true,
                 .idempotent = true,
                 .rest = {{"GET", "/v1/projects/{project}/services"}},
                 .cli = {.command = {"services", "list"},
                         .positionals = {},
                         .flags = {},
                         .summary = "list the services of a project"}});
  ops.push_back({.name = "get_service",
                 .description =
                     "Get a service: status, URL, replicas (state, restarts, OOM kills) "
                     "and recent events. Use it to find out why a service is not healthy.",
                 .input_schema = ObjectSchema({{"project", project_arg}, {"service", service_arg}},
                                              {"project", "service"}),
                 .output_schema = ObjectSchema({{"service", {{"type", "object"}}}}),
                 .read_only = true,
                 .idempotent = true,
                 .rest = {{"GET", "/v1/projects/{project}/services/{service}"}},
                 .cli = {.command = {"services", "get"},
                         .positionals = {"service"},
                         .flags = {},
                         .summary = "show a service with its replicas and recent events"}});
  ops.push_back(
      {.name = "delete_service",
       .description = "Delete a service: its containers stop and its URL stops answering. Its "
                      "volumes are detached and kept (list_volumes) unless delete_volumes is "
                      "true, which deletes them and their data for good.",
       .input_schema = ObjectSchema(
           {{"project", project_arg},
            {"service", service_arg},
            {"delete_volumes",
             {{"type", "boolean"},
              {"description",
               "also delete the volumes attached to the service, with their data, for good "
               "(default false: they are detached and kept)"}}}},
           {"project", "service"}),
       .output_schema = ObjectSchema({{"deleted", {{"type", "boolean"}}},
                                      {"volumes_deleted", {{"type", "array"}}},
                                      {"volumes_kept", {{"type", "array"}}}}),
       .destructive = true,
       .rest = {{"DELETE", "/v1/projects/{project}/services/{service}"}},
       .cli = {.command = {"services", "delete"},
               .positionals = {"service"},
               .flags = {},
               .summary = "delete a service and its containers"}});
  ops.push_back({.name = "list_deployments",
                 .description = "List a service's deployments, newest first.",
                 .input_schema = ObjectSchema({{"project", project_arg}, {"service", service_arg}},
                                              {"project", "service"}),
                 .output_schema = ObjectSchema({{"deployments", {{"type", "array"}}}}),
                 .read_only = true,
                 .idempotent = true,
                 .rest = {{"GET", "/v1/projects/{project}/services/{service}/deployments"}},
                 .cli = {.command = {"deployments", "list"},
                         .positionals = {"service"},
                         .flags = {},
                         .summary = "list the deployments of a service"}});
  ops.push_back({.name = "get_deployment",
                 .description = "Get a deployment's status (pending, building, deploying, active, "
                                "failed, superseded) and message; on failure the message says why. "
                                "With wait, blocks until it has finished, reporting progress.",
                 .input_schema = ObjectSchema(
                     {{"deployment", StringField("deployment id (dep_...)", 64)},
                      {"wait",
                       {{"type", "integer"},
                        {"minimum", 0},
                        {"maximum", 600},
                        {"description", "seconds to wait for it to finish (default 0)"}}}},
                     {"deployment"}),
                 .output_schema = ObjectSchema(
                     {{"deployment", {{"type", "object"}}}, {"finished", {{"type", "boolean"}}}}),
                 .read_only = true,
                 .idempotent = true,
                 .rest = {{"GET", "/v1/deployments/{deployment}"}},
                 .cli = {.command = {"deployments", "get"},
                         .positionals = {"deployment"},
                         .flags = {},
                         .summary = "show one deployment"}});
}

}  // namespace ink::catalog_internal
