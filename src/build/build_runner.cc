#include "src/build/build_runner.h"

#include "ink/common/subprocess.h"

namespace ink::build {

Result<RunOutcome> RunStreaming(const RunSpec& spec) {
  auto run = SystemProcessRunner().Run({.argv = spec.argv,
                                        .env = spec.env,
                                        .cwd = spec.cwd,
                                        .deadline = spec.timeout,
                                        .kill_grace = std::chrono::seconds(10),
                                        .max_output_bytes = 0,
                                        .max_line_bytes = spec.max_line_bytes,
                                        .on_line = spec.on_line,
                                        .check = spec.check,
                                        .max_file_bytes = spec.max_file_bytes});
  if (!run.ok()) return run.error();
  RunOutcome outcome;
  outcome.exit_code = run->exit_code;
  outcome.term_signal = run->term_signal;
  outcome.timed_out = run->timed_out;
  outcome.stopped = run->stopped;
  return outcome;
}

}  // namespace ink::build
