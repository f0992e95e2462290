// BuildQueue: at most N builds run at once; the others wait in arrival order.
//
// A waiting build learns its position ("queued (position 2)") through a callback whenever it
// changes, and gives up when its should_stop says so (inkd stopping). Internal to ink_build;
// thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

namespace ink::build {

class BuildQueue {
 public:
  explicit BuildQueue(int concurrency) : concurrency_(concurrency < 1 ? 1 : concurrency) {}

  // Blocks until a slot is free. `position` gets 1 for the next in line, 2 behind it, ...
  // (only when it changes, and not at all if a slot is free at once). False if should_stop
  // turned true while waiting (no slot is held then).
  bool Acquire(const std::function<void(int position)>& position,
               const std::function<bool()>& should_stop);
  // Frees the slot taken by a successful Acquire.
  void Release();

  int running() const;
  int waiting() const;

 private:
  const int concurrency_;
  mutable std::mutex mu_;  // guards running_, waiters_, next_ticket_
  std::condition_variable cv_;
  int running_ = 0;
  std::deque<uint64_t> waiters_;  // tickets in arrival order
  uint64_t next_ticket_ = 0;
};

}  // namespace ink::build
