#include "registry_check.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "ink/common/encoding.h"
#include "ink/common/image_reference.h"
#include "ink/common/json.h"

namespace ink::runtime_internal {
namespace {

constexpr auto kCheckDeadline = std::chrono::seconds(30);

// A 0600 file holding the auth document; removed when this goes.
class AuthFile {
 public:
  AuthFile(const std::string& registry, const RegistryAuth& auth) {
    char path[] = "/tmp/ink-auth-XXXXXX";
    int fd = ::mkstemp(path);  // mode 0600
    if (fd < 0) return;
    std::string doc =
        Json{{"auths", {{registry, {{"auth", Base64Encode(auth.username + ":" + auth.password)}}}}}}
            .dump();
    bool written = ::write(fd, doc.data(), doc.size()) == static_cast<ssize_t>(doc.size());
    ::close(fd);
    path_ = path;
    if (!written) {
      ::unlink(path_.c_str());
      path_.clear();
    }
  }
  ~AuthFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  AuthFile(const AuthFile&) = delete;
  AuthFile& operator=(const AuthFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;  // "" if it could not be written
};

std::string Head(const std::string& text, size_t n) {
  return text.substr(0, std::min(n, text.size()));
}

}  // namespace

Status CheckRegistryImage(ProcessRunner& runner, const std::string& reference,
                          const std::optional<RegistryAuth>& auth) {
  auto parsed = ParseImageReference(reference);
  if (!parsed.ok()) return parsed.error();
  const std::string host = parsed->PullRegistry();
  ProcessSpec spec;
  spec.argv = {"skopeo", "inspect", "--raw", "--retry-times", "0"};
  if (IsLoopbackRegistry(host)) spec.argv.push_back("--tls-verify=false");
  std::optional<AuthFile> file;
  if (auth) {
    file.emplace(parsed->registry.empty() ? host : parsed->registry, *auth);
    if (file->path().empty()) return Unavailable("cannot write a registry auth file in /tmp");
    spec.argv.insert(spec.argv.end(), {"--authfile", file->path()});
  } else {
    spec.argv.push_back("--no-creds");  // never the host's own credentials
  }
  spec.argv.push_back("docker://" + reference);
  spec.deadline = kCheckDeadline;
  spec.max_output_bytes = 16 << 10;
  auto run = runner.Run(spec);
  if (!run.ok()) return Unavailable("cannot check the image: " + run.error().message);
  if (run->ok()) return {};
  const std::string& out = run->output;
  auto has = [&](const char* s) { return out.find(s) != std::string::npos; };
  if (run->timed_out) {
    return Unavailable("registry " + host + " did not answer within 30s; check that it is up");
  }
  if (has("unauthorized") || has("authentication required") || has("401") || has("denied")) {
    return InvalidArgument(
        "registry " + host + " refused access to '" + reference + "'" +
        (auth ? " with the stored credentials; update them" : "; it needs credentials") +
        ": run `ink registry login " + host + " --username USER --password-stdin`");
  }
  if (has("manifest unknown") || has("not found") || has("NAME_UNKNOWN") || has("404")) {
    return InvalidArgument("image '" + reference + "' was not found in registry " + host +
                           "; check the repository name and tag");
  }
  if (has("connection refused") || has("no such host") || has("dial tcp")) {
    return InvalidArgument("registry " + host + " cannot be reached (" + Head(out, 200) +
                           "); check the host and port of the image reference");
  }
  return InvalidArgument("image '" + reference + "' cannot be used: " + Head(out, 300));
}

}  // namespace ink::runtime_internal
