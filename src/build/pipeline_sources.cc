// BuildPipeline: which git sources a workspace may fetch and with which ssh identity
// (source_policy.h says why).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "ink/common/names.h"
#include "src/build/pipeline_impl.h"
#include "src/build/source_policy.h"

namespace ink {

namespace fs = std::filesystem;

Result<std::string> BuildPipeline::Impl::ResolveGitUrl(const std::string& workspace_id,
                                                       const std::string& url) const {
  build::FileSourcePolicy policy;
  policy.data_dir = options_.data_dir;
  policy.allowed_dirs = options_.allowed_file_source_dirs;
  policy.owns_project = [&](const std::string& project_id) {
    auto project = store_.GetProject(workspace_id, project_id);
    return project.ok() && project->id == project_id;
  };
  return build::CheckFileSource(url, policy);
}

Status BuildPipeline::Impl::PrepareSsh(const std::string& workspace_id, const std::string& url,
                                       const std::string& dir, build::FetchOptions& fetch) const {
  if (!build::IsSshUrl(url)) return {};
  // Ink's own known_hosts per workspace: a host is trusted on first use, a changed key refused;
  // one workspace's answer never decides what another trusts.
  std::string hosts_dir = options_.data_dir + "/ssh/" + workspace_id;
  std::error_code ec;
  fs::create_directories(hosts_dir, ec);
  if (ec) return Internal("cannot create " + hosts_dir + ": " + ec.message());
  ::chmod((options_.data_dir + "/ssh").c_str(), 0700);
  ::chmod(hosts_dir.c_str(), 0700);
  fetch.ssh_known_hosts_file = hosts_dir + "/known_hosts";
  if (!options_.deploy_key) return {};
  auto key = options_.deploy_key(workspace_id);
  if (!key.ok()) return key.error();
  if (key->empty()) return {};
  std::string key_dir = dir + "/ssh";
  fs::create_directories(key_dir, ec);
  ::chmod(key_dir.c_str(), 0700);
  std::string path = key_dir + "/deploy_key";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Internal("cannot write the deploy key for the fetch");
  std::string text = *key;
  if (text.back() != '\n') text += '\n';
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!written) return Internal("cannot write the deploy key for the fetch");
  fetch.ssh_identity_file = path;
  return {};
}

Status BuildPipeline::Impl::ProbeGitSource(const std::string& workspace_id,
                                           const BuildSource& source) const {
  if (options_.source_check_timeout.count() <= 0) return {};
  std::string scratch = BuildsDir() + "/work/" + NewId("probe");
  std::error_code ec;
  fs::create_directories(scratch + "/home", ec);
  if (ec) return Internal("cannot create " + scratch + ": " + ec.message());
  build::FetchOptions fetch;
  fetch.timeout = options_.source_check_timeout;
  Status status = PrepareSsh(workspace_id, source.url, scratch, fetch);
  if (status.ok()) status = build::ProbeGit(source, scratch + "/home", fetch);
  fs::remove_all(scratch, ec);
  return status;
}

}  // namespace ink
