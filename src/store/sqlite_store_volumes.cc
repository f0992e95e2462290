// The volume methods of SqliteStore, and the attachments a deploy keeps in step with its spec.
#include <set>
#include <string_view>

#include "ink/common/names.h"
#include "sqlite_store.h"

namespace ink::store_internal {
namespace {

constexpr char kVolumeColumns[] =
    "v.id, v.workspace_id, v.project_id, v.name, v.size_bytes, v.service_id, s.name, "
    "v.mount_path, v.created_at, v.snapshot_retention, v.snapshot_schedule FROM volumes v LEFT "
    "JOIN services s ON s.id = v.service_id";

Volume ReadVolume(const Statement& row) {
  Volume v;
  v.id = row.Text(0);
  v.workspace_id = row.Text(1);
  v.project_id = row.Text(2);
  v.name = row.Text(3);
  v.size_bytes = row.Int(4);
  v.service_id = row.Text(5);
  v.service_name = row.Text(6);
  v.mount_path = row.Text(7);
  v.created_at = row.Int(8);
  v.snapshot_retention = static_cast<int>(row.Int(9));
  v.snapshot_schedule = row.Text(10);
  return v;
}

Result<std::vector<Volume>> ReadVolumes(Statement& query) {
  std::vector<Volume> out;
  while (true) {
    auto row = query.Step();
    if (!row.ok()) return row.error();
    if (!*row) return out;
    out.push_back(ReadVolume(query));
  }
}

}  // namespace

Result<Volume> SqliteStore::CreateVolume(const std::string& workspace_id,
                                         const std::string& project_id, const std::string& name,
                                         int64_t size_bytes) {
  constexpr std::string_view kWhat = "create volume";
  if (size_bytes <= 0) return InvalidArgument("a volume's size must be positive");
  Volume v;
  v.id = NewId("vol");
  v.workspace_id = workspace_id;
  v.project_id = project_id;
  v.name = name;
  v.size_bytes = size_bytes;
  v.created_at = clock_.NowMillis();
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireProject(workspace_id, project_id, kWhat));
  auto insert = Prepare(
      "INSERT INTO volumes (id, workspace_id, project_id, name, size_bytes, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      kWhat);
  if (!insert.ok()) return insert.error();
  insert->BindAll(v.id, workspace_id, project_id, name, size_bytes, v.created_at);
  if (Status status = insert->Run(); !status.ok()) {
    if (insert->FailedOnUniqueConstraint()) {
      return AlreadyExists("volume '" + name +
                           "' already exists in this project; choose another name (see `ink "
                           "volumes list`)");
    }
    return status.error();
  }
  return v;
}

Result<std::vector<Volume>> SqliteStore::ListVolumes(const std::string& workspace_id,
                                                     const std::string& project_id) {
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireProject(workspace_id, project_id, "list volumes"));
  auto query = Prepare(std::string("SELECT ") + kVolumeColumns +
                           " WHERE v.workspace_id = ? AND v.project_id = ? ORDER BY v.name",
                       "list volumes");
  if (!query.ok()) return query.error();
  query->BindAll(workspace_id, project_id);
  return ReadVolumes(*query);
}

Result<std::vector<Volume>> SqliteStore::ListAllVolumes() {
  std::lock_guard lock(mu_);
  auto query = Prepare(std::string("SELECT ") + kVolumeColumns + " ORDER BY v.created_at, v.rowid",
                       "list all volumes");
  if (!query.ok()) return query.error();
  return ReadVolumes(*query);
}

Result<Volume> SqliteStore::GetVolume(const std::string& workspace_id,
                                      const std::string& project_id,
                                      const std::string& id_or_name) {
  std::lock_guard lock(mu_);
  auto query = Prepare(std::string("SELECT ") + kVolumeColumns +
                           " WHERE v.workspace_id = ?1 AND v.project_id = ?2"
                           " AND (v.id = ?3 OR v.name = ?3) ORDER BY v.id = ?3 DESC LIMIT 1",
                       "get volume");
  if (!query.ok()) return query.error();
  query->BindAll(workspace_id, project_id, id_or_name);
  auto found = ReadVolumes(*query);
  if (!found.ok()) return found.error();
  if (found->empty()) {
    return NotFound("volume '" + id_or_name +
                    "' does not exist in this project; list volumes with `ink volumes list "
                    "--project <project>` or create it with `ink volumes create NAME --size 1Gi`");
  }
  return found->front();
}

Status SqliteStore::DeleteVolume(const std::string& workspace_id, const std::string& volume_id) {
  constexpr std::string_view kWhat = "delete volume";
  std::lock_guard lock(mu_);
  auto transaction = Transaction::Begin(connection_, kWhat);
  if (!transaction.ok()) return transaction.error();
  auto query = Prepare(
      std::string("SELECT ") + kVolumeColumns + " WHERE v.id = ? AND v.workspace_id = ?", kWhat);
  if (!query.ok()) return query.error();
  query->BindAll(volume_id, workspace_id);
  auto found = ReadVolumes(*query);
  if (!found.ok()) return found.error();
  if (found->empty()) return NotFound("volume '" + volume_id + "' not found in this workspace");
  const Volume& v = found->front();
  if (!v.service_id.empty()) {
    return FailedPrecondition("volume '" + v.name + "' is attached to service '" + v.service_name +
                              "' at " + v.mount_path +
                              "; detach it first with `ink services update " + v.service_name +
                              " --volumes '[]'` (update_service with volumes: []), or delete "
                              "the service");
  }
  auto erase = Prepare("DELETE FROM volumes WHERE id = ? AND workspace_id = ?", kWhat);
  if (!erase.ok()) return erase.error();
  INK_RETURN_IF_ERROR(erase->BindAll(volume_id, workspace_id).Run());
  return transaction->Commit();
}

Status SqliteStore::AttachVolumesLocked(const Service& service) {
  constexpr std::string_view kWhat = "attach volumes";
  auto detach = Prepare(
      "UPDATE volumes SET service_id = NULL, mount_path = NULL WHERE service_id = ? AND "
      "workspace_id = ?",
      kWhat);
  if (!detach.ok()) return detach.error();
  INK_RETURN_IF_ERROR(detach->BindAll(service.id, service.workspace_id).Run());
  std::set<std::string> paths;
  for (const VolumeMount& mount : service.spec.volumes) {
    if (!paths.insert(mount.mount_path).second) {
      return InvalidArgument("two volumes are mounted at " + mount.mount_path +
                             "; give each volume its own mount_path");
    }
    auto query = Prepare(std::string("SELECT ") + kVolumeColumns +
                             " WHERE v.workspace_id = ? AND v.project_id = ? AND v.name = ?",
                         kWhat);
    if (!query.ok()) return query.error();
    query->BindAll(service.workspace_id, service.project_id, mount.volume);
    auto found = ReadVolumes(*query);
    if (!found.ok()) return found.error();
    if (found->empty()) {
      return NotFound("volume '" + mount.volume +
                      "' does not exist in this project; create it first with `ink volumes "
                      "create " +
                      mount.volume + " --size 1Gi` (see `ink volumes list`)");
    }
    const Volume& v = found->front();
    if (!v.service_id.empty()) {
      return FailedPrecondition("volume '" + v.name + "' is already attached to service '" +
                                v.service_name +
                                "' (a volume has one service): detach it there "
                                "first with `ink services update " +
                                v.service_name + " --volumes '[]'`, or create another volume");
    }
    auto attach = Prepare("UPDATE volumes SET service_id = ?, mount_path = ? WHERE id = ?", kWhat);
    if (!attach.ok()) return attach.error();
    INK_RETURN_IF_ERROR(attach->BindAll(service.id, mount.mount_path, v.id).Run());
  }
  return {};
}

}  // namespace ink::store_internal
