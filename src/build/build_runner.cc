#include "src/build/build_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace ink::build {
namespace {

// argv[0] resolved against PATH in the parent (the child may only make async-signal-safe calls).
std::string ResolveProgram(const std::string& name, const std::string& path_var) {
  if (name.find('/') != std::string::npos) return name;
  size_t start = 0;
  while (start <= path_var.size()) {
    size_t colon = path_var.find(':', start);
    if (colon == std::string::npos) colon = path_var.size();
    std::string dir = path_var.substr(start, colon - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = colon + 1;
  }
  return "";
}

void KillGroup(pid_t pid, int sig) { ::kill(-pid, sig); }

}  // namespace

Result<RunOutcome> RunStreaming(const RunSpec& spec) {
  if (spec.argv.empty()) return InvalidArgument("no program to run");
  std::map<std::string, std::string> env = spec.env;
  if (!env.count("PATH")) {
    const char* path = std::getenv("PATH");
    env["PATH"] = path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  }
  std::string program = ResolveProgram(spec.argv[0], env["PATH"]);
  if (program.empty()) return Unavailable("cannot run " + spec.argv[0] + ": not found in PATH");
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (const auto& a : spec.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return Internal(std::string("pipe: ") + strerror(errno));
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  rlimit fsize{static_cast<rlim_t>(spec.max_file_bytes), static_cast<rlim_t>(spec.max_file_bytes)};
  const char* cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    if (devnull >= 0) ::close(devnull);
    return Internal(std::string("fork: ") + strerror(errno));
  }
  if (pid == 0) {
    // Child: async-signal-safe calls only.
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(pipefd[1], 1);
    ::dup2(pipefd[1], 2);
    if (spec.max_file_bytes > 0) ::setrlimit(RLIMIT_FSIZE, &fsize);
    if (cwd != nullptr && ::chdir(cwd) != 0) ::_exit(126);
    ::execve(program.c_str(), args.data(), envp.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from the parent, so the group exists before any kill
  ::close(pipefd[1]);
  if (devnull >= 0) ::close(devnull);

  RunOutcome outcome;
  auto deadline = std::chrono::steady_clock::now() + spec.timeout;
  std::chrono::steady_clock::time_point kill_at{};  // SIGKILL after a SIGTERM that was ignored
  bool terminating = false;
  std::string line;
  bool cutting = false;  // dropping the rest of an over-long line
  auto emit = [&] {
    if (spec.on_line) spec.on_line(line);
    line.clear();
  };
  auto terminate = [&] {
    if (terminating) return;
    terminating = true;
    KillGroup(pid, SIGTERM);
    kill_at = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  };
  char buf[16384];
  while (true) {
    auto now = std::chrono::steady_clock::now();
    if (!terminating && now >= deadline) {
      outcome.timed_out = true;
      terminate();
    }
    if (terminating && now >= kill_at) KillGroup(pid, SIGKILL);
    if (!terminating && spec.check) {
      std::string reason = spec.check();
      if (!reason.empty()) {
        outcome.stopped = reason;
        terminate();
      }
    }
    pollfd p{pipefd[0], POLLIN, 0};
    int n = ::poll(&p, 1, 250);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) continue;
    ssize_t got = ::read(pipefd[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    for (ssize_t i = 0; i < got; ++i) {
      char c = buf[i];
      if (c == '\n') {
        if (!cutting) emit();
        cutting = false;
        line.clear();
        continue;
      }
      if (cutting) continue;
      line.push_back(c);
      if (line.size() >= spec.max_line_bytes) {
        line += " [line cut]";
        emit();
        cutting = true;
      }
    }
  }
  if (!line.empty() && !cutting) emit();
  ::close(pipefd[0]);
  // The pipe closed: the group leader (and anything holding the pipe) is done or dying.
  int status = 0;
  while (true) {
    pid_t r = ::waitpid(pid, &status, terminating ? WNOHANG : 0);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) break;
    if (r == 0) {
      if (std::chrono::steady_clock::now() >= kill_at) KillGroup(pid, SIGKILL);
      ::usleep(50 * 1000);
    }
  }
  if (terminating) KillGroup(pid, SIGKILL);  // leftovers of the group
  if (WIFEXITED(status)) {
    outcome.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    outcome.term_signal = WTERMSIG(status);
  }
  return outcome;
}

}  // namespace ink::build
