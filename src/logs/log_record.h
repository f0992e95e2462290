// The binary form of one LogRecord in a segment file, and the pure rules of the store
// (retention), private to the logs module.
//
// A record is: u32 length of what follows, u64 seq, i64 nanos, u8 stream, u8 replica length,
// replica, u8 deployment length, deployment, text (the rest). Little-endian, no padding: 23
// bytes plus the replica and deployment ids (about 21 bytes) per line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ink/logs/log_store.h"

namespace ink::logs_internal {

inline constexpr size_t kRecordHeaderBytes = 4;
inline constexpr size_t kRecordFixedBytes = 8 + 8 + 1 + 1 + 1;
// Nothing longer is ever written (a line is cut to kMaxLineBytes, ids to 255 bytes).
inline constexpr size_t kMaxRecordBytes = kRecordFixedBytes + 255 + 255 + logs::kMaxLineBytes;

void AppendEncoded(const logs::LogRecord& record, std::string& out);

// Decodes the records of `bytes` from its start, calling `on_record(record, offset, size)` for
// each (offset: where the record starts). Returns how many bytes were whole records: less than
// bytes.size() when the last record is torn or the data is not records from there on.
template <typename F>
size_t DecodeRecords(std::string_view bytes, F&& on_record);

// Decodes one record at the start of `bytes`; returns its total size, 0 when it is not whole.
size_t DecodeOne(std::string_view bytes, logs::LogRecord& out);

// What retention needs to know of a segment.
struct SegmentSummary {
  int64_t bytes = 0;
  int64_t max_nanos = 0;  // its newest line's time (0: no lines)
};

// How many of the oldest `segments` (oldest first; the last one is being written) to delete so
// that the rest fit `limits` at `now_nanos`: while over max_bytes, or while the oldest's newest
// line is older than max_age. The segment being written is dropped only for age, never for
// size (it is at most segment_bytes).
size_t SegmentsToDrop(const std::vector<SegmentSummary>& segments, const logs::LogLimits& limits,
                      int64_t now_nanos);

// limits.segment_bytes, or its default.
int64_t SegmentBytes(const logs::LogLimits& limits);

template <typename F>
size_t DecodeRecords(std::string_view bytes, F&& on_record) {
  size_t at = 0;
  logs::LogRecord record;
  while (at < bytes.size()) {
    size_t used = DecodeOne(bytes.substr(at), record);
    if (used == 0) break;
    on_record(record, at, used);
    at += used;
  }
  return at;
}

}  // namespace ink::logs_internal
