// Watch: a subscription sees every change of its keys made after it was taken, and nothing
// else; waits end on a change or at their deadline on the (fake) clock.
#include "ink/common/watch.h"

#include <gtest/gtest.h>

#include <thread>

#include "ink/common/fake_clock.h"

namespace ink {
namespace {

using std::chrono::seconds;

TEST(Watch, ASubscriptionSeesChangesOfItsKeysOnly) {
  FakeClock clock;
  Watch watch(clock);
  auto sub = watch.Subscribe({DeploymentKey("dep_1")});
  EXPECT_FALSE(sub->Changed());
  watch.Notify(DeploymentKey("dep_2"));
  watch.Notify(ServiceKey("dep_1"));
  EXPECT_FALSE(sub->Changed());
  watch.Notify(DeploymentKey("dep_1"));
  EXPECT_TRUE(sub->Changed());
  EXPECT_FALSE(sub->Changed());  // re-armed
  sub->Add(ServiceKey("svc_1"));
  sub->Add(ServiceKey("svc_1"));
  watch.Notify(ServiceKey("svc_1"));
  EXPECT_TRUE(sub->Changed());
  EXPECT_EQ(watch.notifications(), 4u);
}

TEST(Watch, AChangeBeforeTheWaitIsNotMissed) {
  FakeClock clock;
  Watch watch(clock);
  auto sub = watch.Subscribe({"k"});
  watch.Notify("k");  // between the subscriber's read and its wait
  EXPECT_TRUE(sub->Wait(clock.Steady() + seconds(600)));
  EXPECT_EQ(clock.PendingTimers(), 0u);
}

TEST(Watch, WaitEndsOnANotifyFromAnotherThread) {
  FakeClock clock;
  Watch watch(clock);
  auto sub = watch.Subscribe({"k"});
  std::thread writer([&] {
    clock.WaitForTimers(1);  // the waiter's deadline timer: it is waiting
    watch.Notify("other");
    watch.Notify("k");
  });
  EXPECT_TRUE(sub->Wait(clock.Steady() + seconds(600)));
  writer.join();
  // Wake (a cancelled caller) ends a wait as a notify does, without one.
  std::thread canceller([&] {
    clock.WaitForTimers(1);
    sub->Wake();
  });
  EXPECT_TRUE(sub->Wait(clock.Steady() + seconds(600)));
  canceller.join();
  EXPECT_EQ(watch.notifications(), 2u);  // the writer's two
  EXPECT_FALSE(sub->Changed());          // re-armed by the wait
}

TEST(Watch, WaitEndsAtTheDeadline) {
  FakeClock clock;
  Watch watch(clock);
  auto sub = watch.Subscribe({"k"});
  std::thread advancer([&] {
    clock.WaitForTimers(1);
    clock.Advance(seconds(30));
  });
  EXPECT_FALSE(sub->Wait(clock.Steady() + seconds(30)));
  advancer.join();
}

TEST(Watch, ManySubscribersOfOneKeyAllWake) {
  FakeClock clock;
  Watch watch(clock);
  std::vector<std::thread> waiters;
  std::atomic<int> woke{0};
  std::vector<std::unique_ptr<Watch::Subscription>> subs;
  for (int i = 0; i < 20; ++i) subs.push_back(watch.Subscribe({"k"}));
  for (int i = 0; i < 20; ++i) {
    waiters.emplace_back([&, i] {
      if (subs[i]->Wait(clock.Steady() + seconds(600))) ++woke;
    });
  }
  clock.WaitForTimers(20);
  watch.Notify("k");
  for (auto& t : waiters) t.join();
  EXPECT_EQ(woke.load(), 20);
  subs.clear();  // unsubscribing leaves nothing behind
  watch.Notify("k");
}

}  // namespace
}  // namespace ink
