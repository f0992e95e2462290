// The domain methods of SqliteStore (schema version 11): each canonical name belongs to one
// service across all workspaces (the table's primary key). Called by the domain operations and
// the controller's routes; thread contract as SqliteStore (every method takes mu_).
#include <string_view>

#include "sqlite_store.h"

namespace ink::store_internal {
namespace {

constexpr char kDomainColumns[] =
    "SELECT name, workspace_id, project_id, service_id, kind, token, status, reason, created_at, "
    "verified_at FROM domains ";

Result<std::vector<Domain>> ReadDomains(Statement& query) {
  std::vector<Domain> out;
  while (true) {
    auto row = query.Step();
    if (!row.ok()) return row.error();
    if (!*row) return out;
    out.push_back({.name = query.Text(0),
                   .workspace_id = query.Text(1),
                   .project_id = query.Text(2),
                   .service_id = query.Text(3),
                   .kind = query.Text(4),
                   .token = query.Text(5),
                   .status = query.Text(6),
                   .reason = query.Text(7),
                   .created_at = query.Int(8),
                   .verified_at = query.Int(9)});
  }
}

Error DomainNotFound(const std::string& name) {
  return NotFound("domain '" + name +
                  "' is not one of this workspace's; list them with `ink domains list`");
}

}  // namespace

Result<Domain> SqliteStore::CreateDomain(Domain domain) {
  constexpr std::string_view kWhat = "add domain";
  domain.created_at = clock_.NowMillis();
  domain.verified_at = domain.status == "verified" ? domain.created_at : 0;
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireProject(domain.workspace_id, domain.project_id, kWhat));
  INK_RETURN_IF_ERROR(RequireService(domain.workspace_id, domain.service_id, kWhat));
  // A platform domain's label and the services' default hostname labels are one namespace
  // under the platform zone (ClaimHostnameLocked checks the other way round, under the same lock).
  if (domain.kind == "platform") {
    auto held = Prepare("SELECT 1 FROM hostnames WHERE label = ?", kWhat);
    if (!held.ok()) return held.error();
    auto row = held->Bind(domain.name.substr(0, domain.name.find('.'))).Step();
    if (!row.ok()) return row.error();
    if (*row) {
      return AlreadyExists("domain '" + domain.name +
                           "' is a service's default hostname; choose another subdomain");
    }
  }
  // Below a domain another workspace has proven it owns: not ours to claim.
  auto parent = Prepare(
      "SELECT 1 FROM domains WHERE workspace_id != ?1 AND kind = 'custom' AND status = "
      "'verified' AND length(?2) > length(name) AND substr(?2, -length(name) - 1) = '.' || name",
      kWhat);
  if (!parent.ok()) return parent.error();
  auto under = parent->BindAll(domain.workspace_id, domain.name).Step();
  if (!under.ok()) return under.error();
  if (*under) {
    return PermissionDenied("domain '" + domain.name +
                            "' is below a domain another workspace has verified as its own; "
                            "only that workspace may add names under it");
  }
  auto insert = Prepare(
      "INSERT INTO domains (name, workspace_id, project_id, service_id, kind, token, status, "
      "reason, created_at, verified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      kWhat);
  if (!insert.ok()) return insert.error();
  insert->BindAll(domain.name, domain.workspace_id, domain.project_id, domain.service_id,
                  domain.kind, domain.token, domain.status, domain.reason, domain.created_at,
                  domain.verified_at);
  if (Status status = insert->Run(); !status.ok()) {
    // Whoever holds it, the answer is the same: another tenant's names are not ours to show.
    if (insert->FailedOnUniqueConstraint()) {
      return AlreadyExists("domain '" + domain.name +
                           "' is already taken; choose another name (remove it first with "
                           "`ink domains rm` if it is one of yours)");
    }
    return status.error();
  }
  return domain;
}

Result<Domain> SqliteStore::GetDomain(const std::string& workspace_id, const std::string& name) {
  std::lock_guard lock(mu_);
  auto query =
      Prepare(std::string(kDomainColumns) + "WHERE workspace_id = ? AND name = ?", "get domain");
  if (!query.ok()) return query.error();
  query->BindAll(workspace_id, name);
  auto found = ReadDomains(*query);
  if (!found.ok()) return found.error();
  if (found->empty()) return DomainNotFound(name);
  return found->front();
}

Result<std::vector<Domain>> SqliteStore::ListDomains(const std::string& workspace_id,
                                                     const std::string& project_id,
                                                     const std::string& service_id) {
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireProject(workspace_id, project_id, "list domains"));
  auto query = Prepare(std::string(kDomainColumns) +
                           "WHERE workspace_id = ?1 AND project_id = ?2 AND (?3 = '' OR "
                           "service_id = ?3) ORDER BY name",
                       "list domains");
  if (!query.ok()) return query.error();
  query->BindAll(workspace_id, project_id, service_id);
  return ReadDomains(*query);
}

Result<std::vector<Domain>> SqliteStore::ListVerifiedDomains() {
  std::lock_guard lock(mu_);
  auto query = Prepare(std::string(kDomainColumns) + "WHERE status = 'verified' ORDER BY name",
                       "list verified domains");
  if (!query.ok()) return query.error();
  return ReadDomains(*query);
}

Result<Domain> SqliteStore::SetDomainStatus(const std::string& workspace_id,
                                            const std::string& name, const std::string& status,
                                            const std::string& reason) {
  {
    const int64_t now = clock_.NowMillis();
    std::lock_guard lock(mu_);
    auto update = Prepare(
        "UPDATE domains SET status = ?1, reason = ?2, verified_at = CASE WHEN ?1 = 'verified' "
        "THEN ?3 ELSE 0 END WHERE workspace_id = ?4 AND name = ?5",
        "set domain status");
    if (!update.ok()) return update.error();
    update->BindAll(status, reason, now, workspace_id, name);
    INK_RETURN_IF_ERROR(update->Run());
    if (connection_.Changes() == 0) return DomainNotFound(name);
  }
  return GetDomain(workspace_id, name);
}

Status SqliteStore::DeleteDomain(const std::string& workspace_id, const std::string& name) {
  std::lock_guard lock(mu_);
  auto erase = Prepare("DELETE FROM domains WHERE workspace_id = ? AND name = ?", "remove domain");
  if (!erase.ok()) return erase.error();
  INK_RETURN_IF_ERROR(erase->BindAll(workspace_id, name).Run());
  if (connection_.Changes() == 0) return DomainNotFound(name);
  return {};
}

}  // namespace ink::store_internal
