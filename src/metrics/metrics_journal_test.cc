// The metrics journal: minute points survive a reopen (a restart), a torn or corrupt tail is
// cut off without losing what came before, points past the retention are dropped, a file of
// another format is set aside, and compaction keeps the file within twice the store's points.
#include "ink/metrics/metrics_journal.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace ink::metrics {
namespace {

constexpr int64_t kStart = 1'800'000'000'000;  // a whole minute

class MetricsJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ink-mjournal-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/coarse.journal";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A store fed 10-s samples for `minutes` minutes from kStart, journaled.
  void Feed(MetricsStore& store, MetricsJournal& journal, int minutes, int64_t from = kStart) {
    store.SetCoarseSink([&journal](const std::string& s, const Sample& p) { journal.Append(s, p); });
    for (int64_t t = from + 10'000; t <= from + minutes * 60'000 + 10'000; t += 10'000) {
      Sample s;
      s.at_ms = t;
      s.interval_s = 10;
      s.cpu_cores = static_cast<float>((t / 60'000) % 7);
      store.Record("svc_a", s);
      store.Record("svc_b/r0", s);
    }
  }
  std::string dir_, path_;
};

TEST_F(MetricsJournalTest, MinutePointsSurviveAReopenIntoAFreshStore) {
  int64_t now = kStart + 120 * 60'000;
  std::vector<Sample> original;
  {
    MetricsStore store;
    MetricsJournal journal;
    ASSERT_TRUE(journal.Open(path_, kStart).ok());
    Feed(store, journal, 120);
    EXPECT_EQ(journal.records(), 240U);  // 120 closed minutes of two series
    original = store.Range("svc_a", now, 24 * 3600'000);
  }
  struct stat st{};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  MetricsJournal journal;
  auto points = journal.Open(path_, now);
  ASSERT_TRUE(points.ok()) << points.error().message;
  ASSERT_EQ(points->size(), 2U);
  ASSERT_EQ((*points)["svc_a"].size(), 120U);
  MetricsStore restored;
  for (const auto& [series, list] : *points) restored.RestoreCoarse(series, list);
  auto day = restored.Range("svc_a", now, 24 * 3600'000);
  ASSERT_EQ(day.size(), 120U);
  EXPECT_EQ(day.front().at_ms, kStart + 60'000);
  ASSERT_GE(original.size(), 120U);
  for (size_t i = 0; i < 120; ++i) {
    EXPECT_EQ(day[i].at_ms, original[i].at_ms);
    EXPECT_FLOAT_EQ(day[i].cpu_cores, original[i].cpu_cores);
  }
  // New samples after the restart go after the restored ones.
  Feed(restored, journal, 3, now);
  auto later = restored.Range("svc_a", now + 4 * 60'000, 24 * 3600'000);
  EXPECT_GE(later.size(), 123U);
}

TEST_F(MetricsJournalTest, ATornOrCorruptTailIsCutOffAndTheRestKept) {
  {
    MetricsStore store;
    MetricsJournal journal;
    ASSERT_TRUE(journal.Open(path_, kStart).ok());
    Feed(store, journal, 10);
  }
  auto size = std::filesystem::file_size(path_);
  {
    std::ofstream append(path_, std::ios::binary | std::ios::app);
    append << "\x05svc_a partial";  // a record cut by a crash
  }
  MetricsJournal journal;
  auto points = journal.Open(path_, kStart + 11 * 60'000);
  ASSERT_TRUE(points.ok());
  EXPECT_EQ((*points)["svc_a"].size(), 10U);
  EXPECT_EQ(std::filesystem::file_size(path_), size);  // rewritten without the tail
  // A flipped byte in the middle: the records before it are kept, the rest cut off.
  {
    std::fstream f(path_, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(size / 2));
    f.put('\xff');
  }
  MetricsJournal again;
  auto kept = again.Open(path_, kStart + 11 * 60'000);
  ASSERT_TRUE(kept.ok());
  size_t total = 0;
  for (const auto& [s, list] : *kept) total += list.size();
  EXPECT_GT(total, 5U);
  EXPECT_LT(total, 20U);
}

TEST_F(MetricsJournalTest, OldPointsAreDroppedAndAnotherFormatIsSetAside) {
  {
    MetricsStore store;
    MetricsJournal journal;
    ASSERT_TRUE(journal.Open(path_, kStart).ok());
    Feed(store, journal, 5);
  }
  MetricsJournal later;
  auto none = later.Open(path_, kStart + kCoarseRetentionMs + 10 * 60'000);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(later.records(), 0U);
  {
    std::ofstream other(path_, std::ios::binary | std::ios::trunc);
    other << "something else entirely\n";
  }
  MetricsJournal fresh;
  ASSERT_TRUE(fresh.Open(path_, kStart).ok());
  EXPECT_TRUE(std::filesystem::exists(path_ + ".old"));
  EXPECT_EQ(fresh.records(), 0U);
}

TEST_F(MetricsJournalTest, CompactionKeepsTheFileWithinTwiceTheStoresPoints) {
  MetricsStore store;
  MetricsJournal journal;
  ASSERT_TRUE(journal.Open(path_, kStart).ok());
  Feed(store, journal, 600);  // 1,200 records
  EXPECT_TRUE(journal.MaybeCompact([&store] { return store.CoarsePoints(); }));
  EXPECT_EQ(journal.records(), 1200U);  // nothing past retention yet: the same points
  EXPECT_FALSE(journal.MaybeCompact([&store] { return store.CoarsePoints(); }));
  EXPECT_EQ(journal.write_errors(), 0);
  MetricsJournal reread;
  auto points = reread.Open(path_, kStart + 601 * 60'000);
  ASSERT_TRUE(points.ok());
  EXPECT_EQ((*points)["svc_a"].size(), 600U);
}

}  // namespace
}  // namespace ink::metrics
