// The source-related methods of SqliteStore: webhook deliveries seen (replay protection) and
// the workspaces' ssh deploy keys (schema version 4).
#include "sqlite_store.h"

namespace ink::store_internal {

// ---- Webhook deliveries ----

Result<bool> SqliteStore::RecordWebhookDelivery(const std::string& service_id,
                                                const std::string& key,
                                                std::chrono::milliseconds keep_for,
                                                int64_t max_kept) {
  constexpr std::string_view kWhat = "record webhook delivery";
  int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  auto transaction = Transaction::Begin(connection_, kWhat);
  if (!transaction.ok()) return transaction.error();
  auto expire = Prepare("DELETE FROM webhook_deliveries WHERE received_at < ?", kWhat);
  if (!expire.ok()) return expire.error();
  INK_RETURN_IF_ERROR(expire->Bind(now - keep_for.count()).Run());
  auto insert = Prepare(
      "INSERT INTO webhook_deliveries (service_id, delivery_key, received_at) VALUES (?, ?, ?)"
      " ON CONFLICT (service_id, delivery_key) DO NOTHING",
      kWhat);
  if (!insert.ok()) return insert.error();
  INK_RETURN_IF_ERROR(insert->BindAll(service_id, key, now).Run());
  bool first = connection_.Changes() > 0;
  if (first) {
    auto bound = Prepare(
        "DELETE FROM webhook_deliveries WHERE service_id = ?1 AND rowid NOT IN (SELECT rowid"
        " FROM webhook_deliveries WHERE service_id = ?1 ORDER BY received_at DESC, rowid DESC"
        " LIMIT ?2)",
        kWhat);
    if (!bound.ok()) return bound.error();
    INK_RETURN_IF_ERROR(bound->BindAll(service_id, max_kept).Run());
  }
  INK_RETURN_IF_ERROR(transaction->Commit());
  return first;
}

Status SqliteStore::ForgetWebhookDelivery(const std::string& service_id, const std::string& key) {
  std::lock_guard lock(mu_);
  auto erase = Prepare("DELETE FROM webhook_deliveries WHERE service_id = ? AND delivery_key = ?",
                       "forget webhook delivery");
  if (!erase.ok()) return erase.error();
  return erase->BindAll(service_id, key).Run();
}

// ---- Deploy keys ----

Result<DeployKey> SqliteStore::PutDeployKey(DeployKey key) {
  constexpr std::string_view kWhat = "set deploy key";
  key.created_at = clock_.NowMillis();
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireWorkspace(key.workspace_id, kWhat));
  auto upsert = Prepare(
      "INSERT INTO deploy_keys (workspace_id, public_key, fingerprint, sealed_private_key,"
      " created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace_id) DO UPDATE SET"
      " public_key = excluded.public_key, fingerprint = excluded.fingerprint,"
      " sealed_private_key = excluded.sealed_private_key, created_at = excluded.created_at",
      kWhat);
  if (!upsert.ok()) return upsert.error();
  upsert->BindAll(key.workspace_id, key.public_key, key.fingerprint, key.sealed_private_key,
                  key.created_at);
  INK_RETURN_IF_ERROR(upsert->Run());
  return key;
}

Result<DeployKey> SqliteStore::GetDeployKey(const std::string& workspace_id) {
  std::lock_guard lock(mu_);
  auto query = Prepare(
      "SELECT workspace_id, public_key, fingerprint, sealed_private_key, created_at"
      " FROM deploy_keys WHERE workspace_id = ?",
      "get deploy key");
  if (!query.ok()) return query.error();
  auto row = query->Bind(workspace_id).Step();
  if (!row.ok()) return row.error();
  if (!*row) {
    return NotFound("this workspace has no deploy key; create one with `ink deploy-key create`");
  }
  return DeployKey{query->Text(0), query->Text(1), query->Text(2), query->Text(3), query->Int(4)};
}

Status SqliteStore::DeleteDeployKey(const std::string& workspace_id) {
  std::lock_guard lock(mu_);
  auto erase = Prepare("DELETE FROM deploy_keys WHERE workspace_id = ?", "delete deploy key");
  if (!erase.ok()) return erase.error();
  INK_RETURN_IF_ERROR(erase->Bind(workspace_id).Run());
  if (connection_.Changes() == 0) return NotFound("this workspace has no deploy key");
  return {};
}

}  // namespace ink::store_internal
