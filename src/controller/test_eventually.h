// Test helper for the controller's unit tests: waits in real time, bounded, for a condition that
// the controller's own threads (loop, workers, probers) make true.
#pragma once

#include <chrono>
#include <thread>

namespace ink::controller_test {

// True once `pred` holds (checked every millisecond, up to ten seconds).
template <typename Pred>
bool Eventually(Pred pred) {
  for (int i = 0; i < 10'000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return pred();
}

}  // namespace ink::controller_test
