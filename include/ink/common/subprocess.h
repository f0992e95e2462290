// The process runner: every program Ink runs to completion (skopeo, git, podman build, nft,
// ssh-keygen) goes through it, so each one gets the same guarantees:
//   - argv only, never a shell; the program is looked up in PATH before the fork;
//   - an environment given whole (or inkd's own), a working directory, stdin from /dev/null or
//     from a string;
//   - its own process group, and a deadline: when it passes (or `check` asks to stop) the whole
//     group gets SIGTERM, then SIGKILL after `kill_grace`, so a hung tool and its children go;
//   - dies with its parent: PR_SET_PDEATHSIG(SIGKILL), so a killed inkd leaves no orphan behind
//     (the signal follows the *thread* that started the child, which Run blocks until the
//     child is gone, so this holds for every caller);
//   - bounded output: `output` keeps at most `max_output_bytes`, and `on_line` sees each line
//     (cut at `max_line_bytes`) as it arrives; an optional RLIMIT_FSIZE.
// ProcessRunner is the interface (logic under unit test takes a fake); SystemProcessRunner() runs
// real processes.
//
// Thread contract: Run may be called from any number of threads at once; each call blocks its
// thread until the process (the group leader) has exited and its output pipe closed.
#pragma once

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

// True while process `pid` exists and has not exited (a zombie counts as gone), from
// /proc/<pid>/stat.
bool ProcessRunning(int pid);

}  // namespace ink
