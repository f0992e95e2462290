#include "src/api/log_query.h"

#include <gtest/gtest.h>

namespace ink::api_internal {
namespace {

constexpr int64_t kSecond = 1000000000;

TEST(LogQuery, SplitsPodmanTimestamps) {
  int64_t nanos = 0;
  std::string_view rest;
  ASSERT_TRUE(SplitTimestamp("2026-11-28T18:20:00.123456789Z hello world", nanos, rest));
  EXPECT_EQ(rest, "hello world");
  EXPECT_EQ(nanos, 1795890000LL * kSecond + 123456789);  // date -d 2026-11-28T18:20:00Z +%s
  ASSERT_TRUE(SplitTimestamp("2026-11-28T19:20:00.5+01:00 x", nanos, rest));
  EXPECT_EQ(nanos, 1795890000LL * kSecond + 500000000);
  EXPECT_EQ(rest, "x");
  EXPECT_FALSE(SplitTimestamp("no timestamp here", nanos, rest));
  EXPECT_FALSE(SplitTimestamp("2026-13-28T18:20:00Z x", nanos, rest));
}

TEST(LogQuery, SinceTakesDurationsAndTimes) {
  int64_t now = 1000000 * kSecond;
  EXPECT_EQ(*ParseSince("30s", now), now - 30 * kSecond);
  EXPECT_EQ(*ParseSince("1h30m", now), now - 5400 * kSecond);
  EXPECT_EQ(*ParseSince("2d", now), now - 172800 * kSecond);
  EXPECT_EQ(*ParseSince("2026-11-28T18:20:00Z", now), 1795890000LL * kSecond);
  for (const char* bad : {"", "10", "m", "10x", "-5m", "yesterday", "2026-11-28"}) {
    auto r = ParseSince(bad, now);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("\"10m\""), std::string::npos);
  }
}

TEST(LogQuery, CursorsRoundTripAndAreChecked) {
  LogCursor runtime{.at = 42, .seen = {{"0", 2}, {"1@dep_abc", 1}}};
  auto back = DecodeCursor(EncodeCursor('r', runtime), 'r');
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->at, 42);
  EXPECT_EQ(back->seen, runtime.seen);
  EXPECT_EQ(EncodeCursor('b', LogCursor{.at = 7, .seen = {{"", 1}}}), "b1.7");
  EXPECT_EQ(DecodeCursor("b1.7", 'b')->at, 7);
  auto other = DecodeCursor("b1.7", 'r');
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("build"), std::string::npos);
  for (const char* bad :
       {"", "r1.", "r1.x", "x1.5", "r2.5", "r1.-3", "r1.5.0", "r1.5.=2", "r1.5.0=x", "r1.5.0=0"}) {
    EXPECT_FALSE(DecodeCursor(bad, 'r').ok()) << bad;
  }
  EXPECT_FALSE(DecodeCursor("b1.5.0=1", 'b').ok());
  // Another kind (list_events' 'e') reads its own cursors and no log's, nor a log its.
  EXPECT_EQ(DecodeCursor(EncodeCursor('e', LogCursor{.at = 9}), 'e')->at, 9);
  EXPECT_FALSE(DecodeCursor("s1.9", 'e').ok());
  EXPECT_FALSE(DecodeCursor("e1.9", 's').ok());
}

std::vector<LogLine> Lines(int n) {
  std::vector<LogLine> out;
  for (int i = 1; i <= n; ++i) {
    out.push_back({.nanos = (i + 1) / 2 * 10,
                   .replica = "0",
                   .stream = "stdout",
                   .text = (i % 2 ? "odd " : "even ") + std::to_string(i)});
  }
  return out;
}

// Lines(10): "odd 1" and "even 2" at 10, "odd 3" and "even 4" at 20, ... "even 10" at 50.
TEST(LogQuery, WithoutCursorTheNewestLinesAndACursorPastAll) {
  auto s = SelectLogLines(Lines(10), "", 3, LogCursor{});
  ASSERT_EQ(s.lines.size(), 3u);
  EXPECT_EQ(s.lines[0].text, "even 8");
  EXPECT_EQ(s.lines[2].text, "even 10");
  EXPECT_FALSE(s.truncated);
  EXPECT_EQ(s.next.at, 50);
  EXPECT_EQ(s.next.seen.at("0"), 2);
  auto none = SelectLogLines(Lines(10), "", 3, s.next);
  EXPECT_TRUE(none.lines.empty());
  EXPECT_EQ(none.next.at, 50);
}

TEST(LogQuery, FilterAppliesBeforeTail) {
  auto s = SelectLogLines(Lines(10), "odd", 2, LogCursor{});
  ASSERT_EQ(s.lines.size(), 2u);
  EXPECT_EQ(s.lines[0].text, "odd 7");
  EXPECT_EQ(s.lines[1].text, "odd 9");
  EXPECT_EQ(s.next.at, 50);  // past the newest line seen, matched or not
}

TEST(LogQuery, CursorPagesForwardWithoutLosingOrRepeatingLinesThatShareATime) {
  std::vector<std::string> got;
  LogCursor cursor{.at = 10, .seen = {{"0", 1}}};  // "odd 1" was read
  for (int page = 0; page < 10; ++page) {
    auto s = SelectLogLines(Lines(10), "", 3, cursor);
    for (const auto& l : s.lines) got.push_back(l.text);
    cursor = s.next;
    if (!s.truncated) break;
  }
  std::vector<std::string> want;
  for (const auto& l : Lines(10)) want.push_back(l.text);
  want.erase(want.begin());
  EXPECT_EQ(got, want);
  EXPECT_EQ(cursor.at, 50);

  // New lines at the cursor's own time (the second is not over) still arrive.
  auto more = Lines(10);
  more.push_back({.nanos = 50, .replica = "0", .text = "late 11"});
  more.push_back({.nanos = 50, .replica = "1", .text = "other replica"});
  auto s = SelectLogLines(more, "", 100, cursor);
  ASSERT_EQ(s.lines.size(), 2u);
  EXPECT_EQ(s.lines[0].text, "late 11");
  EXPECT_EQ(s.lines[1].text, "other replica");

  auto filtered = SelectLogLines(Lines(10), "even", 100, LogCursor{.at = 20});
  EXPECT_EQ(filtered.lines.size(), 4u);  // even 4 .. even 10
  EXPECT_EQ(filtered.next.at, 50);
  auto older = SelectLogLines(Lines(4), "", 100, LogCursor{.at = 90});
  EXPECT_TRUE(older.lines.empty());
  EXPECT_EQ(older.next.at, 90);  // never goes back
}

TEST(LogQuery, OutputIsBoundedKeepingTheNewestAndLongLinesAreCut) {
  std::vector<LogLine> all;
  for (int i = 0; i < 100; ++i) {
    all.push_back({.nanos = i, .text = std::string(3000, 'a' + i % 26)});
  }
  all.push_back({.nanos = 1000, .text = std::string(100000, 'z')});
  auto s = SelectLogLines(all, "", 1000, LogCursor{});
  EXPECT_TRUE(s.truncated);
  ASSERT_FALSE(s.lines.empty());
  EXPECT_EQ(s.lines.back().nanos, 1000);
  EXPECT_NE(s.lines.back().text.find("more bytes cut"), std::string::npos);
  EXPECT_LT(s.lines.back().text.size(), kLogLineBytes + 64);
  size_t total = 0;
  for (const auto& l : s.lines) total += l.text.size();
  EXPECT_LE(total, kLogOutputBytes);
}

}  // namespace
}  // namespace ink::api_internal
