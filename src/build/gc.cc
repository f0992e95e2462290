// Retention of build products: images of the newest successful deployments (rollback targets),
// build logs and plans, work trees, uploaded archives, dangling build layers.
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "ink/common/clock.h"
#include "ink/common/file_lock.h"
#include "ink/common/log.h"
#include "src/build/build_cgroup.h"
#include "src/build/pipeline_impl.h"

namespace ink {
namespace {

namespace fs = std::filesystem;

constexpr size_t kKeepLogs = 20;  // build logs and plans per service

}  // namespace

// Logs and plans of the newest deployments stay; older ones go.
void BuildPipeline::Impl::PruneLogs(const std::vector<Deployment>& newest_first) {
  for (size_t i = kKeepLogs; i < newest_first.size(); ++i) {
    std::error_code ec;
    fs::remove(LogPath(newest_first[i].id), ec);
    fs::remove(PlanPath(newest_first[i].id), ec);
  }
}

void BuildPipeline::Impl::CollectGarbage(const Service& service, const std::string& current) {
  auto deployments = store_.ListDeployments(service.workspace_id, service.id);
  if (!deployments.ok()) return;
  const std::string repo = "localhost/ink/build/" + service.id;
  std::set<std::string> keep_images = {repo + ":" + current};
  int successful = 0;
  for (const auto& d : *deployments) {  // newest first
    bool in_flight = IsInFlight(d.status);
    bool succeeded = HasRun(d.status);
    if (in_flight) keep_images.insert(repo + ":" + d.id);
    if (succeeded && successful < options_.keep_images) {
      ++successful;
      keep_images.insert(d.spec.image);
    }
  }
  // Removing images and pruning layers waits for no build on the host to be running: a build
  // may be reusing the very layers (cache hits are shared by every instance). When builds keep
  // the lock busy, this round is skipped; the next build's collection catches up.
  auto store_lock = FileLock::TryAcquire(options_.image_store_lock, FileLock::Mode::kExclusive,
                                         std::chrono::seconds(15));
  if (!store_lock.ok()) {
    LogInfo("build", "image clean-up of " + service.id +
                         " deferred: " + store_lock.error().message + " (a build is running)");
    PruneLogs(*deployments);
    {
      std::lock_guard lock(mu_);
      gc_pending_ = true;  // the janitor sweeps deleted services' images when builds pause
    }
    janitor_cv_.notify_all();
    return;
  }
  auto listed = options_.images != nullptr
                    ? options_.images->ListImages(repo, {})
                    : Result<std::vector<std::string>>(std::vector<std::string>{});
  if (listed.ok()) {
    for (const auto& ref : *listed) {
      if (keep_images.count(ref)) continue;
      Status removed = options_.images->RemoveImage(ref);
      if (removed.ok()) {
        LogInfo("build", "removed old image " + ref);
      } else {
        // In use by a container (a replica still draining): the next build retries.
        LogInfo("build", "kept image " + ref + " for now: " + removed.error().message);
      }
    }
  }
  PruneLogs(*deployments);
  SweepImages();
}

void BuildPipeline::Impl::CleanUpAtStart() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(BuildsDir() + "/work", ec)) {
    fs::remove_all(entry.path(), ec);
  }
  SweepArchives(true);
  // No build of this instance runs yet: whatever is in its build cgroups was left by an inkd
  // that died mid-build.
  ReapInstanceCgroups();
}

void BuildPipeline::Impl::ReapInstanceCgroups() {
  if (options_.cgroup_root.empty()) return;
  auto reaped =
      build::ReapCgroup(options_.cgroup_root, build::InstanceBuildCgroup(options_.instance));
  if (!reaped.ok()) {
    LogWarn("build", reaped.error().message);
  } else if (reaped->killed != 0) {
    LogInfo("build", "killed " + std::to_string(reaped->killed) +
                         " process(es) left running in this instance's build cgroups");
  }
}

void BuildPipeline::Impl::SweepImages() {
  const std::string prefix = "localhost/ink/build/";
  if (options_.images == nullptr) return;
  auto listed = options_.images->ListImages("", {{"ink.instance", options_.instance}});
  if (!listed.ok()) return;
  std::map<std::string, bool> exists;  // service id → still in the store
  for (const auto& ref : *listed) {
    if (ref.rfind(prefix, 0) != 0) continue;
    std::string service_id = ref.substr(prefix.size(), ref.find(':') - prefix.size());
    if (!exists.count(service_id)) {
      auto service = store_.GetServiceById(service_id);
      // Only a definite "not found" deletes; a store error keeps everything.
      exists[service_id] = service.ok() || service.error().code != ErrorCode::kNotFound;
    }
    if (exists[service_id]) continue;
    if (options_.images->RemoveImage(ref).ok()) {
      LogInfo("build", "removed " + ref + ": its service was deleted");
    }  // else a container still uses it: the next sweep retries
  }
  // Layers no image of this instance uses any more.
  (void)options_.images->PruneImages({{"ink.instance", options_.instance}});
}

void BuildPipeline::Impl::JanitorLoop() {
  using Clock = std::chrono::steady_clock;
  auto next_sweep = Clock::now() + std::min<std::chrono::seconds>(std::chrono::seconds(60),
                                                                  options_.janitor_interval);
  auto wake = next_sweep;
  for (;;) {
    bool pending;
    {
      std::unique_lock lock(mu_);
      janitor_cv_.wait_until(lock, wake, [this] { return stopping_ || gc_pending_; });
      if (stopping_) return;
      pending = gc_pending_;
    }
    bool due = Clock::now() >= next_sweep;
    if (!due && !pending) {
      wake = next_sweep;
      continue;
    }
    if (due) {
      SweepArchives(false);
      next_sweep = Clock::now() + options_.janitor_interval;
    }
    auto store_lock = FileLock::TryAcquire(options_.image_store_lock, FileLock::Mode::kExclusive,
                                           std::chrono::seconds(2));
    if (!store_lock.ok()) {  // builds are running: try again soon if a clean-up is owed
      wake = pending ? Clock::now() + std::chrono::seconds(5) : next_sweep;
      continue;
    }
    {
      std::lock_guard lock(mu_);
      gc_pending_ = false;
    }
    SweepImages();
    wake = next_sweep;
  }
}

void BuildPipeline::Impl::SweepArchives(bool at_start) {
  std::error_code ec;
  auto now = fs::file_time_type::clock::now();
  for (const auto& entry : fs::directory_iterator(ArchivesDir(), ec)) {
    auto modified = fs::last_write_time(entry.path(), ec);
    if (ec) continue;
    // A .partial file is an upload in progress, or one cut off by a crash (at start, or an
    // hour without a write).
    bool partial = entry.path().string().ends_with(".partial");
    bool stale_partial = partial && (at_start || now - modified > std::chrono::hours(1));
    if (stale_partial || now - modified > options_.archive_ttl) fs::remove(entry.path(), ec);
  }
}

}  // namespace ink
