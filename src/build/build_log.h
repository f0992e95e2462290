// BuildLog: one deployment's build log on disk (DATA/builds/<deployment id>.log), bounded.
//
// Lines are appended to the file as they come until half of `max_bytes` is written (the head);
// after that the newest lines are kept in memory (a rolling tail of the other half) and, at
// Close(), written after a line saying how many bytes were left out. A build that prints 1 GB
// leaves a log of at most max_bytes plus one line. The last lines are always at hand for the
// failure message. Written by the one build thread; Tail() may be called from any thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/result.h"

namespace ink::build {

class BuildLog {
 public:
  // Creates (truncates) the log file at `path`. `on_written` (optional) is called after each
  // line that reaches the file and after Close(), without the log's lock held (followers wait
  // on it instead of polling the file).
  static Result<std::unique_ptr<BuildLog>> Create(const std::string& path, int64_t max_bytes,
                                                  std::function<void()> on_written = {});
  ~BuildLog();

  // From now on every occurrence of each of `secrets` in a line is written as "[masked]"
  // (also in Tail()). Values shorter than kMinMaskedLength are left alone: masking "1" or
  // "yes" would hide ordinary output and tell a reader the value anyway.
  void Mask(std::vector<std::string> secrets);
  static constexpr size_t kMinMaskedLength = 4;
  // Appends one line (a '\n' is added). After Close() it does nothing.
  void Line(std::string_view text);
  // The last `lines` lines seen (even the ones past the head), joined with '\n'.
  std::string Tail(int lines) const;
  // Writes the rolling tail (with the "N bytes omitted" line) and closes the file.
  void Close();
  int64_t omitted_bytes() const;

 private:
  BuildLog(std::FILE* file, int64_t max_bytes, std::function<void()> on_written)
      : on_written_(std::move(on_written)), file_(file), max_bytes_(max_bytes) {}
  bool LineLocked(std::string_view text);  // true if the line reached the file
  bool CloseLocked();                      // true if it was open
  void Written() const {
    if (on_written_) on_written_();
  }

  const std::function<void()> on_written_;

  mutable std::mutex mu_;  // guards everything below
  std::FILE* file_;
  int64_t max_bytes_;
  int64_t written_ = 0;   // bytes in the file's head
  bool rolling_ = false;  // the head is full: lines go to tail_
  std::deque<std::string> tail_;
  int64_t tail_bytes_ = 0;
  int64_t omitted_ = 0;
  std::deque<std::string> recent_;    // the last lines, for Tail()
  std::vector<std::string> secrets_;  // longest first
};

}  // namespace ink::build
