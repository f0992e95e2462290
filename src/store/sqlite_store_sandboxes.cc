// The sandbox methods of SqliteStore.
#include <string_view>

#include "ink/common/names.h"
#include "sqlite_store.h"

namespace ink::store_internal {
namespace {

constexpr char kSandboxColumns[] =
    "SELECT id, workspace_id, image, cpu, memory_bytes, network, container_id, status, "
    "end_reason, created_at, expires_at, ended_at FROM sandboxes ";

constexpr char kLive[] = "status IN ('starting', 'running')";

Result<std::vector<Sandbox>> ReadSandboxes(Statement& query) {
  std::vector<Sandbox> out;
  while (true) {
    auto row = query.Step();
    if (!row.ok()) return row.error();
    if (!*row) return out;
    Sandbox s;
    s.id = query.Text(0);
    s.workspace_id = query.Text(1);
    s.image = query.Text(2);
    s.cpu = query.Double(3);
    s.memory_bytes = query.Int(4);
    s.network = query.Text(5);
    s.container_id = query.Text(6);
    s.status = query.Text(7);
    s.end_reason = query.Text(8);
    s.created_at = query.Int(9);
    s.expires_at = query.Int(10);
    s.ended_at = query.Int(11);
    out.push_back(std::move(s));
  }
}

}  // namespace

Result<Sandbox> SqliteStore::CreateSandbox(Sandbox sandbox) {
  constexpr std::string_view kWhat = "create sandbox";
  sandbox.id = NewId("sbx");
  sandbox.status = "starting";
  sandbox.container_id.clear();
  sandbox.end_reason.clear();
  sandbox.ended_at = 0;
  sandbox.created_at = clock_.NowMillis();
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireWorkspace(sandbox.workspace_id, kWhat));
  auto insert = Prepare(
      "INSERT INTO sandboxes (id, workspace_id, image, cpu, memory_bytes, network, status, "
      "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      kWhat);
  if (!insert.ok()) return insert.error();
  insert->BindAll(sandbox.id, sandbox.workspace_id, sandbox.image, sandbox.cpu,
                  sandbox.memory_bytes, sandbox.network, sandbox.status, sandbox.created_at,
                  sandbox.expires_at);
  INK_RETURN_IF_ERROR(insert->Run());
  return sandbox;
}

Result<Sandbox> SqliteStore::GetSandbox(const std::string& workspace_id, const std::string& id) {
  std::lock_guard lock(mu_);
  auto query =
      Prepare(std::string(kSandboxColumns) + "WHERE workspace_id = ? AND id = ?", "get sandbox");
  if (!query.ok()) return query.error();
  query->BindAll(workspace_id, id);
  auto found = ReadSandboxes(*query);
  if (!found.ok()) return found.error();
  if (found->empty()) {
    return NotFound("sandbox '" + id +
                    "' does not exist in this workspace; list sandboxes with `ink sandbox ls` "
                    "or create one with `ink sandbox create`");
  }
  return found->front();
}

Result<std::vector<Sandbox>> SqliteStore::ListSandboxes(const std::string& workspace_id) {
  std::lock_guard lock(mu_);
  auto query = Prepare(std::string(kSandboxColumns) + "WHERE " + kLive +
                           " AND (?1 = '' OR workspace_id = ?1) ORDER BY created_at, rowid",
                       "list sandboxes");
  if (!query.ok()) return query.error();
  query->BindAll(workspace_id);
  return ReadSandboxes(*query);
}

Status SqliteStore::MarkSandboxRunning(const std::string& id, const std::string& container_id) {
  std::lock_guard lock(mu_);
  auto update = Prepare(
      "UPDATE sandboxes SET status = 'running', container_id = ? WHERE id = ? AND status = "
      "'starting'",
      "mark sandbox running");
  if (!update.ok()) return update.error();
  update->BindAll(container_id, id);
  INK_RETURN_IF_ERROR(update->Run());
  if (connection_.Changes() == 0) {
    return FailedPrecondition("sandbox '" + id + "' ended while it was starting");
  }
  return {};
}

Status SqliteStore::SetSandboxExpiry(const std::string& workspace_id, const std::string& id,
                                     int64_t expires_at) {
  std::lock_guard lock(mu_);
  auto update = Prepare(std::string("UPDATE sandboxes SET expires_at = ? WHERE workspace_id = ? "
                                    "AND id = ? AND ") +
                            kLive,
                        "set sandbox expiry");
  if (!update.ok()) return update.error();
  update->BindAll(expires_at, workspace_id, id);
  INK_RETURN_IF_ERROR(update->Run());
  if (connection_.Changes() == 0) {
    return FailedPrecondition("sandbox '" + id + "' has ended; create a new one");
  }
  return {};
}

Result<bool> SqliteStore::EndSandbox(const std::string& id, const std::string& status,
                                     const std::string& reason) {
  std::lock_guard lock(mu_);
  auto update = Prepare(std::string("UPDATE sandboxes SET status = ?, end_reason = ?, ended_at = "
                                    "? WHERE id = ? AND ") +
                            kLive,
                        "end sandbox");
  if (!update.ok()) return update.error();
  update->BindAll(status, reason, clock_.NowMillis(), id);
  INK_RETURN_IF_ERROR(update->Run());
  return connection_.Changes() > 0;
}

Result<int> SqliteStore::PurgeEndedSandboxes(int64_t before_ms) {
  std::lock_guard lock(mu_);
  auto purge =
      Prepare(std::string("DELETE FROM sandboxes WHERE NOT ") + kLive + " AND ended_at < ?",
              "purge ended sandboxes");
  if (!purge.ok()) return purge.error();
  purge->BindAll(before_ms);
  INK_RETURN_IF_ERROR(purge->Run());
  return static_cast<int>(connection_.Changes());
}

}  // namespace ink::store_internal
