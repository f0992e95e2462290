// The process runner: every program Ink starts goes through this header, so each one gets the
// same guarantees:
//   - argv only, never a shell; the program is looked up in PATH before the fork;
//   - an environment given whole (or inkd's own), a working directory;
//   - none of inkd's descriptors but its three standard streams (asio's listeners are not
//     O_CLOEXEC: a daemon the program leaves behind would keep inkd's ports);
//   - its own process group (or session), and signals reset to their defaults;
//   - dies with its parent: PR_SET_PDEATHSIG(SIGKILL), so a killed inkd leaves no orphan behind.
//     The signal follows the *thread* that started the child: start a long-lived child from a
//     thread that lives as long as the child should.
//
// Two ways to use it:
//   - ProcessRunner::Run, for a program run to completion (skopeo, git, podman build, nft,
//     ssh-keygen): stdin from /dev/null or from a string; a deadline: when it passes (or `check`
//     asks to stop) the whole group gets SIGTERM, then SIGKILL after `kill_grace`, so a hung tool
//     and its children go; bounded output: `output` keeps at most `max_output_bytes`, and
//     `on_line` sees each line (cut at `max_line_bytes`) as it arrives; an optional RLIMIT_FSIZE.
//     ProcessRunner is the interface (logic under unit test takes a fake); SystemProcessRunner()
//     runs real processes.
//   - Child, for a long-lived or streaming one (the podman services, ink-edge, git http-backend):
//     each standard stream is /dev/null, inkd's own, a pipe the caller reads or writes, or a
//     descriptor the caller gives (a log file); the caller polls, waits for, signals and stops it
//     by its handle, which never signals a pid it has already reaped.
//
// Thread contract: Run may be called from any number of threads at once; each call blocks its
// thread until the process (the group leader) has exited and its output pipe closed. A Child is
// used by one thread at a time (its owner's); Start may be called from any thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/result.h"

namespace ink {

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH (the child's, else inkd's)
  // The child's whole environment (PATH is added from inkd's when absent); unset: inkd's own.
  std::optional<std::map<std::string, std::string>> env;
  std::string cwd;         // "" = inkd's
  std::string stdin_data;  // written to the child's stdin, which then closes; "" = /dev/null
  std::chrono::milliseconds deadline{std::chrono::minutes(1)};    // from the start
  std::chrono::milliseconds kill_grace{std::chrono::seconds(5)};  // SIGTERM → SIGKILL
  bool die_with_parent = true;                                    // PR_SET_PDEATHSIG(SIGKILL)
  bool discard_stderr = false;          // else stderr is interleaved with stdout
  size_t max_output_bytes = 256 << 10;  // kept in ProcessResult::output (the first ones)
  size_t max_line_bytes = 16 << 10;     // for on_line: the rest of a longer line is dropped
  std::function<void(std::string_view line)> on_line;  // each output line, as it comes
  // Polled about four times a second; a non-empty reason stops the process (like a deadline).
  std::function<std::string()> check;
  int64_t max_file_bytes = 0;  // RLIMIT_FSIZE of the child; 0 = unlimited
};

struct ProcessResult {
  int exit_code = -1;   // -1 if killed by a signal or stopped
  int term_signal = 0;  // the signal that ended it, 0 if it exited
  bool timed_out = false;
  std::string stopped;  // the reason `check` gave, "" if it did not stop it
  std::string output;   // stdout (and stderr unless discarded), at most max_output_bytes
  bool output_truncated = false;
  bool ok() const { return exit_code == 0 && !timed_out && stopped.empty(); }
};

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Runs `spec` to its end. An error only if the program could not be started (not found, not
  // executable, fork failed); a non-zero exit is a result.
  virtual Result<ProcessResult> Run(const ProcessSpec& spec) = 0;
};

// Runs real processes.
ProcessRunner& SystemProcessRunner();

// Shorthand: SystemProcessRunner() with `argv`, inkd's environment and a deadline of `timeout`.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout);

// Where a Child's standard stream goes.
struct ChildStream {
  enum class Kind {
    kNull,     // /dev/null
    kInherit,  // inkd's own descriptor of that number
    kPipe,     // a pipe whose other end the Child holds (stdin_fd(), stdout_fd(), stderr_fd())
    kFd,       // `fd`, given by the caller, who keeps (and closes) it
    kStdout,   // stderr only: wherever stdout goes
  };
  Kind kind = Kind::kNull;
  int fd = -1;
  static ChildStream Null() { return {}; }
  static ChildStream Inherit() { return {Kind::kInherit}; }
  static ChildStream Pipe() { return {Kind::kPipe}; }
  static ChildStream Fd(int fd) { return {Kind::kFd, fd}; }
  static ChildStream SameAsStdout() { return {Kind::kStdout}; }
};

struct ChildSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH (the child's, else inkd's)
  // The child's whole environment (PATH is added from inkd's when absent); unset: inkd's own.
  std::optional<std::map<std::string, std::string>> env;
  std::string cwd;  // "" = inkd's
  ChildStream in, out, err;
  bool die_with_parent = true;  // PR_SET_PDEATHSIG(SIGKILL), bound to the starting thread
  // A new session (setsid) instead of a new process group: no terminal's signals reach it, for
  // a child meant to outlive inkd (with die_with_parent = false).
  bool new_session = false;
  // Stays in inkd's process group (no group of its own): for a child that should get what
  // inkd's group gets, like a terminal's Ctrl-C.
  bool keep_parent_group = false;
  int64_t max_file_bytes = 0;  // RLIMIT_FSIZE of the child; 0 = unlimited
};

// How a child ended.
struct ChildExit {
  int exit_code = -1;   // -1 if a signal ended it
  int term_signal = 0;  // the signal that ended it, 0 if it exited
  bool ok() const { return exit_code == 0; }
};

// A started process and the parent's ends of its pipes. Move-only. Destroying a Child that still
// runs kills it (SIGKILL) and reaps it, so none is left behind by an early return.
class Child {
 public:
  // Starts `spec`. An error if the program could not be started (not found, not executable, its
  // directory missing, fork failed); the child has then been reaped.
  static Result<Child> Start(const ChildSpec& spec);

  Child() = default;
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  ~Child();

  pid_t pid() const { return pid_; }  // 0 for an empty handle
  // The parent's ends of piped streams (-1 unless kPipe), owned by the Child.
  int stdin_fd() const { return stdin_fd_; }
  int stdout_fd() const { return stdout_fd_; }
  int stderr_fd() const { return stderr_fd_; }
  void CloseStdin();  // the child reads end-of-file
  void CloseStdout();
  void CloseStderr();

  // True while the process has not exited; reaps it (without blocking) once it has.
  bool Running();
  // How it ended, once reaped.
  const std::optional<ChildExit>& exit() const { return exit_; }
  // Blocks until it exits, and reaps it.
  ChildExit Wait();
  // Waits at most `timeout`; nullopt if it still runs.
  std::optional<ChildExit> WaitFor(std::chrono::milliseconds timeout);
  // Sends `signal` to the process (or to its whole process group, which may outlive it); to
  // the process, nothing once it is reaped.
  void Signal(int signal, bool whole_group = false);
  // SIGTERM, then SIGKILL if it has not exited after `grace`; reaped on return. With
  // `whole_group`, the group's other members get SIGKILL once the process is gone.
  ChildExit Stop(std::chrono::milliseconds grace, bool whole_group = false);

 private:
  void Reset();  // closes descriptors, forgets the pid (after reaping)
  void Reaped(int wait_status);

  pid_t pid_ = 0;
  int pidfd_ = -1;  // readable once the process exits; -1 where pidfd_open is missing
  int stdin_fd_ = -1, stdout_fd_ = -1, stderr_fd_ = -1;
  std::optional<ChildExit> exit_;
};

// True while process `pid` exists and has not exited (a zombie counts as gone), from
// /proc/<pid>/stat.
bool ProcessRunning(int pid);

}  // namespace ink
