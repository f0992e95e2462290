// The rules behind metrics, kept apart from cgroups, podman and the clock so they are
// unit-tested: rates from counter deltas, the one-minute rollup, percentiles over a window,
// the summary get_metrics returns and its plain-language hints, Prometheus text.
// Every function is pure: times are passed in.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/result.h"
#include "ink/metrics/metrics_store.h"
#include "ink/metrics/sampler.h"

namespace ink::metrics {

// What one container contributed over an interval.
struct ContainerRates {
  double cpu_cores = 0;
  double rx_bytes_per_s = 0;
  double tx_bytes_per_s = 0;
  double oom_kills = 0;
};

// Rates between two readings of the same container. A counter that went down (a restarted
// container under the same id) counts from zero. Zero when no time passed.
ContainerRates RatesBetween(const ContainerCounters& before, const ContainerCounters& after);

// Edge traffic of a service within one interval (deltas of the edge's counters).
struct TrafficDelta {
  double requests = 0;
  double status[4] = {0, 0, 0, 0};  // 2xx, 3xx, 4xx, 5xx
  double p50_ms = 0, p95_ms = 0, p99_ms = 0;
};

// The latency histogram's bucket upper bounds in ms (the edge's fixed histogram; the last
// bucket is open-ended).
const std::vector<double>& LatencyBucketsMs();
// The q-quantile (0..1) of a histogram with counts per bucket of LatencyBucketsMs(), linearly
// interpolated inside the bucket; 0 when empty.
double HistogramQuantile(const std::vector<uint64_t>& counts, double q);

// The service's sample for one interval from its containers' rates and readings.
Sample ServiceSample(int64_t at_ms, double interval_s, const std::vector<ContainerRates>& rates,
                     const std::vector<ContainerCounters>& readings, const TrafficDelta& traffic);

// One coarse point from the fine samples of one minute: gauges and rates averaged, memory and
// latencies their maximum, counts summed. `at_ms` is the minute's end.
Sample Rollup(const std::vector<Sample>& minute, int64_t at_ms);

// The nearest-rank q-quantile (0..1) of `values`; 0 when empty.
double Percentile(std::vector<double> values, double q);

// A window: "30m", "1h", "24h", "7d" (1 minute to 30 days). Errors say what is accepted.
Result<int64_t> ParseWindowMs(std::string_view window);
// "1h", "24h", "7d", "90m": how a window is said in hints.
std::string FormatWindow(int64_t window_ms);

struct Distribution {
  double current = 0, p50 = 0, p95 = 0, max = 0;
};

// What get_metrics says about a service over a window.
struct Summary {
  int64_t window_ms = 0;
  size_t points = 0;
  double replicas = 0;
  Distribution cpu_cores, memory_bytes, rx_bytes_per_s, tx_bytes_per_s, requests_per_s,
      latency_p50_ms, latency_p95_ms, latency_p99_ms;
  double cpu_limit = 0, memory_limit = 0;  // current; 0 = unlimited
  double requests = 0, status[4] = {0, 0, 0, 0};
  int64_t oom_kills = 0, restarts = 0;  // in the window (events and counters)
  std::vector<std::string> hints;
};

// Summarizes `samples` (oldest first) over `window_ms`; `restarts` and `oom_kills` are the
// service's events in the window (the larger of those and the counters' OOM kills is used).
Summary Summarize(const std::vector<Sample>& samples, int64_t window_ms, int64_t restarts,
                  int64_t oom_kills);

// Plain hints an agent can act on ("memory at 92% of limit, 3 OOM kills in 1h", "CPU under 5%
// of its limit for 24h"). Empty when nothing stands out.
std::vector<std::string> Hints(const Summary& summary);

// "256 MiB", "1.5 GiB", "900 B".
std::string FormatBytes(double bytes);

// One service's labels and newest sample for Prometheus text.
struct LabeledSample {
  std::string project, service;
  Sample sample;
};
// Prometheus text exposition (version 0.0.4) of every service's newest sample and inkd's own
// process figures, each family with HELP and TYPE once.
std::string PrometheusText(const std::vector<LabeledSample>& services, double process_rss_bytes,
                           double process_cpu_seconds, double metrics_store_bytes);

}  // namespace ink::metrics
