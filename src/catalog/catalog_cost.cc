// The catalog: Cost: get_cost (each service's hourly and monthly estimate, and what to change).
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareCostOperations(std::vector<Operation>& ops) {
  ops.push_back(
      {.name = "get_cost",
       .description =
           "Estimate what a project's services cost, per hour and per month, two ways: reserved "
           "(their CPU and memory limits times replicas, plus volume sizes: what they may use "
           "at any moment) and measured (the CPU and memory they did use over the window, from "
           "the metrics samples), both with egress (network sent) and by resource. Prices are "
           "inkd's table (--prices; by default Railway's public rates: $20 per vCPU-month, $10 "
           "per GB-month of memory, $0.15 per GB-month of volume, $0.05 per GB of egress). A "
           "suggestion names a cheaper or safer cpu, memory or replica count when the window "
           "(at least 10 minutes sampled) shows a service over- or under-provisioned, with the "
           "monthly change; apply it with update_service. Detached volumes are billed too.",
       .input_schema = ObjectSchema(
           {{"project", NameField("project name")},
            {"service", NameField("only this service")},
            {"window", StringField("usage measured over: \"1h\", \"24h\" (default), \"7d\", "
                                   "\"30d\" (1 minute to 30 days)",
                                   8)}},
           {"project"}),
       .output_schema = ObjectSchema({{"project", {{"type", "string"}}},
                                      {"window", {{"type", "string"}}},
                                      {"prices", {{"type", "object"}}},
                                      {"services", {{"type", "array"}}},
                                      {"detached_volumes", {{"type", "object"}}},
                                      {"total", {{"type", "object"}}}}),
       .read_only = true,
       .idempotent = true,
       .rest = {{"GET", "/v1/projects/{project}/cost"}},
       .cli = {.command = {"cost"},
               .positionals = {"service"},
               .flags = {},
               .summary = "show what each service costs per hour and month, and what to change"}});
}

}  // namespace ink::catalog_internal
