// The snapshot policy rules: the daily schedule's form, when a scheduled snapshot is due, and
// what retention prunes.
#include "src/api/snapshot_schedule.h"

#include <gtest/gtest.h>

namespace ink::api_internal {
namespace {

constexpr int64_t kMinute = 60 * 1000, kDay = 24 * 60 * kMinute;
constexpr int64_t kDay100 = 100 * kDay;  // some midnight UTC

TEST(SnapshotScheduleTest, ParsesHoursAndMinutesAndRefusesAnythingElse) {
  EXPECT_EQ(*ParseDailySchedule(""), -1);
  EXPECT_EQ(*ParseDailySchedule("00:00"), 0);
  EXPECT_EQ(*ParseDailySchedule("03:00"), 180);
  EXPECT_EQ(*ParseDailySchedule("23:59"), 23 * 60 + 59);
  for (const char* bad : {"24:00", "3:00", "03:60", "03-00", "0300", " 03:00", "03:00Z", "ab:cd"}) {
    auto r = ParseDailySchedule(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("HH:MM"), std::string::npos) << r.error().message;
  }
}

TEST(SnapshotScheduleTest, DueOnceADayAfterTheSlot) {
  Volume v;
  v.snapshot_schedule = "03:00";
  v.created_at = kDay100 - kDay;  // created the day before
  const int64_t slot = kDay100 + 3 * 60 * kMinute;
  // Created at 00:00 the day before: that day's 03:00 slot is still due at 02:59 today (a
  // slot missed while inkd was down is taken once).
  EXPECT_TRUE(ScheduledSnapshotDue(v, 0, slot - kMinute));
  EXPECT_FALSE(ScheduledSnapshotDue(v, slot - kDay + kMinute, slot - kMinute));  // taken
  EXPECT_TRUE(ScheduledSnapshotDue(v, slot - kDay + kMinute, slot));             // today's
  EXPECT_FALSE(ScheduledSnapshotDue(v, slot, slot + 5 * kMinute));               // once
  EXPECT_TRUE(ScheduledSnapshotDue(v, slot, slot + kDay));                       // next day
  // A volume created after today's slot waits for tomorrow's.
  v.created_at = slot + kMinute;
  EXPECT_FALSE(ScheduledSnapshotDue(v, 0, slot + 2 * kMinute));
  EXPECT_TRUE(ScheduledSnapshotDue(v, 0, slot + kDay));
  // No schedule, never due.
  v.snapshot_schedule = "";
  EXPECT_FALSE(ScheduledSnapshotDue(v, 0, slot + 10 * kDay));
}

Snapshot Snap(const std::string& id, const std::string& status, int64_t created_at) {
  Snapshot s;
  s.id = id;
  s.status = status;
  s.created_at = created_at;
  return s;
}

TEST(SnapshotScheduleTest, RetentionPrunesTheOldestReadyOnesAndBoundsFailures) {
  std::vector<Snapshot> list = {Snap("a", "ready", 1), Snap("b", "ready", 3),
                                Snap("c", "failed", 2), Snap("d", "ready", 4),
                                Snap("e", "pending", 0)};
  EXPECT_EQ(SnapshotsToPrune(list, 2), std::vector<std::string>{"a"});
  EXPECT_EQ(SnapshotsToPrune(list, 1), (std::vector<std::string>{"b", "a"}));
  EXPECT_TRUE(SnapshotsToPrune(list, 3).empty());
  for (int i = 0; i < kFailedSnapshotsKept + 2; ++i) {
    list.push_back(Snap("f" + std::to_string(i), "failed", 10 + i));
  }
  // The oldest failed records go beyond the newest kFailedSnapshotsKept; pending never.
  EXPECT_EQ(SnapshotsToPrune(list, 3), (std::vector<std::string>{"f1", "f0", "c"}));
}

}  // namespace
}  // namespace ink::api_internal
