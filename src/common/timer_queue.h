// Internal to ink_common: the pending timers of a Clock (the real one's timer thread and the
// FakeClock's Advance both run them from here).
//
// Thread contract: every method may be called from any thread; one thread at a time runs due
// timers (RunDue). Cancel waits for a callback running on another thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "ink/common/clock.h"

namespace ink::internal {

class TimerQueue {
 public:
  using TimePoint = Clock::TimePoint;

  Clock::TimerId Add(TimePoint deadline, std::function<void()> callback) {
    std::lock_guard lock(mu_);
    Clock::TimerId id = ++last_id_;
    timers_.emplace(std::make_pair(deadline, id), std::move(callback));
    ++changes_;
    changed_.notify_all();
    return id;
  }

  bool Cancel(Clock::TimerId id) {
    // 0 is never a timer, and also what running_ holds while no callback runs: without this,
    // Cancel(0) waited for the next timer to start (forever on an idle queue).
    if (id == 0) return false;
    std::unique_lock lock(mu_);
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
      if (it->first.second == id) {
        timers_.erase(it);
        ++changes_;
        changed_.notify_all();
        return true;
      }
    }
    if (running_ == id && runner_ != std::this_thread::get_id()) {
      changed_.wait(lock, [&] { return running_ != id; });
    }
    return false;
  }

  // Runs the earliest timer due at or before `now`; false if none is. `on_start(deadline)` is
  // called (under the queue's lock) just before the callback, e.g. to set a fake time.
  bool RunOneDue(TimePoint now, const std::function<void(TimePoint)>& on_start = {}) {
    std::unique_lock lock(mu_);
    if (timers_.empty() || timers_.begin()->first.first > now) return false;
    auto node = timers_.extract(timers_.begin());
    if (on_start) on_start(node.key().first);
    running_ = node.key().second;
    runner_ = std::this_thread::get_id();
    ++changes_;
    lock.unlock();
    node.mapped()();
    lock.lock();
    running_ = 0;
    runner_ = {};
    changed_.notify_all();
    return true;
  }

  std::optional<TimePoint> Earliest() const {
    std::lock_guard lock(mu_);
    if (timers_.empty()) return std::nullopt;
    return timers_.begin()->first.first;
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return timers_.size();
  }

  // For the real clock's thread: blocks until the earliest timer is due in real time, the timers
  // change, or Poke().
  void WaitForWork() const {
    std::unique_lock lock(mu_);
    uint64_t seen = changes_;
    auto changed = [&] { return changes_ != seen; };
    if (timers_.empty()) {
      changed_.wait(lock, changed);
    } else {
      // A copy: wait_until reads its deadline again after every wake-up, and a Cancel (which
      // runs while the wait has released the lock) may erase the timer whose key it is (ASan:
      // heap-use-after-free in SystemClock.TimersRunAndWaitsEnd under build-san).
      const TimePoint deadline = timers_.begin()->first.first;
      changed_.wait_until(lock, deadline, changed);
    }
  }

  // Blocks until at least `count` timers are pending (tests).
  void WaitForSize(size_t count) const {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return timers_.size() >= count; });
  }

  // Wakes every WaitForWork (e.g. to stop the timer thread).
  void Poke() {
    std::lock_guard lock(mu_);
    ++changes_;
    changed_.notify_all();
  }

  // Runs `fn` under the queue's lock (for state that changes together with the timers).
  template <typename Fn>
  auto Locked(Fn fn) const {
    std::lock_guard lock(mu_);
    return fn();
  }

 private:
  mutable std::mutex mu_;  // guards everything below
  mutable std::condition_variable changed_;
  std::map<std::pair<TimePoint, Clock::TimerId>, std::function<void()>> timers_;
  Clock::TimerId last_id_ = 0;
  Clock::TimerId running_ = 0;
  std::thread::id runner_;
  uint64_t changes_ = 0;
};

}  // namespace ink::internal
