#include "ink/metrics/metric_rules.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <functional>

namespace ink::metrics {
namespace {

double Delta(uint64_t before, uint64_t after) {
  return after >= before ? static_cast<double>(after - before) : static_cast<double>(after);
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

// Prometheus sample values: integers plainly, else up to 6 significant digits.
std::string PromValue(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[64];
  // Whole numbers (bytes, counts) exactly; fractions to 6 significant digits.
  if (v == std::floor(v) && std::fabs(v) < 9e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.6g", v);
  }
  return buf;
}

std::string PromEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

ContainerRates RatesBetween(const ContainerCounters& before, const ContainerCounters& after) {
  ContainerRates r;
  double seconds = (after.at_ms - before.at_ms) / 1000.0;
  if (seconds <= 0) return r;
  if (before.has_cpu && after.has_cpu) {
    r.cpu_cores = Delta(before.cpu_usage_ns, after.cpu_usage_ns) / 1e9 / seconds;
  }
  if (before.has_network && after.has_network) {
    r.rx_bytes_per_s = Delta(before.rx_bytes, after.rx_bytes) / seconds;
    r.tx_bytes_per_s = Delta(before.tx_bytes, after.tx_bytes) / seconds;
  }
  if (before.has_memory && after.has_memory) r.oom_kills = Delta(before.oom_kills, after.oom_kills);
  return r;
}

const std::vector<double>& LatencyBucketsMs() {
  static const std::vector<double> buckets = {1,   2,    5,    10,   25,    50,    100, 250,
                                              500, 1000, 2500, 5000, 10000, 30000, 1e12};
  return buckets;
}

double HistogramQuantile(const std::vector<uint64_t>& counts, double q) {
  const auto& bounds = LatencyBucketsMs();
  uint64_t total = 0;
  for (auto c : counts) total += c;
  if (total == 0) return 0;
  double rank = q * static_cast<double>(total);
  double seen = 0;
  for (size_t i = 0; i < counts.size() && i < bounds.size(); ++i) {
    if (counts[i] == 0) continue;
    if (seen + counts[i] >= rank) {
      double lower = i == 0 ? 0 : bounds[i - 1];
      double upper = i + 1 == bounds.size() ? lower * 2 : bounds[i];  // open bucket: a guess
      double within = (rank - seen) / static_cast<double>(counts[i]);
      return lower + (upper - lower) * std::clamp(within, 0.0, 1.0);
    }
    seen += counts[i];
  }
  return bounds[bounds.size() - 2];
}

Sample ServiceSample(int64_t at_ms, double interval_s, const std::vector<ContainerRates>& rates,
                     const std::vector<ContainerCounters>& readings, const TrafficDelta& traffic) {
  Sample s;
  s.at_ms = at_ms;
  s.interval_s = static_cast<float>(interval_s);
  for (const auto& r : rates) {
    s.cpu_cores += static_cast<float>(r.cpu_cores);
    s.rx_bytes_per_s += static_cast<float>(r.rx_bytes_per_s);
    s.tx_bytes_per_s += static_cast<float>(r.tx_bytes_per_s);
    s.oom_kills += static_cast<float>(r.oom_kills);
  }
  for (const auto& c : readings) {
    s.replicas += 1;
    s.cpu_limit += static_cast<float>(c.cpu_limit);
    s.memory_bytes += static_cast<float>(c.memory_bytes);
    s.memory_limit += static_cast<float>(c.memory_limit);
  }
  s.requests = static_cast<float>(traffic.requests);
  s.status_2xx = static_cast<float>(traffic.status[0]);
  s.status_3xx = static_cast<float>(traffic.status[1]);
  s.status_4xx = static_cast<float>(traffic.status[2]);
  s.status_5xx = static_cast<float>(traffic.status[3]);
  s.latency_p50_ms = static_cast<float>(traffic.p50_ms);
  s.latency_p95_ms = static_cast<float>(traffic.p95_ms);
  s.latency_p99_ms = static_cast<float>(traffic.p99_ms);
  return s;
}

Sample Rollup(const std::vector<Sample>& minute, int64_t at_ms) {
  Sample out;
  out.at_ms = at_ms;
  if (minute.empty()) return out;
  double n = static_cast<double>(minute.size());
  double replicas = 0, cpu = 0, cpu_limit = 0, memory_limit = 0, rx = 0, tx = 0;
  for (const auto& s : minute) {
    out.interval_s += s.interval_s;
    replicas += s.replicas;
    cpu += s.cpu_cores;
    cpu_limit += s.cpu_limit;
    memory_limit += s.memory_limit;
    rx += s.rx_bytes_per_s;
    tx += s.tx_bytes_per_s;
    out.memory_bytes = std::max(out.memory_bytes, s.memory_bytes);
    out.oom_kills += s.oom_kills;
    out.requests += s.requests;
    out.status_2xx += s.status_2xx;
    out.status_3xx += s.status_3xx;
    out.status_4xx += s.status_4xx;
    out.status_5xx += s.status_5xx;
    out.latency_p50_ms = std::max(out.latency_p50_ms, s.latency_p50_ms);
    out.latency_p95_ms = std::max(out.latency_p95_ms, s.latency_p95_ms);
    out.latency_p99_ms = std::max(out.latency_p99_ms, s.latency_p99_ms);
  }
  out.replicas = static_cast<float>(replicas / n);
  out.cpu_cores = static_cast<float>(cpu / n);
  out.cpu_limit = static_cast<float>(cpu_limit / n);
  out.memory_limit = static_cast<float>(memory_limit / n);
  out.rx_bytes_per_s = static_cast<float>(rx / n);
  out.tx_bytes_per_s = static_cast<float>(tx / n);
  return out;
}

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  double rank = std::ceil(q * static_cast<double>(values.size()));
  size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return values[std::min(index, values.size() - 1)];
}

Result<int64_t> ParseWindowMs(std::string_view window) {
  auto bad = [&] {
    return InvalidArgument("window '" + std::string(window) +
                           "' is not a duration of 1 minute to 30 days: use e.g. \"30m\", "
                           "\"1h\", \"24h\" or \"7d\"");
  };
  if (window.size() < 2 || window.size() > 8) return bad();
  int64_t n = 0;
  size_t i = 0;
  for (; i < window.size() && std::isdigit(static_cast<unsigned char>(window[i])); ++i) {
    n = n * 10 + (window[i] - '0');
  }
  if (i == 0 || i + 1 != window.size()) return bad();
  int64_t unit = 0;
  switch (window[i]) {
    case 's':
      unit = 1000;
      break;
    case 'm':
      unit = 60 * 1000;
      break;
    case 'h':
      unit = 3600 * 1000;
      break;
    case 'd':
      unit = 24 * 3600 * 1000;
      break;
    default:
      return bad();
  }
  int64_t ms = n * unit;
  if (ms < 60 * 1000 || ms > kCoarseRetentionMs) return bad();
  return ms;
}

std::string FormatWindow(int64_t window_ms) {
  int64_t minutes = window_ms / 60000;
  if (minutes % (24 * 60) == 0 && minutes >= 48 * 60) return std::to_string(minutes / 1440) + "d";
  if (minutes % 60 == 0) return std::to_string(minutes / 60) + "h";
  if (minutes > 0) return std::to_string(minutes) + "m";
  return std::to_string(window_ms / 1000) + "s";
}

std::string FormatBytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  if (u == 0) return Fixed(bytes, 0) + " B";
  return (bytes >= 10 ? Fixed(bytes, 0) : Fixed(bytes, 1)) + " " + units[u];
}

namespace {

Distribution Distribute(const std::vector<Sample>& samples, float Sample::*field) {
  Distribution d;
  if (samples.empty()) return d;
  std::vector<double> values;
  values.reserve(samples.size());
  for (const auto& s : samples) values.push_back(s.*field);
  d.current = samples.back().*field;
  d.p50 = Percentile(values, 0.5);
  d.p95 = Percentile(values, 0.95);
  d.max = *std::max_element(values.begin(), values.end());
  return d;
}

}  // namespace

Summary Summarize(const std::vector<Sample>& samples, int64_t window_ms, int64_t restarts,
                  int64_t oom_kills) {
  Summary s;
  s.window_ms = window_ms;
  s.points = samples.size();
  s.restarts = restarts;
  double counted_ooms = 0;
  std::vector<Sample> per_second;  // requests as a rate, for the distribution
  for (const auto& p : samples) {
    counted_ooms += p.oom_kills;
    s.requests += p.requests;
    s.status[0] += p.status_2xx;
    s.status[1] += p.status_3xx;
    s.status[2] += p.status_4xx;
    s.status[3] += p.status_5xx;
    Sample r = p;
    r.requests = p.interval_s > 0 ? p.requests / p.interval_s : 0;
    per_second.push_back(r);
  }
  s.oom_kills = std::max<int64_t>(oom_kills, std::llround(counted_ooms));
  s.cpu_cores = Distribute(samples, &Sample::cpu_cores);
  s.memory_bytes = Distribute(samples, &Sample::memory_bytes);
  s.rx_bytes_per_s = Distribute(samples, &Sample::rx_bytes_per_s);
  s.tx_bytes_per_s = Distribute(samples, &Sample::tx_bytes_per_s);
  s.requests_per_s = Distribute(per_second, &Sample::requests);
  std::vector<Sample> with_traffic;
  for (const auto& p : samples) {
    if (p.requests > 0) with_traffic.push_back(p);
  }
  s.latency_p50_ms = Distribute(with_traffic, &Sample::latency_p50_ms);
  s.latency_p95_ms = Distribute(with_traffic, &Sample::latency_p95_ms);
  s.latency_p99_ms = Distribute(with_traffic, &Sample::latency_p99_ms);
  if (!samples.empty()) {
    s.replicas = samples.back().replicas;
    s.cpu_limit = samples.back().cpu_limit;
    s.memory_limit = samples.back().memory_limit;
  }
  s.hints = Hints(s);
  return s;
}

std::vector<std::string> Hints(const Summary& s) {
  std::vector<std::string> hints;
  const std::string in = " in " + FormatWindow(s.window_ms);
  const std::string over = " for " + FormatWindow(s.window_ms);
  if (s.points == 0) {
    hints.push_back("no samples" + in +
                    ": the service has no running replica (or was just "
                    "deployed; samples come every sampling interval)");
    return hints;
  }
  std::string oom = s.oom_kills > 0 ? std::to_string(s.oom_kills) + " OOM kill" +
                                          (s.oom_kills == 1 ? "" : "s") + in
                                    : "";
  if (s.memory_limit > 0) {
    double used = s.memory_bytes.current / s.memory_limit;
    double peak = s.memory_bytes.max / s.memory_limit;
    if (used >= 0.9 || peak >= 0.9 || s.oom_kills > 0) {
      std::string h = "memory at " + Fixed(used * 100, 0) + "% of limit (" +
                      FormatBytes(s.memory_bytes.current) + " of " + FormatBytes(s.memory_limit) +
                      ", peak " + Fixed(peak * 100, 0) + "%)";
      if (!oom.empty()) h += ", " + oom;
      hints.push_back(h + ": raise the memory limit or reduce the app's memory use");
    } else if (peak < 0.2 && s.window_ms >= 3600 * 1000) {
      hints.push_back("memory under " + Fixed(std::max(1.0, std::ceil(peak * 100)), 0) +
                      "% of its limit" + over + " (peak " + FormatBytes(s.memory_bytes.max) +
                      " of " + FormatBytes(s.memory_limit) + "): the limit could be lowered");
    }
  } else if (!oom.empty()) {
    hints.push_back(oom);
  }
  if (s.cpu_limit > 0) {
    double p95 = s.cpu_cores.p95 / s.cpu_limit;
    double current = s.cpu_cores.current / s.cpu_limit;
    if (p95 >= 0.9 || current >= 0.9) {
      hints.push_back("CPU at " + Fixed(std::max(p95, current) * 100, 0) + "% of its limit (" +
                      Fixed(s.cpu_limit, 2) +
                      " cores): the service is throttled; raise --cpu "
                      "or add replicas");
    } else if (s.cpu_cores.max < 0.05 * s.cpu_limit && s.window_ms >= 3600 * 1000) {
      hints.push_back("CPU under 5% of its limit" + over + " (max " + Fixed(s.cpu_cores.max, 3) +
                      " of " + Fixed(s.cpu_limit, 2) + " cores): the limit could be lowered");
    }
  }
  if (s.restarts > 0) {
    hints.push_back(std::to_string(s.restarts) + " restart" + (s.restarts == 1 ? "" : "s") + in +
                    ": see get_logs for why it exits");
  }
  if (s.requests >= 20 && s.status[3] / s.requests >= 0.01) {
    hints.push_back(Fixed(100 * s.status[3] / s.requests, 1) + "% of " + Fixed(s.requests, 0) +
                    " requests answered 5xx" + in);
  }
  if (s.latency_p95_ms.p95 >= 1000) {
    hints.push_back("slow responses: p95 latency " + Fixed(s.latency_p95_ms.p95, 0) + " ms" + in);
  }
  return hints;
}

std::string PrometheusText(const std::vector<LabeledSample>& services, double process_rss_bytes,
                           double process_cpu_seconds, double metrics_store_bytes) {
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help,
                    const std::function<void(const std::string&)>& emit) {
    out += std::string("# HELP ") + name + " " + help + "\n";
    out += std::string("# TYPE ") + name + " " + type + "\n";
    emit(name);
  };
  auto labels = [](const LabeledSample& s, const std::string& extra = "") {
    std::string l =
        "{project=\"" + PromEscape(s.project) + "\",service=\"" + PromEscape(s.service) + "\"";
    if (!extra.empty()) l += "," + extra;
    return l + "}";
  };
  auto gauge = [&](const char* name, const char* help, float Sample::*field) {
    family(name, "gauge", help, [&](const std::string& n) {
      for (const auto& s : services) out += n + labels(s) + " " + PromValue(s.sample.*field) + "\n";
    });
  };
  gauge("ink_service_replicas", "Running replicas sampled.", &Sample::replicas);
  gauge("ink_service_cpu_cores", "CPU cores used over the last sampling interval.",
        &Sample::cpu_cores);
  gauge("ink_service_cpu_limit_cores", "CPU cores allowed (0: unlimited).", &Sample::cpu_limit);
  gauge("ink_service_memory_bytes", "Memory used (cgroup usage).", &Sample::memory_bytes);
  gauge("ink_service_memory_limit_bytes", "Memory allowed (0: unlimited).", &Sample::memory_limit);
  gauge("ink_service_network_receive_bytes_per_second", "Network bytes received per second.",
        &Sample::rx_bytes_per_s);
  gauge("ink_service_network_transmit_bytes_per_second", "Network bytes sent per second.",
        &Sample::tx_bytes_per_s);
  family("ink_service_requests_per_second", "gauge",
         "Requests through the edge per second over the last interval, by status class.",
         [&](const std::string& n) {
           const std::pair<const char*, float Sample::*> classes[] = {{"2xx", &Sample::status_2xx},
                                                                      {"3xx", &Sample::status_3xx},
                                                                      {"4xx", &Sample::status_4xx},
                                                                      {"5xx", &Sample::status_5xx}};
           for (const auto& s : services) {
             for (const auto& [name, field] : classes) {
               double rate = s.sample.interval_s > 0 ? s.sample.*field / s.sample.interval_s : 0;
               out += n + labels(s, std::string("class=\"") + name + "\"") + " " + PromValue(rate) +
                      "\n";
             }
           }
         });
  family("ink_service_request_latency_seconds", "gauge",
         "Edge request latency percentiles (0.5, 0.95, 0.99) over the last interval (a gauge: "
         "promtool keeps the quantile label for summaries).",
         [&](const std::string& n) {
           const std::pair<const char*, float Sample::*> quantiles[] = {
               {"0.5", &Sample::latency_p50_ms},
               {"0.95", &Sample::latency_p95_ms},
               {"0.99", &Sample::latency_p99_ms}};
           for (const auto& s : services) {
             for (const auto& [q, field] : quantiles) {
               out += n + labels(s, std::string("percentile=\"") + q + "\"") + " " +
                      PromValue(s.sample.*field / 1000.0) + "\n";
             }
           }
         });
  family("ink_process_resident_memory_bytes", "gauge", "inkd's resident memory.",
         [&](const std::string& n) { out += n + " " + PromValue(process_rss_bytes) + "\n"; });
  family("ink_process_cpu_seconds_total", "counter", "inkd's CPU time (user and system).",
         [&](const std::string& n) { out += n + " " + PromValue(process_cpu_seconds) + "\n"; });
  family("ink_metrics_store_bytes", "gauge", "Memory the metrics rings hold.",
         [&](const std::string& n) { out += n + " " + PromValue(metrics_store_bytes) + "\n"; });
  return out;
}

}  // namespace ink::metrics
