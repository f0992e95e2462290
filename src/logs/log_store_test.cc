#include "ink/logs/log_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "src/logs/log_record.h"

namespace ink::logs {
namespace {

constexpr int64_t kSecond = 1000000000;
constexpr int64_t kNow = 1800000000 * kSecond;

class LogStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ink-logs-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<ServiceLog> Open(LogLimits limits = {}) {
    auto log = ServiceLog::Open(dir_.string(), limits);
    EXPECT_TRUE(log.ok()) << log.error().message;
    return std::move(*log);
  }
  static LogRecord Line(std::string text, int64_t nanos = kNow, std::string replica = "0",
                        std::string deployment = "dep_a") {
    return {.nanos = nanos, .deployment = deployment, .replica = replica, .text = text};
  }
  static std::vector<std::string> Texts(const LogPage& page) {
    std::vector<std::string> out;
    for (const auto& l : page.lines) out.push_back(l.text);
    return out;
  }
  int64_t DirBytes() {
    int64_t total = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) total += e.file_size();
    return total;
  }
  std::filesystem::path dir_;
};

TEST_F(LogStoreTest, TailReturnsTheNewestLinesOldestFirst) {
  auto log = Open();
  std::vector<LogRecord> batch;
  for (int i = 0; i < 10; ++i) batch.push_back(Line("line " + std::to_string(i), kNow + i));
  ASSERT_EQ(*log->Append(batch, kNow), 10u);
  auto page = log->Query({.tail = 3});
  EXPECT_EQ(Texts(page), (std::vector<std::string>{"line 7", "line 8", "line 9"}));
  EXPECT_EQ(page.next_seq, 10u);
  EXPECT_EQ(page.lines[0].seq, 8u);
  EXPECT_FALSE(page.truncated);
}

TEST_F(LogStoreTest, CursorPagesEveryMatchingLineOnceInOrder) {
  auto log = Open({.segment_bytes = 4096});  // many segments: paging crosses them
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(
        log->Append({Line((i % 7 == 0 ? "match " : "other ") + std::to_string(i), kNow + i)}, kNow)
            .ok());
  }
  ASSERT_GT(log->Stats().segments, 10);
  LogQuery q{.tail = 50, .has_cursor = true, .after_seq = 0};
  q.match = [](std::string_view t) { return t.starts_with("match"); };
  std::vector<std::string> all;
  for (int calls = 0; calls < 100; ++calls) {
    auto page = log->Query(q);
    for (auto& t : Texts(page)) all.push_back(t);
    if (page.lines.empty()) break;
    EXPECT_TRUE(page.truncated || page.lines.size() < 50u);
    q.after_seq = page.next_seq;
  }
  std::vector<std::string> want;
  for (int i = 0; i < 2000; i += 7) want.push_back("match " + std::to_string(i));
  EXPECT_EQ(all, want);
  // Caught up: the cursor points at the newest line, and only new lines come after it.
  ASSERT_TRUE(log->Append({Line("match new", kNow + 5000)}, kNow).ok());
  EXPECT_EQ(Texts(log->Query(q)), std::vector<std::string>{"match new"});
}

TEST_F(LogStoreTest, FiltersByDeploymentTimeAndRegex) {
  auto log = Open();
  ASSERT_TRUE(log->Append({Line("GET /a 200", kNow + 1, "0", "dep_a"),
                           Line("GET /b 500", kNow + 2, "0", "dep_a"),
                           Line("GET /c 503", kNow + 3, "1", "dep_b"),
                           Line("POST /d 500", kNow + 4, "0", "dep_b")},
                          kNow)
                  .ok());
  std::regex five("^GET .* 5[0-9]{2}$");
  LogQuery q{.tail = 10};
  q.match = [&](std::string_view t) { return std::regex_search(t.begin(), t.end(), five); };
  EXPECT_EQ(Texts(log->Query(q)), (std::vector<std::string>{"GET /b 500", "GET /c 503"}));
  q.deployment = "dep_b";
  EXPECT_EQ(Texts(log->Query(q)), std::vector<std::string>{"GET /c 503"});
  q.deployment = "";
  q.since_nanos = kNow + 3;
  EXPECT_EQ(Texts(log->Query(q)), std::vector<std::string>{"GET /c 503"});
  q.since_nanos = 0;
  q.until_nanos = kNow + 2;
  EXPECT_EQ(Texts(log->Query(q)), std::vector<std::string>{"GET /b 500"});
}

TEST_F(LogStoreTest, StaysWithinItsSizeBoundDroppingTheOldestSegments) {
  LogLimits limits{.max_bytes = 256 << 10, .segment_bytes = 32 << 10};
  auto log = Open(limits);
  std::string text(100, 'x');
  for (int i = 0; i < 20000; ++i) {
    ASSERT_TRUE(log->Append({Line(text + std::to_string(i), kNow + i)}, kNow + i).ok());
    if (i % 1000 == 0) {
      ASSERT_LE(DirBytes(), limits.max_bytes);
    }
  }
  EXPECT_LE(DirBytes(), limits.max_bytes);
  EXPECT_GE(DirBytes(), limits.max_bytes - 2 * limits.segment_bytes);
  LogStats stats = log->Stats();
  EXPECT_EQ(stats.last_seq, 20000u);
  EXPECT_GT(stats.first_seq, 1u);
  // The newest line is kept; a cursor older than the oldest kept line says lines were lost.
  EXPECT_EQ(log->Query({.tail = 1}).lines.at(0).text, text + "19999");
  auto page = log->Query({.tail = 5, .has_cursor = true, .after_seq = 1});
  EXPECT_TRUE(page.lost);
  EXPECT_EQ(page.lines.at(0).seq, stats.first_seq);
}

TEST_F(LogStoreTest, DropsLinesOlderThanTheAgeLimit) {
  LogLimits limits{.max_age_nanos = 3600 * kSecond, .segment_bytes = 64 << 10};
  auto log = Open(limits);
  std::string text(1000, 'o');
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(log->Append({Line(text, kNow)}, kNow).ok());
  ASSERT_TRUE(log->Append({Line("fresh", kNow + 7200 * kSecond)}, kNow + 7200 * kSecond).ok());
  auto page = log->Query({.tail = 1000});
  EXPECT_EQ(Texts(page).back(), "fresh");
  EXPECT_LT(page.lines.size(), 70u);  // only what shares a segment with the fresh line
  // Everything older than an hour, then nothing new: the next append starts afresh and the
  // sequence goes on (cursors stay valid).
  ASSERT_TRUE(log->Append({Line("later", kNow + 20000 * kSecond)}, kNow + 20000 * kSecond).ok());
  ASSERT_TRUE(log->Append({}, kNow + 30000 * kSecond).ok());
  EXPECT_EQ(log->Stats().last_seq, 202u);
  EXPECT_TRUE(log->Query({.tail = 10}).lines.empty());
}

TEST_F(LogStoreTest, KeepsLinesSequenceAndCheckpointsAcrossReopen) {
  {
    auto log = Open({.segment_bytes = 4096});
    for (int i = 0; i < 300; ++i) {
      ASSERT_TRUE(
          log->Append({Line("l" + std::to_string(i))}, kNow, "ctr1", std::to_string(i * 10)).ok());
    }
    ASSERT_TRUE(log->Append({}, kNow, "ctr2", "7").ok());
  }
  auto log = Open({.segment_bytes = 4096});
  auto checkpoints = log->Checkpoints();
  EXPECT_EQ(checkpoints["ctr1"], "2990");
  EXPECT_EQ(checkpoints["ctr2"], "7");
  EXPECT_EQ(Texts(log->Query({.tail = 2})), (std::vector<std::string>{"l298", "l299"}));
  uint64_t before = log->Stats().last_seq;
  ASSERT_EQ(*log->Append({Line("after")}, kNow), before + 1);
}

TEST_F(LogStoreTest, CheckpointsSurviveDroppingTheSegmentsTheyWereWrittenIn) {
  LogLimits limits{.max_bytes = 64 << 10, .segment_bytes = 8 << 10};
  {
    auto log = Open(limits);
    ASSERT_TRUE(log->Append({Line("first")}, kNow, "quiet", "123").ok());
    std::string text(200, 'n');
    for (int i = 0; i < 2000; ++i) ASSERT_TRUE(log->Append({Line(text)}, kNow, "noisy", "1").ok());
  }
  auto log = Open(limits);
  EXPECT_EQ(log->Checkpoints()["quiet"], "123");
}

TEST_F(LogStoreTest, CutsATornLastRecordOnOpen) {
  {
    auto log = Open();
    ASSERT_TRUE(log->Append({Line("whole")}, kNow, "c", "5").ok());
  }
  std::string path;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) path = e.path();
  int64_t size = static_cast<int64_t>(std::filesystem::file_size(path));
  {
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << std::string("\x40\x00\x00\x00partial", 11);
  }
  auto log = Open();
  EXPECT_EQ(static_cast<int64_t>(std::filesystem::file_size(path)), size);
  EXPECT_EQ(Texts(log->Query({.tail = 5})), std::vector<std::string>{"whole"});
  ASSERT_TRUE(log->Append({Line("next")}, kNow).ok());
  EXPECT_EQ(Texts(log->Query({.tail = 5})), (std::vector<std::string>{"whole", "next"}));
}

TEST_F(LogStoreTest, DropNotesPassTextFiltersAndAreCounted) {
  auto log = Open();
  ASSERT_TRUE(log->Append({Line("a"),
                           {.nanos = kNow,
                            .stream = LogStream::kDropped,
                            .deployment = "dep_a",
                            .replica = "0",
                            .text = "4500"},
                           Line("b")},
                          kNow)
                  .ok());
  LogQuery q{.tail = 10};
  q.match = [](std::string_view t) { return t == "b"; };
  auto page = log->Query(q);
  ASSERT_EQ(page.lines.size(), 2u);
  EXPECT_EQ(page.lines[0].stream, LogStream::kDropped);
  EXPECT_EQ(page.dropped, 4500);
  EXPECT_EQ(log->Stats().dropped, 4500);
}

TEST_F(LogStoreTest, DroppedTotalCountsTheDropsOfSegmentsThatWentAndSurvivesReopen) {
  LogLimits limits{.max_bytes = 64 << 10, .segment_bytes = 8 << 10};
  std::string text(200, 'd');
  {
    auto log = Open(limits);
    for (int i = 0; i < 2000; ++i) {
      LogRecord note{.nanos = kNow, .stream = LogStream::kDropped, .text = "3"};
      ASSERT_TRUE(log->Append({Line(text), note}, kNow).ok());
    }
    EXPECT_GT(log->Stats().first_seq, 1u);  // segments went
    EXPECT_EQ(log->Stats().dropped, 6000);
  }
  auto log = Open(limits);
  EXPECT_EQ(log->Stats().dropped, 6000);
  ASSERT_TRUE(
      log->Append({{.nanos = kNow, .stream = LogStream::kDropped, .text = "1"}}, kNow).ok());
  EXPECT_EQ(log->Stats().dropped, 6001);
  EXPECT_EQ(log->Checkpoints().count(kDroppedBeforeKey), 1u);
}

TEST_F(LogStoreTest, AnswerIsBoundedInBytesAndLongLinesAreCut) {
  auto log = Open();
  std::vector<LogRecord> batch;
  for (int i = 0; i < 100; ++i) batch.push_back(Line(std::string(3000, 'a' + i % 26)));
  batch.push_back(Line(std::string(100000, 'z')));
  ASSERT_TRUE(log->Append(batch, kNow).ok());
  auto page = log->Query({.tail = 1000, .max_bytes = 64 << 10});
  EXPECT_TRUE(page.truncated);
  EXPECT_LT(page.lines.size(), 30u);
  EXPECT_TRUE(page.lines.back().text.starts_with(std::string(4096, 'z') + " …["));
  auto paged =
      log->Query({.tail = 1000, .has_cursor = true, .after_seq = 0, .max_bytes = 64 << 10});
  EXPECT_TRUE(paged.truncated);
  EXPECT_EQ(paged.next_seq, paged.lines.back().seq);
}

TEST(SegmentsToDropTest, SizeThenAge) {
  using logs_internal::SegmentsToDrop;
  LogLimits limits{.max_bytes = 100, .max_age_nanos = 10};
  EXPECT_EQ(SegmentsToDrop({{40, 50}, {40, 60}, {10, 70}}, limits, 60), 0u);
  EXPECT_EQ(SegmentsToDrop({{40, 50}, {40, 60}, {40, 70}}, limits, 60), 1u);
  EXPECT_EQ(SegmentsToDrop({{40, 45}, {40, 55}, {10, 70}}, limits, 60), 1u);
  // The segment being written is never dropped for size, only for age.
  EXPECT_EQ(SegmentsToDrop({{500, 70}}, limits, 60), 0u);
  EXPECT_EQ(SegmentsToDrop({{10, 40}, {10, 41}}, limits, 60), 2u);
}

TEST(LogRecordTest, RoundTripsAndRejectsGarbage) {
  std::string bytes;
  LogRecord in{.seq = 42,
               .nanos = -5,
               .stream = LogStream::kStderr,
               .deployment = "dep_x",
               .replica = "3",
               .text = std::string("a\0b\n", 4)};
  logs_internal::AppendEncoded(in, bytes);
  LogRecord out;
  ASSERT_EQ(logs_internal::DecodeOne(bytes, out), bytes.size());
  EXPECT_EQ(out.seq, 42u);
  EXPECT_EQ(out.nanos, -5);
  EXPECT_EQ(out.stream, LogStream::kStderr);
  EXPECT_EQ(out.deployment, "dep_x");
  EXPECT_EQ(out.replica, "3");
  EXPECT_EQ(out.text, in.text);
  EXPECT_EQ(logs_internal::DecodeOne(bytes.substr(0, bytes.size() - 1), out), 0u);
  EXPECT_EQ(logs_internal::DecodeOne(std::string(40, '\xff'), out), 0u);
}

}  // namespace
}  // namespace ink::logs
