// The limits of one build (PipelineOptions: memory, CPUs, pids, file size, disk, time) as podman
// build flags, the policy file of ink-build-runtime (runtime_guard.h), the disk watch, and the
// sentence that names the limit a failed build ran into.
#include <sys/statvfs.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "ink/common/resources.h"
#include "src/build/pipeline_impl.h"
#include "src/build/runtime_guard.h"

namespace ink {
namespace {

int64_t UsedBytes(const std::string& path) {
  struct statvfs fs {};
  if (::statvfs(path.c_str(), &fs) != 0) return -1;
  return static_cast<int64_t>(fs.f_blocks - fs.f_bfree) * static_cast<int64_t>(fs.f_frsize);
}

}  // namespace

std::vector<std::string> BuildPipeline::Impl::LimitArgs() const {
  std::vector<std::string> args = {"--memory", std::to_string(options_.build_memory_bytes)};
  if (options_.build_cpus > 0) {
    constexpr int64_t kPeriod = 100000;
    args.insert(args.end(), {"--cpu-period", std::to_string(kPeriod), "--cpu-quota",
                             std::to_string(static_cast<int64_t>(options_.build_cpus * kPeriod))});
  }
  if (options_.build_max_file_bytes > 0) {
    std::string size = std::to_string(options_.build_max_file_bytes);
    args.insert(args.end(), {"--ulimit", "fsize=" + size + ":" + size});
  }
  return args;
}

std::string BuildPipeline::Impl::LimitSummary() const {
  std::string text = "memory " + FormatMemory(options_.build_memory_bytes);
  if (options_.build_cpus > 0) {
    char cpus[32];
    std::snprintf(cpus, sizeof cpus, "%g", options_.build_cpus);
    text += ", " + std::string(cpus) + " CPUs";
  }
  if (options_.build_pids > 0) text += ", " + std::to_string(options_.build_pids) + " processes";
  if (options_.build_max_file_bytes > 0) {
    text += ", files up to " + FormatMemory(options_.build_max_file_bytes);
  }
  if (options_.build_disk_bytes > 0) text += ", disk " + FormatMemory(options_.build_disk_bytes);
  return text;
}

Result<std::string> BuildPipeline::Impl::WriteRuntimeGuard(const std::string& workspace_id,
                                                           const std::string& work) const {
  build::RuntimeGuardPolicy policy;
  policy.runtime = options_.build_runtime;
  policy.pids_limit = options_.build_pids;
  // What a step may see from the host: this build's tree (context, Containerfile, secret),
  // containers' storage, the workspace's own cache directory (cache ids are rewritten to
  // ink-<workspace>/..., dockerfile_policy.h) and the CA bundle.
  const char* tmp = std::getenv("TMPDIR");
  std::string tmp_dir = tmp && *tmp ? tmp : "/var/tmp";
  std::string cache_namespace = DockerfilePolicyFor(workspace_id, "").cache_namespace;
  policy.allowed_sources = {work, tmp_dir + "/buildah-cache/" + cache_namespace,
                            tmp_dir + "/buildah-cache-0/" + cache_namespace};
  for (const auto& dir : options_.storage_dirs) {
    policy.allowed_sources.push_back(dir);
    policy.allowed_roots.push_back(dir);
  }
  if (!options_.host_ca_bundle.empty()) policy.allowed_sources.push_back(options_.host_ca_bundle);
  std::string path = work + "/runtime-guard.json";
  std::ofstream out(path, std::ios::trunc);
  out << policy.ToJson().dump(2) << "\n";
  if (!out.flush()) return Internal("cannot write " + path);
  return path;
}

BuildPipeline::Impl::DiskWatch::DiskWatch(const PipelineOptions& options)
    : limit_(options.build_disk_bytes),
      path_(options.storage_dirs.empty() ? "/" : options.storage_dirs.front()),
      start_(UsedBytes(path_)) {}

std::string BuildPipeline::Impl::DiskWatch::Check() {
  if (limit_ <= 0 || start_ < 0) return "";
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::seconds(2)) return "";
  last_ = now;
  int64_t used = UsedBytes(path_);
  if (used < 0 || used - start_ <= limit_) return "";
  return "the build wrote more than its disk limit of " + FormatMemory(limit_) +
         " (the file system of " + path_ + " grew by " + FormatMemory(used - start_) + ")";
}

std::string BuildPipeline::Impl::LimitHint(const std::string& tail) const {
  auto has = [&](const char* text) { return tail.find(text) != std::string::npos; };
  if (has("File size limit exceeded") || has("exit status 153")) {
    return "; a step wrote a file larger than the build's file size limit of " +
           FormatMemory(options_.build_max_file_bytes);
  }
  if (has("fork: retry") || has("fork: Resource temporarily unavailable") || has("Cannot fork") ||
      has("can't fork") || has("Resource temporarily unavailable")) {
    return "; a step ran out of processes: the build's pids limit is " +
           std::to_string(options_.build_pids);
  }
  if (has("exit status 137") || has("Killed")) {
    return "; a step was killed (SIGKILL), most likely by the build's memory limit of " +
           FormatMemory(options_.build_memory_bytes);
  }
  if (has("ink-build-runtime: refused")) return "; a step asked for a host mount (refused)";
  return "";
}

}  // namespace ink
