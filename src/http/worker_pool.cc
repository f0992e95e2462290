#include "src/http/worker_pool.h"

#include <thread>

namespace ink::http::internal {

WorkerPool::WorkerPool(Limits limits) : limits_(limits) {}

WorkerPool::~WorkerPool() { Stop(); }

bool WorkerPool::Submit(std::function<void(Job&)> task) {
  std::lock_guard lock(mu_);
  if (stopping_ || queue_.size() >= limits_.max_queued) return false;
  auto job = std::make_unique<Job>();
  job->pool_ = this;
  job->task_ = std::move(task);
  job->queued_ = SteadyClock::now();
  queue_.push_back(std::move(job));
  SpawnIfNeededLocked();
  return true;
}

bool WorkerPool::Job::BecomeLong() {
  std::lock_guard lock(pool_->mu_);
  return pool_->MakeLongLocked(*this);
}

bool WorkerPool::MakeLongLocked(Job& job) {
  if (job.long_) return true;
  if (long_running_ >= limits_.max_long) return false;
  job.long_ = true;
  short_jobs_.erase(&job);
  --short_running_;
  ++long_running_;
  SpawnIfNeededLocked();
  return true;
}

void WorkerPool::Promote(SteadyClock::time_point now) {
  std::lock_guard lock(mu_);
  for (auto it = short_jobs_.begin(); it != short_jobs_.end();) {
    Job* job = *it++;  // MakeLongLocked erases it
    if (now - job->started_ >= limits_.long_after) MakeLongLocked(*job);
  }
}

// Makes sure every job that may start now has a thread to run it. Threads already on their way to
// the queue (spawned, or woken and not yet awake) take jobs too: counting them keeps a burst of N
// requests from spawning N*(N+1)/2 threads (500 get_deployment waiters made ~5,000 threads, most of
// which found the queue empty).
void WorkerPool::SpawnIfNeededLocked() {
  int startable = std::min<int>(static_cast<int>(queue_.size()),
                                std::max(0, limits_.max_short - short_running_)) -
                  starting_ - wakeups_;
  int sleeping = idle_ - wakeups_;
  for (; startable > 0 && sleeping > 0; --startable, --sleeping) {
    ++wakeups_;
    work_.notify_one();
  }
  for (; startable > 0; --startable) {
    ++threads_;
    ++starting_;
    std::thread([this] { ThreadMain(); }).detach();
  }
}

void WorkerPool::ThreadMain() {
  std::unique_lock lock(mu_);
  --starting_;
  while (true) {
    if (!stopping_ && !queue_.empty() && short_running_ < limits_.max_short) {
      std::unique_ptr<Job> job = std::move(queue_.front());
      queue_.pop_front();
      job->started_ = SteadyClock::now();
      ++short_running_;
      short_jobs_.insert(job.get());
      lock.unlock();
      job->task_(*job);
      job->task_ = nullptr;  // releases what the task holds before the slot is given back
      lock.lock();
      if (job->long_) {
        --long_running_;
      } else {
        --short_running_;
        short_jobs_.erase(job.get());
      }
      continue;  // this thread takes the next job itself
    }
    if (stopping_) break;
    ++idle_;
    bool woke =
        work_.wait_for(lock, limits_.idle_exit, [this] { return wakeups_ > 0 || stopping_; });
    --idle_;
    if (woke && wakeups_ > 0) --wakeups_;
    if (!woke && threads_ > limits_.min_threads && queue_.empty()) break;
  }
  --threads_;
  exited_.notify_all();
}

void WorkerPool::Stop() {
  std::deque<std::unique_ptr<Job>> dropped;
  std::unique_lock lock(mu_);
  stopping_ = true;
  dropped.swap(queue_);
  work_.notify_all();
  exited_.wait(lock, [this] { return threads_ == 0; });
  lock.unlock();
  dropped.clear();  // destroys the tasks (and what they hold) outside the lock
}

WorkerPool::Counts WorkerPool::counts() const {
  std::lock_guard lock(mu_);
  return {short_running_, long_running_, threads_, queue_.size()};
}

}  // namespace ink::http::internal
