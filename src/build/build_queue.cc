#include "src/build/build_queue.h"

#include <algorithm>
#include <chrono>

namespace ink::build {

bool BuildQueue::Acquire(const std::function<void(int position)>& position,
                         const std::function<bool()>& should_stop) {
  std::unique_lock lock(mu_);
  uint64_t ticket = next_ticket_++;
  waiters_.push_back(ticket);
  int reported = 0;
  while (true) {
    auto it = std::find(waiters_.begin(), waiters_.end(), ticket);
    int place = static_cast<int>(it - waiters_.begin()) + 1;
    if (place == 1 && running_ < concurrency_) {
      waiters_.pop_front();
      ++running_;
      cv_.notify_all();  // the next in line moved up
      return true;
    }
    if (place != reported && position) {
      reported = place;
      lock.unlock();
      position(place);
      lock.lock();
      continue;
    }
    if (should_stop && should_stop()) {
      waiters_.erase(std::find(waiters_.begin(), waiters_.end(), ticket));
      cv_.notify_all();
      return false;
    }
    cv_.wait_for(lock, std::chrono::milliseconds(500));
  }
}

void BuildQueue::Release() {
  std::lock_guard lock(mu_);
  --running_;
  cv_.notify_all();
}

int BuildQueue::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

int BuildQueue::waiting() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(waiters_.size());
}

}  // namespace ink::build
