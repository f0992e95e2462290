// Internal to ink_http: the threads that run inkd's request handlers, with two budgets so that
// long-lived requests never take the capacity a new client needs.
//
// A job starts "short" and counts against max_short (jobs beyond it wait in a bounded FIFO).
// It turns "long" when it says so (BecomeLong: the handler started a stream) or when it has run
// for long_after (Promote, called periodically: a get_deployment {wait}, a log follow that has
// not written yet); a long job counts against max_long instead and frees its short slot for the
// next queued job. A job that would turn long while max_long are long stays short. So at most
// max_short + max_long handlers run, and long-lived ones can never hold more than max_long.
//
// Threads are made on demand and reused; one idle for idle_exit exits (min_threads stay).
// Thread contract: every method may be called from any thread; a task runs on a pool thread and
// must not call Stop.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>

namespace ink::http::internal {

class WorkerPool {
 public:
  using SteadyClock = std::chrono::steady_clock;

  struct Limits {
    int max_short = 128;
    int max_long = 1024;
    std::chrono::milliseconds long_after{500};
    size_t max_queued = 1024;
    int min_threads = 2;
    std::chrono::milliseconds idle_exit{30000};
  };

  // A running job, as its task sees it.
  class Job {
   public:
    // Moves this job to the long-lived budget; false (it stays short) if that budget is full.
    bool BecomeLong();
    // How long the job waited in the queue before it started.
    SteadyClock::duration waited() const { return started_ - queued_; }

   private:
    friend class WorkerPool;
    WorkerPool* pool_ = nullptr;
    std::function<void(Job&)> task_;
    SteadyClock::time_point queued_, started_;
    bool long_ = false;  // guarded by pool_->mu_
  };

  explicit WorkerPool(Limits limits);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a task; false (the task is dropped) if the queue is full or the pool stopped.
  bool Submit(std::function<void(Job&)> task);
  // Turns short jobs that started before now - long_after into long ones.
  void Promote(SteadyClock::time_point now);
  // Drops queued tasks, then waits for running ones to return and for every thread to exit.
  void Stop();

  struct Counts {
    int short_running = 0, long_running = 0, threads = 0;
    size_t queued = 0;
  };
  Counts counts() const;

 private:
  bool MakeLongLocked(Job& job);
  void SpawnIfNeededLocked();
  void ThreadMain();

  const Limits limits_;
  mutable std::mutex mu_;  // guards everything below
  std::condition_variable work_;
  std::condition_variable exited_;
  std::deque<std::unique_ptr<Job>> queue_;
  std::set<Job*> short_jobs_;  // running short jobs, for Promote
  int short_running_ = 0, long_running_ = 0;
  int threads_ = 0, idle_ = 0, wakeups_ = 0;  // wakeups_: notified idle threads not yet awake
  int starting_ = 0;                          // threads spawned that have not yet looked
  bool stopping_ = false;
};

}  // namespace ink::http::internal
