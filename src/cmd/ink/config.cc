#include "config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ink/common/json.h"

namespace ink::cli {
namespace {

std::string ErrnoText() { return std::strerror(errno); }

// Creates `dir` and its missing parents with mode 0700.
Status MakeDirs(const std::string& dir) {
  if (dir.empty()) return Status();
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status();
    return InvalidArgument("config directory " + dir + " exists but is not a directory");
  }
  size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) INK_RETURN_IF_ERROR(MakeDirs(dir.substr(0, slash)));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Internal("cannot create config directory " + dir + ": " + ErrnoText());
  }
  return Status();
}

Status WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal("write failed: " + ErrnoText());
    done += static_cast<size_t>(n);
  }
  return Status();
}

}  // namespace

Result<std::string> ConfigPath(const EnvLookup& env) {
  if (auto path = env("INK_CONFIG"); path && !path->empty()) return *path;
  auto home = env("HOME");
  if (!home || home->empty()) {
    return InvalidArgument("cannot find the config file: set INK_CONFIG or HOME");
  }
  return *home + "/.config/ink/config.json";
}

Result<Config> ReadConfigFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("config file " + path + " does not exist");
    return Internal("cannot read config file " + path + ": " + ErrnoText());
  }
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || text.size() > (1 << 20)) {
      ::close(fd);
      return Internal("cannot read config file " + path + ": " +
                      (n < 0 ? ErrnoText() : std::string("larger than 1 MiB")));
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  auto json = ParseJson(text);
  if (!json.ok() || !json->is_object()) {
    return InvalidArgument("config file " + path +
                           " is not a JSON object {\"api_url\", \"token\"}; fix it or run "
                           "`ink login` again");
  }
  Config config;
  auto field = [&](const char* name, std::string& out) -> Status {
    auto it = json->find(name);
    if (it == json->end()) return Status();
    if (!it->is_string()) {
      return InvalidArgument("config file " + path + ": \"" + name + "\" must be a string");
    }
    out = it->get<std::string>();
    return Status();
  };
  INK_RETURN_IF_ERROR(field("api_url", config.api_url));
  INK_RETURN_IF_ERROR(field("token", config.token));
  return config;
}

Result<Config> LoadConfig(const EnvLookup& env) {
  Config config;
  auto path = ConfigPath(env);
  std::string file_note;
  if (path.ok()) {
    auto from_file = ReadConfigFile(*path);
    if (from_file.ok()) {
      config = *from_file;
    } else if (from_file.error().code == ErrorCode::kNotFound) {
      file_note = "no config file at " + *path;
    } else {
      return from_file.error();
    }
  } else {
    file_note = path.error().message;
  }
  if (auto url = env("INK_API_URL"); url && !url->empty()) config.api_url = *url;
  if (auto token = env("INK_TOKEN"); token && !token->empty()) config.token = *token;
  if (config.api_url.empty() || config.token.empty()) {
    std::string missing = config.api_url.empty() && config.token.empty()
                              ? "inkd's address and a token"
                          : config.api_url.empty() ? "inkd's address"
                                                   : "a token";
    std::string message = "not logged in: missing " + missing;
    if (!file_note.empty()) message += " (" + file_note + ")";
    return Unauthenticated(message + ".\n" + LoginHint());
  }
  auto url = NormalizeApiUrl(config.api_url);
  if (!url.ok()) return url.error();
  config.api_url = *url;
  return config;
}

Result<std::string> NormalizeApiUrl(std::string url) {
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  if (!url.starts_with("http://") && !url.starts_with("unix://")) {
    return InvalidArgument("API URL '" + url +
                           "' must start with http:// (e.g. http://127.0.0.1:7070) or unix://");
  }
  return url;
}

Status WriteConfigFile(const std::string& path, const Config& config) {
  size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) INK_RETURN_IF_ERROR(MakeDirs(path.substr(0, slash)));
  Json json = {{"api_url", config.api_url}, {"token", config.token}};
  std::string data = json.dump(2) + "\n";
  std::string temp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Internal("cannot write config file " + temp + ": " + ErrnoText());
  Status written = WriteAll(fd, data);
  // fchmod covers a umask that removed bits and a temp file left over with other modes.
  if (written.ok() && ::fchmod(fd, 0600) != 0) written = Internal("chmod failed: " + ErrnoText());
  if (written.ok() && ::fsync(fd) != 0) written = Internal("fsync failed: " + ErrnoText());
  ::close(fd);
  if (written.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    written = Internal("cannot replace " + path + ": " + ErrnoText());
  }
  if (!written.ok()) {
    ::unlink(temp.c_str());
    return Internal("cannot write config file " + path + ": " + written.error().message);
  }
  return Status();
}

std::string LoginHint() {
  return "Log in with:\n"
         "  ink login --api-url http://127.0.0.1:7070 --token-file <inkd data dir>/admin-token\n"
         "(the first admin token is in the file `admin-token` in inkd's data directory), or set "
         "INK_API_URL and INK_TOKEN.";
}

}  // namespace ink::cli
