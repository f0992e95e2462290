#include "src/build/fetch.h"

#include <algorithm>
#include <csignal>
#include <deque>
#include <filesystem>

#include "ink/build/builder.h"
#include "src/build/build_runner.h"
#include "src/build/source_policy.h"

namespace ink::build {
namespace {

namespace fs = std::filesystem;

// The environment of every git process: nothing from inkd's own environment or config leaks in.
std::map<std::string, std::string> GitEnvironment(const std::string& home,
                                                  const FetchOptions& options) {
  std::string known_hosts =
      options.ssh_known_hosts_file.empty() ? home + "/known_hosts" : options.ssh_known_hosts_file;
  return {
      {"HOME", home},
      {"LANG", "C"},
      {"LC_ALL", "C"},
      {"GIT_ALLOW_PROTOCOL", "file:https:ssh"},
      {"GIT_PROTOCOL_FROM_USER", "0"},
      {"GIT_TERMINAL_PROMPT", "0"},
      {"GIT_ASKPASS", "/bin/false"},
      {"SSH_ASKPASS", "/bin/false"},
      {"GIT_CONFIG_NOSYSTEM", "1"},
      {"GIT_CONFIG_GLOBAL", "/dev/null"},
      {"GIT_LFS_SKIP_SMUDGE", "1"},
      {"GIT_SSH_COMMAND", SshCommand(options.ssh_identity_file, known_hosts)},
      {"GIT_SSH_VARIANT", "ssh"},
  };
}

std::vector<std::string> Git(std::initializer_list<std::string> args) {
  std::vector<std::string> argv = {"git",
                                   "-c",
                                   "protocol.ext.allow=never",
                                   "-c",
                                   "protocol.fd.allow=never",
                                   "-c",
                                   "core.hooksPath=/dev/null",
                                   "-c",
                                   "core.fsmonitor=false",
                                   "-c",
                                   "credential.helper=",
                                   "-c",
                                   "submodule.recurse=false",
                                   "-c",
                                   "advice.detachedHead=false",
                                   "-c",
                                   "init.defaultBranch=main"};
  argv.insert(argv.end(), args);
  return argv;
}

// Maps git's last words to a message a person can act on.
std::string Explain(const std::string& url, const std::string& ref, const std::string& output) {
  auto has = [&](const char* s) { return output.find(s) != std::string::npos; };
  std::string shown_ref = ref.empty() ? "the default branch" : "ref '" + ref + "'";
  if (has("couldn't find remote ref") || has("not our ref") || has("no such ref")) {
    return shown_ref + " does not exist in " + url + "; check the branch, tag or commit";
  }
  if (has("does not appear to be a git repository") || has("not found") ||
      has("Repository not found") || has("does not exist")) {
    return url + " is not a git repository Ink can read; check the URL";
  }
  if (has("Host key verification failed") || has("REMOTE HOST IDENTIFICATION HAS CHANGED")) {
    return "the ssh host key of " + url +
           " differs from the one Ink saw at its first connection for this workspace (kept in "
           "Ink's own known_hosts), so nothing was fetched; if the server's key really changed, "
           "ask the admin to remove the host from DATA/ssh/<workspace id>/known_hosts";
  }
  if (has("Permission denied (publickey") || has("no such identity") ||
      (IsSshUrl(url) && has("Permission denied"))) {
    return url +
           " refused Ink's ssh login: create the workspace's deploy key (`ink deploy-key "
           "create`) and add its public key to the repository (read-only access is enough); "
           "Ink never uses the host's own ssh keys";
  }
  if (has("terminal prompts disabled") || has("could not read Username") ||
      has("Permission denied") || has("Authentication failed")) {
    return url +
           " needs credentials: use an ssh URL with the workspace's deploy key (`ink deploy-key "
           "create`), a public URL, or upload the directory (`ink deploy DIR`)";
  }
  if (has("transport") && has("not allowed")) {
    return url + " uses a transport Ink does not allow (only https, ssh and file)";
  }
  if (has("Could not resolve host") || has("Could not resolve hostname") ||
      has("Name or service not known") || has("Temporary failure in name resolution")) {
    return url + " cannot be reached: its host name does not resolve; check the URL (" +
           output.substr(0, 300) + ")";
  }
  if (has("Connection refused") || has("Failed to connect") || has("Couldn't connect") ||
      has("No route to host") || has("Network is unreachable") || has("timed out") ||
      has("ssh: connect to host")) {
    return url + " cannot be reached: nothing answers at its host and port; check the URL (" +
           output.substr(0, 300) + ")";
  }
  return "git failed for " + url + ": " + output.substr(0, 600);
}

}  // namespace

int64_t TreeBytes(const std::string& root, int64_t cap) {
  int64_t total = 0;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    auto status = it->symlink_status(ec);
    if (!ec && fs::is_regular_file(status)) total += static_cast<int64_t>(it->file_size(ec));
    if (total > cap) break;
  }
  return total;
}

Result<std::string> FetchGit(const BuildSource& source, const std::string& dest,
                             const FetchOptions& options) {
  INK_RETURN_IF_ERROR(source.Validate());
  if (source.kind != "git") return InvalidArgument("not a git source");
  std::string home = dest + "/../git-home";
  std::error_code ec;
  fs::create_directories(home, ec);
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  std::deque<std::string> last_lines;
  std::string size_problem;
  auto last_size_check = std::chrono::steady_clock::now();
  auto run = [&](std::vector<std::string> argv) -> Status {
    RunSpec spec;
    spec.argv = std::move(argv);
    spec.env = GitEnvironment(home, options);
    spec.cwd = dest;
    spec.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (spec.timeout.count() <= 0) spec.timeout = std::chrono::milliseconds(1);
    spec.max_file_bytes = options.limits.max_bytes;
    spec.on_line = [&](std::string_view line) {
      if (options.on_line) options.on_line(line);
      last_lines.emplace_back(line);
      if (last_lines.size() > 8) last_lines.pop_front();
    };
    spec.check = [&]() -> std::string {
      if (options.should_stop && options.should_stop()) return kBuildStopped;
      auto now = std::chrono::steady_clock::now();
      if (now - last_size_check >= std::chrono::seconds(2)) {
        last_size_check = now;
        if (TreeBytes(dest, options.limits.max_bytes) > options.limits.max_bytes) {
          size_problem = "the repository is larger than the limit of " +
                         std::to_string(options.limits.max_bytes) + " bytes";
          return size_problem;
        }
      }
      return "";
    };
    last_lines.clear();
    auto outcome = RunStreaming(spec);
    if (!outcome.ok()) return outcome.error();
    if (outcome->ok()) return {};
    std::string output;
    for (const auto& l : last_lines) output += (output.empty() ? "" : "\n") + l;
    if (outcome->timed_out) {
      return Error{ErrorCode::kDeadlineExceeded,
                   "fetching " + source.url + " took longer than " +
                       std::to_string(options.timeout.count() / 1000) + "s"};
    }
    if (!outcome->stopped.empty()) {
      return Error{size_problem.empty() ? ErrorCode::kUnavailable : ErrorCode::kPayloadTooLarge,
                   "fetching " + source.url + " stopped: " + outcome->stopped};
    }
    if (outcome->term_signal == SIGXFSZ || output.find("File too large") != std::string::npos ||
        output.find("signal 25") != std::string::npos) {
      return Error{ErrorCode::kPayloadTooLarge, "the repository is larger than the limit of " +
                                                    std::to_string(options.limits.max_bytes) +
                                                    " bytes"};
    }
    return InvalidArgument(Explain(source.url, source.ref, output));
  };
  INK_RETURN_IF_ERROR(run(Git({"init", "-q", "--template=", "."})));
  std::string ref = source.ref.empty() ? "HEAD" : source.ref;
  Status fetched = run(Git({"fetch", "-q", "--depth", "1", "--no-tags", "--no-recurse-submodules",
                            "--", source.url, ref}));
  if (!fetched.ok() && fetched.error().code == ErrorCode::kInvalidArgument && ref.size() >= 7 &&
      ref.find_first_not_of("0123456789abcdef") == std::string::npos) {
    // A commit id the server will not serve shallowly: fetch the history and look it up.
    Status full = run(Git({"fetch", "-q", "--no-tags", "--no-recurse-submodules", "--", source.url,
                           "+refs/heads/*:refs/remotes/origin/*"}));
    if (full.ok()) {
      fetched = run(Git({"checkout", "-q", "--detach", ref, "--"}));
      if (!fetched.ok()) {
        return InvalidArgument("commit '" + ref + "' does not exist in " + source.url);
      }
    }
  } else if (fetched.ok()) {
    fetched = run(Git({"checkout", "-q", "--detach", "FETCH_HEAD", "--"}));
  }
  if (!fetched.ok()) return fetched.error();
  std::string commit;
  {
    RunSpec spec;
    spec.argv = Git({"rev-parse", "HEAD"});
    spec.env = GitEnvironment(home, options);
    spec.cwd = dest;
    spec.timeout = std::chrono::seconds(30);
    spec.on_line = [&](std::string_view line) {
      if (commit.empty()) commit = std::string(line);
    };
    (void)RunStreaming(spec);
  }
  fs::remove_all(dest + "/.git", ec);
  fs::remove_all(home, ec);
  auto tree = CheckTree(dest, options.limits);
  if (!tree.ok()) return tree.error();
  return commit;
}

Status ProbeGit(const BuildSource& source, const std::string& scratch,
                const FetchOptions& options) {
  INK_RETURN_IF_ERROR(source.Validate());
  if (source.kind != "git") return InvalidArgument("not a git source");
  bool commit_id = source.ref.size() >= 7 && source.ref.size() <= 64 &&
                   source.ref.find_first_not_of("0123456789abcdef") == std::string::npos;
  std::vector<std::string> argv = Git({"ls-remote", "--exit-code", "--", source.url});
  if (commit_id) {
    argv.erase(std::find(argv.begin(), argv.end(), "--exit-code"));
  } else {
    argv.push_back(source.ref.empty() ? "HEAD" : source.ref);
  }
  std::deque<std::string> last_lines;
  RunSpec spec;
  spec.argv = std::move(argv);
  spec.env = GitEnvironment(scratch, options);
  spec.cwd = scratch;
  spec.timeout = options.timeout;
  spec.max_file_bytes = 1 << 20;  // ls-remote writes nothing; ssh's known_hosts stays small
  spec.on_line = [&](std::string_view line) {
    last_lines.emplace_back(line);
    if (last_lines.size() > 8) last_lines.pop_front();
  };
  spec.check = [&]() -> std::string {
    return options.should_stop && options.should_stop() ? kBuildStopped : "";
  };
  auto outcome = RunStreaming(spec);
  if (!outcome.ok()) return outcome.error();
  if (outcome->ok()) return {};
  if (outcome->timed_out) {
    return Unavailable(source.url + " did not answer within " +
                       std::to_string(options.timeout.count() / 1000) +
                       "s; check the host and that it serves git");
  }
  if (!outcome->stopped.empty()) return Unavailable("checking " + source.url + " stopped");
  if (outcome->exit_code == 2) {  // --exit-code: the repository answered without that ref
    if (source.ref.empty()) {
      return InvalidArgument(source.url +
                             " has no default branch (an empty repository?); push a commit or "
                             "give ref");
    }
    return InvalidArgument("ref '" + source.ref + "' does not exist in " + source.url +
                           "; check the branch, tag or commit");
  }
  std::string output;
  for (const auto& l : last_lines) output += (output.empty() ? "" : "\n") + l;
  return InvalidArgument(Explain(source.url, source.ref, output));
}

Result<std::string> ResolveSubdirectory(const std::string& root, const std::string& path) {
  std::error_code ec;
  fs::path base = fs::canonical(root, ec);
  if (ec) return Internal("cannot resolve " + root + ": " + ec.message());
  if (path.empty()) return base.string();
  INK_RETURN_IF_ERROR(ValidateSourcePath(path));
  fs::path resolved = fs::canonical(base / path, ec);
  if (ec) {
    return InvalidArgument("path '" + path.substr(0, 200) + "' does not exist in the source");
  }
  std::string r = resolved.string();
  if (r != base.string() && r.rfind(base.string() + "/", 0) != 0) {
    return InvalidArgument("path '" + path.substr(0, 200) +
                           "' leads out of the source tree through a symbolic link");
  }
  if (!fs::is_directory(resolved, ec)) {
    return InvalidArgument("path '" + path.substr(0, 200) + "' is not a directory in the source");
  }
  return r;
}

}  // namespace ink::build
