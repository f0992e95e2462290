// SandboxReaper (ink/sandbox/sandboxes.h): what a pass converges, in order.
#include <map>
#include <set>

#include "ink/common/log.h"
#include "ink/controller/service_controller.h"
#include "ink/sandbox/sandboxes.h"

namespace ink {
namespace {

// A running row whose container is missing from a listing taken before the rows were read is
// gone only if the row is older than this (a create may finish between the two reads).
constexpr int64_t kVanishedGraceMillis = 60'000;

// A sandbox's container that stopped: its `sleep infinity` under catatonit never exits by
// itself, so the sandbox died (gVisor's sentry killed by a bomb, an OOM kill, a `podman stop`).
bool Dead(const ContainerInfo& c) {
  return c.state == "exited" || c.state == "stopped" || c.state == "dead";
}

std::string DeathReason(const ContainerInfo& c) {
  std::string reason = "its container stopped (exit code " + std::to_string(c.exit_code);
  if (c.oom_killed) reason += ", killed for memory";
  return reason + "): something in it ended the sandbox; create a new one";
}

}  // namespace

SandboxReaper::SandboxReaper(Store& store, ContainerRuntime& runtime, Clock& clock,
                             std::string instance)
    : store_(store), runtime_(runtime), clock_(clock), instance_(std::move(instance)) {}

SandboxReaper::~SandboxReaper() { Stop(); }

int SandboxReaper::Sweep() {
  // Containers first: one created after this listing has a row read below, so the only
  // containers without a live row are orphans.
  auto containers = runtime_.ListContainers({{kLabelInstance, instance_}});
  if (!containers.ok()) {
    LogWarn("sandbox", "reaper: listing containers: " + containers.error().message);
    return 0;
  }
  auto live = store_.ListSandboxes("");
  if (!live.ok()) {
    LogWarn("sandbox", "reaper: listing sandboxes: " + live.error().message);
    return 0;
  }
  const int64_t now = clock_.NowMillis();
  std::map<std::string, const ContainerInfo*> with_container;  // sandbox id → its container
  for (const auto& c : *containers) {
    auto label = c.labels.find(kLabelSandbox);
    if (label != c.labels.end()) with_container[label->second] = &c;
  }
  int removed = 0;
  std::set<std::string> keep;
  for (const auto& s : *live) {
    std::string status, reason;
    if (s.expires_at <= now) {
      status = "expired";
      reason = "its time to live ran out";
    } else if (s.status == "running" && !with_container.count(s.id) &&
               s.created_at + kVanishedGraceMillis < now) {
      status = "failed";
      reason = "its container is gone (the host or podman restarted)";
    } else if (auto c = with_container.find(s.id);
               s.status == "running" && c != with_container.end() && Dead(*c->second)) {
      status = "failed";
      reason = DeathReason(*c->second);
    }
    keep.insert(s.id);  // live, or destroyed below
    if (status.empty()) continue;
    auto ended = store_.EndSandbox(s.id, status, reason);
    if (!ended.ok() || !*ended) continue;  // someone else ended it and destroys it
    LogInfo("sandbox", "reaper: " + s.id + " " + status + ": " + reason);
    Status destroyed = DestroySandbox(runtime_, instance_, s.id);
    if (!destroyed.ok()) {
      LogWarn("sandbox", "reaper: destroying " + s.id + ": " + destroyed.error().message +
                             " (the next pass retries)");
    }
    ++removed;
  }
  for (const auto& [id, container] : with_container) {
    if (keep.count(id)) continue;
    if (DestroySandbox(runtime_, instance_, id).ok()) {
      LogInfo("sandbox", "reaper: removed the leftover container of ended sandbox " + id);
      ++removed;
    }
  }
  auto purged = store_.PurgeEndedSandboxes(now - kEndedSandboxKeepMillis);
  if (!purged.ok()) LogWarn("sandbox", "reaper: purging: " + purged.error().message);
  return removed;
}

void SandboxReaper::Start(std::chrono::milliseconds interval) {
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(mu_);
    while (
        !WaitUntil(clock_, lock, wake_, clock_.Steady() + interval, [this] { return stopping_; })) {
      lock.unlock();
      Sweep();
      lock.lock();
    }
  });
}

void SandboxReaper::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ink
