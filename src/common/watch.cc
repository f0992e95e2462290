#include "ink/common/watch.h"

namespace ink {

Watch::Watch(Clock& clock) : clock_(clock) {}

Watch::~Watch() = default;

Watch::Subscription::Subscription(Watch& watch, std::vector<std::string> keys)
    : watch_(watch), keys_(std::move(keys)) {
  std::lock_guard lock(watch_.mu_);
  for (const auto& key : keys_) watch_.subscribers_.emplace(key, this);
}

Watch::Subscription::~Subscription() {
  std::lock_guard lock(watch_.mu_);
  for (const auto& key : keys_) {
    auto [first, last] = watch_.subscribers_.equal_range(key);
    for (auto it = first; it != last; ++it) {
      if (it->second == this) {
        watch_.subscribers_.erase(it);
        break;
      }
    }
  }
}

void Watch::Subscription::Add(const std::string& key) {
  std::lock_guard lock(watch_.mu_);
  for (const auto& k : keys_) {
    if (k == key) return;
  }
  keys_.push_back(key);
  watch_.subscribers_.emplace(key, this);
}

bool Watch::Subscription::Changed() {
  std::lock_guard lock(watch_.mu_);
  bool changed = changed_;
  changed_ = false;
  return changed;
}

bool Watch::Subscription::Wait(Clock::TimePoint deadline) {
  std::unique_lock lock(watch_.mu_);
  bool changed = WaitUntil(watch_.clock_, lock, cv_, deadline, [this] { return changed_; });
  changed_ = false;
  return changed;
}

void Watch::Subscription::Wake() {
  std::lock_guard lock(watch_.mu_);
  changed_ = true;
  cv_.notify_all();
}

std::unique_ptr<Watch::Subscription> Watch::Subscribe(std::vector<std::string> keys) {
  return std::unique_ptr<Subscription>(new Subscription(*this, std::move(keys)));
}

void Watch::Notify(std::string_view key) {
  std::lock_guard lock(mu_);
  ++notifications_;
  auto [first, last] = subscribers_.equal_range(key);
  for (auto it = first; it != last; ++it) {
    it->second->changed_ = true;
    it->second->cv_.notify_all();
  }
}

uint64_t Watch::notifications() const {
  std::lock_guard lock(mu_);
  return notifications_;
}

std::string DeploymentKey(std::string_view deployment_id) {
  return "deployment/" + std::string(deployment_id);
}
std::string ServiceKey(std::string_view service_id) { return "service/" + std::string(service_id); }
std::string ReplicasKey(std::string_view service_id) {
  return "replicas/" + std::string(service_id);
}
std::string BuildLogKey(std::string_view deployment_id) {
  return "build-log/" + std::string(deployment_id);
}

std::string RuntimeLogKey(std::string_view service_id) {
  return "runtime-log/" + std::string(service_id);
}

}  // namespace ink
