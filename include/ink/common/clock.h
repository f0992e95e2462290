// Clock: the source of time, injected so that controllers, waits and tests never reach for the
// system clock themselves. It tells the time (wall and monotonic), sleeps and runs timers; the
// FakeClock (ink/common/fake_clock.h) does all three in a time that only moves when a test
// advances it, so logic with deadlines and backoff is tested without waiting.
//
// Timers are how a waiting thread learns that a deadline passed: a wait on a condition variable
// sets a timer whose callback (the clock's timer thread, or FakeClock::Advance in tests) notifies
// it, so the same code waits for the real and the fake time (see Deadline below).
//
// Thread contract: every method may be called from any thread. Timer callbacks run one at a time
// on one thread that belongs to the clock: they must be short (notify, post) and must not block
// on another timer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

namespace ink {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using TimerId = uint64_t;  // 0 is never a timer

  virtual ~Clock() = default;
  // Wall-clock time in milliseconds since the Unix epoch (stored in the database).
  virtual int64_t NowMillis() const = 0;
  // Monotonic time for timeouts and backoff.
  virtual TimePoint Steady() const = 0;
  // Blocks the calling thread until Steady() >= `deadline`.
  virtual void SleepUntil(TimePoint deadline) = 0;
  // Calls `callback` once, at `deadline` or soon after (at once if it has passed), on the
  // clock's timer thread. Returns an id for Cancel.
  virtual TimerId RunAt(TimePoint deadline, std::function<void()> callback) = 0;
  // Stops a timer: true if its callback had not started (it never will). If the callback is
  // running on another thread, waits until it returns (so what it uses may then be destroyed);
  // called from a timer callback, it does not wait.
  virtual bool Cancel(TimerId id) = 0;

  void SleepFor(std::chrono::nanoseconds d) { SleepUntil(Steady() + d); }
};

// The real clock (a timer thread starts with the first RunAt and lives as long as the program).
Clock& SystemClock();

// Waits on a condition variable until a predicate holds or a deadline on `clock` passes, with a
// timer to wake the wait at the deadline, so a fake clock's Advance ends it as the real time
// would. Returns the predicate's value. `lock` holds the mutex `cv` is used with (the timer's
// callback takes it to notify). Not for timer callbacks (they must not block).
template <typename Predicate>
bool WaitUntil(Clock& clock, std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
               Clock::TimePoint deadline, Predicate pred) {
  if (pred()) return true;
  if (clock.Steady() >= deadline) return false;
  bool fired = false;  // guarded by the caller's mutex
  std::mutex* mu = lock.mutex();
  Clock::TimerId timer = clock.RunAt(deadline, [mu, &cv, &fired] {
    std::lock_guard guard(*mu);
    fired = true;
    cv.notify_all();
  });
  cv.wait(lock, [&] { return fired || pred(); });
  bool result = pred();
  if (!fired) {
    // Cancel waits for a callback that already started, which needs the mutex.
    lock.unlock();
    clock.Cancel(timer);
    lock.lock();
  }
  return result;
}

}  // namespace ink
