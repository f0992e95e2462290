// Fetching a git source into a build's work directory, hardened against hostile input.
//
// The URL and ref were validated (source.h) and file:// URLs checked against the host policy
// (source_policy.h); here git runs with only the file, https and ssh transports allowed
// (GIT_ALLOW_PROTOCOL, protocol.ext/fd.allow=never), an environment of its own (an empty HOME,
// no SSH_AUTH_SOCK), no system or user config, no hooks, no credential prompts
// (GIT_TERMINAL_PROMPT=0), ssh without config, agent or inkd's keys (SshCommand), a "--" before
// every user-supplied argument, a time limit, a bound on the size of any file it writes, and a
// watch on the size of the checkout. After the checkout `.git` is removed and the tree is
// checked (CheckTree: no symbolic link out of it, file and byte bounds).
//
// Internal to ink_build; thread-safe (each call has its own directory).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "ink/build/source.h"
#include "ink/common/result.h"
#include "src/build/archive.h"

namespace ink::build {

struct FetchOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  ArchiveLimits limits;
  std::function<void(std::string_view line)> on_line;  // git's output, for the build log
  std::function<bool()> should_stop;
  // ssh: the only identity offered ("" = none) and the known_hosts file ("" = a scratch one).
  std::string ssh_identity_file;
  std::string ssh_known_hosts_file;
};

// Clones source.url at source.ref (default branch if empty) into `dest` (an empty directory
// that exists). Returns the commit id checked out.
Result<std::string> FetchGit(const BuildSource& source, const std::string& dest,
                             const FetchOptions& options);

// Asks the repository whether source.ref (or its default branch) exists, fetching nothing:
// `git ls-remote` with FetchGit's environment and hardening, bounded by options.timeout (keep it
// short: deploy waits for it). `scratch` is an existing directory for git's HOME. A ref that
// looks like a commit id is not checked (servers list only branch and tag tips), only that the
// repository answers. Errors say what cannot be read: the host, the repository or the ref.
Status ProbeGit(const BuildSource& source, const std::string& scratch, const FetchOptions& options);

// The directory `path` inside `root` (root itself for ""), resolved without leaving the tree:
// an error if it does not exist, is not a directory, or a symbolic link leads out of `root`.
Result<std::string> ResolveSubdirectory(const std::string& root, const std::string& path);

// Bytes of regular files under `root`, counting stops a little past `cap`.
int64_t TreeBytes(const std::string& root, int64_t cap);

}  // namespace ink::build
