#include "src/http/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

namespace ink::http::internal {
namespace {

using namespace std::chrono_literals;

// A gate tasks wait at until the test opens it.
struct Gate {
  std::promise<void> open;
  std::shared_future<void> opened = open.get_future().share();
};

template <typename F>
bool Eventually(F f) {
  for (int i = 0; i < 500; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return f();
}

TEST(WorkerPool, AtMostMaxShortRunAndTheRestQueue) {
  WorkerPool pool({.max_short = 2, .max_long = 4, .long_after = 1h});
  Gate gate;
  std::atomic<int> done{0};
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(pool.Submit([&](WorkerPool::Job&) {
      gate.opened.wait();
      ++done;
    }));
  }
  ASSERT_TRUE(Eventually([&] { return pool.counts().short_running == 2; }));
  EXPECT_EQ(pool.counts().queued, 3u);
  gate.open.set_value();
  ASSERT_TRUE(Eventually([&] { return done == 5; }));
}

TEST(WorkerPool, AStreamingJobFreesItsShortSlot) {
  WorkerPool pool({.max_short = 1, .max_long = 1, .long_after = 1h});
  Gate gate;
  ASSERT_TRUE(pool.Submit([&](WorkerPool::Job& job) {
    job.BecomeLong();
    gate.opened.wait();
  }));
  std::promise<void> quick;
  ASSERT_TRUE(pool.Submit([&](WorkerPool::Job&) { quick.set_value(); }));
  EXPECT_EQ(quick.get_future().wait_for(5s), std::future_status::ready);
  // The long budget is full: a second streaming job stays short and holds the only short slot.
  Gate second;
  ASSERT_TRUE(pool.Submit([&](WorkerPool::Job& job) {
    job.BecomeLong();
    second.opened.wait();
  }));
  ASSERT_TRUE(Eventually([&] { return pool.counts().short_running == 1; }));
  EXPECT_EQ(pool.counts().long_running, 1);
  gate.open.set_value();
  second.open.set_value();
  pool.Stop();  // the jobs still read the gates, which are destroyed before the pool
}

TEST(WorkerPool, PromoteMovesJobsRunningPastTheThreshold) {
  WorkerPool pool({.max_short = 1, .max_long = 8, .long_after = 10s});
  Gate gate;
  ASSERT_TRUE(pool.Submit([&](WorkerPool::Job&) { gate.opened.wait(); }));  // a slow "wait"
  std::promise<void> quick;
  ASSERT_TRUE(pool.Submit([&](WorkerPool::Job&) { quick.set_value(); }));
  auto future = quick.get_future();
  EXPECT_EQ(future.wait_for(100ms), std::future_status::timeout);  // queued behind it
  pool.Promote(std::chrono::steady_clock::now());                  // too early: nothing moves
  EXPECT_EQ(pool.counts().long_running, 0);
  pool.Promote(std::chrono::steady_clock::now() + 11s);
  EXPECT_EQ(future.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(pool.counts().long_running, 1);
  gate.open.set_value();
  ASSERT_TRUE(Eventually([&] { return pool.counts().long_running == 0; }));
}

TEST(WorkerPool, ABurstOfLongJobsSpawnsAboutOneThreadEach) {
  // 300 requests that turn long at once (get_deployment waiters): every Submit used to spawn a
  // thread for every queued job again, ignoring the threads already on their way.
  WorkerPool pool({.max_short = 128, .max_long = 1024, .long_after = 1h});
  Gate gate;
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(pool.Submit([&](WorkerPool::Job& job) {
      job.BecomeLong();
      gate.opened.wait();
    }));
  }
  ASSERT_TRUE(Eventually([&] { return pool.counts().long_running == 300; }));
  EXPECT_LE(pool.counts().threads, 300 + 2);
  gate.open.set_value();
  ASSERT_TRUE(Eventually([&] { return pool.counts().long_running == 0; }));
}

TEST(WorkerPool, AFullQueueRefusesAndStopDropsQueuedTasks) {
  WorkerPool pool({.max_short = 1, .max_long = 1, .long_after = 1h, .max_queued = 1});
  Gate gate;
  ASSERT_TRUE(pool.Submit([&](WorkerPool::Job&) { gate.opened.wait(); }));
  ASSERT_TRUE(Eventually([&] { return pool.counts().short_running == 1; }));
  std::atomic<bool> ran{false};
  auto held = std::make_shared<int>(1);
  ASSERT_TRUE(pool.Submit([&, held](WorkerPool::Job&) { ran = true; }));
  EXPECT_FALSE(pool.Submit([](WorkerPool::Job&) {}));
  std::thread opener([&] {
    std::this_thread::sleep_for(50ms);
    gate.open.set_value();
  });
  pool.Stop();
  opener.join();
  EXPECT_FALSE(ran);
  EXPECT_EQ(held.use_count(), 1);  // the dropped task released what it held
  EXPECT_FALSE(pool.Submit([](WorkerPool::Job&) {}));
}

}  // namespace
}  // namespace ink::http::internal
