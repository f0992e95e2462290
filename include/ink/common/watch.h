// Watch: how a writer tells waiters that something changed, so that nobody polls.
//
// Writers call Notify(key) after a change is committed (the store for every write of a
// deployment or service, the build log for every line). A waiter subscribes to the keys it
// cares about *before* it reads the state, reads, and then waits on the subscription: a change
// made after Subscribe is never missed, and a waiter wakes only for its own keys (no herd of
// 500 threads per write). Like the controllers, waiters are level-triggered: a wake-up says
// "look again", it carries no data, and a spurious one is harmless.
//
// Keys are short strings naming an object, e.g. DeploymentKey(id); they cost nothing until
// somebody subscribes. Memory is bounded by the live subscriptions.
//
// Thread contract: every method may be called from any thread. A Subscription is used by one
// thread at a time and must not outlive its Watch; Notify never blocks on a waiter.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/clock.h"

namespace ink {

class Watch {
 public:
  class Subscription {
   public:
    ~Subscription();
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    // Adds a key (e.g. the deployment's service once it is known).
    void Add(const std::string& key);
    // True (and re-armed) if a key changed since the subscription was made or since the last
    // Wait that returned true.
    bool Changed();
    // Blocks until Changed() would be true (returns true) or `deadline` on the watch's clock
    // passes (false).
    bool Wait(Clock::TimePoint deadline);
    // Wakes this subscription as a change of one of its keys would (e.g. its caller cancelled).
    // Any thread; never blocks on the waiter.
    void Wake();

   private:
    friend class Watch;
    Subscription(Watch& watch, std::vector<std::string> keys);
    Watch& watch_;
    std::vector<std::string> keys_;  // guarded by watch_.mu_ while registered
    bool changed_ = false;           // guarded by watch_.mu_
    std::condition_variable cv_;
  };

  explicit Watch(Clock& clock);
  ~Watch();

  // Starts watching `keys` (more may be added later).
  std::unique_ptr<Subscription> Subscribe(std::vector<std::string> keys);
  // Wakes every subscription to `key`.
  void Notify(std::string_view key);
  // Notifications sent since the start (for tests and stats).
  uint64_t notifications() const;
  Clock& clock() const { return clock_; }

 private:
  Clock& clock_;
  mutable std::mutex mu_;  // guards the map and every subscription's keys and flag
  std::multimap<std::string, Subscription*, std::less<>> subscribers_;
  uint64_t notifications_ = 0;
};

// The keys the store notifies (ink/store/store.h): one per deployment and per service.
std::string DeploymentKey(std::string_view deployment_id);
std::string ServiceKey(std::string_view service_id);
// What the controller observed of a service's replicas (it notifies after every reconcile
// pass, for each service it saw containers of).
std::string ReplicasKey(std::string_view service_id);
// A deployment's build log (the build pipeline notifies it for every line it writes).
std::string BuildLogKey(std::string_view deployment_id);
// A service's runtime log (the log collector notifies it after every batch it stores).
std::string RuntimeLogKey(std::string_view service_id);

}  // namespace ink
