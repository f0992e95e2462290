// HealthProber: the controller's health probes, run off the reconcile loop, concurrently and
// bounded, each with a deadline, so that one tenant's stuck replica never delays another's.
//
// What it converges: for every replica the loop asks about (Request), a result no older than
// `interval` plus one probe. The loop never waits for a probe: each tick it requests probes of
// the replicas it sees and reads the latest results (Last); a result that changes calls
// `on_change` (the controller's Wake), so the next pass sees it at once.
//
// Bounds and fairness:
//   - at most one probe per key (a replica: its container id) is queued or running; a request
//     while one is, or while the last result is fresher than `interval`, does nothing;
//   - `workers` threads run probes; a group (the service) has at most `per_group` probes
//     running at once, so a service whose probes hang holds at most that many workers and
//     every other service's probes go ahead on the rest;
//   - each probe has a deadline (`timeout`): the Prober is asked to finish by then (the network
//     prober uses it as its socket timeouts). One that does not is recorded as failed ("timed
//     out") at the deadline, by a clock timer, and its worker is replaced (up to `max_stuck`
//     replacements in all) so the pool keeps its size while a probe hangs.
//
// Thread contract: every public method may be called from any thread; none blocks on a probe
// except Stop, which waits for the probes running to return (network probes end by their
// deadline). `on_change` runs on a worker or the clock's timer thread, without a lock held: it
// must be short (the controller's Wake is).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ink/common/clock.h"

namespace ink {

struct ProbeTarget {
  std::string group;    // whose probe it is (the service id): the unit of fairness
  std::string address;  // IP literal
  int port = 0;
  // Liveness (kConnect): the port accepts TCP. Readiness (kReady): it accepts TCP and, for HTTP
  // apps, answers below 500 on `http_path` (required when named, else / or /healthz).
  enum class Kind { kConnect, kReady } kind = Kind::kConnect;
  std::string http_path;
};

// Runs one probe. Implementations must be thread-safe and should return by `timeout`.
class Prober {
 public:
  virtual ~Prober() = default;
  // True if the target is healthy.
  virtual bool Probe(const ProbeTarget& target, std::chrono::milliseconds timeout) = 0;
};

// Probes over the network: a TCP connect, and HTTP GETs for readiness (see ProbeTarget). The
// steps share the probe's `timeout`, measured on `clock`.
class NetworkProber : public Prober {
 public:
  explicit NetworkProber(Clock& clock) : clock_(clock) {}
  bool Probe(const ProbeTarget& target, std::chrono::milliseconds timeout) override;

 private:
  Clock& clock_;
};

struct ProbeResult {
  bool healthy = false;
  bool timed_out = false;  // the probe did not return by its deadline
  Clock::TimePoint at{};   // when it ended (or timed out)
  int failures = 0;        // failed (or timed-out) probes in a row
};

struct HealthProberOptions {
  int workers = 8;
  int per_group = 2;
  int max_stuck = 16;  // stuck workers (probe past its deadline) replaced at once, at most
  std::chrono::milliseconds timeout{1000};         // per probe
  std::chrono::milliseconds interval{1000};        // a fresher result is not probed again
  std::chrono::milliseconds forget_after{60'000};  // see Retain
  // A replica that was healthy turns unhealthy only after this many failed probes in a row (one
  // slow answer on a loaded host must not take a serving replica out of its route); one that
  // never was healthy is unhealthy from its first failure.
  int failure_threshold = 3;
};

// The readiness prober's options (a rollout's checks): 16 workers, a result at most 100 ms old,
// a 2.3 s deadline, the first failure counts.
HealthProberOptions ReadinessProberOptions();

class HealthProber {
 public:
  HealthProber(Prober& prober, Clock& clock, HealthProberOptions options,
               std::function<void()> on_change);
  ~HealthProber();  // Stop()

  // Starts the workers. Requests made before are queued.
  void Start();
  // Stops taking probes, drops the queue and waits for running probes to return.
  void Stop();

  // Asks for a probe of `key` (see the header comment for when it does nothing). Never blocks.
  void Request(const std::string& key, const ProbeTarget& target);
  // Records a result observed elsewhere (a rollout's readiness check of a new replica), so the
  // loop does not wait for a first probe of it.
  void Record(const std::string& key, bool healthy);
  // The latest result of `key`; nullopt before its first probe ends.
  std::optional<ProbeResult> Last(const std::string& key) const;
  // Forgets every key not in `keys` (replicas that are gone) whose result is older than
  // `forget_after` (a result a rollout just recorded outlives a pass that did not see its
  // replica yet); their running probes still end.
  void Retain(const std::set<std::string>& keys);

  // For tests and stats: probes queued, running, and workers replaced while stuck.
  size_t queued() const;
  size_t running() const;
  int replaced() const;

 private:
  struct Pending {
    std::string key;
    ProbeTarget target;
  };
  struct Running {
    std::string group;
    std::string key;
    Clock::TimerId deadline_timer = 0;
    bool timed_out = false;
  };

  void Work(int worker);
  // The result after `last` when a probe says `healthy` (failure_threshold applied).
  ProbeResult Next(const ProbeResult& last, bool healthy, bool timed_out) const;
  // The first queued probe whose group is below its limit (nullopt if none). Under mu_.
  std::optional<Pending> TakeEligible();
  void OnDeadline(uint64_t probe_id);
  void StartWorker();     // under mu_
  void Exit(int worker);  // under mu_: the worker's thread is about to return

  Prober& prober_;
  Clock& clock_;
  const HealthProberOptions options_;
  const std::function<void()> on_change_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  bool started_ = false;
  bool stopping_ = false;
  std::deque<Pending> queue_;
  std::set<std::string> queued_keys_;
  std::set<std::string> busy_keys_;  // queued or running
  std::map<std::string, int> running_by_group_;
  std::map<uint64_t, Running> running_;  // by probe id
  uint64_t next_probe_id_ = 1;
  std::map<std::string, ProbeResult> results_;
  std::map<int, std::thread> threads_;  // by worker number
  std::vector<int> exited_;             // workers whose thread returned (to join)
  int next_worker_ = 0;
  int live_workers_ = 0;  // workers not stuck past a deadline
  int stuck_ = 0;
  int replaced_ = 0;
};

}  // namespace ink
