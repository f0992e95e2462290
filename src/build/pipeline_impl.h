// BuildPipeline's state, shared by pipeline.cc (builds, plans), pipeline_archives.cc (uploads)
// and gc.cc (image and log retention). Internal to ink_build.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "ink/build/pipeline.h"
#include "src/build/archive.h"
#include "src/build/build_queue.h"
#include "src/build/dockerfile_policy.h"
#include "src/build/fetch.h"

namespace ink {

class BuildPipeline::Impl {
 public:
  Impl(Store& store, PipelineOptions options);
  ~Impl();

  Result<BuiltImage> Build(const Deployment& d, const Service& s,
                           const std::function<void(const std::string&)>& progress,
                           const std::function<bool()>& should_stop);
  Result<Json> Plan(const std::string& workspace_id, const BuildSource& source,
                    const std::string& build_settings);
  Result<ArchiveInfo> ReceiveArchive(const std::string& workspace_id, const BodyReader& body);
  Result<ArchiveInfo> GetArchive(const std::string& workspace_id, const std::string& id) const;

  // gc.cc: keeps the images of the newest successful deployments of `service` (plus
  // `current`, the one just built), removes the others, old logs and dangling layers.
  void CollectGarbage(const Service& service, const std::string& current);
  void PruneLogs(const std::vector<Deployment>& newest_first);
  // gc.cc: removes work trees left by a crash and archives older than the TTL.
  void CleanUpAtStart();
  // Empties and removes every build cgroup of this instance (build_cgroup.h): at start, what a
  // crashed inkd's builds left running; when the pipeline goes away, what its builds left.
  void ReapInstanceCgroups();
  // gc.cc: removes this instance's build images of services that no longer exist (a deleted
  // service's images, once its containers are gone), then the layers no image of this
  // instance uses. The caller holds the image-store lock exclusively. Run after builds and by
  // the janitor thread.
  void SweepImages();
  void SweepArchives(bool at_start);
  // gc.cc: the janitor thread's loop: a sweep a minute after start, then every
  // options_.janitor_interval, under the image-store lock (skipped while builds run), and
  // soon after a build whose clean-up was deferred (retried every 5 s until builds pause).
  void JanitorLoop();

  std::string BuildsDir() const { return options_.data_dir + "/builds"; }
  std::string WorkDir(const std::string& id) const { return BuildsDir() + "/work/" + id; }
  std::string ArchivesDir() const { return options_.data_dir + "/archives"; }
  std::string ArchivePath(const std::string& id) const { return ArchivesDir() + "/" + id + ".tar"; }
  std::string LogPath(const std::string& id) const { return BuildsDir() + "/" + id + ".log"; }
  std::string PlanPath(const std::string& id) const {
    return BuildsDir() + "/" + id + ".plan.json";
  }
  build::ArchiveLimits SourceLimits() const {
    return {options_.max_source_bytes, options_.max_source_files};
  }
  // The URL git is given for `url`: file:// only from the admin's allowed directories and the
  // workspace's own push-to-deploy repositories (PermissionDenied otherwise).
  Result<std::string> ResolveGitUrl(const std::string& workspace_id, const std::string& url) const;
  // For ssh URLs: writes the workspace's deploy key (if any) to `dir`/ssh (0600, removed after
  // the fetch) and sets `fetch`'s ssh identity and known_hosts (DATA/ssh/<workspace>/).
  Status PrepareSsh(const std::string& workspace_id, const std::string& url, const std::string& dir,
                    build::FetchOptions& fetch) const;
  // pipeline_sources.cc: asks the git source (URL already resolved) whether its ref exists,
  // with the workspace's ssh identity, in a scratch directory removed afterwards.
  Status ProbeGitSource(const std::string& workspace_id, const BuildSource& source) const;
  // Fetches `source` into `dir`/src; returns the directory to plan in (after `path`) and, for
  // git, sets `commit`.
  Result<std::string> FetchSource(const std::string& workspace_id, const BuildSource& source,
                                  const std::string& dir, std::string& commit,
                                  const std::function<void(std::string_view)>& on_line,
                                  const std::function<bool()>& should_stop);

  // pipeline_policy.cc: the rules a build's Containerfile is checked against
  // (dockerfile_policy.h): the workspace's cache namespace, Ink's build secret, the context.
  build::DockerfilePolicy DockerfilePolicyFor(const std::string& workspace_id,
                                              const std::string& context_dir) const;

  // pipeline_limits.cc: the podman build flags of the build limits; their summary for the log;
  // the policy file of ink-build-runtime in `work` (its path); the limit a failed build's
  // log tail shows it ran into ("; a step ran out of processes: ..."), "" if none.
  std::vector<std::string> LimitArgs() const;
  std::string LimitSummary() const;
  Result<std::string> WriteRuntimeGuard(const std::string& workspace_id,
                                        const std::string& work) const;
  std::string LimitHint(const std::string& tail) const;
  // Stops a build whose writes grew the container storage's file system past the disk limit.
  class DiskWatch {
   public:
    explicit DiskWatch(const PipelineOptions& options);
    std::string Check();  // the reason to stop, "" to go on (looks every 2 s)

   private:
    int64_t limit_;
    std::string path_;
    int64_t start_;
    std::chrono::steady_clock::time_point last_{};
  };

  Store& store_;
  const PipelineOptions options_;
  build::BuildQueue queue_;
  mutable std::mutex mu_;           // guards building_, stopping_, gc_pending_
  std::set<std::string> building_;  // deployment ids queued or building
  bool stopping_ = false;
  bool gc_pending_ = false;  // a build's clean-up was deferred (builds held the store lock)
  std::condition_variable janitor_cv_;
  std::thread janitor_;
};

}  // namespace ink
