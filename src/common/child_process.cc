// Child: the one place where Ink forks and execs (see ink/common/subprocess.h).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "ink/common/subprocess.h"

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

// The descriptors of one start: pipes (both ends), /dev/null and the error-report pipe. The
// parent keeps the ends it hands to the Child; the destructor closes the rest.
struct Descriptors {
  int pipes[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};  // by stream number; [0] read, [1] write
  int devnull = -1;
  int report[2] = {-1, -1};  // the child writes errno here if exec fails (CLOEXEC: EOF on exec)
  ~Descriptors() {
    for (auto& p : pipes) CloseIfOpen(p[0]), CloseIfOpen(p[1]);
    CloseIfOpen(devnull), CloseIfOpen(report[0]), CloseIfOpen(report[1]);
  }
};

// In the child, after fork: async-signal-safe calls only. Reports errno on `report` and exits
// if the program cannot be started.
[[noreturn]] void ExecChild(const ChildSpec& spec, const int source[3], int report, pid_t parent,
                            const char* program, char* const* argv, char* const* envp,
                            const rlimit& fsize) {
  auto fail = [report](int err) {
    ssize_t ignored = ::write(report, &err, sizeof err);
    (void)ignored;
    ::_exit(127);
  };
  if (spec.new_session) {
    ::setsid();
  } else if (!spec.keep_parent_group) {
    ::setpgid(0, 0);
  }
  if (spec.die_with_parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(125);  // the parent died before prctl
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int s = 1; s < NSIG; ++s) {
    if (s != SIGKILL && s != SIGSTOP) ::signal(s, SIG_DFL);  // inkd ignores SIGPIPE, ...
  }
  // A source that is itself 0, 1 or 2 could be overwritten by an earlier dup2: lift it first.
  int from[3];
  for (int i = 0; i < 3; ++i) {
    from[i] = source[i];
    if (from[i] >= 0 && from[i] < 3 && from[i] != i) from[i] = ::fcntl(from[i], F_DUPFD, 3);
  }
  for (int i = 0; i < 3; ++i) {
    if (from[i] == i) {
      ::fcntl(i, F_SETFD, 0);  // inkd's own, kept open across exec
    } else if (from[i] >= 0 && ::dup2(from[i], i) < 0) {
      fail(errno);
    }
  }
  // Nothing else of inkd's reaches the program (sockets and files without O_CLOEXEC, e.g.
  // asio's listeners): a daemon it leaves behind (podman's aardvark-dns) would otherwise keep
  // inkd's API port bound after inkd dies, and a restarted inkd could not listen. The report
  // pipe stays, closed by exec.
  if (report > 3) ::close_range(3, report - 1, 0);
  ::close_range(report + 1, ~0U, 0);
  if (spec.max_file_bytes > 0) ::setrlimit(RLIMIT_FSIZE, &fsize);
  if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) fail(errno);
  ::execve(program, argv, envp);
  fail(errno);
  ::_exit(127);
}

}  // namespace

Result<Child> Child::Start(const ChildSpec& spec) {
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

  Descriptors d;
  auto os_error = [](const char* what) {
    return Internal(std::string(what) + ": " + std::strerror(errno));
  };
  const ChildStream* streams[3] = {&spec.in, &spec.out, &spec.err};
  int source[3] = {-1, -1, -1};
  for (int i = 0; i < 3; ++i) {
    switch (streams[i]->kind) {
      case ChildStream::Kind::kNull:
        if (d.devnull < 0) d.devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        if (d.devnull < 0) return os_error("open /dev/null");
        source[i] = d.devnull;
        break;
      case ChildStream::Kind::kInherit:
        source[i] = i;
        break;
      case ChildStream::Kind::kPipe:
        if (::pipe2(d.pipes[i], O_CLOEXEC) != 0) return os_error("pipe");
        source[i] = d.pipes[i][i == 0 ? 0 : 1];
        break;
      case ChildStream::Kind::kFd:
        if (streams[i]->fd < 0) return InvalidArgument("ChildStream::Fd without a descriptor");
        source[i] = streams[i]->fd;
        break;
      case ChildStream::Kind::kStdout:
        if (i != 2) return InvalidArgument("only stderr can go where stdout goes");
        source[i] = source[1];
        break;
    }
  }
  if (::pipe2(d.report, O_CLOEXEC) != 0) return os_error("pipe");
  rlimit fsize{static_cast<rlim_t>(spec.max_file_bytes), static_cast<rlim_t>(spec.max_file_bytes)};
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return os_error("fork");
  if (pid == 0) {
    ExecChild(spec, source, d.report[1], parent, program.c_str(), args.data(), envp.data(), fsize);
  }
  if (!spec.new_session && !spec.keep_parent_group)
    ::setpgid(pid, pid);  // also here, so the group exists before any kill
  Child child;
  child.pid_ = pid;
  child.pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));  // CLOEXEC by default
  CloseIfOpen(d.report[1]);
  int err = 0;
  ssize_t got;
  do {
    got = ::read(d.report[0], &err, sizeof err);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof err)) {
    child.Wait();
    return Unavailable("cannot run " + spec.argv[0] + ": " + std::strerror(err));
  }
  std::swap(child.stdin_fd_, d.pipes[0][1]);
  std::swap(child.stdout_fd_, d.pipes[1][0]);
  std::swap(child.stderr_fd_, d.pipes[2][0]);
  return child;
}

Child::Child(Child&& other) noexcept { *this = std::move(other); }

Child& Child::operator=(Child&& other) noexcept {
  if (this == &other) return *this;
  this->~Child();
  pid_ = std::exchange(other.pid_, 0);
  pidfd_ = std::exchange(other.pidfd_, -1);
  stdin_fd_ = std::exchange(other.stdin_fd_, -1);
  stdout_fd_ = std::exchange(other.stdout_fd_, -1);
  stderr_fd_ = std::exchange(other.stderr_fd_, -1);
  exit_ = std::exchange(other.exit_, std::nullopt);
  return *this;
}

Child::~Child() {
  if (pid_ > 0 && !exit_) {
    Signal(SIGKILL);
    Wait();
  }
  Reset();
}

void Child::Reset() {
  CloseIfOpen(stdin_fd_), CloseIfOpen(stdout_fd_), CloseIfOpen(stderr_fd_), CloseIfOpen(pidfd_);
}

void Child::CloseStdin() { CloseIfOpen(stdin_fd_); }
void Child::CloseStdout() { CloseIfOpen(stdout_fd_); }
void Child::CloseStderr() { CloseIfOpen(stderr_fd_); }

void Child::Reaped(int wait_status) {
  ChildExit e;
  if (WIFEXITED(wait_status)) e.exit_code = WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) e.term_signal = WTERMSIG(wait_status);
  exit_ = e;
  CloseIfOpen(pidfd_);
}

bool Child::Running() {
  if (pid_ <= 0 || exit_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) Reaped(status);
  if (r < 0 && errno == ECHILD) exit_ = ChildExit{};  // reaped elsewhere: gone all the same
  return !exit_;
}

ChildExit Child::Wait() {
  while (pid_ > 0 && !exit_) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, 0);
    if (r == pid_) Reaped(status);
    if (r < 0 && errno != EINTR) exit_ = ChildExit{};
  }
  return exit_.value_or(ChildExit{});
}

std::optional<ChildExit> Child::WaitFor(std::chrono::milliseconds timeout) {
  using SteadyClock = std::chrono::steady_clock;  // the real world's edge, like Run
  const auto deadline = SteadyClock::now() + timeout;
  while (Running()) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return std::nullopt;
    if (pidfd_ >= 0) {
      pollfd fd = {pidfd_, POLLIN, 0};
      ::poll(&fd, 1, static_cast<int>(std::min<int64_t>(left.count() + 1, 1 << 30)));
    } else {
      std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(10)));
    }
  }
  return exit_;
}

void Child::Signal(int signal, bool whole_group) {
  // A reaped pid may belong to someone else by now; its group's number is not reused while the
  // group has members, so leftovers of the group can still be signalled.
  if (pid_ <= 0 || (exit_ && !whole_group)) return;
  ::kill(whole_group ? -pid_ : pid_, signal);
}

ChildExit Child::Stop(std::chrono::milliseconds grace, bool whole_group) {
  Signal(SIGTERM, whole_group);
  if (!WaitFor(grace)) Signal(SIGKILL, whole_group);
  ChildExit done = Wait();
  if (whole_group) Signal(SIGKILL, true);  // what is left of the group
  return done;
}

}  // namespace ink
