// The service, deployment and event methods of SqliteStore.
#include <array>
#include <string_view>

#include "ink/common/names.h"
#include "spec_json.h"
#include "sqlite_store.h"

namespace ink::store_internal {
namespace {

constexpr char kServiceColumns[] =
    "id, workspace_id, project_id, name, spec_json, active_deployment_id, created_at, updated_at";

Result<Service> ReadService(const Statement& row) {
  Service service;
  service.id = row.Text(0);
  service.workspace_id = row.Text(1);
  service.project_id = row.Text(2);
  service.name = row.Text(3);
  auto spec = SpecFromJson(row.Text(4), "service " + service.id);
  if (!spec.ok()) return spec.error();
  service.spec = std::move(*spec);
  service.active_deployment_id = row.Text(5);
  service.created_at = row.Int(6);
  service.updated_at = row.Int(7);
  return service;
}

constexpr char kDeploymentColumns[] =
    "id, workspace_id, service_id, spec_json, status, message, created_at, updated_at";

Result<Deployment> ReadDeployment(const Statement& row) {
  Deployment deployment;
  deployment.id = row.Text(0);
  deployment.workspace_id = row.Text(1);
  deployment.service_id = row.Text(2);
  auto spec = SpecFromJson(row.Text(3), "deployment " + deployment.id);
  if (!spec.ok()) return spec.error();
  deployment.spec = std::move(*spec);
  auto status = ParseDeploymentStatus(row.Text(4));
  if (!status) {
    return Internal("deployment " + deployment.id + " has an unknown status in the database");
  }
  deployment.status = *status;
  deployment.message = row.Text(5);
  deployment.created_at = row.Int(6);
  deployment.updated_at = row.Int(7);
  return deployment;
}

constexpr char kEventColumns[] =
    "id, workspace_id, service_id, deployment_id, kind, message, created_at";

Event ReadEvent(const Statement& row) {
  return Event{row.Int(0),  row.Text(1), row.Text(2), row.Text(3),
               row.Text(4), row.Text(5), row.Int(6)};
}

// Steps `query` to the end, converting each row with `read` (which returns T or Result<T>).
template <typename T, typename Reader>
Result<std::vector<T>> ReadAll(Statement& query, Reader read) {
  std::vector<T> rows;
  while (true) {
    auto row = query.Step();
    if (!row.ok()) return row.error();
    if (!*row) return rows;
    Result<T> value = read(query);
    if (!value.ok()) return value.error();
    rows.push_back(std::move(*value));
  }
}

std::string ReadId(const Statement& row) { return row.Text(0); }

}  // namespace

Result<Service> SqliteStore::ReadOneService(Statement& query, const std::string& not_found) {
  auto row = query.Step();
  if (!row.ok()) return row.error();
  if (!*row) return NotFound(not_found);
  return ReadService(query);
}

Result<Store::ServiceAndDeployment> SqliteStore::CreateOrUpdateServiceWithDeployment(
    const std::string& workspace_id, const std::string& project_id, const std::string& name,
    const ServiceSpec& spec, const DeployOptions& options) {
  std::lock_guard lock(mu_);
  auto transaction = Transaction::Begin(connection_, "deploy service");
  if (!transaction.ok()) return transaction.error();
  auto result = DeployLocked(workspace_id, project_id, name, spec, options);
  if (!result.ok()) return result.error();
  INK_RETURN_IF_ERROR(transaction->Commit());
  changes_.Notify(ServiceKey(result->service.id));
  changes_.Notify(DeploymentKey(result->deployment.id));
  return result;
}

Result<Store::ServiceAndDeployment> SqliteStore::DeployLocked(const std::string& workspace_id,
                                                              const std::string& project_id,
                                                              const std::string& name,
                                                              const ServiceSpec& spec,
                                                              const DeployOptions& options) {
  auto spec_json = SpecToJson(spec);
  if (!spec_json.ok()) return spec_json.error();
  const int64_t now = clock_.NowMillis();
  constexpr std::string_view kWhat = "deploy service";
  INK_RETURN_IF_ERROR(RequireProject(workspace_id, project_id, kWhat));

  ServiceAndDeployment result;
  auto existing = Prepare(
      std::string("SELECT ") + kServiceColumns + " FROM services WHERE project_id = ? AND name = ?",
      kWhat);
  if (!existing.ok()) return existing.error();
  existing->BindAll(project_id, name);
  auto found = ReadOneService(*existing, "");
  if (found.ok()) {
    result.service = std::move(*found);
    auto update = Prepare("UPDATE services SET spec_json = ?, updated_at = ? WHERE id = ?", kWhat);
    if (!update.ok()) return update.error();
    INK_RETURN_IF_ERROR(update->BindAll(*spec_json, now, result.service.id).Run());
  } else if (found.error().code == ErrorCode::kNotFound) {
    result.created = true;
    result.service.id = NewId("svc");
    result.service.workspace_id = workspace_id;
    result.service.project_id = project_id;
    result.service.name = name;
    result.service.created_at = now;
    auto insert = Prepare(std::string("INSERT INTO services (") + kServiceColumns +
                              ") VALUES (?, ?, ?, ?, ?, '', ?, ?)",
                          kWhat);
    if (!insert.ok()) return insert.error();
    insert->BindAll(result.service.id, workspace_id, project_id, name, *spec_json, now, now);
    INK_RETURN_IF_ERROR(insert->Run());
  } else {
    return found.error();
  }
  result.service.spec = spec;
  result.service.updated_at = now;
  INK_RETURN_IF_ERROR(ClaimHostnameLocked(result.service));
  INK_RETURN_IF_ERROR(AttachVolumesLocked(result.service));

  Deployment& deployment = result.deployment;
  deployment.id = NewId("dep");
  deployment.workspace_id = workspace_id;
  deployment.service_id = result.service.id;
  deployment.spec = spec;
  deployment.status = DeploymentStatus::kPending;
  deployment.created_at = now;
  deployment.updated_at = now;
  auto insert = Prepare(std::string("INSERT INTO deployments (") + kDeploymentColumns +
                            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        kWhat);
  if (!insert.ok()) return insert.error();
  insert->BindAll(deployment.id, workspace_id, deployment.service_id, *spec_json,
                  std::string(Name(deployment.status)), deployment.message, now, now);
  INK_RETURN_IF_ERROR(insert->Run());
  INK_RETURN_IF_ERROR(UpsertVariablesLocked(kServiceVariables, workspace_id, result.service.id,
                                            options.set_variables, now));
  INK_RETURN_IF_ERROR(CheckVariableCountLocked(kServiceVariables, result.service.id));
  INK_RETURN_IF_ERROR(SnapshotVariablesLocked(workspace_id, result.service.id, deployment.id,
                                              options.variables_from_deployment));
  return result;
}

Result<std::vector<Service>> SqliteStore::ListServices(const std::string& workspace_id,
                                                       const std::string& project_id) {
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireProject(workspace_id, project_id, "list services"));
  auto query = Prepare(std::string("SELECT ") + kServiceColumns +
                           " FROM services WHERE workspace_id = ? AND project_id = ? ORDER BY name",
                       "list services");
  if (!query.ok()) return query.error();
  query->BindAll(workspace_id, project_id);
  return ReadAll<Service>(*query, ReadService);
}

Result<std::vector<Service>> SqliteStore::ListAllServices() {
  std::lock_guard lock(mu_);
  auto query = Prepare(
      std::string("SELECT ") + kServiceColumns + " FROM services ORDER BY created_at, rowid",
      "list all services");
  if (!query.ok()) return query.error();
  return ReadAll<Service>(*query, ReadService);
}

Result<Service> SqliteStore::GetService(const std::string& workspace_id,
                                        const std::string& project_id,
                                        const std::string& id_or_name) {
  std::lock_guard lock(mu_);
  auto query = Prepare(std::string("SELECT ") + kServiceColumns +
                           " FROM services WHERE workspace_id = ?1 AND project_id = ?2"
                           " AND (id = ?3 OR name = ?3) ORDER BY id = ?3 DESC LIMIT 1",
                       "get service");
  if (!query.ok()) return query.error();
  query->BindAll(workspace_id, project_id, id_or_name);
  return ReadOneService(*query, "service '" + id_or_name +
                                    "' not found in this project; list services with `ink "
                                    "services list --project <project>`");
}

Result<Service> SqliteStore::GetServiceById(const std::string& service_id) {
  std::lock_guard lock(mu_);
  auto query = Prepare(std::string("SELECT ") + kServiceColumns + " FROM services WHERE id = ?",
                       "get service");
  if (!query.ok()) return query.error();
  query->Bind(service_id);
  return ReadOneService(*query, "service '" + service_id + "' not found");
}

Status SqliteStore::DeleteService(const std::string& workspace_id, const std::string& service_id) {
  constexpr std::string_view kWhat = "delete service";
  std::lock_guard lock(mu_);
  auto transaction = Transaction::Begin(connection_, kWhat);
  if (!transaction.ok()) return transaction.error();
  INK_RETURN_IF_ERROR(RequireService(workspace_id, service_id, kWhat));
  // Their waiters learn that they are gone.
  auto ids = Prepare("SELECT id FROM deployments WHERE service_id = ?", kWhat);
  if (!ids.ok()) return ids.error();
  auto deployment_ids = ReadAll<std::string>(ids->Bind(service_id), ReadId);
  if (!deployment_ids.ok()) return deployment_ids.error();
  // Children first: the foreign keys refuse a service row that still has them.
  // Volumes outlive their service (only delete_volume removes one): detached, not deleted.
  for (const char* sql : {"UPDATE volumes SET service_id = NULL, mount_path = NULL WHERE "
                          "service_id = ? AND workspace_id = ?",
                          "DELETE FROM events WHERE service_id = ? AND workspace_id = ?",
                          "DELETE FROM hostnames WHERE service_id = ? AND workspace_id = ?",
                          "DELETE FROM domains WHERE service_id = ? AND workspace_id = ?",
                          "DELETE FROM deployment_variables WHERE service_id = ? AND "
                          "workspace_id = ?",
                          "DELETE FROM service_variables WHERE service_id = ? AND workspace_id = ?",
                          "DELETE FROM deployments WHERE service_id = ? AND workspace_id = ?",
                          "DELETE FROM services WHERE id = ? AND workspace_id = ?"}) {
    auto erase = Prepare(sql, kWhat);
    if (!erase.ok()) return erase.error();
    INK_RETURN_IF_ERROR(erase->BindAll(service_id, workspace_id).Run());
  }
  INK_RETURN_IF_ERROR(transaction->Commit());
  changes_.Notify(ServiceKey(service_id));
  for (const auto& id : *deployment_ids) changes_.Notify(DeploymentKey(id));
  return {};
}

Result<Deployment> SqliteStore::GetDeployment(const std::string& workspace_id,
                                              const std::string& deployment_id) {
  std::lock_guard lock(mu_);
  auto query = Prepare(std::string("SELECT ") + kDeploymentColumns +
                           " FROM deployments WHERE id = ? AND workspace_id = ?",
                       "get deployment");
  if (!query.ok()) return query.error();
  auto row = query->BindAll(deployment_id, workspace_id).Step();
  if (!row.ok()) return row.error();
  if (!*row) return NotFound("deployment '" + deployment_id + "' not found in this workspace");
  return ReadDeployment(*query);
}

Result<std::vector<Deployment>> SqliteStore::ListDeployments(const std::string& workspace_id,
                                                             const std::string& service_id) {
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireService(workspace_id, service_id, "list deployments"));
  auto query = Prepare(std::string("SELECT ") + kDeploymentColumns +
                           " FROM deployments WHERE service_id = ? AND workspace_id = ?"
                           " ORDER BY created_at DESC, rowid DESC",
                       "list deployments");
  if (!query.ok()) return query.error();
  query->BindAll(service_id, workspace_id);
  return ReadAll<Deployment>(*query, ReadDeployment);
}

Result<std::vector<Deployment>> SqliteStore::ListUnfinishedDeployments() {
  std::lock_guard lock(mu_);
  auto query = Prepare(std::string("SELECT ") + kDeploymentColumns +
                           " FROM deployments WHERE status IN ('pending', 'building', 'deploying')"
                           " ORDER BY created_at, rowid",
                       "list unfinished deployments");
  if (!query.ok()) return query.error();
  return ReadAll<Deployment>(*query, ReadDeployment);
}

Status SqliteStore::UpdateDeploymentStatus(const std::string& deployment_id,
                                           DeploymentStatus status, const std::string& message) {
  std::lock_guard lock(mu_);
  auto update =
      Prepare("UPDATE deployments SET status = ?, message = ?, updated_at = ? WHERE id = ?",
              "update deployment status");
  if (!update.ok()) return update.error();
  INK_RETURN_IF_ERROR(
      update->BindAll(std::string(Name(status)), message, clock_.NowMillis(), deployment_id).Run());
  if (connection_.Changes() == 0) return NotFound("deployment '" + deployment_id + "' not found");
  NotifyDeploymentLocked(deployment_id);
  return {};
}

void SqliteStore::NotifyDeploymentLocked(const std::string& deployment_id) {
  changes_.Notify(DeploymentKey(deployment_id));
  auto owner = Prepare("SELECT service_id FROM deployments WHERE id = ?", "notify");
  if (!owner.ok()) return;
  auto row = owner->Bind(deployment_id).Step();
  if (row.ok() && *row) changes_.Notify(ServiceKey(owner->Text(0)));
}

Status SqliteStore::SetDeploymentImage(const std::string& deployment_id, const std::string& image,
                                       int port) {
  constexpr std::string_view kWhat = "set deployment image";
  std::lock_guard lock(mu_);
  auto transaction = Transaction::Begin(connection_, kWhat);
  if (!transaction.ok()) return transaction.error();
  auto select = Prepare("SELECT spec_json FROM deployments WHERE id = ?", kWhat);
  if (!select.ok()) return select.error();
  auto row = select->Bind(deployment_id).Step();
  if (!row.ok()) return row.error();
  if (!*row) return NotFound("deployment '" + deployment_id + "' not found");
  auto spec = SpecFromJson(select->Text(0), "deployment " + deployment_id);
  if (!spec.ok()) return spec.error();
  spec->image = image;
  if (port > 0) spec->port = port;
  auto spec_json = SpecToJson(*spec);
  if (!spec_json.ok()) return spec_json.error();
  auto update = Prepare("UPDATE deployments SET spec_json = ?, updated_at = ? WHERE id = ?", kWhat);
  if (!update.ok()) return update.error();
  INK_RETURN_IF_ERROR(update->BindAll(*spec_json, clock_.NowMillis(), deployment_id).Run());
  INK_RETURN_IF_ERROR(transaction->Commit());
  NotifyDeploymentLocked(deployment_id);
  return {};
}

Status SqliteStore::ActivateDeployment(const std::string& service_id,
                                       const std::string& deployment_id) {
  constexpr std::string_view kWhat = "activate deployment";
  const int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  auto transaction = Transaction::Begin(connection_, kWhat);
  if (!transaction.ok()) return transaction.error();
  auto owner = Prepare("SELECT service_id FROM deployments WHERE id = ?", kWhat);
  if (!owner.ok()) return owner.error();
  auto row = owner->Bind(deployment_id).Step();
  if (!row.ok()) return row.error();
  if (!*row) return NotFound("deployment '" + deployment_id + "' not found");
  if (owner->Text(0) != service_id) {
    return InvalidArgument("deployment '" + deployment_id + "' belongs to service '" +
                           owner->Text(0) + "', not to '" + service_id + "'");
  }
  auto previous = Prepare(
      "SELECT id FROM deployments WHERE service_id = ? AND status = 'active' AND id <> ?", kWhat);
  if (!previous.ok()) return previous.error();
  auto superseded = ReadAll<std::string>(previous->BindAll(service_id, deployment_id), ReadId);
  if (!superseded.ok()) return superseded.error();
  auto supersede = Prepare(
      "UPDATE deployments SET status = 'superseded', updated_at = ?"
      " WHERE service_id = ? AND status = 'active' AND id <> ?",
      kWhat);
  if (!supersede.ok()) return supersede.error();
  INK_RETURN_IF_ERROR(supersede->BindAll(now, service_id, deployment_id).Run());
  auto activate = Prepare(
      "UPDATE deployments SET status = 'active', updated_at = ? WHERE id = ? AND status <> "
      "'active'",
      kWhat);
  if (!activate.ok()) return activate.error();
  INK_RETURN_IF_ERROR(activate->BindAll(now, deployment_id).Run());
  auto point = Prepare("UPDATE services SET active_deployment_id = ? WHERE id = ?", kWhat);
  if (!point.ok()) return point.error();
  INK_RETURN_IF_ERROR(point->BindAll(deployment_id, service_id).Run());
  INK_RETURN_IF_ERROR(transaction->Commit());
  changes_.Notify(ServiceKey(service_id));
  changes_.Notify(DeploymentKey(deployment_id));
  for (const auto& id : *superseded) changes_.Notify(DeploymentKey(id));
  return {};
}

Result<Event> SqliteStore::AppendEvent(Event event) {
  constexpr std::string_view kWhat = "append event";
  if (event.created_at == 0) event.created_at = clock_.NowMillis();
  std::lock_guard lock(mu_);
  auto transaction = Transaction::Begin(connection_, kWhat);
  if (!transaction.ok()) return transaction.error();
  INK_RETURN_IF_ERROR(RequireService(event.workspace_id, event.service_id, kWhat));
  auto insert = Prepare(
      "INSERT INTO events (workspace_id, service_id, deployment_id, kind, message, created_at)"
      " VALUES (?, ?, ?, ?, ?, ?)",
      kWhat);
  if (!insert.ok()) return insert.error();
  insert->BindAll(event.workspace_id, event.service_id, event.deployment_id, event.kind,
                  event.message, event.created_at);
  INK_RETURN_IF_ERROR(insert->Run());
  event.id = connection_.LastInsertRowid();
  // Keep the newest kMaxEventsPerService: drop everything at or below the first id past them.
  auto prune = Prepare(
      "DELETE FROM events WHERE service_id = ?1 AND id <= "
      "(SELECT id FROM events WHERE service_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
      kWhat);
  if (!prune.ok()) return prune.error();
  INK_RETURN_IF_ERROR(prune->BindAll(event.service_id, kMaxEventsPerService).Run());
  INK_RETURN_IF_ERROR(transaction->Commit());
  changes_.Notify(ServiceKey(event.service_id));
  return event;
}

Result<std::vector<Event>> SqliteStore::ListEvents(const std::string& workspace_id,
                                                   const std::string& service_id, int limit) {
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireService(workspace_id, service_id, "list events"));
  auto query = Prepare(std::string("SELECT * FROM (SELECT ") + kEventColumns +
                           " FROM events WHERE service_id = ? AND workspace_id = ?"
                           " ORDER BY id DESC LIMIT ?) ORDER BY id",
                       "list events");
  if (!query.ok()) return query.error();
  int64_t bounded = limit <= 0 ? kMaxEventsPerService : static_cast<int64_t>(limit);
  query->BindAll(service_id, workspace_id, bounded);
  return ReadAll<Event>(*query, ReadEvent);
}

}  // namespace ink::store_internal
