// Snapshot policy rules, pure (time passed in, no I/O): the daily schedule ("HH:MM" UTC), when
// a volume's scheduled snapshot is due, and which snapshots retention prunes. The snapshot
// operations and the schedule loop (operations_snapshots.cc) do the I/O around them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ink/common/result.h"
#include "ink/store/model.h"

namespace ink::api_internal {

constexpr int kMinSnapshotRetention = 1;
constexpr int kMaxSnapshotRetention = 1000;
// Failed snapshot records kept per volume (they say what went wrong; they hold no data).
constexpr int kFailedSnapshotsKept = 10;

// "HH:MM" (00:00-23:59, UTC) as minutes after midnight; "" is -1 (no schedule). Anything else
// is InvalidArgument naming the value and the form.
Result<int> ParseDailySchedule(const std::string& schedule);

// Whether volume `v`'s daily snapshot is due at `now_ms`: its schedule's latest slot at or
// before now is after the volume was created and after its last scheduled attempt
// (`last_scheduled_ms`, 0 if none; a failed attempt counts, so a failing volume is retried the
// next day, not every pass). A slot missed while inkd was down is taken once when it is back.
bool ScheduledSnapshotDue(const Volume& v, int64_t last_scheduled_ms, int64_t now_ms);

// Of one volume's snapshots (any order), the ids retention removes: ready ones beyond the
// newest `retention`, and failed records beyond the newest kFailedSnapshotsKept. Pending ones
// are never pruned.
std::vector<std::string> SnapshotsToPrune(std::vector<Snapshot> snapshots, int retention);

}  // namespace ink::api_internal
