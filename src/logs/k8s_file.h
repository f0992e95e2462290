// Parser of conmon's k8s-file container log (podman's default log driver), private to logs.
//
// Each physical line is "<RFC 3339 time with nanoseconds> <stdout|stderr> <P|F> <text>\n";
// P marks a piece of a longer line (conmon writes what one read() of the pipe returned, and
// gVisor splits often), F its last piece. The parser joins pieces per stream and hands back
// whole lines with the time of their first piece. Feed it the file's bytes in any chunks; it
// consumes whole physical lines only and says how many bytes it consumed, so the caller can
// keep its offset in the file exact. Not thread-safe: one parser per container log.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ink::logs_internal {

struct ContainerLine {
  int64_t nanos = 0;
  bool is_stderr = false;
  std::string_view text;  // valid during the callback only
};

class K8sFileParser {
 public:
  explicit K8sFileParser(size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}
  // Calls `on_line` for every whole line in `bytes`; returns the bytes consumed: up to the end
  // of the last whole line (the pieces of an unfinished one are left for the next call, which
  // must start with them). Lines that are not in the format are passed on as stdout text with
  // time 0 (the caller stamps them).
  size_t Feed(std::string_view bytes, const std::function<void(const ContainerLine&)>& on_line);

 private:
  void Reset();
  bool ParseTime(std::string_view stamp, int64_t& nanos);
  const size_t max_line_bytes_;
  struct Deferred {
    int64_t nanos;
    bool is_stderr;
    std::string text;
  };
  std::vector<Deferred> deferred_;
  std::string partial_[2];
  bool in_pieces_[2] = {false, false};  // per stream: the pieces of a line not finished yet
  int64_t partial_nanos_[2] = {0, 0};
  std::string cached_second_;  // "YYYY-MM-DDTHH:MM:SS" of the last time parsed
  int64_t cached_seconds_ = 0;
};

// A token bucket per replica: `rate` lines per second on average, `burst` at once. Time is
// passed in (nanoseconds, non-decreasing).
class LineRateLimit {
 public:
  LineRateLimit(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}
  // True if a line at `now_nanos` is kept; false (and counted) if it is dropped.
  bool Admit(int64_t now_nanos);
  // The lines dropped since the last call.
  int64_t TakeDropped();

 private:
  const double rate_;
  const double burst_;
  double tokens_;
  int64_t last_nanos_ = 0;
  int64_t dropped_ = 0;
};

}  // namespace ink::logs_internal
