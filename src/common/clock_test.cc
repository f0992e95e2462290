// The fake clock's time moves only on Advance and runs timers on the way; WaitUntil and
// SleepUntil end when the (fake or real) time passes their deadline.
#include "ink/common/clock.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "ink/common/fake_clock.h"

namespace ink {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(FakeClock, TimeMovesOnlyWhenAdvanced) {
  FakeClock clock(1000);
  EXPECT_EQ(clock.NowMillis(), 1000);
  auto start = clock.Steady();
  clock.Advance(seconds(3));
  EXPECT_EQ(clock.Steady() - start, seconds(3));
  EXPECT_EQ(clock.NowMillis(), 4000);
  clock.SetWallMillis(50);
  EXPECT_EQ(clock.NowMillis(), 50);
  EXPECT_EQ(clock.Steady() - start, seconds(3));  // the monotonic time is untouched
}

TEST(FakeClock, AdvanceRunsDueTimersInOrderAtTheirOwnTime) {
  FakeClock clock;
  auto t0 = clock.Steady();
  std::vector<std::pair<int, Clock::TimePoint>> ran;
  clock.RunAt(t0 + seconds(2), [&] { ran.push_back({2, clock.Steady()}); });
  clock.RunAt(t0 + seconds(1), [&] { ran.push_back({1, clock.Steady()}); });
  clock.RunAt(t0 + seconds(9), [&] { ran.push_back({9, clock.Steady()}); });
  EXPECT_EQ(clock.PendingTimers(), 3u);
  clock.Advance(seconds(5));
  ASSERT_EQ(ran.size(), 2u);
  EXPECT_EQ(ran[0], std::make_pair(1, t0 + seconds(1)));
  EXPECT_EQ(ran[1], std::make_pair(2, t0 + seconds(2)));
  EXPECT_EQ(clock.Steady(), t0 + seconds(5));
  EXPECT_TRUE(clock.AdvanceToNextTimer());
  EXPECT_EQ(ran.back(), std::make_pair(9, t0 + seconds(9)));
  EXPECT_FALSE(clock.AdvanceToNextTimer());
}

TEST(FakeClock, ATimerSetByATimerForAnEarlierTimeRunsInTheSameAdvance) {
  FakeClock clock;
  auto t0 = clock.Steady();
  int ran = 0;
  clock.RunAt(t0 + seconds(1), [&] { clock.RunAt(t0 + seconds(2), [&] { ++ran; }); });
  clock.Advance(seconds(3));
  EXPECT_EQ(ran, 1);
}

TEST(FakeClock, CancelledTimersNeverRun) {
  FakeClock clock;
  bool ran = false;
  auto id = clock.RunAt(clock.Steady() + seconds(1), [&] { ran = true; });
  EXPECT_TRUE(clock.Cancel(id));
  EXPECT_FALSE(clock.Cancel(id));
  clock.Advance(seconds(2));
  EXPECT_FALSE(ran);
  EXPECT_EQ(clock.PendingTimers(), 0u);
}

// 0 is never a timer: cancelling it returns at once, on an idle clock too (it used to wait for
// the next timer to start running, forever when none was set).
TEST(FakeClock, CancellingTimerZeroReturnsAtOnce) {
  FakeClock clock;
  EXPECT_FALSE(clock.Cancel(0));
  bool ran = false;
  clock.RunAt(clock.Steady() + seconds(1), [&] { ran = true; });
  EXPECT_FALSE(clock.Cancel(0));
  clock.Advance(seconds(1));
  EXPECT_TRUE(ran);
  EXPECT_FALSE(SystemClock().Cancel(0));
}

TEST(FakeClock, SleepUntilEndsWhenTheTimeIsAdvancedPastIt) {
  FakeClock clock;
  auto deadline = clock.Steady() + seconds(10);
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    clock.SleepUntil(deadline);
    woke = true;
  });
  clock.WaitForTimers(1);  // the sleeper is waiting
  clock.Advance(seconds(9));
  EXPECT_FALSE(woke.load());
  EXPECT_EQ(clock.PendingTimers(), 1u);
  clock.Advance(seconds(1));
  sleeper.join();
  EXPECT_TRUE(woke.load());
}

TEST(WaitUntil, ThePredicateEndsTheWaitAndCancelsTheTimer) {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  bool ready = false;
  std::thread waker([&] {
    clock.WaitForTimers(1);
    std::lock_guard lock(mu);
    ready = true;
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  EXPECT_TRUE(WaitUntil(clock, lock, cv, clock.Steady() + seconds(60), [&] { return ready; }));
  lock.unlock();
  waker.join();
  EXPECT_EQ(clock.PendingTimers(), 0u);
}

TEST(WaitUntil, TheDeadlineEndsTheWaitWithThePredicateFalse) {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  std::thread advancer([&] {
    clock.WaitForTimers(1);
    clock.Advance(seconds(60));
  });
  std::unique_lock lock(mu);
  EXPECT_FALSE(WaitUntil(clock, lock, cv, clock.Steady() + seconds(60), [] { return false; }));
  lock.unlock();
  advancer.join();
}

TEST(WaitUntil, APassedDeadlineDoesNotWait) {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock lock(mu);
  EXPECT_FALSE(WaitUntil(clock, lock, cv, clock.Steady(), [] { return false; }));
  EXPECT_EQ(clock.PendingTimers(), 0u);
}

TEST(SystemClock, TimersRunAndWaitsEnd) {
  Clock& clock = SystemClock();
  std::mutex mu;
  std::condition_variable cv;
  bool ran = false;
  clock.RunAt(clock.Steady(), [&] {
    std::lock_guard lock(mu);
    ran = true;
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return ran; });
  // A deadline in the past-soon ends a wait whose predicate never holds.
  EXPECT_FALSE(WaitUntil(clock, lock, cv, clock.Steady() + milliseconds(5), [] { return false; }));
  auto cancelled = clock.RunAt(clock.Steady() + seconds(3600), [] {});
  EXPECT_TRUE(clock.Cancel(cancelled));
}

}  // namespace
}  // namespace ink
