// The catalog: Metrics: get_metrics (a service's resource and traffic summary over a window).
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareMetricsOperations(std::vector<Operation>& ops) {
  ops.push_back(
      {.name = "get_metrics",
       .description =
           "Summarize a service's resource use and traffic over a window (default 1h): for CPU "
           "cores, memory, network rx/tx bytes/s and, when requests went through the edge, "
           "requests/s and latency p50/p95/p99 (ms), each as current, p50, p95 and max over "
           "the window; the CPU and memory limits; restarts and OOM kills in the window; status "
           "classes; and plain hints (\"memory at 92% of limit, 3 OOM kills in 1h\", \"CPU under "
           "5% of its limit for 24h\"). Sampled every 10 s (inkd --metrics-interval), kept at "
           "that resolution for 1 hour and per minute for 30 days. replicas=true adds each "
           "running replica's figures; series=true adds up to 60 points per series for a chart. "
           "Use to right-size --cpu/--memory, or when a service is slow or gets OOM-killed.",
       .input_schema = ObjectSchema(
           {{"project", NameField("project name")},
            {"service", NameField("service name")},
            {"window", StringField("how far back: \"30m\", \"1h\" (default), \"24h\", \"7d\", "
                                   "\"30d\" (1 minute to 30 days)",
                                   8)},
            {"replicas",
             {{"type", "boolean"}, {"description", "add each replica's CPU, memory and network"}}},
            {"series",
             {{"type", "boolean"},
              {"description", "add up to 60 points per series (oldest first) for a chart"}}}},
           {"project", "service"}),
       .output_schema = ObjectSchema({{"window", {{"type", "string"}}},
                                      {"points", {{"type", "integer"}}},
                                      {"cpu", {{"type", "object"}}},
                                      {"memory", {{"type", "object"}}},
                                      {"network", {{"type", "object"}}},
                                      {"restarts", {{"type", "integer"}}},
                                      {"oom_kills", {{"type", "integer"}}},
                                      {"requests", {{"type", "object"}}},
                                      {"hints", {{"type", "array"}}},
                                      {"replica_breakdown", {{"type", "array"}}},
                                      {"series", {{"type", "object"}}}}),
       .read_only = true,
       .idempotent = true,
       .rest = {{"GET", "/v1/projects/{project}/services/{service}/metrics"}},
       .cli = {.command = {"metrics"},
               .positionals = {"service"},
               .flags = {},
               .summary = "chart a service's CPU, memory, network and requests, with hints"}});
}

}  // namespace ink::catalog_internal
