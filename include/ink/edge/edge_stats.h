// ink-edge's request counters per service, and the stats file it writes them to for inkd.
//
// Every worker counts, per service (the route's "service_id"; routes without one are not
// counted), each request once when it ends: by status class and in a latency histogram. The
// latency is the time from the request head parsed to the last byte of the response handed to
// the client's socket (like nginx's $request_time; for a WebSocket, to the 101 going out), at the
// worker loop's clock (CLOCK_MONOTONIC, read once per epoll wakeup). A request is counted with
// the status the client was answered (the backend's, or the edge's own 502/503/504/408/413);
// one whose connection closes before the response is complete is counted with the status it was
// given, if any (a client that leaves before any status is not counted). Requests that match no
// route (404 for an unknown host, 400 for a malformed head) belong to no service.
//
// EdgeStatsWriter writes the sums over the workers, cumulative since ink-edge started, every
// interval (temp + rename, so a reader never sees half a file), by default `edge-stats.json`
// beside the route file:
//   {"pid": 12, "started_at": <ms>, "updated_at": <ms>,
//    "latency_bounds_ms": [1, 2, 5, ..., 30000],
//    "services": {"svc_1": {"status": {"2xx": 7, "3xx": 0, "4xx": 1, "5xx": 0},
//                           "latency_buckets": [3, 4, 0, ...]}}}
// `latency_buckets` has one count more than `latency_bounds_ms`: bucket i holds requests that
// took at most bounds[i] ms (and more than bounds[i-1]); the last one is open-ended. These are the
// bounds of inkd's LatencyBucketsMs() (ink/metrics/metric_rules.h), which reads the file.
//
// Thread contract: FormatEdgeStats is pure. EdgeStatsWriter's Start/Stop from one controlling
// thread; its own thread calls `read` (EdgeServer::Traffic is safe from any thread).
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "ink/common/result.h"

namespace ink::edge {

// Upper bounds (ms) of the latency buckets but the last, open-ended one.
inline constexpr std::array<int64_t, 14> kLatencyBoundsMs = {1,   2,    5,    10,   25,
                                                             50,  100,  250,  500,  1000,
                                                             2500, 5000, 10000, 30000};
inline constexpr size_t kLatencyBuckets = kLatencyBoundsMs.size() + 1;

// The bucket of a latency in microseconds.
inline size_t LatencyBucket(int64_t latency_us) {
  size_t i = 0;
  while (i < kLatencyBoundsMs.size() && latency_us > kLatencyBoundsMs[i] * 1000) ++i;
  return i;
}

// The status class index of an HTTP status: 0 = 2xx (and 1xx), 1 = 3xx, 2 = 4xx, 3 = 5xx.
inline int StatusClass(int status) {
  int c = status / 100 - 2;
  return c < 0 ? 0 : (c > 3 ? 3 : c);
}

// One service's counts, cumulative.
struct ServiceTraffic {
  std::array<uint64_t, 4> status{};  // 2xx (with 1xx), 3xx, 4xx, 5xx
  std::array<uint64_t, kLatencyBuckets> latency_buckets{};
  bool operator==(const ServiceTraffic&) const = default;
};

using TrafficByService = std::map<std::string, ServiceTraffic>;  // by service id

// The stats file's text (see the top of this file). Times are ms since the epoch.
std::string FormatEdgeStats(const TrafficByService& traffic, int64_t pid, int64_t started_at_ms,
                            int64_t updated_at_ms);

class EdgeStatsWriter {
 public:
  // Writes what `read` returns to `path` every `interval`.
  EdgeStatsWriter(std::string path, std::function<TrafficByService()> read,
                  std::chrono::milliseconds interval = std::chrono::milliseconds(1000));
  ~EdgeStatsWriter();
  EdgeStatsWriter(const EdgeStatsWriter&) = delete;
  EdgeStatsWriter& operator=(const EdgeStatsWriter&) = delete;

  // Writes the file once and starts the thread, which keeps writing (and logs when a write
  // fails) even if this first write failed: its error names the path and the cause.
  Status Start();
  // Stops the thread and writes the file a last time. Idempotent.
  void Stop();
  // Writes the file now (temp + rename). Not concurrently with itself; the thread calls it.
  Status WriteNow();
  const std::string& path() const { return path_; }

 private:
  const std::string path_;
  const std::function<TrafficByService()> read_;
  const std::chrono::milliseconds interval_;
  const int64_t started_at_ms_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  bool warned_ = false;    // a write failure was logged (the thread's)
  std::thread thread_;
};

}  // namespace ink::edge
