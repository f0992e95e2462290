#include "ink/common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>

extern char** environ;

namespace ink {
namespace {

// argv[0] resolved against PATH in the parent (the child may only make async-signal-safe calls).
std::string ResolveProgram(const std::string& name, const std::string& path_var) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  size_t start = 0;
  while (start <= path_var.size()) {
    size_t colon = path_var.find(':', start);
    if (colon == std::string::npos) colon = path_var.size();
    std::string candidate =
        (colon > start ? path_var.substr(start, colon - start) : std::string(".")) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = colon + 1;
  }
  return "";
}

std::string InheritedPath() {
  const char* path = std::getenv("PATH");
  return path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

void CloseIfOpen(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Splits output into lines for on_line, cutting over-long ones.
class LineSplitter {
 public:
  LineSplitter(const ProcessSpec& spec) : spec_(spec) {}
  void Feed(const char* data, size_t size) {
    for (size_t i = 0; i < size; ++i) {
      char c = data[i];
      if (c == '\n') {
        if (!cutting_) Emit();
        cutting_ = false;
        line_.clear();
        continue;
      }
      if (cutting_) continue;
      line_.push_back(c);
      if (line_.size() >= spec_.max_line_bytes) {
        line_ += " [line cut]";
        Emit();
        cutting_ = true;
      }
    }
  }
  void Finish() {
    if (!line_.empty() && !cutting_) Emit();
  }

 private:
  void Emit() {
    spec_.on_line(line_);
    line_.clear();
  }
  const ProcessSpec& spec_;
  std::string line_;
  bool cutting_ = false;  // dropping the rest of an over-long line
};

class SystemRunner : public ProcessRunner {
 public:
  Result<ProcessResult> Run(const ProcessSpec& spec) override {
    if (spec.argv.empty()) return InvalidArgument("no program to run");
    std::vector<std::string> env_strings;
    std::string path_var;
    if (spec.env) {
      std::map<std::string, std::string> env = *spec.env;
      if (!env.count("PATH")) env["PATH"] = InheritedPath();
      path_var = env["PATH"];
      for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    } else {
      path_var = InheritedPath();
      for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
    }
    std::string program = ResolveProgram(spec.argv[0], path_var);
    if (program.empty()) {
      return Unavailable("cannot run " + spec.argv[0] + ": not found in PATH or not executable");
    }
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<char*> args;
    for (const auto& a : spec.argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    int out_pipe[2] = {-1, -1}, in_pipe[2] = {-1, -1};
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) return Internal(std::string("pipe: ") + strerror(errno));
    if (!spec.stdin_data.empty() && ::pipe2(in_pipe, O_CLOEXEC) != 0) {
      CloseIfOpen(out_pipe[0]), CloseIfOpen(out_pipe[1]);
      return Internal(std::string("pipe: ") + strerror(errno));
    }
    int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    rlimit fsize{static_cast<rlim_t>(spec.max_file_bytes),
                 static_cast<rlim_t>(spec.max_file_bytes)};
    const char* cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();
    const pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
      int err = errno;
      CloseIfOpen(out_pipe[0]), CloseIfOpen(out_pipe[1]);
      CloseIfOpen(in_pipe[0]), CloseIfOpen(in_pipe[1]);
      CloseIfOpen(devnull);
      return Internal(std::string("fork: ") + strerror(err));
    }
    if (pid == 0) {
      // Child: async-signal-safe calls only.
      ::setpgid(0, 0);
      if (spec.die_with_parent) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(125);  // the parent died before prctl
      }
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::signal(SIGPIPE, SIG_DFL);
      ::dup2(in_pipe[0] >= 0 ? in_pipe[0] : devnull, 0);
      ::dup2(out_pipe[1], 1);
      ::dup2(spec.discard_stderr ? devnull : out_pipe[1], 2);
      // Nothing else of inkd's reaches the program (sockets and files without O_CLOEXEC, e.g.
      // asio's listeners): a daemon it leaves behind (podman's aardvark-dns) would otherwise
      // keep inkd's API port bound after inkd dies, and a restarted inkd could not listen.
      ::close_range(3, ~0U, 0);
      if (spec.max_file_bytes > 0) ::setrlimit(RLIMIT_FSIZE, &fsize);
      if (cwd != nullptr && ::chdir(cwd) != 0) ::_exit(126);
      ::execve(program.c_str(), args.data(), envp.data());
      ::_exit(127);
    }
    ::setpgid(pid, pid);  // also from the parent, so the group exists before any kill
    CloseIfOpen(out_pipe[1]);
    CloseIfOpen(in_pipe[0]);
    CloseIfOpen(devnull);
    int to_child = in_pipe[1];
    if (to_child >= 0) ::fcntl(to_child, F_SETFL, O_NONBLOCK);
    size_t stdin_written = 0;

    ProcessResult result;
    using SteadyClock = std::chrono::steady_clock;  // the runner is the real world's edge
    const auto deadline = SteadyClock::now() + spec.deadline;
    SteadyClock::time_point kill_at{};
    bool terminating = false;
    auto terminate = [&] {
      if (terminating) return;
      terminating = true;
      ::kill(-pid, SIGTERM);
      kill_at = SteadyClock::now() + spec.kill_grace;
    };
    std::optional<LineSplitter> lines;
    if (spec.on_line) lines.emplace(spec);
    char buf[16384];
    while (true) {
      auto now = SteadyClock::now();
      if (!terminating && now >= deadline) {
        result.timed_out = true;
        terminate();
      }
      if (terminating && now >= kill_at) ::kill(-pid, SIGKILL);
      if (!terminating && spec.check) {
        std::string reason = spec.check();
        if (!reason.empty()) {
          result.stopped = reason;
          terminate();
        }
      }
      auto until = terminating ? kill_at : deadline;
      int wait_ms = static_cast<int>(std::clamp<int64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count() + 1, 1,
          spec.check ? 250 : 1000));
      pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {to_child, POLLOUT, 0}};
      int n = ::poll(fds, to_child >= 0 ? 2 : 1, wait_ms);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) continue;
      if (to_child >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
        ssize_t wrote = ::write(to_child, spec.stdin_data.data() + stdin_written,
                                spec.stdin_data.size() - stdin_written);
        if (wrote > 0) stdin_written += static_cast<size_t>(wrote);
        if ((wrote < 0 && errno != EAGAIN && errno != EINTR) ||
            stdin_written == spec.stdin_data.size()) {
          CloseIfOpen(to_child);
        }
      }
      if (!(fds[0].revents & (POLLIN | POLLERR | POLLHUP))) continue;
      ssize_t got = ::read(out_pipe[0], buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      size_t size = static_cast<size_t>(got);
      size_t room = spec.max_output_bytes - std::min(spec.max_output_bytes, result.output.size());
      if (size > room) result.output_truncated = true;
      result.output.append(buf, std::min(size, room));
      if (lines) lines->Feed(buf, size);
    }
    if (lines) lines->Finish();
    CloseIfOpen(out_pipe[0]);
    CloseIfOpen(to_child);
    // The pipe closed: the leader (and anything that held the pipe) is done or dying.
    int status = 0;
    while (true) {
      pid_t r = ::waitpid(pid, &status, terminating ? WNOHANG : 0);
      if (r == pid) break;
      if (r < 0 && errno != EINTR) break;
      if (r == 0) {
        if (SteadyClock::now() >= kill_at) ::kill(-pid, SIGKILL);
        ::usleep(20 * 1000);
      }
    }
    if (terminating) ::kill(-pid, SIGKILL);  // leftovers of the group
    if (WIFEXITED(status) && !terminating) {
      result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result.term_signal = WTERMSIG(status);
    }
    if (WIFEXITED(status) && terminating) result.exit_code = -1;
    return result;
  }
};

}  // namespace

ProcessRunner& SystemProcessRunner() {
  static SystemRunner runner;
  return runner;
}

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout) {
  return SystemProcessRunner().Run({.argv = argv, .deadline = timeout});
}

bool ProcessRunning(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  size_t paren = line.rfind(')');  // the command name may hold spaces and parentheses
  return paren != std::string::npos && line.size() > paren + 2 && line[paren + 2] != 'Z';
}

}  // namespace ink
