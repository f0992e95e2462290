// Clock: the source of time, injected so controllers and tests can use a fake one.
// Thread-safe implementations only.
#pragma once

#include <chrono>
#include <cstdint>

namespace ink {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in milliseconds since the Unix epoch (stored in the database).
  virtual int64_t NowMillis() const = 0;
  // Monotonic time for timeouts and backoff.
  virtual std::chrono::steady_clock::time_point Steady() const = 0;
};

// The real clock.
Clock& SystemClock();

}  // namespace ink
