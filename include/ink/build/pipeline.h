// BuildPipeline: Ink's Builder. Source in (git URL or uploaded archive), image out.
//
// For each deployment with a source, Build():
//   1. waits for a slot in the build queue (--build-concurrency; "queued (position k)"),
//   2. fetches the source into DATA/builds/work/<deployment id>/src (hardened git clone, or the
//      uploaded archive unpacked with every entry checked) and enters `path`,
//   3. runs DetectPlan with the service's build settings, writes the plan as JSON to
//      DATA/builds/<deployment id>.plan.json and the Containerfile next to the work tree,
//   4. pulls the registry images the Containerfile names with the workspace's credentials
//      (pull_image), then runs `podman --runtime ink-build-runtime build --layers
//      --pull=never` (every RUN step checked by the runtime guard, runtime_guard.h) on the
//      build network (build_network) with memory, CPU, pids, file size, disk and time limits
//      (a failure names the limit it hit), in the cgroup /ink-build-<instance>/<deployment id>
//      (emptied after the build and when inkd starts: build_cgroup.h), the host CA bundle
//      mounted read-only at /etc/ink/host-ca.crt for RUN steps, the deployment's variables as a
//      build secret (id "ink-env", a shell file; never a layer or a build arg) and the labels
//      ink.instance and ink.service, tagging localhost/ink/build/<service id>:<deployment id>,
//   5. streams every line of git and podman output into DATA/builds/<deployment id>.log, bounded
//      (head + rolling tail, "N bytes omitted"), secret values masked,
//   6. on success keeps the images of the newest `keep_images` successful deployments of the
//      service (for rollback), removes older ones, their logs past the newest 20, the work
//      tree, and dangling build layers of this instance.
// A failure's message names the cause and ends with the last lines of the build log.
//
// It also keeps uploaded archives (POST /v1/archives: DATA/archives/<id>.tar + .json, bounded
// while streaming, headers checked before the id is returned) and answers `plan` requests
// (fetch + DetectPlan, no build).
//
// Created once by inkd's main and shared by the controller (Build) and the API (archives, plan,
// logs). Every method is thread-safe; Build blocks its caller (a controller build worker).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ink/build/builder.h"
#include "ink/build/source.h"
#include "ink/common/file_lock.h"
#include "ink/common/json.h"
#include "ink/runtime/runtime.h"
#include "ink/store/store.h"

namespace ink {

struct PipelineOptions {
  std::string data_dir;          // builds/ and archives/ live here
  std::string instance = "ink";  // ink.instance label on images (scopes the cache prune)
  std::string podman = "podman";
  std::string build_runtime = "crun";  // builds fail under runsc (RUNTIME-NOTES)
  // The podman network RUN steps join ("" = podman's default network). inkd uses one per
  // instance, ink-build-<instance>, with the firewall rules of a project network: the outside
  // (package mirrors) is reachable, project networks, the host and 169.254.0.0/16 are not.
  std::string build_network;
  // Makes sure build_network exists with its rules; called before every build (a network
  // removed behind inkd's back comes back). Unset = the network is used as it is.
  std::function<Status()> prepare_build_network;
  // ink-build-runtime (runtime_guard.h): podman build runs every RUN step through it, and it
  // execs build_runtime only after checking the step's mounts, namespaces and capabilities;
  // "" = podman runs build_runtime itself (unit tests only: inkd always sets it).
  std::string build_runtime_guard;
  // containers' storage (graph root, run root): where a step's root and buildah's copies of
  // secrets live, so the guard lets build steps mount from there.
  std::vector<std::string> storage_dirs = {"/var/lib/containers/storage",
                                           "/run/containers/storage"};
  // The cgroup file system: every build runs in /ink-build-<instance>/<deployment> (podman
  // build --cgroup-parent), emptied after the build and when inkd starts, so no step outlives
  // its build or inkd (src/build/build_cgroup.h). "" = podman's default cgroups (unit tests).
  std::string cgroup_root = "/sys/fs/cgroup";
  int concurrency = 1;
  std::chrono::seconds build_timeout{1200};
  // Per build: processes and threads of a step (the guard writes it into the step's cgroup),
  // CPUs (CFS quota), the largest file a step may write (RLIMIT_FSIZE), and how much the
  // container storage may grow while the build runs (watched every few seconds; other builds
  // running at once count too); 0 = no limit.
  int64_t build_pids = 1024;
  double build_cpus = 2;
  int64_t build_max_file_bytes = int64_t{4} << 30;
  int64_t build_disk_bytes = int64_t{20} << 30;
  std::chrono::seconds fetch_timeout{300};
  // How long deploy's check that a git source can be read (git ls-remote) may take; 0 = no
  // check (the build's fetch then finds out).
  std::chrono::seconds source_check_timeout{10};
  int64_t build_memory_bytes = int64_t{4} << 30;
  int64_t max_upload_bytes = int64_t{512} << 20;  // an uploaded archive as sent
  int64_t max_source_bytes = int64_t{2} << 30;    // unpacked tree / checkout
  int64_t max_source_files = 200000;
  int64_t max_log_bytes = 5 << 20;
  int keep_images = 5;
  std::string host_ca_bundle = "/etc/ssl/certs/ca-certificates.crt";  // "" = none
  // FROM debian:bookworm (debian:12, bookworm-slim, on Docker Hub) builds from Ink's own base
  // image instead of a pull: the host may reach no registry (inkd --pull-debian turns it off).
  bool debian_from_base_image = true;
  std::chrono::hours archive_ttl{24 * 7};
  // How often unused build images of deleted services and expired archives are removed
  // (also after every build); 0 = only after builds.
  std::chrono::seconds janitor_interval{600};
  // flock(2) file shared by every inkd on the host: builds hold it shared, image GC exclusive.
  std::string image_store_lock = ImageStoreLockPath();
  // The variables (name → plaintext value) a deployment's build may read through the build
  // secret "ink-env"; unset = none. Set by inkd's main (it holds the store and the key).
  std::function<Result<std::map<std::string, std::string>>(const Deployment&)> build_variables;
  // Pulls a base image a build names (FROM, COPY --from, mount from=) with the workspace's own
  // registry credentials, every build (policy always: the registry decides again whether this
  // workspace may have it); the build then runs with --pull=never, so an image another
  // workspace pulled into the host's store is never used on its authority. Unset: podman
  // build pulls what is missing itself (--pull=missing; unit tests). Not called for
  // localhost/ images (Ink's base images).
  std::function<Status(const std::string& workspace_id, const std::string& image)> pull_image;
  // The image store the build GC lists, removes and prunes images through (inkd: its podman
  // runtime, the same interface pulls and deploy's image check use). Unset: build images are
  // never removed (unit tests).
  ContainerRuntime* images = nullptr;
  // Values no build log may show besides the service's variables (inkd's admin token); each is
  // written as "[masked]". Unset = none.
  std::function<std::vector<std::string>()> log_secrets;
  // Host directories file:// git sources may come from (inkd --allow-file-sources); none by
  // default. A workspace's own push-to-deploy repositories are always allowed.
  std::vector<std::string> allowed_file_source_dirs;
  // The workspace's ssh deploy key (OpenSSH private key text), "" when it has none; unset = no
  // deploy keys. ssh fetches use only this key, never inkd's own.
  std::function<Result<std::string>(const std::string& workspace_id)> deploy_key;
};

struct ArchiveInfo {
  std::string id;  // "arc_..."
  std::string workspace_id;
  int64_t upload_bytes = 0;  // as sent (compressed)
  int64_t files = 0;         // entries
  int64_t bytes = 0;         // content once unpacked
  int64_t created_at = 0;    // ms since the epoch
  Json ToJson() const;
};

// Reads up to `size` bytes of a request body into `buffer`; 0 at the end of the body.
using BodyReader = std::function<Result<size_t>(char* buffer, size_t size)>;

class BuildPipeline : public Builder {
 public:
  BuildPipeline(Store& store, PipelineOptions options);
  ~BuildPipeline() override;

  Result<BuiltImage> Build(const Deployment& deployment, const Service& service,
                           const std::function<void(const std::string&)>& progress,
                           const std::function<bool()>& should_stop) override;

  // Stores an uploaded archive for `workspace_id`, reading the body to its end. Too large:
  // PayloadTooLarge as soon as the bound is crossed (reading stops there). Not a tar archive,
  // or a hostile entry: InvalidArgument naming the entry. Nothing is kept on error.
  Result<ArchiveInfo> ReceiveArchive(const std::string& workspace_id, const BodyReader& body);
  // NotFound unless the archive exists and belongs to `workspace_id`.
  Result<ArchiveInfo> GetArchive(const std::string& workspace_id, const std::string& id) const;
  // Checks a source before a deployment is written: fields valid, archive present and owned;
  // a git source allowed (file:// policy) and readable: its host answers, the repository and
  // the ref exist (git ls-remote, at most options.source_check_timeout). Fetches nothing.
  Status CheckSource(const std::string& workspace_id, const BuildSource& source) const;

  // Fetches the source into a scratch directory and returns the plan DetectPlan makes for it
  // (as ToJson(plan), plus "source" with the commit for git), without building.
  Result<Json> Plan(const std::string& workspace_id, const BuildSource& source,
                    const std::string& build_settings);

  // DATA/builds/<deployment id>.log and .plan.json.
  std::string LogPath(const std::string& deployment_id) const;
  std::string PlanPath(const std::string& deployment_id) const;
  // True while the deployment's build is queued or running (log followers keep waiting).
  bool Building(const std::string& deployment_id) const;

  const PipelineOptions& options() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ink
