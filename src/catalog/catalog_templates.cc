// The catalog: Templates (ready-made services from the repository's templates/ directory):
// list_templates, deploy_template.
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareTemplateOperations(std::vector<Operation>& ops) {
  ops.push_back(
      {.name = "list_templates",
       .description =
           "List the service templates (PostgreSQL, Redis, ...): name, description, and per "
           "service its port, health check, resources, volumes, variables (generated secrets "
           "marked, never shown) and the variables it publishes for other services to "
           "reference, e.g. ${{db.DATABASE_URL}}.",
       .input_schema = ObjectSchema(Json::object()),
       .output_schema = ObjectSchema({{"templates", {{"type", "array"}}}}),
       .read_only = true,
       .idempotent = true,
       .rest = {{"GET", "/v1/templates"}},
       .cli = {.command = {"templates", "list"},
               .positionals = {},
               .flags = {},
               .summary = "list the service templates and the variables each publishes"}});
  ops.push_back(WithWaitField(
      {.name = "deploy_template",
       .description =
           "Deploy a template (see list_templates) as a service of a project: builds its image "
           "from Debian packages (cached after the first build) and rolls it out with its "
           "variables. Generated secrets (e.g. the database password) are made once, stored "
           "encrypted and never shown; other services use them by reference "
           "(DATABASE_URL=${{db.DATABASE_URL}}). Deploying the template again into an existing "
           "service keeps every variable it already has (secrets are never regenerated); only "
           "env given here replaces values. The template's volumes (e.g. postgres-data) are "
           "created by the first deploy and reused, data intact, by every later one. A template of "
           "several services (e.g. wordpress: the site and its MariaDB) deploys each, the "
           "others named <service>-<name> (wordpress-db) and wired by reference; `services` "
           "lists them, the rest of the answer is about the main one (env, cpu, memory and "
           "replicas apply to it).",
       .input_schema = ObjectSchema(
           {{"project", NameField("project name")},
            {"template", StringField("template name, e.g. postgres (see list_templates)", 64)},
            {"service", NameField("service name (default: the template's name)")},
            {"env",
             {{"type", "object"},
              {"additionalProperties", {{"type", "string"}}},
              {"description",
               "object {NAME: value}: variables to set instead of the template's values "
               "(stored encrypted)"}}},
            {"cpu", CpuField("CPU cores (default: the template's)")},
            {"memory", MemoryField("memory limit, e.g. \"1g\" (default: the template's)")},
            {"replicas", ReplicasField("containers to run (default 1)")},
            {"volume_size",
             StringField("size of each volume this deploy creates, e.g. \"10Gi\" (default: the "
                         "template's, 1Gi unless it says otherwise); an existing volume keeps "
                         "its size",
                         32)}},
           {"project", "template"}),
       .output_schema = ObjectSchema({{"deployment", {{"type", "object"}}},
                                      {"service", {{"type", "object"}}},
                                      {"template", {{"type", "string"}}},
                                      {"generated", {{"type", "array"}}},
                                      {"kept", {{"type", "array"}}},
                                      {"publishes", {{"type", "array"}}},
                                      {"volumes", {{"type", "array"}}},
                                      {"redeployed_referencing", {{"type", "array"}}},
                                      {"services", {{"type", "array"}}},
                                      {"url", {{"type", "string"}}}}),
       .success_status = 202,
       .rest = {{"POST", "/v1/projects/{project}/templates/{template}/deploy"}},
       .cli = {.command = {"templates", "deploy"},
               .positionals = {"template"},
               .flags = {},
               .summary = "deploy a template (postgres, redis, ...) as a service of a project"}}));
}

}  // namespace ink::catalog_internal
