// MetricsSampler: every interval (10 s by default), one Sample per service into the
// MetricsStore, from each running replica's cgroup and network counters and from the edge's
// per-service request counters.
//
// CPU is the delta of the cgroup's CPU time between two readings (not podman's since-start
// average), so a replica's first reading only sets its baseline. Each container's cgroup path
// and pid come from the runtime's inspect (once per container); the counters are read from the
// files directly (cgroup_reader.h), which costs a few syscalls per replica, not a podman call.
//
// Thread contract: Start/Stop from one thread; the sampler's own thread calls SampleOnce, which
// tests may also call directly (without Start).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ink/common/clock.h"
#include "ink/metrics/metrics_store.h"
#include "ink/runtime/runtime.h"

namespace ink::metrics {

// Raw counters of one container read at one instant (cgroup and network namespace).
struct ContainerCounters {
  int64_t at_ms = 0;
  bool has_cpu = false;
  uint64_t cpu_usage_ns = 0;  // total CPU time (v1 cpuacct.usage; v2 cpu.stat usage_usec*1000)
  double cpu_limit = 0;       // cores (cfs quota / period); 0 = unlimited
  bool has_memory = false;
  int64_t memory_bytes = 0;  // usage
  int64_t memory_limit = 0;  // 0 = unlimited
  uint64_t oom_kills = 0;    // the memory cgroup's oom_kill counter
  bool has_network = false;
  uint64_t rx_bytes = 0;  // summed over the namespace's interfaces but lo
  uint64_t tx_bytes = 0;
};

// The edge's cumulative counters for one service (since ink-edge started).
struct EdgeServiceCounters {
  uint64_t status[4] = {0, 0, 0, 0};      // 2xx, 3xx, 4xx, 5xx (1xx counted as 2xx)
  std::vector<uint64_t> latency_buckets;  // counts per LatencyBucketsMs() bucket
};

struct SamplerOptions {
  std::string instance;  // the ink.instance label of this inkd's containers
  std::chrono::milliseconds interval{10000};
  // Reads a container's counters (given its inspect: pid and cgroup_path) at `now_ms`. Unset:
  // the host's cgroup files and /proc.
  std::function<ContainerCounters(const ContainerInfo&, int64_t now_ms)> read_counters;
  // The edge's counters by service id. Unset: no traffic figures.
  std::function<std::map<std::string, EdgeServiceCounters>()> edge_counters;
  // Run after every pass on the sampler's thread (inkd: the metrics journal's compaction).
  std::function<void()> after_pass;
};

class MetricsSampler {
 public:
  MetricsSampler(ContainerRuntime& runtime, MetricsStore& store, Clock& clock,
                 SamplerOptions options);
  ~MetricsSampler();
  // Reads every replica and the edge once and records a sample per service that has a
  // baseline. Not concurrently with itself.
  void SampleOnce();
  void Start();
  void Stop();

 private:
  struct Tracked {
    ContainerInfo info;  // from inspect: pid, cgroup_path
    std::string service_id;
    ContainerCounters last;
  };
  ContainerRuntime& runtime_;
  MetricsStore& store_;
  Clock& clock_;
  SamplerOptions options_;
  std::map<std::string, Tracked> tracked_;  // by container id; the sampling thread's
  std::map<std::string, EdgeServiceCounters> last_edge_;
  int64_t last_sample_ms_ = 0;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace ink::metrics
