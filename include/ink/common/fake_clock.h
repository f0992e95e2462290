// FakeClock: a Clock for unit tests whose time moves only when the test says so.
//
// Advance() moves both the wall and the monotonic time forward and runs, on the calling thread
// and in deadline order, every timer that falls due on the way (each sees Steady() equal to its
// deadline). A thread blocked in SleepUntil, or in WaitUntil (ink/common/clock.h) on a deadline,
// wakes when Advance passes it. WaitForTimers lets a test wait (in real time, without a limit:
// a test that hangs is a failure ctest reports) until the code under test has set the timers it
// is expected to set, e.g. until a controller thread is sleeping, before it advances the time.
//
// Thread contract: every method may be called from any thread; Advance from one at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "ink/common/clock.h"

namespace ink {

namespace internal {
class TimerQueue;
}

class FakeClock : public Clock {
 public:
  // Starts at `wall_millis` since the epoch and a monotonic time of `wall_millis`.
  explicit FakeClock(int64_t wall_millis = 1'700'000'000'000);
  ~FakeClock() override;

  int64_t NowMillis() const override;
  TimePoint Steady() const override;
  void SleepUntil(TimePoint deadline) override;
  TimerId RunAt(TimePoint deadline, std::function<void()> callback) override;
  bool Cancel(TimerId id) override;

  // Moves the time forward by `d`, running the timers that fall due.
  void Advance(std::chrono::nanoseconds d);
  // Moves the time to the earliest pending timer and runs it (and any others due then); false
  // if no timer is pending.
  bool AdvanceToNextTimer();
  // Sets the wall time alone (the monotonic time never goes back).
  void SetWallMillis(int64_t millis);
  // Timers set and not yet run or cancelled.
  size_t PendingTimers() const;
  // Blocks until at least `count` timers are pending.
  void WaitForTimers(size_t count) const;

 private:
  void MoveTo(TimePoint t);  // never backwards

  std::unique_ptr<internal::TimerQueue> timers_;
  std::atomic<TimePoint::rep> steady_;  // Steady(), as ticks since its epoch
  std::atomic<int64_t> wall_offset_;    // NowMillis() minus Steady() in ms
};

}  // namespace ink
