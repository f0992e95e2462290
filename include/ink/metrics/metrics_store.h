// MetricsStore: every service's resource and traffic samples, in bounded rings in memory.
//
// The sampler (sampler.h) records one Sample per service every interval (10 s by default); the
// store keeps them at that resolution for an hour and rolls each minute up into one point kept
// for 30 days. Both rings are fixed in length, so a service costs at most
// kFineCapacity + kCoarseCapacity samples (sizeof(Sample) each: about 3.2 MB after 30 days,
// ~25 KB after its first hour; the coarse ring grows as minutes pass). Services not sampled for
// 30 days are dropped. get_metrics and /metrics read it. The minute points outlive inkd through
// a MetricsJournal (metrics_journal.h): each closed minute goes to the coarse sink, and a
// restarted inkd restores them with RestoreCoarse (the last hour's fine samples are not kept).
//
// Thread contract: every method may be called from any thread (one mutex guards the rings).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace ink::metrics {

// One service at one instant (fine) or over one minute (coarse). Rates are per second over the
// interval that ends at `at_ms`; counts are within that interval. Floats: 7 significant digits
// is plenty for a chart and halves the memory of doubles.
struct Sample {
  int64_t at_ms = 0;         // end of the interval (wall clock)
  float interval_s = 0;      // seconds the point covers
  float replicas = 0;        // running replicas sampled
  float cpu_cores = 0;       // cores used, summed over replicas (cgroup CPU time delta)
  float cpu_limit = 0;       // cores allowed, summed over replicas; 0 = unlimited
  float memory_bytes = 0;    // resident (cgroup memory usage), summed; coarse: the minute's max
  float memory_limit = 0;    // bytes allowed, summed over replicas; 0 = unlimited
  float rx_bytes_per_s = 0;  // network received, summed over replicas
  float tx_bytes_per_s = 0;  // network sent
  float oom_kills = 0;       // OOM kills seen in the interval (cgroup counter delta)
  float requests = 0;        // requests through the edge in the interval
  float status_2xx = 0, status_3xx = 0, status_4xx = 0, status_5xx = 0;
  float latency_p50_ms = 0, latency_p95_ms = 0, latency_p99_ms = 0;  // coarse: the minute's max
};

inline constexpr int64_t kFineRetentionMs = 3600 * 1000;                // 1 hour at the interval
inline constexpr int64_t kCoarseStepMs = 60 * 1000;                     // rolled up per minute
inline constexpr int64_t kCoarseRetentionMs = 30LL * 24 * 3600 * 1000;  // 30 days
inline constexpr size_t kFineCapacity = 3600;     // 1 h at 1 s (the smallest interval)
inline constexpr size_t kCoarseCapacity = 43200;  // 30 days of minutes

// The key of one replica's own series beside its service's ("<service_id>/r<replica>"), for
// get_metrics' replica breakdown; /metrics and the service view skip keys with a '/'.
inline std::string ReplicaSeriesKey(const std::string& service_id, const std::string& replica) {
  return service_id + "/r" + replica;
}

class MetricsStore {
 public:
  // Appends `sample` (at_ms increasing per service) for `service_id`; closes the minute it
  // ends into a coarse point; drops what is older than the retention.
  void Record(const std::string& service_id, const Sample& sample);
  // Samples of the service in (now_ms - window_ms, now_ms], oldest first: the fine ones when
  // the window fits in the last hour, else the coarse ones. Empty if none.
  std::vector<Sample> Range(const std::string& service_id, int64_t now_ms, int64_t window_ms) const;
  // The newest sample of every service, without the replicas' series (for /metrics).
  std::map<std::string, Sample> Latest() const;
  // Drops services not sampled since `cutoff_ms`.
  void DropIdle(int64_t cutoff_ms);
  // Bytes the rings hold now (for the bench and /metrics).
  size_t BytesUsed() const;

  // Called with each minute point as it closes (under the store's lock: keep it quick, and do
  // not call back into the store). Set before the first Record.
  using CoarseSink = std::function<void(const std::string& series, const Sample& point)>;
  void SetCoarseSink(CoarseSink sink);
  // Puts back minute points of `series` recorded before a restart (oldest first; older than the
  // retention or not before the series' own points are skipped).
  void RestoreCoarse(const std::string& series, const std::vector<Sample>& points);
  // Every series' minute points (for rewriting the journal), oldest first.
  std::map<std::string, std::vector<Sample>> CoarsePoints() const;

 private:
  struct Series {
    std::deque<Sample> fine;
    std::deque<Sample> coarse;
    std::vector<Sample> minute;  // fine samples of the minute not yet closed
  };
  mutable std::mutex mu_;
  std::map<std::string, Series> series_;  // guarded by mu_
  CoarseSink coarse_sink_;                // guarded by mu_
};

}  // namespace ink::metrics
