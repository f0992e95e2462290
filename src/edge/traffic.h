// Internal to ink-edge: one worker's request counters per service (see ink/edge/edge_stats.h
// for what is counted).
//
// Each worker owns a WorkerTraffic and is the only writer of its counts: a request costs two
// relaxed load+store pairs on counters no other thread writes (no locked instruction, no shared
// cache line written by two threads). The stats writer's thread reads them with relaxed loads
// and sums the workers; a count it reads may lag the worker's by a request, never tear.
// Counters for a service are created on the worker's thread when a route table naming it is
// loaded, under a mutex the reader takes too (a table change, not a request); they live as long
// as the worker's WorkerTraffic (owned by the EdgeServer, so the sums survive Stop), because
// counts are cumulative: a service whose route goes and comes back continues where it was.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ink/edge/edge_stats.h"
#include "ink/edge/route_table.h"

namespace ink::edge::internal {

struct ServiceCounters {
  explicit ServiceCounters(std::string id) : service_id(std::move(id)) {}
  const std::string service_id;
  std::atomic<uint64_t> status[4] = {};
  std::atomic<uint64_t> latency[kLatencyBuckets] = {};

  // Counts one request. Only the owning worker's thread.
  void Count(int http_status, int64_t latency_us) {
    Bump(status[StatusClass(http_status)]);
    Bump(latency[LatencyBucket(latency_us)]);
  }

 private:
  static void Bump(std::atomic<uint64_t>& a) {
    a.store(a.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
};

class WorkerTraffic {
 public:
  // Most services one worker keeps counters for; services past it are not counted.
  static constexpr size_t kMaxServices = 100000;

  // The counters of `service_id` (created on first use), or nullptr for "" or past the limit.
  // Only the owning worker's thread.
  ServiceCounters* For(std::string_view service_id);
  // Adds this worker's counts into `out`. Any thread.
  void AddTo(TrafficByService* out) const;

 private:
  mutable std::mutex mu_;                // guards the shape of services_ (not the counts)
  std::deque<ServiceCounters> services_;  // appended by the worker; stable addresses
  // The worker's index into services_ (its thread only).
  std::unordered_map<std::string, ServiceCounters*, StringHash, std::equal_to<>> by_id_;
};

}  // namespace ink::edge::internal
