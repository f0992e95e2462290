// bench/metrics/run.sh: the metrics rings and rules for N services sampled every 10 s over a
// simulated span (default 50 services, 1 hour), with one get_metrics-style Summarize and one
// PrometheusText per simulated sampling tick, as inkd would at worst. Prints CPU seconds, peak
// RSS and the rings' bytes. Usage: ink_metrics_bench [services] [simulated_seconds]
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "ink/metrics/metric_rules.h"
#include "ink/metrics/metrics_store.h"
#include "ink/metrics/process_figures.h"

int main(int argc, char** argv) {
  using namespace ink::metrics;
  int services = argc > 1 ? std::atoi(argv[1]) : 50;
  int64_t seconds = argc > 2 ? std::atoll(argv[2]) : 3600;
  double rss_before = ReadProcessFigures().resident_bytes;
  std::clock_t cpu_start = std::clock();
  MetricsStore store;
  int64_t start_ms = 1'700'000'000'000;
  size_t summaries = 0, text_bytes = 0;
  for (int64_t t = 10; t <= seconds; t += 10) {
    int64_t now = start_ms + t * 1000;
    std::vector<LabeledSample> latest;
    for (int s = 0; s < services; ++s) {
      Sample sample{.at_ms = now,
                    .interval_s = 10,
                    .replicas = 1,
                    .cpu_cores = 0.1f * (s % 5),
                    .cpu_limit = 1,
                    .memory_bytes = float((64 + s) << 20),
                    .memory_limit = float(512 << 20),
                    .rx_bytes_per_s = 1000,
                    .tx_bytes_per_s = 5000,
                    .requests = 100};
      std::string id = "svc_" + std::to_string(s);
      store.Record(id, sample);
      Summary summary = Summarize(store.Range(id, now, 3600 * 1000), 3600 * 1000, 0, 0);
      summaries += summary.points > 0;
      latest.push_back({"bench", "service-" + std::to_string(s), sample});
    }
    text_bytes = PrometheusText(latest, 0, 0, double(store.BytesUsed())).size();
  }
  double cpu = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  std::printf(
      "services=%d simulated_s=%lld ticks=%lld summaries=%zu cpu_s=%.3f cpu_per_tick_ms=%.3f "
      "rss_mib=%.1f rss_growth_mib=%.1f store_bytes=%zu prometheus_text_bytes=%zu\n",
      services, (long long)seconds, (long long)(seconds / 10), summaries, cpu,
      1000 * cpu / double(seconds / 10), ReadProcessFigures().resident_bytes / (1 << 20),
      (ReadProcessFigures().resident_bytes - rss_before) / (1 << 20), store.BytesUsed(),
      text_bytes);
  return 0;
}
