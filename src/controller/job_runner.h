// Internal to the controller: JobRunner runs the reconcilers' blocking runtime calls (create and
// start a replica, remove a container or a network) off the reconcile loop, on a few worker
// threads, so a slow podman call for one service never holds the loop or another service.
//
// One job per key at a time: Post() refuses a job while one with the same key is queued or
// running, so a level-triggered loop that asks for the same repair every pass starts it once
// (keys name what the job changes: "replica/<service>/<index>", "remove/<container id>").
// Jobs run in the order posted. When one ends, `on_done` runs (the controller's Wake), so the
// next pass sees its effect at once.
//
// Thread contract: Post, Busy and the counters from any thread. Stop drops the queue and waits
// for the running jobs (they are bounded by the runtime's own timeouts). `on_done` and the jobs
// run on the workers, without the runner's lock.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace ink::controller_internal {

class JobRunner {
 public:
  JobRunner(int workers, std::function<void()> on_done);
  ~JobRunner();  // Stop()

  void Start();
  void Stop();

  // Queues `job` under `key` unless a job with that key is queued or running (false then).
  bool Post(const std::string& key, std::function<void()> job);
  // True while a job with `key` is queued or running.
  bool Busy(const std::string& key) const;
  size_t queued() const;

 private:
  struct Job {
    std::string key;
    std::function<void()> run;
  };
  void Work();

  const int workers_;
  const std::function<void()> on_done_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  bool stopping_ = false;
  std::deque<Job> queue_;
  std::set<std::string> busy_;  // keys queued or running
  std::vector<std::thread> threads_;
};

}  // namespace ink::controller_internal
