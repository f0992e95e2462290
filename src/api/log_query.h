// Log selection for get_logs: timestamps, `since`, substring filters, cursors and the output
// bound, kept apart from podman and files so the rules are unit-tested.
//
// Runtime lines come from podman with RFC 3339 timestamps; their cursor is the newest line's
// time in nanoseconds. Build lines come from the deployment's log file; their cursor is a byte
// offset. Cursors are opaque to callers ("r1.<nanos>", "b1.<offset>").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/result.h"

namespace ink::api_internal {

// What get_logs hands back at most per call: about 16k tokens, an amount an agent can read.
inline constexpr size_t kLogOutputBytes = 64 << 10;
inline constexpr int64_t kNanosPerSecond = 1000000000;
// Longer lines are cut to this many bytes (with a note of how much was cut).
inline constexpr size_t kLogLineBytes = 4 << 10;

struct LogLine {
  int64_t nanos = 0;    // runtime: the line's time; build: the byte offset after the line
  std::string replica;  // runtime only
  std::string stream;   // "stdout", "stderr"; "" for build lines
  std::string text;
};

// "2026-11-28T18:20:00.123456789Z text" → nanos since the epoch and "text". False when the
// line does not start with such a timestamp (offsets other than Z are accepted: +01:00).
bool SplitTimestamp(std::string_view line, int64_t& nanos, std::string_view& rest);

// `since`: a duration back from now ("30s", "10m", "2h", "1d", "1h30m") or an RFC 3339 time
// ("2026-11-28T18:00:00Z"). Errors say which forms are accepted.
Result<int64_t> ParseSince(std::string_view since, int64_t now_nanos);

// Where a reader stopped: the time (or offset) of the last line it consumed and, per replica,
// how many lines with exactly that time it consumed (podman's times have whole seconds only,
// so several lines share one). Build cursors have no counts.
struct LogCursor {
  int64_t at = -1;                  // -1 = no cursor: read the newest lines
  std::map<std::string, int> seen;  // replica → lines at `at` already consumed
};

// Opaque to callers: "r1.<at>[.<replica>=<n>...]" (runtime) or "b1.<offset>" (build).
std::string EncodeCursor(char kind, const LogCursor& cursor);
// Errors when the cursor is malformed or of the other kind (a build cursor for runtime logs).
Result<LogCursor> DecodeCursor(std::string_view cursor, char kind);

struct LogSelection {
  std::vector<LogLine> lines;
  bool truncated = false;  // the byte bound (or, after a cursor, `tail`) left lines out
  LogCursor next;          // for next_cursor
};

// Picks lines from `all` (ordered oldest first, `nanos` non-decreasing):
// - lines whose text does not contain `filter` ("" = all) are skipped;
// - without a cursor: the newest `tail` lines, then the oldest of those dropped until the text
//   fits kLogOutputBytes; `next` points past every line of `all` (so the next call with it
//   returns only lines that came after);
// - with a cursor: the lines after it, oldest first, at most `tail` and within the bound;
//   `next` points past the last line consumed, so paging goes on without loss or repeats.
// Each text is cut to kLogLineBytes.
LogSelection SelectLogLines(std::vector<LogLine> all, const std::string& filter, int tail,
                            const LogCursor& after);

}  // namespace ink::api_internal
