// The catalog: variables of a service or of a project (shared): list_env, set_env, unset_env.
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareEnvOperations(std::vector<Operation>& ops) {
  const Json project_arg = NameField("project name");
  const Json service_arg = {
      {"type", "string"},
      {"maxLength", 64},
      {"description",
       "service name, or `shared` for the project's shared variables (referenced from any "
       "service's values as ${{shared.NAME}})"}};
  const Json redeploy_arg = {{"type", "boolean"},
                             {"description",
                              "roll out the current release again with the new variables "
                              "(default true); false only stores them for the next deployment"}};
  ops.push_back(
      {.name = "list_env",
       .description = "List a service's environment variables (or the project's shared ones: "
                      "service `shared`): names, masked values and lengths, never the values. "
                      "`live` says whether the running release has the current value.",
       .input_schema = ObjectSchema({{"project", project_arg}, {"service", service_arg}},
                                    {"project", "service"}),
       .output_schema = ObjectSchema({{"service", {{"type", "string"}}},
                                      {"project", {{"type", "string"}}},
                                      {"variables", {{"type", "array"}}},
                                      {"unset_but_live", {{"type", "array"}}}}),
       .read_only = true,
       .idempotent = true,
       .rest = {{"GET", "/v1/projects/{project}/services/{service}/env"}},
       .cli = {.command = {"env", "list"},
               .positionals = {"service"},
               .flags = {},
               .summary = "list a service's environment variables (names, masked values)"}});
  ops.push_back(
      {.name = "set_env",
       .description =
           "Set environment variables (secrets welcome: stored encrypted, never shown again) on "
           "a service, or on the project (service `shared`), then roll out the current release "
           "with them, and every running service whose values reference a changed one, unless "
           "redeploy is false. A value may reference other variables of the project: "
           "${{db.DATABASE_URL}} (service db's), ${{shared.API_KEY}} (shared), ${{NAME}} (the "
           "same service's), ${{web.INK_PRIVATE_URL}} (Ink's); $${{ is a literal ${{. A dangling "
           "reference or a cycle is refused. To set secrets without reading them, prefer the "
           "CLI: `ink env set SERVICE --project P --file .env`.",
       .input_schema = ObjectSchema(
           {{"project", project_arg},
            {"service", service_arg},
            // The schema validator never quotes a mistyped value (these may be secrets); the
            // handler checks names, sizes and NUL bytes.
            {"variables",
             {{"type", "object"},
              {"additionalProperties", {{"type", "string"}}},
              {"description",
               "object {NAME: value}; names are letters, digits and '_', not starting with a "
               "digit; values are strings of at most 64 KiB, kept byte for byte"}}},
            {"dotenv",
             {{"type", "string"},
              {"description",
               "the text of a .env file (NAME=value lines, quotes, # comments), at most 1 MiB"}}},
            {"redeploy", redeploy_arg}},
           {"project", "service"}),
       .output_schema = ObjectSchema({{"set", {{"type", "array"}}},
                                      {"unchanged", {{"type", "array"}}},
                                      {"redeployed", {{"type", "boolean"}}},
                                      {"deployment", {{"type", "object"}}},
                                      {"referencing", {{"type", "array"}}},
                                      {"redeployed_referencing", {{"type", "array"}}}}),
       .idempotent = true,
       .rest = {{"PATCH", "/v1/projects/{project}/services/{service}/env"}},
       .cli = {
           .command = {"env", "set"},
           .positionals = {"service", "variables"},
           .flags = {{"dotenv", "--file"}, {"redeploy", "--no-redeploy"}},
           .summary = "set environment variables (stored encrypted) and roll out the service"}});
  ops.push_back(
      {.name = "unset_env",
       .description = "Remove environment variables from a service (or the project's shared "
                      "ones: service `shared`), then roll out the current release without them "
                      "unless redeploy is false. Refused while another variable references one.",
       .input_schema = ObjectSchema({{"project", project_arg},
                                     {"service", service_arg},
                                     {"names",
                                      {{"type", "array"},
                                       {"items", {{"type", "string"}, {"maxLength", 256}}},
                                       {"description", "variable names to remove"}}},
                                     {"redeploy", redeploy_arg}},
                                    {"project", "service", "names"}),
       .output_schema = ObjectSchema({{"unset", {{"type", "array"}}},
                                      {"redeployed", {{"type", "boolean"}}},
                                      {"deployment", {{"type", "object"}}},
                                      {"referencing", {{"type", "array"}}},
                                      {"redeployed_referencing", {{"type", "array"}}}}),
       .destructive = true,
       .rest = {{"DELETE", "/v1/projects/{project}/services/{service}/env"}},
       .cli = {.command = {"env", "unset"},
               .positionals = {"service", "names"},
               .flags = {{"redeploy", "--no-redeploy"}},
               .summary = "remove environment variables and roll out the service"}});
}

}  // namespace ink::catalog_internal
