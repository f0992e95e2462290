// RunProcess: runs a program (no shell) with a time limit and captures its output.
// Used for tools Ink drives as commands (skopeo). Thread-safe; blocks the calling thread.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "ink/common/result.h"

namespace ink {

struct ProcessResult {
  int exit_code = -1;  // -1 if killed by a signal or by the time limit
  bool timed_out = false;
  std::string output;  // stdout and stderr interleaved, capped at 256 KiB
};

// Runs argv[0] (searched in PATH) with `argv`; kills it after `timeout`. An error only if the
// program could not be started.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout);

}  // namespace ink
