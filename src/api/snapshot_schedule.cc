// Snapshot policy rules (snapshot_schedule.h).
#include "src/api/snapshot_schedule.h"

#include <algorithm>

namespace ink::api_internal {

Result<int> ParseDailySchedule(const std::string& schedule) {
  if (schedule.empty()) return -1;
  auto digit = [&](size_t i) { return schedule[i] >= '0' && schedule[i] <= '9'; };
  if (schedule.size() == 5 && digit(0) && digit(1) && schedule[2] == ':' && digit(3) && digit(4)) {
    int hours = (schedule[0] - '0') * 10 + (schedule[1] - '0');
    int minutes = (schedule[3] - '0') * 10 + (schedule[4] - '0');
    if (hours < 24 && minutes < 60) return hours * 60 + minutes;
  }
  return InvalidArgument("snapshot_schedule '" + schedule.substr(0, 16) +
                         "' is not a time of day: give \"HH:MM\" in UTC from 00:00 to 23:59, "
                         "e.g. \"03:00\", or \"\" for no daily snapshot");
}

bool ScheduledSnapshotDue(const Volume& v, int64_t last_scheduled_ms, int64_t now_ms) {
  auto minute = ParseDailySchedule(v.snapshot_schedule);
  if (!minute.ok() || *minute < 0) return false;
  constexpr int64_t kDay = 24LL * 3600 * 1000;
  int64_t slot = now_ms - now_ms % kDay + int64_t{*minute} * 60 * 1000;
  if (slot > now_ms) slot -= kDay;
  return v.created_at < slot && last_scheduled_ms < slot;
}

std::vector<std::string> SnapshotsToPrune(std::vector<Snapshot> snapshots, int retention) {
  std::stable_sort(snapshots.begin(), snapshots.end(), [](const Snapshot& a, const Snapshot& b) {
    return a.created_at > b.created_at;  // newest first
  });
  std::vector<std::string> prune;
  int ready = 0, failed = 0;
  for (const auto& s : snapshots) {
    if (s.status == "ready" && ++ready > retention) prune.push_back(s.id);
    if (s.status == "failed" && ++failed > kFailedSnapshotsKept) prune.push_back(s.id);
  }
  return prune;
}

}  // namespace ink::api_internal
