#include "src/api/log_query.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>

namespace ink::api_internal {
namespace {

bool ParseInt(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Parses an RFC 3339 date-time at the start of `text`; `used` = the characters consumed.
bool ParseRfc3339(std::string_view text, int64_t& nanos, size_t& used) {
  // YYYY-MM-DDTHH:MM:SS
  if (text.size() < 20) return false;
  auto digits = [&](size_t at, size_t n, int64_t& v) {
    if (at + n > text.size()) return false;
    for (size_t i = at; i < at + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    }
    return ParseInt(text.substr(at, n), v);
  };
  int64_t year, month, day, hour, minute, second;
  if (!digits(0, 4, year) || text[4] != '-' || !digits(5, 2, month) || text[7] != '-' ||
      !digits(8, 2, day) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
      !digits(11, 2, hour) || text[13] != ':' || !digits(14, 2, minute) || text[16] != ':' ||
      !digits(17, 2, second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return false;
  }
  size_t at = 19;
  int64_t fraction = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    int64_t scale = kNanosPerSecond;
    size_t start = at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
      scale /= 10;
      if (scale > 0) fraction += (text[at] - '0') * scale;
      ++at;
    }
    if (at == start) return false;
  }
  int64_t offset_seconds = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    int64_t oh, om;
    if (!digits(at + 1, 2, oh) || at + 3 >= text.size() || text[at + 3] != ':' ||
        !digits(at + 4, 2, om)) {
      return false;
    }
    offset_seconds = (oh * 3600 + om * 60) * (text[at] == '+' ? 1 : -1);
    at += 6;
  } else {
    return false;
  }
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  nanos = seconds * kNanosPerSecond + fraction;
  used = at;
  return true;
}

void CutLine(std::string& text) {
  if (text.size() <= kLogLineBytes) return;
  size_t cut = text.size() - kLogLineBytes;
  text.resize(kLogLineBytes);
  text += " …[" + std::to_string(cut) + " more bytes cut]";
}

size_t Cost(const LogLine& line) { return line.text.size() + line.replica.size() + 24; }

}  // namespace

bool SplitTimestamp(std::string_view line, int64_t& nanos, std::string_view& rest) {
  size_t used = 0;
  if (!ParseRfc3339(line, nanos, used)) return false;
  rest = line.substr(used);
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return true;
}

Result<int64_t> ParseSince(std::string_view since, int64_t now_nanos) {
  int64_t nanos = 0;
  size_t used = 0;
  if (ParseRfc3339(since, nanos, used) && used == since.size()) return nanos;
  // A duration: one or more <number><unit>, units s, m, h, d.
  int64_t total = 0;
  size_t at = 0;
  bool any = false;
  while (at < since.size()) {
    size_t start = at;
    while (at < since.size() && std::isdigit(static_cast<unsigned char>(since[at]))) ++at;
    int64_t n = 0;
    if (at == start || at >= since.size() || !ParseInt(since.substr(start, at - start), n) ||
        n > 100000000) {
      any = false;
      break;
    }
    int64_t unit = 0;
    switch (since[at]) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      default:
        unit = 0;
    }
    if (unit == 0) {
      any = false;
      break;
    }
    total += n * unit;
    any = true;
    ++at;
  }
  if (!any) {
    return InvalidArgument(
        "since must be a duration back from now such as \"30s\", \"10m\", \"2h\", \"1d\" or "
        "\"1h30m\", or an RFC 3339 time such as \"2026-11-28T18:00:00Z\"");
  }
  return now_nanos - total * kNanosPerSecond;
}

std::string EncodeCursor(char kind, const LogCursor& cursor) {
  std::string out = std::string(1, kind) + "1." + std::to_string(std::max<int64_t>(cursor.at, 0));
  for (const auto& [replica, n] : cursor.seen) {
    if (n > 0 && kind != 'b' && !replica.empty()) out += "." + replica + "=" + std::to_string(n);
  }
  return out;
}

Result<LogCursor> DecodeCursor(std::string_view cursor, char kind) {
  const char* what = kind == 'b' ? "build" : "runtime";
  auto bad = [] {
    return InvalidArgument(
        "cursor is not one get_logs gave out: pass the next_cursor of an earlier get_logs call "
        "unchanged, or leave it out to read the newest lines");
  };
  if (cursor.size() < 4 || cursor.substr(1, 2) != "1.") return bad();
  if (cursor[0] == 'r' && kind == 's') {
    return InvalidArgument(
        "this cursor came from an older inkd that read podman's logs; ask again without a cursor");
  }
  // Build and store cursors are told apart; any other kind (list_events' 'e') is only itself.
  auto is_log = [](char k) { return k == 'b' || k == 'r' || k == 's'; };
  const bool logs = is_log(kind) && is_log(cursor[0]);
  if (cursor[0] != kind && !logs) return bad();
  if (cursor[0] != kind) {
    return InvalidArgument(std::string("this cursor came from ") +
                           (kind == 'b' ? "runtime" : "build") + " logs; it cannot page " + what +
                           " logs (ask again without a cursor)");
  }
  std::string_view rest = cursor.substr(3);
  size_t dot = rest.find('.');
  LogCursor out;
  if (!ParseInt(rest.substr(0, dot), out.at) || out.at < 0) return bad();
  while (dot != std::string_view::npos) {
    rest.remove_prefix(dot + 1);
    dot = rest.find('.');
    std::string_view part = rest.substr(0, dot);
    size_t eq = part.rfind('=');
    int64_t n = 0;
    if (kind == 'b' || eq == std::string_view::npos || eq == 0 ||
        !ParseInt(part.substr(eq + 1), n) || n <= 0 || n > 1000000000 || out.seen.size() >= 64) {
      return bad();
    }
    out.seen[std::string(part.substr(0, eq))] = static_cast<int>(n);
  }
  return out;
}

namespace {

// The cursor just past lines [0, end) of `all` (lines skipped as already seen included), or
// `fallback` when none of them is newer than it.
LogCursor CursorAfter(const std::vector<LogLine>& all, size_t end, const LogCursor& fallback) {
  if (end == 0 || all[end - 1].nanos < fallback.at) return fallback;
  LogCursor next;
  next.at = all[end - 1].nanos;
  for (size_t i = end; i-- > 0 && all[i].nanos == next.at;) ++next.seen[all[i].replica];
  return next;
}

}  // namespace

LogSelection SelectLogLines(std::vector<LogLine> all, const std::string& filter, int tail,
                            const LogCursor& after) {
  LogSelection out;
  auto keep = [&](const LogLine& line) {
    return filter.empty() || line.text.find(filter) != std::string::npos;
  };
  if (after.at < 0) {
    out.next = CursorAfter(all, all.size(), LogCursor{});
    std::vector<LogLine*> picked;
    for (auto it = all.rbegin(); it != all.rend() && static_cast<int>(picked.size()) < tail; ++it) {
      if (keep(*it)) picked.push_back(&*it);
    }
    size_t bytes = 0;
    size_t fit = 0;
    for (; fit < picked.size(); ++fit) {  // newest first
      CutLine(picked[fit]->text);
      bytes += Cost(*picked[fit]);
      if (bytes > kLogOutputBytes) break;
    }
    out.truncated = fit < picked.size();
    for (size_t i = fit; i-- > 0;) out.lines.push_back(std::move(*picked[i]));
    return out;
  }
  std::map<std::string, int> at_cursor;  // lines at after.at met so far, per replica
  size_t bytes = 0;
  size_t end = 0;  // lines [0, end) consumed
  for (; end < all.size(); ++end) {
    LogLine& line = all[end];
    if (line.nanos < after.at) continue;
    if (line.nanos == after.at) {
      auto seen = after.seen.find(line.replica);
      int& met = at_cursor[line.replica];
      if (seen != after.seen.end() && met < seen->second) {
        ++met;
        continue;  // returned by an earlier call
      }
    }
    if (!keep(line)) continue;
    CutLine(line.text);
    if (static_cast<int>(out.lines.size()) >= tail || bytes + Cost(line) > kLogOutputBytes) {
      out.truncated = true;
      break;
    }
    bytes += Cost(line);
    out.lines.push_back(line);
  }
  out.next = CursorAfter(all, end, after);
  return out;
}

}  // namespace ink::api_internal
