#include "log_frames.h"

namespace ink::runtime_internal {
namespace {

std::string_view StreamName(int stream) { return stream == 2 ? "stderr" : "stdout"; }

}  // namespace

bool LogFrameDecoder::Feed(std::string_view bytes, const LogLineCallback& on_line) {
  while (!bytes.empty()) {
    if (frame_remaining_ == 0) {
      size_t take = std::min(bytes.size(), 8 - header_.size());
      header_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (header_.size() < 8) return true;
      auto byte = [&](int i) {
        return static_cast<uint32_t>(static_cast<unsigned char>(header_[i]));
      };
      frame_stream_ = byte(0) == 2 ? 2 : 1;  // 0 (stdin) and unknown types count as stdout
      frame_remaining_ = byte(4) << 24 | byte(5) << 16 | byte(6) << 8 | byte(7);
      header_.clear();
      frame_start_ = true;
      continue;
    }
    size_t take = std::min<size_t>(bytes.size(), frame_remaining_);
    frame_remaining_ -= static_cast<uint32_t>(take);
    if (!Deliver(frame_stream_, bytes.substr(0, take), on_line)) return false;
    bytes.remove_prefix(take);
  }
  return true;
}

bool LogFrameDecoder::Deliver(int stream, std::string_view payload,
                              const LogLineCallback& on_line) {
  std::string& partial = partial_[stream];
  if (frame_start_) {
    frame_start_ = false;
    skipping_time_ = timestamps_ && !partial.empty();
  }
  if (skipping_time_) {
    size_t space = payload.find(' ');
    if (space == std::string_view::npos) {
      // All time so far; a newline here would mean the frame had no time: keep it as text.
      size_t newline = payload.find('\n');
      if (newline == std::string_view::npos) return true;
      payload.remove_prefix(newline);
    } else {
      payload.remove_prefix(space + 1);
    }
    skipping_time_ = false;
  }
  for (;;) {
    size_t newline = payload.find('\n');
    if (newline == std::string_view::npos) {
      partial.append(payload);
      return true;
    }
    bool keep_going;
    if (partial.empty()) {
      keep_going = on_line(StreamName(stream), payload.substr(0, newline));
    } else {
      partial.append(payload.substr(0, newline));
      keep_going = on_line(StreamName(stream), partial);
      partial.clear();
    }
    if (!keep_going) return false;
    payload.remove_prefix(newline + 1);
  }
}

bool LogFrameDecoder::Finish(const LogLineCallback& on_line) {
  for (int stream : {1, 2}) {
    if (partial_[stream].empty()) continue;
    std::string line = std::move(partial_[stream]);
    partial_[stream].clear();
    if (!on_line(StreamName(stream), line)) return false;
  }
  return true;
}

}  // namespace ink::runtime_internal
