// get_metrics: a service's sampled resource and traffic figures over a window, summarized for an
// agent (current, p50, p95, max; limits; restarts and OOM kills; hints). The rules are pure, in
// ink/metrics/metric_rules.h; this file reads the store and the journal and shapes the answer.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ink/metrics/metric_rules.h"
#include "ink/metrics/metrics_store.h"
#include "src/api/operations_internal.h"

namespace ink::api_internal {
namespace {

constexpr size_t kMaxSeriesPoints = 60;

// Four significant digits: enough to reason about, short to read.
double Round(double v) {
  if (v == 0 || !std::isfinite(v)) return 0;
  char text[32];
  std::snprintf(text, sizeof(text), "%.4g", v);
  return std::strtod(text, nullptr);
}

Json DistributionJson(const metrics::Distribution& d, bool whole = false) {
  auto value = [whole](double v) { return whole ? Json(std::llround(v)) : Json(Round(v)); };
  return {{"current", value(d.current)},
          {"p50", value(d.p50)},
          {"p95", value(d.p95)},
          {"max", value(d.max)}};
}

Json ResourcesJson(const metrics::Summary& s) {
  return {{"cpu", {{"cores", DistributionJson(s.cpu_cores)}, {"limit_cores", Round(s.cpu_limit)}}},
          {"memory",
           {{"bytes", DistributionJson(s.memory_bytes, true)},
            {"limit_bytes", std::llround(s.memory_limit)}}},
          {"network",
           {{"rx_bytes_per_s", DistributionJson(s.rx_bytes_per_s)},
            {"tx_bytes_per_s", DistributionJson(s.tx_bytes_per_s)}}}};
}

// Requests through the edge; latencies only when there were requests (the edge reports none
// for a service it did not route, or before it counts).
Json RequestsJson(const metrics::Summary& s) {
  Json out = {{"total", std::llround(s.requests)},
              {"status",
               {{"2xx", std::llround(s.status[0])},
                {"3xx", std::llround(s.status[1])},
                {"4xx", std::llround(s.status[2])},
                {"5xx", std::llround(s.status[3])}}}};
  if (s.requests > 0) {
    out["per_second"] = DistributionJson(s.requests_per_s);
    out["latency_ms"] = {{"p50", DistributionJson(s.latency_p50_ms)},
                         {"p95", DistributionJson(s.latency_p95_ms)},
                         {"p99", DistributionJson(s.latency_p99_ms)}};
  }
  return out;
}

// At most kMaxSeriesPoints points, oldest first: each the mean of its slice of samples (memory:
// the slice's max, so a spike shows).
Json SeriesJson(const std::vector<metrics::Sample>& samples) {
  Json at = Json::array(), cpu = Json::array(), memory = Json::array(), rx = Json::array(),
       tx = Json::array(), requests = Json::array();
  size_t n = samples.size();
  size_t buckets = std::min(n, kMaxSeriesPoints);
  for (size_t b = 0; b < buckets; ++b) {
    size_t from = b * n / buckets, to = (b + 1) * n / buckets;
    double c = 0, m = 0, r = 0, t = 0, q = 0, seconds = 0;
    for (size_t i = from; i < to; ++i) {
      const auto& p = samples[i];
      c += p.cpu_cores;
      m = std::max<double>(m, p.memory_bytes);
      r += p.rx_bytes_per_s;
      t += p.tx_bytes_per_s;
      q += p.requests;
      seconds += p.interval_s;
    }
    double count = static_cast<double>(to - from);
    at.push_back(samples[to - 1].at_ms);
    cpu.push_back(Round(c / count));
    memory.push_back(std::llround(m));
    rx.push_back(Round(r / count));
    tx.push_back(Round(t / count));
    requests.push_back(Round(seconds > 0 ? q / seconds : 0));
  }
  return {{"at", at},
          {"cpu_cores", cpu},
          {"memory_bytes", memory},
          {"rx_bytes_per_s", rx},
          {"tx_bytes_per_s", tx},
          {"requests_per_s", requests}};
}

// Each running replica's own figures, by replica number.
Result<Json> ReplicaBreakdown(OperationDeps& deps, const Service& s, int64_t now_ms,
                              int64_t window_ms) {
  auto containers = deps.runtime.ListContainers({{kLabelService, s.id}});
  if (!containers.ok()) return containers.error();
  std::map<int, std::string> replicas;
  for (const auto& c : *containers) {
    auto replica = c.labels.find(kLabelReplica);
    if (c.state != "running" || replica == c.labels.end()) continue;
    replicas[std::atoi(replica->second.c_str())] = replica->second;
  }
  Json out = Json::array();
  for (const auto& [number, label] : replicas) {
    auto samples = deps.metrics->Range(metrics::ReplicaSeriesKey(s.id, label), now_ms, window_ms);
    metrics::Summary summary = metrics::Summarize(samples, window_ms, 0, 0);
    Json replica = ResourcesJson(summary);
    replica["replica"] = number;
    replica["points"] = summary.points;
    replica["oom_kills"] = summary.oom_kills;
    out.push_back(std::move(replica));
  }
  return out;
}

}  // namespace

Result<EventCounts> CountEvents(OperationDeps& deps, const Caller& c, const Service& s,
                                int64_t since_ms) {
  auto events = deps.store.ListEvents(c.workspace_id, s.id, 0);
  if (!events.ok()) return events.error();
  EventCounts counts;
  for (const auto& e : *events) {
    if (e.created_at <= since_ms) continue;
    if (e.kind == "restarted") ++counts.restarts;
    if (e.kind == "oom_killed") ++counts.oom_kills;
  }
  return counts;
}

void RegisterMetricsOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(Implement(
      "get_metrics", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto window = metrics::ParseWindowMs(in.value("window", std::string("1h")));
        if (!window.ok()) return window.error();
        if (deps.metrics == nullptr) {
          return FailedPrecondition("this inkd keeps no metrics (started without a sampler)");
        }
        auto project = FindProject(deps, c, in);
        if (!project.ok()) return project.error();
        auto service = FindService(deps, c, *project, in);
        if (!service.ok()) return service.error();
        int64_t now = deps.clock.NowMillis();
        auto counts = CountEvents(deps, c, *service, now - *window);
        if (!counts.ok()) return counts.error();
        auto samples = deps.metrics->Range(service->id, now, *window);
        metrics::Summary summary =
            metrics::Summarize(samples, *window, counts->restarts, counts->oom_kills);
        Json out = ResourcesJson(summary);
        out["project"] = project->name;
        out["service"] = service->name;
        out["window"] = metrics::FormatWindow(*window);
        out["points"] = summary.points;
        out["replicas"] = Round(summary.replicas);
        out["restarts"] = summary.restarts;
        out["oom_kills"] = summary.oom_kills;
        out["requests"] = RequestsJson(summary);
        out["hints"] = summary.hints;
        if (in.value("replicas", false)) {
          auto breakdown = ReplicaBreakdown(deps, *service, now, *window);
          if (!breakdown.ok()) return breakdown.error();
          out["replica_breakdown"] = std::move(*breakdown);
        }
        if (in.value("series", false)) out["series"] = SeriesJson(samples);
        return out;
      }}));
}

}  // namespace ink::api_internal
