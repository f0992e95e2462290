#include "src/build/build_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace ink::build {
namespace {

TEST(BuildQueue, RunsAtMostNAtOnceAndReportsPositions) {
  BuildQueue queue(2);
  std::atomic<int> running{0}, peak{0};
  std::mutex mu;
  std::vector<int> positions;
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      bool ok = queue.Acquire(
          [&](int p) {
            std::lock_guard lock(mu);
            positions.push_back(p);
          },
          [] { return false; });
      ASSERT_TRUE(ok);
      int now = ++running;
      int seen = peak.load();
      while (now > seen && !peak.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      --running;
      queue.Release();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(peak.load(), 2);
  EXPECT_FALSE(positions.empty());  // some had to wait and were told where they stood
  for (int p : positions) EXPECT_GE(p, 1);
  EXPECT_EQ(queue.running(), 0);
  EXPECT_EQ(queue.waiting(), 0);
}

TEST(BuildQueue, AWaiterGivesUpWhenStopping) {
  BuildQueue queue(1);
  ASSERT_TRUE(queue.Acquire(nullptr, nullptr));
  std::atomic<bool> stop{false};
  std::thread waiter([&] {
    int last = 0;
    EXPECT_FALSE(queue.Acquire([&](int p) { last = p; }, [&] { return stop.load(); }));
    EXPECT_EQ(last, 1);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stop = true;
  waiter.join();
  EXPECT_EQ(queue.waiting(), 0);
  queue.Release();
  EXPECT_TRUE(queue.Acquire(nullptr, nullptr));  // the slot is free again
  queue.Release();
}

}  // namespace
}  // namespace ink::build
