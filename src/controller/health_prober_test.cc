// HealthProber: probes run beside each other and never behind another tenant's hanging one;
// each has a deadline on the (fake) clock; one probe per replica at a time; results are reused
// for `interval`.
#include "ink/controller/health_prober.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>

#include "ink/common/fake_clock.h"

namespace ink {
namespace {

using namespace std::chrono_literals;

// Answers at once, except for groups told to hang: their probes block until Release().
class FakeProber : public Prober {
 public:
  bool Probe(const ProbeTarget& target, std::chrono::milliseconds) override {
    std::unique_lock lock(mu_);
    ++calls_[target.address];
    ++in_probe_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !hanging_.count(target.group); });
    --in_probe_;
    return target.port != 0;
  }
  void Hang(const std::string& group) {
    std::lock_guard lock(mu_);
    hanging_.insert(group);
  }
  void Release() {
    std::lock_guard lock(mu_);
    hanging_.clear();
    cv_.notify_all();
  }
  void WaitInProbe(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_probe_ >= n; });
  }
  int calls(const std::string& address) {
    std::lock_guard lock(mu_);
    return calls_[address];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> hanging_;
  std::map<std::string, int> calls_;
  int in_probe_ = 0;
};

class HealthProberTest : public ::testing::Test {
 protected:
  void Make(HealthProberOptions options) {
    prober_ = std::make_unique<HealthProber>(fake_, clock_, options, [this] {
      std::lock_guard lock(mu_);
      ++changes_;
      cv_.notify_all();
    });
    prober_->Start();
  }
  void TearDown() override {
    fake_.Release();
    if (prober_) prober_->Stop();
  }
  // Waits (real time; a hang is a test failure ctest reports) until `key` has a result.
  ProbeResult WaitResult(const std::string& key) {
    std::unique_lock lock(mu_);
    std::optional<ProbeResult> r;
    cv_.wait(lock, [&] { return (r = prober_->Last(key)).has_value(); });
    return *r;
  }
  static ProbeTarget Target(const std::string& group, const std::string& address, int port = 80) {
    return {group, address, port, ProbeTarget::Kind::kConnect, ""};
  }

  FakeClock clock_;
  FakeProber fake_;
  std::unique_ptr<HealthProber> prober_;
  std::mutex mu_;
  std::condition_variable cv_;
  int changes_ = 0;
};

TEST_F(HealthProberTest, HangingServiceDoesNotDelayAnother) {
  // Service "stuck" has five replicas whose probes never return; "ok" has one.
  Make({.workers = 3, .per_group = 2});
  fake_.Hang("stuck");
  for (int i = 0; i < 5; ++i) {
    prober_->Request("stuck/" + std::to_string(i), Target("stuck", "10.0.0." + std::to_string(i)));
  }
  fake_.WaitInProbe(2);  // "stuck" holds its two workers
  prober_->Request("ok/0", Target("ok", "10.0.1.1"));
  // No time passes on the clock: the free worker answers for "ok" while "stuck" hangs.
  ProbeResult r = WaitResult("ok/0");
  EXPECT_TRUE(r.healthy);
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(prober_->Last("stuck/0").has_value());
  EXPECT_EQ(prober_->running(), 2u) << "a group never holds more than per_group workers";
  EXPECT_EQ(prober_->queued(), 3u);
}

TEST_F(HealthProberTest, ProbePastItsDeadlineFailsAndItsWorkerIsReplaced) {
  // Every worker hangs on "stuck": only the deadline frees the pool for "ok".
  Make({.workers = 2, .per_group = 2, .timeout = 1000ms});
  fake_.Hang("stuck");
  prober_->Request("stuck/0", Target("stuck", "10.0.0.1"));
  prober_->Request("stuck/1", Target("stuck", "10.0.0.2"));
  fake_.WaitInProbe(2);
  prober_->Request("ok/0", Target("ok", "10.0.1.1"));
  clock_.WaitForTimers(2);
  EXPECT_FALSE(prober_->Last("ok/0").has_value());
  clock_.Advance(1000ms);  // both deadlines pass
  ProbeResult stuck = WaitResult("stuck/0");
  EXPECT_FALSE(stuck.healthy);
  EXPECT_TRUE(stuck.timed_out);
  EXPECT_TRUE(WaitResult("ok/0").healthy) << "replacement workers probe the others";
  EXPECT_EQ(prober_->replaced(), 2);
  // A stuck replica is probed once at a time, however often the loop asks.
  clock_.Advance(5000ms);
  prober_->Request("stuck/0", Target("stuck", "10.0.0.1"));
  EXPECT_EQ(fake_.calls("10.0.0.1"), 1);
  // When the hang ends, its result is the newest word and the pool shrinks back.
  fake_.Release();
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !prober_->Last("stuck/0")->timed_out; });
  }
  EXPECT_TRUE(prober_->Last("stuck/0")->healthy);
}

TEST_F(HealthProberTest, OneProbePerReplicaAndFreshResultsAreReused) {
  // One failure turns it unhealthy here (the threshold has its own test below).
  Make({.workers = 2,
        .per_group = 2,
        .interval = 1000ms,
        .forget_after = 60'000ms,
        .failure_threshold = 1});
  prober_->Request("a/0", Target("a", "10.0.0.1"));
  WaitResult("a/0");
  prober_->Request("a/0", Target("a", "10.0.0.1"));  // fresher than the interval
  EXPECT_EQ(prober_->queued(), 0u);
  EXPECT_EQ(fake_.calls("10.0.0.1"), 1);
  clock_.Advance(1000ms);
  prober_->Request("a/0", Target("a", "10.0.0.1", 0));  // now unhealthy (port 0)
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !prober_->Last("a/0")->healthy; });
  }
  EXPECT_EQ(fake_.calls("10.0.0.1"), 2);
  // Recorded results count as fresh; forgotten keys are gone.
  prober_->Record("b/0", true);
  EXPECT_TRUE(prober_->Last("b/0")->healthy);
  prober_->Retain({"b/0"});
  EXPECT_TRUE(prober_->Last("a/0").has_value()) << "too fresh to forget";
  clock_.Advance(60'000ms);
  prober_->Retain({"b/0"});
  EXPECT_FALSE(prober_->Last("a/0").has_value());
  EXPECT_TRUE(prober_->Last("b/0").has_value());
}

TEST_F(HealthProberTest, AHealthyReplicaTurnsUnhealthyOnlyAfterThresholdFailuresInARow) {
  Make({.workers = 1, .interval = 1000ms, .failure_threshold = 3});
  auto probe = [&](const char* key, int port) {
    clock_.Advance(1000ms);
    int before = fake_.calls("10.0.0.1") + fake_.calls("10.0.0.2");
    prober_->Request(key, Target("a", key[0] == 'a' ? "10.0.0.1" : "10.0.0.2", port));
    // An unchanged result wakes nobody: wait for the probe to have run and ended.
    for (int i = 0; i < 2500; ++i) {
      if (fake_.calls("10.0.0.1") + fake_.calls("10.0.0.2") > before && prober_->queued() == 0 &&
          prober_->running() == 0) {
        break;
      }
      std::this_thread::sleep_for(2ms);
    }
    return prober_->Last(key);
  };
  ASSERT_TRUE(probe("a/0", 8080)->healthy);
  EXPECT_TRUE(probe("a/0", 0)->healthy) << "one failure";
  auto second = probe("a/0", 0);
  EXPECT_TRUE(second->healthy) << "two failures";
  EXPECT_EQ(second->failures, 2);
  EXPECT_FALSE(probe("a/0", 0)->healthy) << "three in a row";
  EXPECT_TRUE(probe("a/0", 8080)->healthy) << "a success resets the count";
  EXPECT_EQ(prober_->Last("a/0")->failures, 0);
  // A replica never seen healthy is unhealthy from its first failure.
  EXPECT_FALSE(probe("b/0", 0)->healthy);
}

TEST_F(HealthProberTest, StopRightAfterRequestsReturns) {
  // Stop may find a probe whose deadline timer is not set yet; it must not wait for it.
  for (int round = 0; round < 200; ++round) {
    HealthProber prober(fake_, clock_, {.workers = 4}, nullptr);
    prober.Start();
    for (int i = 0; i < 8; ++i) {
      prober.Request("k" + std::to_string(i), Target("g" + std::to_string(i), "10.0.0.1"));
    }
    prober.Stop();
  }
}

TEST_F(HealthProberTest, NetworkProberTellsOpenFromClosedPorts) {
  NetworkProber network(SystemClock());
  // Port 1 on loopback: nothing listens there in a test environment.
  EXPECT_FALSE(network.Probe({"g", "127.0.0.1", 1, ProbeTarget::Kind::kConnect, ""}, 300ms));
  EXPECT_FALSE(network.Probe({"g", "not-an-ip", 80, ProbeTarget::Kind::kConnect, ""}, 300ms));
}

}  // namespace
}  // namespace ink
