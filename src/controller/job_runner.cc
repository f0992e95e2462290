#include "job_runner.h"

namespace ink::controller_internal {

JobRunner::JobRunner(int workers, std::function<void()> on_done)
    : workers_(workers), on_done_(std::move(on_done)) {}

JobRunner::~JobRunner() { Stop(); }

void JobRunner::Start() {
  std::lock_guard lock(mu_);
  if (!threads_.empty() || stopping_) return;
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] { Work(); });
}

void JobRunner::Stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (const auto& job : queue_) busy_.erase(job.key);
    queue_.clear();
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (auto& t : threads) t.join();
}

bool JobRunner::Post(const std::string& key, std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || busy_.count(key)) return false;
    busy_.insert(key);
    queue_.push_back({key, std::move(job)});
  }
  cv_.notify_one();
  return true;
}

bool JobRunner::Busy(const std::string& key) const {
  std::lock_guard lock(mu_);
  return busy_.count(key) > 0;
}

size_t JobRunner::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void JobRunner::Work() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    job.run();
    lock.lock();
    busy_.erase(job.key);
    if (on_done_) {
      lock.unlock();
      on_done_();
      lock.lock();
    }
  }
}

}  // namespace ink::controller_internal
