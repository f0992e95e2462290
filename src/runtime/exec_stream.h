// The byte stream of one podman exec session, private to runtime.
//
// libpod's POST /exec/{id}/start hijacks the HTTP connection: after the response head, the
// client writes the command's stdin (then half-closes) and reads the command's output as
// multiplexed frames (8-byte header: byte 0 stream 1 = stdout, 2 = stderr; bytes 4-7 length,
// big-endian) until podman closes the connection. ExecOutput demuxes those frames into two
// bounded buffers (pure logic, unit-tested); RunExecStream does the socket I/O with a deadline.
// Not thread-safe: one of each per exec.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ink/common/result.h"
#include "ink/runtime/runtime.h"

namespace ink::runtime_internal {

class ExecOutput {
 public:
  explicit ExecOutput(size_t max_bytes_per_stream) : max_(max_bytes_per_stream) {}
  // Consumes `bytes` (frames may be split anywhere).
  void Feed(std::string_view bytes);
  // Moves the collected output (and truncation flags) into `result`.
  void MoveTo(ExecResult& result);

 private:
  size_t max_;
  std::string header_;
  uint32_t remaining_ = 0;
  int stream_ = 1;
  std::string out_[3];  // index 1 stdout, 2 stderr
  bool truncated_[3] = {false, false, false};
};

struct ExecStreamOutcome {
  bool timed_out = false;  // the deadline passed before podman closed the stream
};

// Starts exec session `exec_id` over a fresh connection to the unix socket `socket_path`
// (`api_prefix` e.g. "/v4.0.0/libpod"), writes `stdin_data` and half-closes, and feeds the
// output to `output` until the stream ends. At `deadline` it calls `on_timeout` once (which
// should kill the command) and then waits at most `grace` more for the stream to end.
Result<ExecStreamOutcome> RunExecStream(
    const std::string& socket_path, const std::string& api_prefix, const std::string& exec_id,
    const std::string& stdin_data, std::chrono::steady_clock::time_point deadline,
    std::chrono::milliseconds grace, const std::function<void()>& on_timeout, ExecOutput& output);

}  // namespace ink::runtime_internal
