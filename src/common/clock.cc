#include "ink/common/clock.h"

#include <atomic>
#include <thread>

#include "ink/common/fake_clock.h"
#include "src/common/timer_queue.h"

namespace ink {
namespace {

// The system's clocks, and one timer thread (started on the first RunAt, never stopped: the
// clock lives as long as the program).
class RealClock : public Clock {
 public:
  int64_t NowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  TimePoint Steady() const override { return std::chrono::steady_clock::now(); }
  void SleepUntil(TimePoint deadline) override { std::this_thread::sleep_until(deadline); }

  TimerId RunAt(TimePoint deadline, std::function<void()> callback) override {
    std::call_once(started_, [this] { std::thread([this] { TimerThread(); }).detach(); });
    return timers_.Add(deadline, std::move(callback));
  }
  bool Cancel(TimerId id) override { return timers_.Cancel(id); }

 private:
  void TimerThread() {
    while (true) {
      while (timers_.RunOneDue(std::chrono::steady_clock::now())) {
      }
      timers_.WaitForWork();
    }
  }

  std::once_flag started_;
  internal::TimerQueue timers_;
};

}  // namespace

Clock& SystemClock() {
  static RealClock* clock = new RealClock();  // never destroyed: its thread outlives main()
  return *clock;
}

FakeClock::FakeClock(int64_t wall_millis)
    : timers_(std::make_unique<internal::TimerQueue>()),
      steady_(TimePoint(std::chrono::milliseconds(wall_millis)).time_since_epoch().count()),
      wall_offset_(0) {}

FakeClock::~FakeClock() = default;

int64_t FakeClock::NowMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Steady().time_since_epoch())
             .count() +
         wall_offset_.load();
}

Clock::TimePoint FakeClock::Steady() const {
  return TimePoint(TimePoint::duration(steady_.load()));
}

void FakeClock::SleepUntil(TimePoint deadline) {
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock lock(mu);
  WaitUntil(*this, lock, cv, deadline, [] { return false; });
}

Clock::TimerId FakeClock::RunAt(TimePoint deadline, std::function<void()> callback) {
  return timers_->Add(deadline, std::move(callback));
}

bool FakeClock::Cancel(TimerId id) { return timers_->Cancel(id); }

void FakeClock::MoveTo(TimePoint t) {
  auto now = steady_.load();
  if (t.time_since_epoch().count() > now) steady_.store(t.time_since_epoch().count());
}

void FakeClock::Advance(std::chrono::nanoseconds d) {
  const TimePoint target = Steady() + std::chrono::duration_cast<TimePoint::duration>(d);
  while (timers_->RunOneDue(target, [this](TimePoint due) { MoveTo(due); })) {
  }
  MoveTo(target);
}

bool FakeClock::AdvanceToNextTimer() {
  auto next = timers_->Earliest();
  if (!next) return false;
  Advance(std::max(*next, Steady()) - Steady());
  return true;
}

void FakeClock::SetWallMillis(int64_t millis) {
  auto steady_millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(Steady().time_since_epoch()).count();
  wall_offset_.store(millis - steady_millis);
}

size_t FakeClock::PendingTimers() const { return timers_->size(); }

void FakeClock::WaitForTimers(size_t count) const { timers_->WaitForSize(count); }

}  // namespace ink
