#include "src/build/source_policy.h"

#include <filesystem>

namespace ink::build {
namespace {

namespace fs = std::filesystem;

constexpr char kFlag[] = "inkd --allow-file-sources DIR";

bool Inside(const fs::path& path, const fs::path& dir) {
  if (path == dir) return true;
  auto rel = path.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != ".." && *rel.begin() != ".";
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Resolves symbolic links and ".." of the part of `path` that exists (the rest is kept
// lexically normalised): a repository that does not exist yet still gets a clear answer here
// and git's own error later.
fs::path Resolve(const fs::path& path) {
  std::error_code ec;
  fs::path resolved = fs::weakly_canonical(path, ec);
  return ec ? path.lexically_normal() : resolved;
}

}  // namespace

Result<std::string> DecodeFileUrlPath(const std::string& path) {
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      out += path[i];
      continue;
    }
    int high = i + 2 < path.size() ? HexValue(path[i + 1]) : -1;
    int low = high >= 0 ? HexValue(path[i + 2]) : -1;
    if (low < 0) {
      return InvalidArgument("file URL has an invalid %-escape at position " + std::to_string(i) +
                             "; write '%' as %25");
    }
    char c = static_cast<char>(high * 16 + low);
    if (c == '\0') return InvalidArgument("file URL contains an escaped NUL (%00)");
    out += c;
    i += 2;
  }
  return out;
}

Result<std::string> CheckFileSource(const std::string& url, const FileSourcePolicy& policy) {
  if (url.rfind("file://", 0) != 0) return url;
  auto decoded = DecodeFileUrlPath(url.substr(7));
  if (!decoded.ok()) return decoded.error();
  fs::path repo = Resolve(*decoded);
  std::string shown = repo.string().substr(0, 200);
  fs::path data = Resolve(policy.data_dir);
  if (Inside(repo, data)) {
    fs::path rel = repo.lexically_relative(data);
    auto part = rel.begin();
    if (part != rel.end() && *part == "git" && ++part != rel.end() && policy.owns_project &&
        policy.owns_project(part->string())) {
      return "file://" + repo.string();
    }
    return PermissionDenied(
        "file:// repositories inside Ink's data directory cannot be deployed; push to the "
        "service's git remote (`ink git-remote SERVICE`) or deploy a repository elsewhere");
  }
  for (const auto& dir : policy.allowed_dirs) {
    if (Inside(repo, Resolve(dir))) {
      std::string escaped;
      for (char c : repo.string()) escaped += c == '%' ? std::string("%25") : std::string(1, c);
      return "file://" + escaped;
    }
  }
  std::string allowed;
  for (const auto& dir : policy.allowed_dirs) allowed += (allowed.empty() ? "" : ", ") + dir;
  if (allowed.empty()) {
    return PermissionDenied(
        "file://" + shown +
        " is a path on Ink's host, and this inkd allows no host directories as sources: push "
        "to the service's git remote (`ink git-remote SERVICE`), upload the directory (`ink "
        "deploy DIR`), use an https:// or ssh:// URL, or have the admin start inkd with " +
        kFlag);
  }
  return PermissionDenied("file://" + shown +
                          " is outside the host directories this inkd allows as sources (" +
                          allowed +
                          "); move the repository there, push to the service's git "
                          "remote (`ink git-remote SERVICE`), or have the admin add its "
                          "directory with " +
                          kFlag);
}

bool IsSshUrl(const std::string& url) {
  if (url.rfind("ssh://", 0) == 0) return true;
  if (url.find("://") != std::string::npos) return false;
  size_t colon = url.find(':');
  size_t slash = url.find('/');
  return colon != std::string::npos && (slash == std::string::npos || slash > colon);
}

std::string ShellQuote(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string SshCommand(const std::string& identity_file, const std::string& known_hosts_file) {
  std::string identity = identity_file.empty() ? "/dev/null" : identity_file;
  // -F /dev/null: neither ~/.ssh/config (ssh reads the passwd entry's home, not $HOME) nor
  // /etc/ssh/ssh_config. IdentityFile given explicitly: the default ~/.ssh/id_* are not tried.
  return "ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none"
         " -o IdentityFile=" +
         ShellQuote(identity) + " -o UserKnownHostsFile=" + ShellQuote(known_hosts_file) +
         " -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=accept-new"
         " -o UpdateHostKeys=no -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no"
         " -o ForwardAgent=no -o ForwardX11=no -o PermitLocalCommand=no -o ClearAllForwardings=yes"
         " -o ControlMaster=no -o ControlPath=none -o ProxyCommand=none -o ProxyJump=none"
         " -o ConnectTimeout=20";
}

}  // namespace ink::build
