// The snapshot methods of SqliteStore, and a volume's snapshot policy.
#include <string_view>

#include "ink/common/names.h"
#include "sqlite_store.h"

namespace ink::store_internal {
namespace {

constexpr char kSnapshotColumns[] =
    "id, workspace_id, project_id, volume_id, volume_name, volume_size_bytes, label, scheduled, "
    "status, error, size_bytes, created_at, completed_at FROM snapshots";

Result<std::vector<Snapshot>> ReadSnapshots(Statement& query) {
  std::vector<Snapshot> out;
  while (true) {
    auto row = query.Step();
    if (!row.ok()) return row.error();
    if (!*row) return out;
    Snapshot s;
    s.id = query.Text(0);
    s.workspace_id = query.Text(1);
    s.project_id = query.Text(2);
    s.volume_id = query.Text(3);
    s.volume_name = query.Text(4);
    s.volume_size_bytes = query.Int(5);
    s.label = query.Text(6);
    s.scheduled = query.Int(7) != 0;
    s.status = query.Text(8);
    s.error = query.Text(9);
    s.size_bytes = query.Int(10);
    s.created_at = query.Int(11);
    s.completed_at = query.Int(12);
    out.push_back(std::move(s));
  }
}

}  // namespace

Status SqliteStore::SetVolumeSnapshotPolicy(const std::string& workspace_id,
                                            const std::string& volume_id, int retention,
                                            const std::string& schedule) {
  constexpr std::string_view kWhat = "set volume snapshot policy";
  std::lock_guard lock(mu_);
  auto update = Prepare(
      "UPDATE volumes SET snapshot_retention = ?, snapshot_schedule = ? "
      "WHERE id = ? AND workspace_id = ?",
      kWhat);
  if (!update.ok()) return update.error();
  update->BindAll(retention, schedule, volume_id, workspace_id);
  INK_RETURN_IF_ERROR(update->Run());
  if (connection_.Changes() == 0) {
    return NotFound("volume '" + volume_id + "' not found in this workspace");
  }
  return {};
}

Result<Snapshot> SqliteStore::CreateSnapshot(Snapshot s) {
  constexpr std::string_view kWhat = "create snapshot";
  s.id = NewId("snap");
  s.status = "pending";
  s.error.clear();
  s.size_bytes = 0;
  s.completed_at = 0;
  if (s.created_at == 0) s.created_at = clock_.NowMillis();
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireProject(s.workspace_id, s.project_id, kWhat));
  auto insert = Prepare(
      "INSERT INTO snapshots (id, workspace_id, project_id, volume_id, volume_name, "
      "volume_size_bytes, label, scheduled, status, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
      kWhat);
  if (!insert.ok()) return insert.error();
  insert->BindAll(s.id, s.workspace_id, s.project_id, s.volume_id, s.volume_name,
                  s.volume_size_bytes, s.label, s.scheduled ? 1 : 0, s.created_at);
  INK_RETURN_IF_ERROR(insert->Run());
  return s;
}

Status SqliteStore::FinishSnapshot(const std::string& snapshot_id, bool ok,
                                   const std::string& error, int64_t size_bytes) {
  std::lock_guard lock(mu_);
  auto update = Prepare(
      "UPDATE snapshots SET status = ?, error = ?, size_bytes = ?, completed_at = ? "
      "WHERE id = ? AND status = 'pending'",
      "finish snapshot");
  if (!update.ok()) return update.error();
  update->BindAll(std::string(ok ? "ready" : "failed"), ok ? std::string() : error,
                  ok ? size_bytes : int64_t{0}, clock_.NowMillis(), snapshot_id);
  INK_RETURN_IF_ERROR(update->Run());
  if (connection_.Changes() == 0) {
    return NotFound("snapshot '" + snapshot_id + "' is not pending");
  }
  return {};
}

Result<std::vector<Snapshot>> SqliteStore::ListSnapshots(const std::string& workspace_id,
                                                         const std::string& project_id,
                                                         const std::string& volume_id) {
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireProject(workspace_id, project_id, "list snapshots"));
  auto query = Prepare(std::string("SELECT ") + kSnapshotColumns +
                           " WHERE workspace_id = ?1 AND project_id = ?2 AND (?3 = '' OR "
                           "volume_id = ?3) ORDER BY created_at DESC, rowid DESC",
                       "list snapshots");
  if (!query.ok()) return query.error();
  query->BindAll(workspace_id, project_id, volume_id);
  return ReadSnapshots(*query);
}

Result<Snapshot> SqliteStore::GetSnapshot(const std::string& workspace_id,
                                          const std::string& project_id,
                                          const std::string& snapshot_id) {
  std::lock_guard lock(mu_);
  auto query = Prepare(std::string("SELECT ") + kSnapshotColumns +
                           " WHERE workspace_id = ? AND project_id = ? AND id = ?",
                       "get snapshot");
  if (!query.ok()) return query.error();
  query->BindAll(workspace_id, project_id, snapshot_id);
  auto found = ReadSnapshots(*query);
  if (!found.ok()) return found.error();
  if (found->empty()) {
    return NotFound("snapshot '" + snapshot_id.substr(0, 64) +
                    "' does not exist in this project; list them with `ink volumes snapshots "
                    "--project <project>`");
  }
  return found->front();
}

Status SqliteStore::DeleteSnapshot(const std::string& workspace_id,
                                   const std::string& snapshot_id) {
  std::lock_guard lock(mu_);
  auto erase =
      Prepare("DELETE FROM snapshots WHERE id = ? AND workspace_id = ?", "delete snapshot");
  if (!erase.ok()) return erase.error();
  INK_RETURN_IF_ERROR(erase->BindAll(snapshot_id, workspace_id).Run());
  if (connection_.Changes() == 0) {
    return NotFound("snapshot '" + snapshot_id + "' not found in this workspace");
  }
  return {};
}

Result<int> SqliteStore::FailPendingSnapshots(const std::string& why) {
  std::lock_guard lock(mu_);
  auto update = Prepare(
      "UPDATE snapshots SET status = 'failed', error = ?, completed_at = ? "
      "WHERE status = 'pending'",
      "fail pending snapshots");
  if (!update.ok()) return update.error();
  update->BindAll(why, clock_.NowMillis());
  INK_RETURN_IF_ERROR(update->Run());
  return static_cast<int>(connection_.Changes());
}

}  // namespace ink::store_internal
