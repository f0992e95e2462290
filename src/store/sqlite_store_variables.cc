// The service-variable methods of SqliteStore: the variables themselves (sealed by the caller),
// the snapshot each deployment takes of them, and the one-time sealing of plaintext env left by
// databases from before schema version 3.
#include <map>

#include "ink/common/json.h"
#include "spec_json.h"
#include "sqlite_store.h"

namespace ink::store_internal {

const SqliteStore::VariableTable SqliteStore::kServiceVariables = {"service_variables",
                                                                   "service_id", "service"};
const SqliteStore::VariableTable SqliteStore::kProjectVariables = {"project_variables",
                                                                   "project_id", "project"};

namespace {

Result<std::vector<SealedVariable>> ReadVariables(Statement& query) {
  std::vector<SealedVariable> variables;
  while (true) {
    auto row = query.Step();
    if (!row.ok()) return row.error();
    if (!*row) return variables;
    variables.push_back(SealedVariable{query.Text(0), query.Text(1), query.Int(2)});
  }
}

}  // namespace

Status SqliteStore::UpsertVariablesLocked(const VariableTable& where,
                                          const std::string& workspace_id,
                                          const std::string& owner_id,
                                          const std::vector<SealedVariable>& variables,
                                          int64_t now) {
  constexpr std::string_view kWhat = "set variables";
  const std::string table = where.table, owner = where.owner_column;
  for (const auto& variable : variables) {
    auto upsert = Prepare("INSERT INTO " + table + " (workspace_id, " + owner +
                              ", name, sealed_value, updated_at) VALUES (?, ?, ?, ?, ?)"
                              " ON CONFLICT (" +
                              owner +
                              ", name) DO UPDATE SET sealed_value = excluded.sealed_value,"
                              " updated_at = excluded.updated_at",
                          kWhat);
    if (!upsert.ok()) return upsert.error();
    upsert->BindAll(workspace_id, owner_id, variable.name, variable.sealed_value, now);
    INK_RETURN_IF_ERROR(upsert->Run());
  }
  return {};
}

Status SqliteStore::CheckVariableCountLocked(const VariableTable& where,
                                             const std::string& owner_id) {
  auto count = Prepare(
      std::string("SELECT COUNT(*) FROM ") + where.table + " WHERE " + where.owner_column + " = ?",
      "count variables");
  if (!count.ok()) return count.error();
  auto row = count->Bind(owner_id).Step();
  if (!row.ok()) return row.error();
  int64_t n = *row ? count->Int(0) : 0;
  if (n > static_cast<int64_t>(kMaxVariablesPerService)) {
    return InvalidArgument(std::string("a ") + where.owner_kind + " can have at most " +
                           std::to_string(kMaxVariablesPerService) +
                           " variables; this change would leave it with " + std::to_string(n) +
                           "; unset some first (nothing was changed)");
  }
  return {};
}

Result<std::vector<Deployment>> SqliteStore::ChangeVariablesLocked(
    const VariableTable& where, const std::string& workspace_id, const std::string& project_id,
    const std::string& owner_id, const VariableChange& change, int64_t now) {
  constexpr std::string_view kWhat = "change variables";
  INK_RETURN_IF_ERROR(UpsertVariablesLocked(where, workspace_id, owner_id, change.set, now));
  std::vector<std::string> missing;
  for (const auto& variable : change.unset) {
    auto erase = Prepare(std::string("DELETE FROM ") + where.table + " WHERE " +
                             where.owner_column + " = ? AND name = ?",
                         kWhat);
    if (!erase.ok()) return erase.error();
    INK_RETURN_IF_ERROR(erase->BindAll(owner_id, variable).Run());
    if (connection_.Changes() == 0) missing.push_back(variable);
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return NotFound("variable(s) not set on this " + std::string(where.owner_kind) + ": " + list +
                    " (nothing was changed; list them with `ink env list`)");
  }
  INK_RETURN_IF_ERROR(CheckVariableCountLocked(where, owner_id));
  std::vector<Deployment> referencing;
  for (const auto& [service_id, spec] : change.redeploy_referencing) {
    auto service = Prepare(
        "SELECT name FROM services WHERE id = ? AND workspace_id = ? AND project_id = ?", kWhat);
    if (!service.ok()) return service.error();
    auto found = service->BindAll(service_id, workspace_id, project_id).Step();
    if (!found.ok()) return found.error();
    if (!*found) {
      return NotFound("service '" + service_id +
                      "' to redeploy is not in this project (nothing was changed)");
    }
    auto deployed = DeployLocked(workspace_id, project_id, service->Text(0), spec, {});
    if (!deployed.ok()) return deployed.error();
    referencing.push_back(deployed->deployment);
  }
  return referencing;
}

Status SqliteStore::SnapshotVariablesLocked(const std::string& workspace_id,
                                            const std::string& service_id,
                                            const std::string& deployment_id,
                                            const std::string& from_deployment) {
  constexpr std::string_view kWhat = "snapshot service variables";
  if (!from_deployment.empty()) {
    auto owner = Prepare("SELECT 1 FROM deployments WHERE id = ? AND service_id = ?", kWhat);
    if (!owner.ok()) return owner.error();
    auto row = owner->BindAll(from_deployment, service_id).Step();
    if (!row.ok()) return row.error();
    if (!*row) {
      return InvalidArgument("deployment '" + from_deployment +
                             "' is not a deployment of service '" + service_id + "'");
    }
    auto copy = Prepare(
        "INSERT INTO deployment_variables (workspace_id, service_id, deployment_id, name,"
        " sealed_value) SELECT workspace_id, service_id, ?, name, sealed_value"
        " FROM deployment_variables WHERE deployment_id = ?",
        kWhat);
    if (!copy.ok()) return copy.error();
    return copy->BindAll(deployment_id, from_deployment).Run();
  }
  auto copy = Prepare(
      "INSERT INTO deployment_variables (workspace_id, service_id, deployment_id, name,"
      " sealed_value) SELECT workspace_id, service_id, ?, name, sealed_value"
      " FROM service_variables WHERE service_id = ? AND workspace_id = ?",
      kWhat);
  if (!copy.ok()) return copy.error();
  return copy->BindAll(deployment_id, service_id, workspace_id).Run();
}

Result<std::vector<SealedVariable>> SqliteStore::ListServiceVariables(
    const std::string& workspace_id, const std::string& service_id) {
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireService(workspace_id, service_id, "list service variables"));
  auto query = Prepare(
      "SELECT name, sealed_value, updated_at FROM service_variables"
      " WHERE service_id = ? AND workspace_id = ? ORDER BY name",
      "list service variables");
  if (!query.ok()) return query.error();
  query->BindAll(service_id, workspace_id);
  return ReadVariables(*query);
}

Result<Store::VariableChangeResult> SqliteStore::ChangeServiceVariables(
    const std::string& workspace_id, const std::string& service_id, const VariableChange& change) {
  constexpr std::string_view kWhat = "change service variables";
  const int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  auto transaction = Transaction::Begin(connection_, kWhat);
  if (!transaction.ok()) return transaction.error();
  auto service =
      Prepare("SELECT project_id, name FROM services WHERE id = ? AND workspace_id = ?", kWhat);
  if (!service.ok()) return service.error();
  auto found = service->BindAll(service_id, workspace_id).Step();
  if (!found.ok()) return found.error();
  if (!*found) return NotFound("service '" + service_id + "' not found in this workspace");
  const std::string project_id = service->Text(0);
  const std::string name = service->Text(1);
  if (change.redeploy_referencing.count(service_id)) {
    return InvalidArgument("the changed service is redeployed by `redeploy`, not as referencing");
  }
  VariableChangeResult result;
  auto referencing =
      ChangeVariablesLocked(kServiceVariables, workspace_id, project_id, service_id, change, now);
  if (!referencing.ok()) return referencing.error();
  result.referencing = std::move(*referencing);
  if (change.redeploy) {
    auto deployed = DeployLocked(workspace_id, project_id, name, *change.redeploy, {});
    if (!deployed.ok()) return deployed.error();
    result.deployment = deployed->deployment;
  }
  INK_RETURN_IF_ERROR(transaction->Commit());
  NotifyDeploymentsLocked(result);
  return result;
}

Result<std::vector<SealedVariable>> SqliteStore::ListProjectVariables(
    const std::string& workspace_id, const std::string& project_id) {
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireProject(workspace_id, project_id, "list shared variables"));
  auto query = Prepare(
      "SELECT name, sealed_value, updated_at FROM project_variables"
      " WHERE project_id = ? AND workspace_id = ? ORDER BY name",
      "list shared variables");
  if (!query.ok()) return query.error();
  query->BindAll(project_id, workspace_id);
  return ReadVariables(*query);
}

Result<Store::VariableChangeResult> SqliteStore::ChangeProjectVariables(
    const std::string& workspace_id, const std::string& project_id, const VariableChange& change) {
  constexpr std::string_view kWhat = "change shared variables";
  if (change.redeploy) {
    return InvalidArgument(
        "shared variables belong to no service: redeploy the services that "
        "reference them (redeploy_referencing)");
  }
  const int64_t now = clock_.NowMillis();
  std::lock_guard lock(mu_);
  auto transaction = Transaction::Begin(connection_, kWhat);
  if (!transaction.ok()) return transaction.error();
  INK_RETURN_IF_ERROR(RequireProject(workspace_id, project_id, kWhat));
  VariableChangeResult result;
  auto referencing =
      ChangeVariablesLocked(kProjectVariables, workspace_id, project_id, project_id, change, now);
  if (!referencing.ok()) return referencing.error();
  result.referencing = std::move(*referencing);
  INK_RETURN_IF_ERROR(transaction->Commit());
  NotifyDeploymentsLocked(result);
  return result;
}

void SqliteStore::NotifyDeploymentsLocked(const VariableChangeResult& result) {
  std::vector<const Deployment*> all;
  if (result.deployment) all.push_back(&*result.deployment);
  for (const auto& d : result.referencing) all.push_back(&d);
  for (const Deployment* d : all) {
    changes_.Notify(ServiceKey(d->service_id));
    changes_.Notify(DeploymentKey(d->id));
  }
}

Result<std::vector<SealedVariable>> SqliteStore::ListDeploymentVariables(
    const std::string& deployment_id) {
  std::lock_guard lock(mu_);
  auto query = Prepare(
      "SELECT name, sealed_value, 0 FROM deployment_variables WHERE deployment_id = ?"
      " ORDER BY name",
      "list deployment variables");
  if (!query.ok()) return query.error();
  query->Bind(deployment_id);
  return ReadVariables(*query);
}

Status SqliteStore::SealPlaintextEnv(const std::function<std::string(std::string_view)>& seal) {
  constexpr std::string_view kWhat = "seal plaintext env";
  std::lock_guard lock(mu_);
  // Zero freed space so the replaced plaintext does not linger in free pages.
  INK_RETURN_IF_ERROR(connection_.ExecScript("PRAGMA secure_delete=ON", kWhat));
  int converted = 0;
  {
    auto transaction = Transaction::Begin(connection_, kWhat);
    if (!transaction.ok()) return transaction.error();
    for (const char* table : {"services", "deployments"}) {
      const bool is_service = std::string_view(table) == "services";
      auto select = Prepare(std::string("SELECT id, workspace_id, ") +
                                (is_service ? "id" : "service_id") + ", spec_json FROM " + table +
                                " WHERE json_type(spec_json, '$.env') IS NOT NULL",
                            kWhat);
      if (!select.ok()) return select.error();
      struct Row {
        std::string id, workspace_id, service_id, spec_json;
      };
      std::vector<Row> rows;
      while (true) {
        auto row = select->Step();
        if (!row.ok()) return row.error();
        if (!*row) break;
        rows.push_back({select->Text(0), select->Text(1), select->Text(2), select->Text(3)});
      }
      for (const auto& row : rows) {
        const std::string owner = std::string(is_service ? "service " : "deployment ") + row.id;
        std::map<std::string, std::string> env;
        try {
          const Json spec = Json::parse(row.spec_json);
          for (const auto& [key, value] : spec.at("env").items()) {
            env[key] = value.get<std::string>();
          }
        } catch (const Json::exception& e) {
          return Internal("store: the stored env of " + owner + " is corrupt (" + e.what() + ")");
        }
        for (const auto& [key, value] : env) {
          // A variable set since the upgrade is newer than the plaintext one: keep it.
          auto insert = Prepare(
              is_service
                  ? "INSERT INTO service_variables (workspace_id, service_id, name, sealed_value,"
                    " updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
                  : "INSERT INTO deployment_variables (workspace_id, service_id, deployment_id,"
                    " name, sealed_value) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
              kWhat);
          if (!insert.ok()) return insert.error();
          insert->BindAll(row.workspace_id, row.service_id);
          if (is_service) {
            insert->BindAll(key, seal(value), clock_.NowMillis());
          } else {
            insert->BindAll(row.id, key, seal(value));
          }
          INK_RETURN_IF_ERROR(insert->Run());
        }
        // SpecFromJson ignores "env": writing the spec back drops it.
        auto spec = SpecFromJson(row.spec_json, owner);
        if (!spec.ok()) return spec.error();
        auto spec_json = SpecToJson(*spec);
        if (!spec_json.ok()) return spec_json.error();
        auto update =
            Prepare(std::string("UPDATE ") + table + " SET spec_json = ? WHERE id = ?", kWhat);
        if (!update.ok()) return update.error();
        INK_RETURN_IF_ERROR(update->BindAll(*spec_json, row.id).Run());
        ++converted;
      }
    }
    INK_RETURN_IF_ERROR(transaction->Commit());
  }
  if (converted > 0) {
    // Move the rewritten pages into the main file and empty the WAL that held the old ones.
    (void)connection_.ExecScript("PRAGMA wal_checkpoint(TRUNCATE)", kWhat);
  }
  return connection_.ExecScript("PRAGMA secure_delete=OFF", kWhat);
}

}  // namespace ink::store_internal
