// The rclone ObjectStore: each call is one rclone run (lsf, rcat, cat, lsjson, deletefile) on
// the remote RcloneEnvironment defines, with `--config ""` (no config file read or written) and
// an environment of only that remote (inkd's own variables, AWS_CA_BUNDLE among them, never reach
// it: rclone 1.60 fails with LoadCustomCABundleError when that one is set). rclone's errors are
// mapped to codes a user can act on: no such bucket, credentials refused, endpoint unreachable.
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "ink/common/json.h"
#include "ink/common/subprocess.h"
#include "ink/storage/object_store.h"

namespace ink::storage {
namespace {

constexpr size_t kMaxStderrBytes = 16 << 10;
constexpr size_t kMaxListingBytes = 32 << 20;

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// The last line rclone printed, without its timestamp and the "Failed to X with N errors: last
// error was:" wrapping, at most 300 characters.
std::string LastWords(const std::string& output) {
  std::string line;
  size_t end = output.size();
  while (end > 0) {
    size_t start = output.rfind('\n', end - 1);
    start = start == std::string::npos ? 0 : start + 1;
    line = output.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty() && line.find_first_not_of(" \t") != std::string::npos &&
        !line.starts_with("\t")) {
      break;
    }
    line.clear();
    end = start == 0 ? 0 : start - 1;
  }
  // "2026/12/08 01:32:25 ERROR : ..." → "ERROR : ..."
  if (line.size() > 20 && line[4] == '/' && line[7] == '/' && line[13] == ':') line = line.substr(20);
  constexpr std::string_view kWrapped = "last error was: ";
  if (size_t at = line.find(kWrapped); at != std::string::npos) {
    line = line.substr(at + kWrapped.size());
  }
  return line.substr(0, 300);
}

class RcloneObjectStore final : public ObjectStore {
 public:
  RcloneObjectStore(StorageConfig config, const RcloneOptions& options)
      : config_(std::move(config)), options_(options), env_(RcloneEnvironment(config_)) {}

  Status Check() override {
    auto ran = Run({"lsf", "--max-depth", "1", "--dirs-only", RclonePath(config_, "")});
    // A prefix that holds nothing yet lists empty: "not found" here is the bucket.
    if (!ran.ok() && ran.error().code == ErrorCode::kNotFound) {
      return NotFound("bucket '" + config_.bucket +
                      "' does not exist at the storage's endpoint; create it first (Ink never "
                      "creates buckets)");
    }
    if (!ran.ok()) return ran.error();
    return {};
  }

  Status Put(const std::string& key, int source_fd) override {
    INK_RETURN_IF_ERROR(ValidateObjectKey(key));
    return Stream({"rcat", RclonePath(config_, key)}, ChildStream::Fd(source_fd),
                  ChildStream::Null(), "upload " + key);
  }

  Status Get(const std::string& key, int sink_fd) override {
    // `rclone cat` of a missing object prints nothing and succeeds: ask first.
    auto found = Stat(key);
    if (!found.ok()) return found.error();
    return Stream({"cat", RclonePath(config_, key)}, ChildStream::Null(), ChildStream::Fd(sink_fd),
                  "download " + key);
  }

  Result<ObjectInfo> Stat(const std::string& key) override {
    INK_RETURN_IF_ERROR(ValidateObjectKey(key));
    auto ran = Run({"lsjson", "--stat", "--files-only", "--no-mimetype", "--no-modtime",
                    RclonePath(config_, key)});
    if (!ran.ok()) return ran.error();
    Json stat = Json::parse(*ran, nullptr, false);
    if (stat.is_null()) {
      return NotFound("object '" + key + "' is not in bucket '" + config_.bucket + "'");
    }
    if (!stat.is_object() || !stat.contains("Size") || !stat["Size"].is_number_integer()) {
      return Unavailable("rclone lsjson answered something other than an object for " + key);
    }
    return ObjectInfo{.key = key, .size_bytes = stat["Size"].get<int64_t>()};
  }

  Result<std::vector<ObjectInfo>> List(const std::string& dir) override {
    if (!dir.empty()) INK_RETURN_IF_ERROR(ValidateObjectKey(dir));
    auto ran = Run({"lsjson", "-R", "--files-only", "--no-mimetype", "--no-modtime",
                    RclonePath(config_, dir)},
                   kMaxListingBytes);
    if (!ran.ok()) return ran.error();
    Json list = Json::parse(*ran, nullptr, false);
    if (!list.is_array()) {
      return Unavailable("rclone lsjson answered something other than a list for '" + dir + "'");
    }
    std::vector<ObjectInfo> out;
    for (const Json& item : list) {
      if (!item.is_object() || !item.contains("Path") || !item["Path"].is_string()) continue;
      std::string path = item["Path"];
      int64_t size = item.value("Size", int64_t{0});
      out.push_back({.key = dir.empty() ? path : dir + "/" + path, .size_bytes = size});
    }
    std::sort(out.begin(), out.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return out;
  }

  Status Delete(const std::string& key) override {
    INK_RETURN_IF_ERROR(ValidateObjectKey(key));
    auto ran = Run({"deletefile", RclonePath(config_, key)});
    if (!ran.ok() && ran.error().code == ErrorCode::kNotFound) return {};
    if (!ran.ok()) return ran.error();
    return {};
  }

 private:
  std::vector<std::string> Argv(std::vector<std::string> command) const {
    std::vector<std::string> argv = {options_.binary,
                                     "--config",
                                     "",
                                     "--log-level",
                                     "ERROR",
                                     "--contimeout",
                                     std::to_string(options_.connect_timeout_seconds) + "s",
                                     "--timeout",
                                     std::to_string(options_.io_timeout_seconds) + "s",
                                     "--retries",
                                     "1",
                                     "--low-level-retries",
                                     "3"};
    argv.insert(argv.end(), command.begin(), command.end());
    return argv;
  }

  // rclone's failure as an Error: the bucket, the credentials, the network, or its own words.
  Error Failure(int exit_code, const std::string& output, const std::string& what) const {
    const std::string said = LastWords(output);
    const std::string bucket = "bucket '" + config_.bucket + "'";
    if (Contains(output, "InvalidAccessKeyId") || Contains(output, "SignatureDoesNotMatch") ||
        Contains(output, "AccessDenied") || Contains(output, "status code: 403") ||
        Contains(output, "AuthenticationFailed") || Contains(output, "AuthorizationFailure") ||
        Contains(output, "invalid_grant") || Contains(output, "Error 403") ||
        Contains(output, "Error 401")) {
      return PermissionDenied("the storage refused the credentials for " + bucket + " (" + said +
                              "); check them and set the storage again");
    }
    if (Contains(output, "NoSuchBucket") || Contains(output, "ContainerNotFound") ||
        Contains(output, "bucket does not exist") || Contains(output, "Error 404")) {
      return NotFound(bucket + " does not exist at the storage's endpoint; create it first (Ink "
                               "never creates buckets)");
    }
    if (Contains(output, "doesn't exist") || Contains(output, "object not found")) {
      return NotFound("object for " + what + " is not in " + bucket);
    }
    if (exit_code == 3 || Contains(output, "directory not found")) {
      return NotFound(bucket + " (or the prefix) does not exist; create the bucket first (Ink "
                               "never creates buckets)");
    }
    if (Contains(output, "connection refused") || Contains(output, "no such host") ||
        Contains(output, "i/o timeout") || Contains(output, "dial tcp") ||
        Contains(output, "certificate")) {
      return Unavailable("cannot reach the storage endpoint for " + bucket + " (" + said + ")");
    }
    return Unavailable("rclone could not " + what + " (exit " + std::to_string(exit_code) +
                       "): " + said);
  }

  // Runs one short command; its stdout on success.
  Result<std::string> Run(std::vector<std::string> command,
                          size_t max_output = 4 << 20) const {
    std::string what = command.front();
    ProcessSpec spec;
    spec.argv = Argv(std::move(command));
    spec.env = env_;
    spec.deadline = std::chrono::seconds(options_.command_timeout_seconds);
    spec.max_output_bytes = max_output;
    // stdout is the answer; rclone's errors are on stderr, so run once with both and split by
    // the exit code: on failure the output is the error text.
    auto ran = SystemProcessRunner().Run(spec);
    if (!ran.ok()) {
      return Unavailable("cannot run rclone (install Debian's rclone package): " +
                         ran.error().message);
    }
    if (ran->timed_out) {
      return Unavailable("rclone " + what + " took longer than " +
                         std::to_string(options_.command_timeout_seconds) + " s");
    }
    if (ran->exit_code != 0) return Failure(ran->exit_code, ran->output, what);
    if (ran->output_truncated) {
      return Unavailable("rclone " + what + " answered more than " +
                         std::to_string(max_output >> 20) + " MiB");
    }
    return std::move(ran->output);
  }

  // Runs a transfer with the given stdin and stdout, collecting stderr.
  Status Stream(std::vector<std::string> command, ChildStream in, ChildStream out,
                const std::string& what) const {
    ChildSpec spec;
    spec.argv = Argv(std::move(command));
    spec.env = env_;
    spec.in = in;
    spec.out = out;
    spec.err = ChildStream::Pipe();
    auto child = Child::Start(spec);
    if (!child.ok()) {
      return Unavailable("cannot run rclone (install Debian's rclone package): " +
                         child.error().message);
    }
    std::string errors;
    char buffer[4096];
    while (true) {
      ssize_t n = ::read(child->stderr_fd(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      errors.append(buffer, static_cast<size_t>(n));
      if (errors.size() > kMaxStderrBytes) errors.erase(0, errors.size() - kMaxStderrBytes);
    }
    ChildExit exit = child->Wait();
    if (!exit.ok()) return Failure(exit.exit_code, errors, what);
    return {};
  }

  const StorageConfig config_;
  const RcloneOptions options_;
  const std::map<std::string, std::string> env_;
};

class RcloneFactory final : public ObjectStoreFactory {
 public:
  explicit RcloneFactory(RcloneOptions options) : options_(std::move(options)) {}
  Result<std::unique_ptr<ObjectStore>> Open(const StorageConfig& config) override {
    INK_RETURN_IF_ERROR(ValidateStorageConfig(config));
    return std::unique_ptr<ObjectStore>(std::make_unique<RcloneObjectStore>(config, options_));
  }

 private:
  const RcloneOptions options_;
};

}  // namespace

std::unique_ptr<ObjectStoreFactory> MakeRcloneObjectStoreFactory(RcloneOptions options) {
  return std::make_unique<RcloneFactory>(std::move(options));
}

}  // namespace ink::storage
