// The hostname claims of SqliteStore (schema version 5): each "<service>-<project>" label
// belongs to one service across all workspaces.
#include "ink/common/names.h"
#include "sqlite_store.h"

namespace ink::store_internal {
namespace {

constexpr char kClaimQuery[] =
    "SELECT h.label, h.workspace_id, h.service_id, p.name, s.name FROM hostnames h"
    " JOIN services s ON s.id = h.service_id JOIN projects p ON p.id = s.project_id";

HostnameClaim ReadClaim(const Statement& row) {
  return {row.Text(0), row.Text(1), row.Text(2), row.Text(3), row.Text(4)};
}

}  // namespace

Result<HostnameClaim> SqliteStore::FindHostnameClaim(const std::string& label) {
  std::lock_guard lock(mu_);
  auto query = Prepare(std::string(kClaimQuery) + " WHERE h.label = ?", "find hostname");
  if (!query.ok()) return query.error();
  auto row = query->Bind(label).Step();
  if (!row.ok()) return row.error();
  if (!*row) return NotFound("no service holds hostname label '" + label + "'");
  return ReadClaim(*query);
}

Result<std::vector<HostnameClaim>> SqliteStore::ListHostnameClaims() {
  std::lock_guard lock(mu_);
  auto query = Prepare(std::string(kClaimQuery) + " ORDER BY h.label", "list hostnames");
  if (!query.ok()) return query.error();
  std::vector<HostnameClaim> claims;
  while (true) {
    auto row = query->Step();
    if (!row.ok()) return row.error();
    if (!*row) return claims;
    claims.push_back(ReadClaim(*query));
  }
}

Status SqliteStore::ClaimHostnameLocked(const Service& service) {
  constexpr std::string_view kWhat = "claim hostname";
  auto project = Prepare("SELECT name FROM projects WHERE id = ?", kWhat);
  if (!project.ok()) return project.error();
  auto found = project->Bind(service.project_id).Step();
  if (!found.ok()) return found.error();
  if (!*found) return NotFound("project '" + service.project_id + "' not found");
  const std::string project_name = project->Text(0);
  const std::string label = ServiceHostLabel(service.name, project_name);

  auto held = Prepare("SELECT label FROM hostnames WHERE service_id = ?", kWhat);
  if (!held.ok()) return held.error();
  auto row = held->Bind(service.id).Step();
  if (!row.ok()) return row.error();
  if (*row) return {};  // names never change, so the label held is this one

  // A platform domain (add_domain, one label under the zone) holds its label too.
  auto domain = Prepare(
      "SELECT 1 FROM domains WHERE kind = 'platform' AND substr(name, 1, length(?1) + 1) = ?1 "
      "|| '.'",
      kWhat);
  if (!domain.ok()) return domain.error();
  auto taken = domain->Bind(label).Step();
  if (!taken.ok()) return taken.error();
  if (*taken) {
    return AlreadyExists("service '" + service.name + "' in project '" + project_name +
                         "' would be served at hostname '" + label +
                         "', which is already a platform domain (ink domains list); choose "
                         "another service name (or project name)");
  }

  auto insert = Prepare(
      "INSERT INTO hostnames (label, workspace_id, service_id, claimed_at) VALUES (?, ?, ?, ?)",
      kWhat);
  if (!insert.ok()) return insert.error();
  insert->BindAll(label, service.workspace_id, service.id, clock_.NowMillis());
  Status inserted = insert->Run();
  if (inserted.ok() || !insert->FailedOnUniqueConstraint()) return inserted;
  // Name the holder only to its own workspace: another tenant's names are not ours to show.
  std::string holder = "a service of another workspace";
  auto owner = Prepare(std::string(kClaimQuery) + " WHERE h.label = ?", kWhat);
  if (owner.ok()) {
    auto owner_row = owner->Bind(label).Step();
    if (owner_row.ok() && *owner_row && owner->Text(1) == service.workspace_id) {
      holder = "service '" + owner->Text(4) + "' of project '" + owner->Text(3) + "'";
    }
  }
  return AlreadyExists("service '" + service.name + "' in project '" + project_name +
                       "' would be served at hostname '" + label + "', which " + holder +
                       " already has; choose another service name (or project name)");
}

}  // namespace ink::store_internal
