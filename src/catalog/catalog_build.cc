// The catalog: Builds from source: plan, build logs, archive uploads.
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareBuildOperations(std::vector<Operation>& ops) {
  Json plan_properties = SourceProperties();
  plan_properties["project"] = NameField("project name");
  plan_properties["service"] =
      NameField("service name: plan its last source when no git/archive_id is given");
  plan_properties["port"] = AppPortField("port the app listens on (default: detected, else 8080)");
  ops.push_back(
      {.name = "plan",
       .description =
           "Show how Ink would build a source without building it: fetches the git repository "
           "or archive and returns the detected plan (provider, install/build/start commands, "
           "port, decisions, warnings) and the Containerfile. Give git (+ref, path) or "
           "archive_id, or a service to plan its last source.",
       .input_schema = ObjectSchema(plan_properties, {"project"}),
       .output_schema = ObjectSchema({{"plan", {{"type", "object"}}}}),
       .read_only = true,
       .idempotent = true,
       .open_world = true,
       .rest = {{"POST", "/v1/projects/{project}/plan"}},
       .cli = {
           .command = {"plan"},
           .positionals = {},
           .flags = {},
           .summary = "show how Ink would build a directory or repository, without building it"}});
  // Not an MCP tool: agents read build logs with get_logs {build: true} (one tool).
  ops.push_back(
      {.name = "get_build_logs",
       .description = "Read the build log of a deployment built from source (git clone, plan, "
                      "podman build output): the last `tail` lines (default 200). Set "
                      "follow=true over REST to stream it until the build ends.",
       .input_schema = ObjectSchema(
           {{"deployment", StringField("deployment id (dep_...)", 64)},
            {"tail", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100000}}},
            {"follow",
             {{"type", "boolean"}, {"description", "stream new lines (REST text/plain stream)"}}}},
           {"deployment"}),
       .output_schema = ObjectSchema({{"lines", {{"type", "array"}}}}),
       .read_only = true,
       .idempotent = true,
       .mcp = false,
       .rest = {{"GET", "/v1/deployments/{deployment}/build-logs"}},
       .cli = {.command = {"build-logs"},
               .positionals = {"deployment"},
               .flags = {},
               .summary = "print the build log of a deployment built from source"}});
  // Raw bytes: REST only (agents deploy a git URL or use the CLI).
  ops.push_back({.name = "upload_archive",
                 .description = "Upload a source directory as a tar or tar.gz archive (the raw "
                                "request body of POST /v1/archives, not JSON); returns its id for "
                                "deploy's archive_id. `ink deploy DIR` packs and uploads for you.",
                 .input_schema = ObjectSchema(Json::object()),
                 .output_schema = ObjectSchema({{"archive", {{"type", "object"}}}}),
                 .success_status = 201,
                 .mcp = false,
                 .rest = {{"POST", "/v1/archives"}}});
}

}  // namespace ink::catalog_internal
