// Which git sources a workspace may build from, and how git may reach them.
//
// file:// repositories are host paths: without a rule any tenant could build (and so read)
// whatever the host holds. A file:// URL is accepted only inside a directory the host's admin
// allowed (inkd --allow-file-sources DIR, repeatable; none by default) or inside the
// workspace's own push-to-deploy repositories (DATA/git/<project id>/); anything else inside
// inkd's data directory is refused even when an allowed directory contains it. git decodes
// %XX escapes in file:// paths, so the path is decoded the same way, resolved (symbolic links,
// "..") and the URL git is given is rebuilt from the resolved path.
//
// ssh (ssh:// and scp-like user@host:path) never uses inkd's own identity: SshCommand builds a
// GIT_SSH_COMMAND with no config file, no agent, only the workspace's deploy key (or none) and
// Ink's own known_hosts file (trust on first use, per workspace).
//
// Internal to ink_build; pure functions apart from resolving paths. Thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ink/common/result.h"

namespace ink::build {

struct FileSourcePolicy {
  std::string data_dir;                   // inkd's data directory
  std::vector<std::string> allowed_dirs;  // --allow-file-sources (absolute)
  // True when `project_id` belongs to the calling workspace (its DATA/git/<project id>).
  std::function<bool(const std::string& project_id)> owns_project;
};

// For a file:// URL: the URL git should be given (file:// + the resolved path, '%' escaped) if
// `policy` allows it, else PermissionDenied naming the path and the flag that allows it. Any
// other URL is returned unchanged.
Result<std::string> CheckFileSource(const std::string& url, const FileSourcePolicy& policy);

// Decodes %XX escapes as git does for file:// paths; InvalidArgument for a bad escape or NUL.
Result<std::string> DecodeFileUrlPath(const std::string& path);

// True for ssh://... and scp-like user@host:path URLs.
bool IsSshUrl(const std::string& url);

// The GIT_SSH_COMMAND for a fetch: ssh with no config file (-F /dev/null), no agent, only
// `identity_file` (a deploy key; "" = none) as identity, `known_hosts_file` as the only known
// hosts (a new host is remembered, a changed key is refused), batch mode, a connect timeout.
std::string SshCommand(const std::string& identity_file, const std::string& known_hosts_file);

// Single-quotes `value` for a POSIX shell.
std::string ShellQuote(const std::string& value);

}  // namespace ink::build
