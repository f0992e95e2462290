#include "ink/common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>

namespace ink {
namespace {

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
    auto started = Child::Start(
        {.argv = spec.argv,
         .env = spec.env,
         .cwd = spec.cwd,
         .in = spec.stdin_data.empty() ? ChildStream::Null() : ChildStream::Pipe(),
         .out = ChildStream::Pipe(),
         .err = spec.discard_stderr ? ChildStream::Null() : ChildStream::SameAsStdout(),
         .die_with_parent = spec.die_with_parent,
         .max_file_bytes = spec.max_file_bytes});
    if (!started.ok()) return started.error();
    Child& child = *started;
    const int from_child = child.stdout_fd();
    if (child.stdin_fd() >= 0) ::fcntl(child.stdin_fd(), F_SETFL, O_NONBLOCK);
    size_t stdin_written = 0;

    ProcessResult result;
    using SteadyClock = std::chrono::steady_clock;  // the runner is the real world's edge
    const auto deadline = SteadyClock::now() + spec.deadline;
    SteadyClock::time_point kill_at{};
    bool terminating = false;
    auto terminate = [&] {
      if (terminating) return;
      terminating = true;
      child.Signal(SIGTERM, /*whole_group=*/true);
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
      if (terminating && now >= kill_at) child.Signal(SIGKILL, /*whole_group=*/true);
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
      const int to_child = child.stdin_fd();
      pollfd fds[2] = {{from_child, POLLIN, 0}, {to_child, POLLOUT, 0}};
      int n = ::poll(fds, to_child >= 0 ? 2 : 1, wait_ms);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) continue;
      if (to_child >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
        ssize_t wrote = ::write(to_child, spec.stdin_data.data() + stdin_written,
                                spec.stdin_data.size() - stdin_written);
        if (wrote > 0) stdin_written += static_cast<size_t>(wrote);
        if ((wrote < 0 && errno != EAGAIN && errno != EINTR) ||
            stdin_written == spec.stdin_data.size()) {
          child.CloseStdin();
        }
      }
      if (!(fds[0].revents & (POLLIN | POLLERR | POLLHUP))) continue;
      ssize_t got = ::read(from_child, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      size_t size = static_cast<size_t>(got);
      size_t room = spec.max_output_bytes - std::min(spec.max_output_bytes, result.output.size());
      if (size > room) result.output_truncated = true;
      result.output.append(buf, std::min(size, room));
      if (lines) lines->Feed(buf, size);
    }
    if (lines) lines->Finish();
    child.CloseStdout();
    child.CloseStdin();
    // The pipe closed: the leader (and anything that held the pipe) is done or dying.
    while (terminating && !child.WaitFor(std::chrono::milliseconds(20))) {
      if (SteadyClock::now() >= kill_at) child.Signal(SIGKILL, /*whole_group=*/true);
    }
    ChildExit exit = child.Wait();
    if (terminating) child.Signal(SIGKILL, /*whole_group=*/true);  // leftovers of the group
    result.exit_code = terminating ? -1 : exit.exit_code;
    result.term_signal = exit.term_signal;
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
