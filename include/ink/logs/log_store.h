// LogStore: every service's runtime output, kept in Ink's own segment files, bounded per service.
//
// Layout: DIR/<service id>/<first seq, 20 digits>.seg, append-only binary records (see
// log_record.h), one file per segment. Each line gets a sequence number (per service, never
// reused, also across restarts) that is the cursor of get_logs. Segments are rotated at
// `segment_bytes`; after every append the oldest segments are dropped while the service is over
// `max_bytes` or their newest line is older than `max_age`. In memory each segment keeps a
// summary (seq range, time range, dropped-line count) and a sparse index (every 256th record's
// seq and offset), rebuilt by one scan when a service is first touched; queries skip segments
// by those and seek by the index.
//
// The collector (log_collector.h) also appends checkpoints (how far it has read a container's
// log file), in the same file as the lines they cover, so after a crash the collector resumes
// exactly where the stored lines end: no line is lost or stored twice.
//
// Time is passed in (nanoseconds since the epoch); nothing here reads a clock.
//
// Thread contract: every method may be called from any thread. Appends to one service are
// serialized by its lock; a query holds it only to copy the segment summaries and then reads
// the files without it, so a slow regex never holds up collection.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/result.h"

namespace ink::logs {

enum class LogStream : uint8_t {
  kStdout = 0,
  kStderr = 1,
  kDropped = 2,     // text: how many lines the rate limit dropped here (decimal)
  kCheckpoint = 3,  // text: the collector's position in a container's log (not a line)
};

struct LogRecord {
  uint64_t seq = 0;  // assigned by Append
  int64_t nanos = 0;
  LogStream stream = LogStream::kStdout;
  std::string deployment;  // dep_...
  std::string replica;     // "0", "1", ...
  std::string text;        // no newline; at most kMaxLineBytes
};

// Longer lines are cut to this many bytes when appended.
inline constexpr size_t kMaxLineBytes = 16 << 10;

struct LogLimits {
  int64_t max_bytes = 64ll << 20;                    // per service
  int64_t max_age_nanos = 7ll * 86400 * 1000000000;  // per line
  int64_t segment_bytes = 0;                         // 0: max_bytes / 8 (at least 64 KiB)
};

struct LogQuery {
  std::string deployment;  // "" = every deployment
  int64_t since_nanos = 0;
  int64_t until_nanos = INT64_MAX;
  int tail = 100;           // at most this many lines (drop notes included)
  bool has_cursor = false;  // true: the lines after `after_seq`, oldest first
  uint64_t after_seq = 0;   //
  std::function<bool(std::string_view text)> match;  // null = every line
  size_t max_bytes = 64 << 10;                       // the answer's text, about
};

struct LogPage {
  std::vector<LogRecord> lines;  // oldest first; kDropped notes among them
  bool truncated = false;        // tail or max_bytes left out lines
  uint64_t next_seq = 0;         // the cursor for the next call (only newer lines)
  int64_t dropped = 0;           // lines the rate limit dropped among those read
  bool lost = false;             // the cursor is older than the oldest line kept
};

struct LogStats {
  int64_t bytes = 0;
  int segments = 0;
  uint64_t first_seq = 0;  // the oldest line kept (0: none)
  uint64_t last_seq = 0;
  int64_t dropped = 0;  // lines dropped by the rate limit since the log began (the kept
                        // segments' notes plus those counted in the segments dropped since)
};

// The checkpoint key under which a log keeps the drops of its dropped segments.
inline constexpr const char* kDroppedBeforeKey = "ink:dropped_before";

// One service's log: its directory of segments.
class ServiceLog {
 public:
  // Opens (creating) `dir`; scans its segments and cuts a torn last record.
  static Result<std::unique_ptr<ServiceLog>> Open(const std::string& dir, LogLimits limits);
  ~ServiceLog();

  // Appends `records` (seq assigned here, texts cut to kMaxLineBytes) and then, if given, the
  // checkpoint `checkpoint_key` = `checkpoint`, in one write; rotates and drops old segments
  // (`now_nanos` decides age). Returns the last seq written.
  Result<uint64_t> Append(std::vector<LogRecord> records, int64_t now_nanos,
                          const std::string& checkpoint_key = "",
                          const std::string& checkpoint = "");
  // The newest checkpoint of each key still in the kept segments (or re-written into a newer
  // one at rotation).
  std::map<std::string, std::string> Checkpoints() const;
  // Stops re-writing `key` into new segments (its container is gone).
  void ForgetCheckpoint(const std::string& key);
  LogPage Query(const LogQuery& query) const;
  LogStats Stats() const;

 private:
  struct Segment;
  ServiceLog(std::string dir, LogLimits limits);
  Status OpenSegmentsLocked();
  Status StartSegmentLocked(uint64_t first_seq);
  void RetainLocked(int64_t now_nanos);
  int64_t DroppedBeforeLocked() const;

  const std::string dir_;
  const LogLimits limits_;
  mutable std::mutex mu_;                           // guards everything below
  std::vector<std::shared_ptr<Segment>> segments_;  // oldest first; the last is written
  int fd_ = -1;                                     // the last segment, for appends
  uint64_t next_seq_ = 1;
  std::map<std::string, std::string> checkpoints_;
};

// Every service's log under one directory; services are opened on first use.
class LogStore {
 public:
  LogStore(std::string dir, LogLimits limits) : dir_(std::move(dir)), limits_(limits) {}
  // The log of `service_id` (an Ink id: letters, digits, '_'), opened if needed.
  Result<ServiceLog*> Service(const std::string& service_id);
  // The services that have a log directory (opened or not).
  std::vector<std::string> Services() const;
  const LogLimits& limits() const { return limits_; }

 private:
  const std::string dir_;
  const LogLimits limits_;
  mutable std::mutex mu_;  // guards services_
  std::map<std::string, std::unique_ptr<ServiceLog>> services_;
};

}  // namespace ink::logs
