// get_cost: what each service of a project costs by the hour and the month, by what it reserves
// (its limits times its replicas, its volumes) and by what it used over a window (the metrics
// samples), with a suggestion when it is over- or under-provisioned. The rules are pure, in
// ink/metrics/cost_rules.h; this file gathers the service shapes, volumes and samples.
#include <algorithm>
#include <cmath>
#include <map>

#include "ink/common/resources.h"
#include "ink/controller/runtime_policy.h"
#include "ink/controller/service_controller.h"
#include "ink/metrics/cost_rules.h"
#include "ink/metrics/metric_rules.h"
#include "src/api/operations_internal.h"

namespace ink::api_internal {
namespace {

// Money rounded to a hundredth of a cent: enough to compare, short to read.
double Money(double v) { return std::round(v * 10000) / 10000; }

Json LineJson(const metrics::CostLine& hourly) {
  return {{"hourly", Money(hourly.Total())},
          {"monthly", Money(hourly.Total() * metrics::kHoursPerMonth)},
          {"monthly_by_resource",
           {{"cpu", Money(hourly.cpu * metrics::kHoursPerMonth)},
            {"memory", Money(hourly.memory * metrics::kHoursPerMonth)},
            {"volume", Money(hourly.volume * metrics::kHoursPerMonth)},
            {"egress", Money(hourly.egress * metrics::kHoursPerMonth)}}}};
}

Json PricesJson(const metrics::PriceTable& p) {
  return {{"currency", p.currency},
          {"vcpu_hour", p.vcpu_hour},
          {"memory_gib_hour", p.memory_gib_hour},
          {"volume_gib_month", p.volume_gib_month},
          {"egress_gib", p.egress_gib}};
}

Json SuggestionJson(const metrics::Suggestion& s) {
  Json out = {{"monthly_change", Money(s.monthly_change)}, {"reasons", s.reasons}};
  if (s.cpu_cores > 0) out["cpu"] = s.cpu_cores;
  if (s.memory_bytes > 0) out["memory"] = FormatMemory(static_cast<int64_t>(s.memory_bytes));
  if (s.replicas > 0) out["replicas"] = s.replicas;
  return out;
}

struct Totals {
  double reserved_hourly = 0, measured_hourly = 0;
};

Result<Json> ServiceCostJson(OperationDeps& deps, const Caller& c, const Service& s,
                             double volume_bytes, int64_t now, int64_t window, Totals& totals) {
  ContainerLimits limits = LimitsFor(deps.controller.policy(), s.spec);
  metrics::Reservation reserved{.cpu_cores = limits.cpu,
                                .memory_bytes = static_cast<double>(limits.memory_bytes),
                                .replicas = std::max(1, s.spec.replicas),
                                .volume_bytes = volume_bytes};
  auto samples = deps.metrics->Range(s.id, now, window);
  auto events = CountEvents(deps, c, s, now - window);
  if (!events.ok()) return events.error();
  metrics::Usage used = metrics::UsageOf(samples, events->oom_kills);
  metrics::CostEstimate e = metrics::EstimateCost(reserved, used, *deps.prices);
  totals.reserved_hourly += e.reserved_hourly.Total();
  totals.measured_hourly += e.measured_hourly.Total();
  Json out = {{"service", s.name},
              {"replicas", reserved.replicas},
              {"cpu", limits.cpu},
              {"memory", FormatMemory(limits.memory_bytes)},
              {"volume_bytes", static_cast<int64_t>(volume_bytes)},
              {"reserved", LineJson(e.reserved_hourly)},
              {"measured", LineJson(e.measured_hourly)},
              {"sampled_seconds", static_cast<int64_t>(used.covered_s)},
              {"used",
               {{"cpu_cores_mean", std::round(used.cpu_cores_mean * 1000) / 1000},
                {"cpu_cores_p95", std::round(used.cpu_cores_p95 * 1000) / 1000},
                {"memory_bytes_max", std::llround(used.memory_bytes_max)},
                {"oom_kills", used.oom_kills}}}};
  if (!e.suggestion.reasons.empty()) out["suggestion"] = SuggestionJson(e.suggestion);
  if (!e.note.empty()) out["note"] = e.note;
  return out;
}

}  // namespace

void RegisterCostOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(Implement(
      "get_cost", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto window = metrics::ParseWindowMs(in.value("window", std::string("24h")));
        if (!window.ok()) return window.error();
        if (deps.metrics == nullptr || deps.prices == nullptr) {
          return FailedPrecondition("this inkd keeps no metrics (started without a sampler)");
        }
        auto project = FindProject(deps, c, in);
        if (!project.ok()) return project.error();
        std::vector<Service> services;
        if (in.contains("service")) {
          auto one = FindService(deps, c, *project, in);
          if (!one.ok()) return one.error();
          services.push_back(std::move(*one));
        } else {
          auto all = deps.store.ListServices(c.workspace_id, project->id);
          if (!all.ok()) return all.error();
          services = std::move(*all);
        }
        auto volumes = deps.store.ListVolumes(c.workspace_id, project->id);
        if (!volumes.ok()) return volumes.error();
        std::map<std::string, double> volume_bytes;  // by service id; "" = detached
        for (const Volume& v : *volumes) volume_bytes[v.service_id] += v.size_bytes;

        int64_t now = deps.clock.NowMillis();
        Totals totals;
        Json rows = Json::array();
        for (const Service& s : services) {
          auto row = ServiceCostJson(deps, c, s, volume_bytes[s.id], now, *window, totals);
          if (!row.ok()) return row.error();
          rows.push_back(std::move(*row));
        }
        Json out = {{"project", project->name},
                    {"window", metrics::FormatWindow(*window)},
                    {"prices", PricesJson(*deps.prices)},
                    {"services", std::move(rows)}};
        if (!in.contains("service") && volume_bytes[""] > 0) {
          // Detached volumes are billed too: one line for them.
          double hourly = volume_bytes[""] / (1024.0 * 1024 * 1024) *
                          deps.prices->volume_gib_month / metrics::kHoursPerMonth;
          totals.reserved_hourly += hourly;
          totals.measured_hourly += hourly;
          out["detached_volumes"] = {{"bytes", static_cast<int64_t>(volume_bytes[""])},
                                     {"monthly", Money(hourly * metrics::kHoursPerMonth)}};
        }
        out["total"] = {
            {"reserved_hourly", Money(totals.reserved_hourly)},
            {"reserved_monthly", Money(totals.reserved_hourly * metrics::kHoursPerMonth)},
            {"measured_hourly", Money(totals.measured_hourly)},
            {"measured_monthly", Money(totals.measured_hourly * metrics::kHoursPerMonth)}};
        return out;
      }}));
}

}  // namespace ink::api_internal
