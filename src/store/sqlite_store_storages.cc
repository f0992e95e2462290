// The object-storage destinations of SqliteStore (schema version 12): one row per (workspace,
// name), the secrets sealed by the caller. Called by the storage operations; thread contract as
// SqliteStore (every method takes mu_).
#include <string_view>

#include "sqlite_store.h"

namespace ink::store_internal {
namespace {

constexpr char kStorageColumns[] =
    "SELECT workspace_id, name, provider, bucket, prefix, settings, sealed_secrets, "
    "secret_fields, created_at, updated_at FROM object_storages ";

std::vector<std::string> SplitFields(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string JoinFields(const std::vector<std::string>& fields) {
  std::string out;
  for (const auto& f : fields) out += (out.empty() ? "" : ",") + f;
  return out;
}

Result<std::vector<ObjectStorage>> ReadStorages(Statement& query) {
  std::vector<ObjectStorage> out;
  while (true) {
    auto row = query.Step();
    if (!row.ok()) return row.error();
    if (!*row) return out;
    out.push_back({.workspace_id = query.Text(0),
                   .name = query.Text(1),
                   .provider = query.Text(2),
                   .bucket = query.Text(3),
                   .prefix = query.Text(4),
                   .settings = query.Text(5),
                   .sealed_secrets = query.Blob(6),
                   .secret_fields = SplitFields(query.Text(7)),
                   .created_at = query.Int(8),
                   .updated_at = query.Int(9)});
  }
}

Error StorageNotFound(const std::string& name) {
  return NotFound("storage '" + name.substr(0, 64) +
                  "' is not one of this workspace's; list them with `ink storage list`");
}

}  // namespace

Result<ObjectStorage> SqliteStore::PutObjectStorage(ObjectStorage storage) {
  constexpr std::string_view kWhat = "set storage";
  if (storage.name.empty() || storage.bucket.empty()) {
    return InvalidArgument("store: a storage needs a name and a bucket");
  }
  const int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireWorkspace(storage.workspace_id, kWhat));
  auto upsert = Prepare(
      "INSERT INTO object_storages (workspace_id, name, provider, bucket, prefix, settings, "
      "sealed_secrets, secret_fields, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "?) ON CONFLICT (workspace_id, name) DO UPDATE SET provider = excluded.provider, bucket = "
      "excluded.bucket, prefix = excluded.prefix, settings = excluded.settings, sealed_secrets = "
      "excluded.sealed_secrets, secret_fields = excluded.secret_fields, updated_at = "
      "excluded.updated_at RETURNING created_at",
      kWhat);
  if (!upsert.ok()) return upsert.error();
  upsert->BindAll(storage.workspace_id, storage.name, storage.provider, storage.bucket,
                  storage.prefix, storage.settings);
  upsert->BindBlob(storage.sealed_secrets);
  upsert->BindAll(JoinFields(storage.secret_fields), now, now);
  auto row = upsert->Step();
  if (!row.ok()) return row.error();
  if (!*row) return Internal("store: set storage: the upsert returned nothing");
  storage.created_at = upsert->Int(0);
  storage.updated_at = now;
  INK_RETURN_IF_ERROR(upsert->Run());
  return storage;
}

Result<std::vector<ObjectStorage>> SqliteStore::ListObjectStorages(
    const std::string& workspace_id) {
  std::lock_guard lock(mu_);
  auto query = Prepare(std::string(kStorageColumns) + "WHERE workspace_id = ? ORDER BY name",
                       "list storages");
  if (!query.ok()) return query.error();
  query->Bind(workspace_id);
  return ReadStorages(*query);
}

Result<ObjectStorage> SqliteStore::GetObjectStorage(const std::string& workspace_id,
                                                    const std::string& name) {
  std::lock_guard lock(mu_);
  auto query = Prepare(std::string(kStorageColumns) + "WHERE workspace_id = ? AND name = ?",
                       "get storage");
  if (!query.ok()) return query.error();
  query->BindAll(workspace_id, name);
  auto found = ReadStorages(*query);
  if (!found.ok()) return found.error();
  if (found->empty()) return StorageNotFound(name);
  return found->front();
}

Status SqliteStore::DeleteObjectStorage(const std::string& workspace_id, const std::string& name) {
  std::lock_guard lock(mu_);
  auto erase = Prepare("DELETE FROM object_storages WHERE workspace_id = ? AND name = ?",
                       "delete storage");
  if (!erase.ok()) return erase.error();
  INK_RETURN_IF_ERROR(erase->BindAll(workspace_id, name).Run());
  if (connection_.Changes() == 0) return StorageNotFound(name);
  return {};
}

}  // namespace ink::store_internal
