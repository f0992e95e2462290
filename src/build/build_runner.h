// RunStreaming: runs one step of a build (git, podman build) through the process runner
// (ink/common/subprocess.h: dies with inkd, deadline, process group) as a child in its own
// process group, with a controlled environment, a time limit, an optional bound on the size of
// any file it writes (RLIMIT_FSIZE), and its output handed over line by line as it comes.
//
// Used by the source fetcher (git) and the pipeline (podman build). A `check` callback is polled
// about four times a second; when it returns a reason (inkd stopping, a size bound crossed) the
// whole process group gets SIGTERM, then SIGKILL 10 s later. Internal to ink_build;
// thread-safe: each call blocks its own thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/result.h"

namespace ink::build {

struct RunSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  // The child's whole environment (PATH is added from inkd's when absent).
  std::map<std::string, std::string> env;
  std::string cwd;  // "" = inkd's
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  int64_t max_file_bytes = 0;        // RLIMIT_FSIZE for the child; 0 = unlimited
  size_t max_line_bytes = 16 << 10;  // longer lines are cut (the rest of the line is dropped)
  std::function<void(std::string_view line)> on_line;  // stdout and stderr, interleaved
  std::function<std::string()> check;                  // non-empty = stop, with this reason
};

struct RunOutcome {
  int exit_code = -1;   // -1 when killed by a signal
  int term_signal = 0;  // the signal that ended it, 0 if it exited
  bool timed_out = false;
  std::string stopped;  // the reason `check` gave, "" if it was not stopped
  bool ok() const { return exit_code == 0 && !timed_out && stopped.empty(); }
};

// An error only when the program cannot be started.
Result<RunOutcome> RunStreaming(const RunSpec& spec);

}  // namespace ink::build
