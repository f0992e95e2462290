#include "ink/build/source.h"

#include <cctype>
#include <cstring>

namespace ink {
namespace {

bool HasControlOrSpace(const std::string& s) {
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f) return true;
  }
  return false;
}

// git's scp-like ssh syntax: "user@host:path" (no "://", an '@' and a ':' before any '/').
bool IsScpLike(const std::string& url) {
  size_t at = url.find('@');
  size_t colon = url.find(':');
  size_t slash = url.find('/');
  return at != std::string::npos && colon != std::string::npos && at < colon &&
         (slash == std::string::npos || slash > colon);
}

Status ValidateScpLike(const std::string& url, const std::string& hint) {
  size_t at = url.find('@');
  size_t colon = url.find(':');
  std::string user = url.substr(0, at);
  std::string host = url.substr(at + 1, colon - at - 1);
  std::string path = url.substr(colon + 1);
  auto plain = [](const std::string& s, const char* extra) {
    if (s.empty() || s.front() == '-' || s.front() == '.') return false;
    for (unsigned char c : s) {
      if (!std::isalnum(c) && std::strchr(extra, c) == nullptr) return false;
    }
    return true;
  };
  if (!plain(user, "._-") || !plain(host, ".-")) {
    return InvalidArgument("git URL '" + url.substr(0, 80) +
                           "' is not a valid user@host:path address (user and host may hold "
                           "letters, digits, '.', '-' and '_' and must not start with '-')" +
                           hint);
  }
  if (path.empty() || path.front() == '-') {
    return InvalidArgument("git URL '" + url.substr(0, 80) +
                           "' needs a repository path after the ':' (e.g. git@host:org/repo.git)");
  }
  return {};
}

}  // namespace

Status ValidateGitUrl(const std::string& url) {
  const std::string hint =
      "; use https://host/org/repo.git, ssh://git@host/org/repo.git, git@host:org/repo.git or "
      "file:///path/to/repo";
  if (url.empty()) return InvalidArgument("git URL is empty" + hint);
  if (url.size() > 2048) return InvalidArgument("git URL is longer than 2048 characters");
  if (url.front() == '-') {
    return InvalidArgument("git URL '" + url.substr(0, 80) +
                           "' starts with '-', which git would read as an option" + hint);
  }
  if (HasControlOrSpace(url)) {
    return InvalidArgument("git URL '" + url.substr(0, 80) +
                           "' contains whitespace or control characters" + hint);
  }
  if (url.find("::") != std::string::npos) {
    return InvalidArgument("git URL '" + url.substr(0, 80) +
                           "' uses a git remote helper (\"transport::address\", such as ext:: or "
                           "fd::), which Ink never runs" +
                           hint);
  }
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos && IsScpLike(url)) return ValidateScpLike(url, hint);
  std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "https" && scheme != "ssh" && scheme != "file") {
    return InvalidArgument(
        "git URL '" + url.substr(0, 80) + "' has " +
        (scheme.empty() ? std::string("no scheme") : "the unsupported scheme '" + scheme + "'") +
        hint);
  }
  std::string rest = url.substr(scheme_end + 3);
  if (scheme == "file") {
    if (rest.empty() || rest.front() != '/') {
      return InvalidArgument("file URL '" + url.substr(0, 80) +
                             "' needs an absolute path: file:///path/to/repo");
    }
  } else {
    size_t slash = rest.find('/');
    std::string host = rest.substr(0, slash);
    size_t at = host.rfind('@');
    bool option_like = !host.empty() && host.front() == '-';  // "-oProxyCommand=...@host"
    if (at != std::string::npos) host = host.substr(at + 1);
    if (host.empty() || host.front() == '-' || option_like || slash == std::string::npos ||
        slash + 1 >= rest.size()) {
      return InvalidArgument("git URL '" + url.substr(0, 80) +
                             "' needs a host and a repository path" + hint);
    }
  }
  return {};
}

Status ValidateGitRef(const std::string& ref) {
  const std::string hint = "; use a branch (main), a tag (v1.2) or a commit id";
  if (ref.empty()) return InvalidArgument("git ref is empty" + hint);
  if (ref.size() > 200) return InvalidArgument("git ref is longer than 200 characters");
  if (ref.front() == '-' || ref.front() == '/' || ref.back() == '/' || ref.back() == '.') {
    return InvalidArgument("git ref '" + ref.substr(0, 80) + "' is not a valid ref" + hint);
  }
  for (char c : ref) {
    bool ok =
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '/';
    if (!ok) {
      return InvalidArgument("git ref '" + ref.substr(0, 80) + "' contains '" + std::string(1, c) +
                             "', which Ink does not accept in a ref" + hint);
    }
  }
  if (ref.find("..") != std::string::npos || ref.find("//") != std::string::npos ||
      ref.ends_with(".lock")) {
    return InvalidArgument("git ref '" + ref.substr(0, 80) + "' is not a valid ref" + hint);
  }
  return {};
}

Status ValidateSourcePath(const std::string& path) {
  if (path.size() > 1024) return InvalidArgument("path is longer than 1024 characters");
  for (unsigned char c : path) {
    if (c < 0x20 || c == 0x7f) return InvalidArgument("path contains control characters");
  }
  if (!path.empty() && path.front() == '/') {
    return InvalidArgument("path '" + path.substr(0, 80) +
                           "' is absolute; give a subdirectory relative to the source root, "
                           "e.g. apps/web");
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (path.compare(start, slash - start, "..") == 0 && slash - start == 2) {
      return InvalidArgument("path '" + path.substr(0, 80) +
                             "' leaves the source tree ('..'); give a subdirectory inside it");
    }
    start = slash + 1;
  }
  return {};
}

Status ValidateArchiveId(const std::string& id) {
  bool ok = id.size() > 4 && id.size() <= 64 && id.rfind("arc_", 0) == 0;
  for (size_t i = 4; ok && i < id.size(); ++i) {
    ok = std::islower(static_cast<unsigned char>(id[i])) ||
         std::isdigit(static_cast<unsigned char>(id[i]));
  }
  if (!ok) {
    return InvalidArgument("archive id '" + id.substr(0, 64) +
                           "' is not valid; upload the directory with POST /v1/archives (or "
                           "`ink deploy DIR`) and use the id it returns (arc_...)");
  }
  return {};
}

Json BuildSource::ToJson() const {
  Json j = {{"kind", kind}};
  if (kind == "git") {
    j["url"] = url;
    j["ref"] = ref;
  } else {
    j["archive_id"] = archive_id;
  }
  j["path"] = path;
  return j;
}

Status BuildSource::Validate() const {
  if (kind == "git") {
    INK_RETURN_IF_ERROR(ValidateGitUrl(url));
    if (!ref.empty()) INK_RETURN_IF_ERROR(ValidateGitRef(ref));
  } else if (kind == "archive") {
    INK_RETURN_IF_ERROR(ValidateArchiveId(archive_id));
  } else {
    return InvalidArgument("source kind '" + kind.substr(0, 32) + "' is not git or archive");
  }
  return ValidateSourcePath(path);
}

Result<BuildSource> BuildSource::Parse(const std::string& json_text) {
  auto parsed = ParseJson(json_text);
  if (!parsed.ok()) return InvalidArgument("source is not valid JSON: " + parsed.error().message);
  if (!parsed->is_object()) return InvalidArgument("source is not a JSON object");
  BuildSource s;
  try {
    s.kind = parsed->value("kind", "");
    s.url = parsed->value("url", "");
    s.ref = parsed->value("ref", "");
    s.archive_id = parsed->value("archive_id", "");
    s.path = parsed->value("path", "");
  } catch (const std::exception&) {
    return InvalidArgument("source fields must be strings");
  }
  INK_RETURN_IF_ERROR(s.Validate());
  return s;
}

Result<std::string> BuildSettingsFromInput(const Json& input) {
  Json settings = Json::object();
  for (const char* key : {"start_command", "build_command"}) {
    if (!input.contains(key)) continue;
    if (!input[key].is_string()) return InvalidArgument(std::string(key) + " must be a string");
    std::string value = input[key];
    if (value.size() > 4096) {
      return InvalidArgument(std::string(key) + " is longer than 4096 characters");
    }
    if (value.find('\n') != std::string::npos || value.find('\r') != std::string::npos) {
      return InvalidArgument(std::string(key) +
                             " must be one line; join several commands with && or put them in "
                             "a script in the repository");
    }
    if (value.find('\0') != std::string::npos) {
      return InvalidArgument(std::string(key) + " contains a NUL character");
    }
    settings[key] = value;
  }
  if (input.contains("root_directory")) {
    if (!input["root_directory"].is_string()) {
      return InvalidArgument("root_directory must be a string");
    }
    std::string root = input["root_directory"];
    if (auto s = ValidateSourcePath(root); !s.ok()) {
      return InvalidArgument("root_directory: " + s.error().message);
    }
    settings["root_directory"] = root;
  }
  if (input.contains("port") && input["port"].is_number_integer()) {
    settings["port"] = input["port"];
  }
  if (settings.empty()) return std::string();
  return settings.dump();
}

}  // namespace ink
