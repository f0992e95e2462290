// The catalog: A running service: update, restart, rollback.
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareLifecycleOperations(std::vector<Operation>& ops) {
  const Json project_arg = NameField("project name");
  const Json service_arg = NameField("service name");
  ops.push_back(
      {.name = "update_service",
       .description =
           "Change a service's settings (port, cpu, memory, replicas, runtime class, health check "
           "path, volumes) and roll them out as a new deployment of the same release, with no "
           "rebuild.",
       .input_schema = ObjectSchema(
           {{"project", project_arg},
            {"service", service_arg},
            {"port", AppPortField("port the app listens on (also set as $PORT)")},
            {"cpu", CpuField("CPU cores, e.g. 0.5")},
            {"memory", MemoryField("memory limit such as \"512m\", \"1g\" or a byte count "
                                   "\"268435456\"")},
            {"replicas", ReplicasField("containers to run")},
            {"runtime_class",
             {{"type", "string"},
              {"enum", {"gvisor", "runc"}},
              {"description", "gvisor; runc only if inkd runs with --allow-runc"}}},
            {"health_check_path",
             {{"type", "string"},
              {"maxLength", 256},
              {"description",
               "HTTP path that must answer below 500 before a release takes "
               "traffic (\"\" = default: TCP connect, then / or /healthz)"}}},
            {"volumes", VolumesField()}},
           {"project", "service"}),
       .output_schema = ObjectSchema({{"deployment", {{"type", "object"}}},
                                      {"service", {{"type", "object"}}},
                                      {"url", {{"type", "string"}}}}),
       .success_status = 202,
       .rest = {{"PATCH", "/v1/projects/{project}/services/{service}"}},
       .cli = {.command = {"services", "update"},
               .positionals = {"service"},
               .flags = {{"runtime_class", "--runtime"}, {"health_check_path", "--health-path"}},
               .summary = "change a service's settings and roll them out (no rebuild)",
               .shortcuts = {{.command = {"scale"},
                              .positionals = {"service"},
                              .fields = {"project", "replicas", "cpu", "memory"},
                              .summary = "change a service's replicas, CPU or memory (rolled "
                                         "out with zero downtime)"}}}});
  ops.push_back(
      {.name = "restart_service",
       .description = "Restart a service: roll out its current release again (new "
                      "containers, zero downtime, no rebuild). Use after a hang or to pick "
                      "up changed external state.",
       .input_schema = ObjectSchema({{"project", project_arg}, {"service", service_arg}},
                                    {"project", "service"}),
       .output_schema = ObjectSchema({{"deployment", {{"type", "object"}}}}),
       .idempotent = false,
       .success_status = 202,
       .rest = {{"POST", "/v1/projects/{project}/services/{service}/restart"}},
       .cli = {.command = {"services", "restart"},
               .positionals = {"service"},
               .flags = {},
               .summary = "roll out the current release again (new containers, zero downtime)"}});
  ops.push_back(
      {.name = "rollback_service",
       .description = "Return a service to an earlier successful deployment without rebuilding "
                      "(default: the one before the current). Use when a new release is broken.",
       .input_schema = ObjectSchema(
           {{"project", project_arg},
            {"service", service_arg},
            {"deployment", StringField("deployment id to return to (dep_...); default: the "
                                       "previous successful one",
                                       64)}},
           {"project", "service"}),
       .output_schema = ObjectSchema({{"deployment", {{"type", "object"}}}}),
       .success_status = 202,
       .rest = {{"POST", "/v1/projects/{project}/services/{service}/rollback"}},
       .cli = {
           .command = {"rollback"},
           .positionals = {"service", "deployment"},
           .flags = {},
           .summary = "return a service to an earlier successful deployment, without a rebuild"}});
}

}  // namespace ink::catalog_internal
