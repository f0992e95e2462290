// Decoder for podman's multiplexed log stream (Docker's "stdcopy" framing), private to runtime.
//
// Each frame is an 8-byte header (byte 0: stream type 1 = stdout, 2 = stderr; bytes 4-7: payload
// length, big-endian) followed by the payload. Frames may be split anywhere across HTTP chunks and
// a line may span several frames; the decoder reassembles whole lines per stream. With
// timestamps, every frame starts with its own "<RFC 3339 time> ": a line written in pieces
// (podman's partial records, common under gVisor) keeps the first piece's time and the later
// pieces' times are dropped. Not thread-safe: one decoder per log stream.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ink/runtime/runtime.h"

namespace ink::runtime_internal {

class LogFrameDecoder {
 public:
  explicit LogFrameDecoder(bool timestamps = false) : timestamps_(timestamps) {}
  // Consumes `bytes`; calls `on_line` (without the trailing newline) for each complete line.
  // Returns false as soon as `on_line` returns false.
  bool Feed(std::string_view bytes, const LogLineCallback& on_line);
  // Delivers any unterminated last line of each stream (at the end of the logs).
  bool Finish(const LogLineCallback& on_line);

 private:
  bool Deliver(int stream, std::string_view payload, const LogLineCallback& on_line);

  std::string header_;  // partial frame header
  uint32_t frame_remaining_ = 0;
  int frame_stream_ = 1;
  std::string partial_[3];  // unterminated line per stream (index 1 stdout, 2 stderr)
  bool timestamps_ = false;
  bool frame_start_ = false;    // the next payload byte is the first of a frame
  bool skipping_time_ = false;  // dropping a continuation frame's "<time> " prefix
};

}  // namespace ink::runtime_internal
