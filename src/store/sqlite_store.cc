// OpenSqliteStore, shared helpers, and the workspace, token, project and registry-credential
// methods of SqliteStore. Services, deployments and events are in sqlite_store_services.cc.
#include "sqlite_store.h"

#include "ink/common/log.h"
#include "ink/common/names.h"
#include "migrations.h"

namespace ink {

using store_internal::Connection;
using store_internal::Statement;
using store_internal::Transaction;

namespace {

constexpr char kProjectColumns[] = "id, workspace_id, name, network, created_at";

Project ReadProject(const Statement& row) {
  return Project{row.Text(0), row.Text(1), row.Text(2), row.Text(3), row.Int(4)};
}

constexpr char kTokenColumns[] = "id, workspace_id, name, hash, created_at, admin";

constexpr char kCredentialColumns[] =
    "id, workspace_id, registry, username, sealed_password, created_at";

RegistryCredential ReadCredential(const Statement& row) {
  return RegistryCredential{row.Text(0), row.Text(1), row.Text(2),
                            row.Text(3), row.Blob(4), row.Int(5)};
}

// Reads a single-column text result of a PRAGMA.
Result<std::string> PragmaValue(Connection& connection, const std::string& pragma) {
  auto query = Statement::Prepare(connection.get(), "PRAGMA " + pragma, "PRAGMA " + pragma);
  if (!query.ok()) return query.error();
  auto row = query->Step();
  if (!row.ok()) return row.error();
  return *row ? query->Text(0) : std::string();
}

Status Configure(Connection& connection, const std::string& path) {
  // Wait up to 5 s for another connection's lock instead of failing at once.
  sqlite3_busy_timeout(connection.get(), 5000);
  auto mode = PragmaValue(connection, "journal_mode=WAL");
  if (!mode.ok()) return mode.error();
  bool in_memory = path == ":memory:";
  if (*mode != "wal" && !(in_memory && *mode == "memory")) {
    return Unavailable("store: cannot switch '" + path + "' to WAL journal mode (got '" + *mode +
                       "'); keep the database on a local file system that supports shared "
                       "memory (not NFS)");
  }
  INK_RETURN_IF_ERROR(connection.ExecScript("PRAGMA synchronous=FULL", "set synchronous=FULL"));
  INK_RETURN_IF_ERROR(connection.ExecScript("PRAGMA foreign_keys=ON", "enable foreign keys"));
  auto foreign_keys = PragmaValue(connection, "foreign_keys");
  if (!foreign_keys.ok()) return foreign_keys.error();
  if (*foreign_keys != "1") {
    return Internal(
        "store: this SQLite library cannot enforce foreign keys; install a build of "
        "libsqlite3 with foreign key support");
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, Clock& clock) {
  auto connection = Connection::Open(path);
  if (!connection.ok()) return connection.error();
  INK_RETURN_IF_ERROR(Configure(*connection, path));
  auto applied =
      store_internal::ApplyMigrations(*connection, store_internal::SchemaMigrations(), clock, path);
  if (!applied.ok()) return applied.error();
  if (*applied > 0) {
    LogInfo("store", "applied " + std::to_string(*applied) + " schema migration(s) to " + path);
  }
  return std::unique_ptr<Store>(
      std::make_unique<store_internal::SqliteStore>(std::move(*connection), clock));
}

namespace store_internal {

Result<Statement> SqliteStore::Prepare(std::string_view sql, std::string_view what) {
  return Statement::Prepare(connection_.get(), sql, what);
}

Status SqliteStore::RequireWorkspace(const std::string& workspace_id, std::string_view what) {
  auto query = Prepare("SELECT 1 FROM workspaces WHERE id = ?", what);
  if (!query.ok()) return query.error();
  auto row = query->Bind(workspace_id).Step();
  if (!row.ok()) return row.error();
  if (!*row) return NotFound("workspace '" + workspace_id + "' not found");
  return {};
}

Status SqliteStore::RequireProject(const std::string& workspace_id, const std::string& project_id,
                                   std::string_view what) {
  auto query = Prepare("SELECT 1 FROM projects WHERE id = ? AND workspace_id = ?", what);
  if (!query.ok()) return query.error();
  auto row = query->BindAll(project_id, workspace_id).Step();
  if (!row.ok()) return row.error();
  if (!*row) {
    return NotFound("project '" + project_id +
                    "' not found in this workspace; list projects with `ink projects list`");
  }
  return {};
}

Status SqliteStore::RequireService(const std::string& workspace_id, const std::string& service_id,
                                   std::string_view what) {
  auto query = Prepare("SELECT 1 FROM services WHERE id = ? AND workspace_id = ?", what);
  if (!query.ok()) return query.error();
  auto row = query->BindAll(service_id, workspace_id).Step();
  if (!row.ok()) return row.error();
  if (!*row) return NotFound("service '" + service_id + "' not found in this workspace");
  return {};
}

// ---- Workspaces and tokens ----

Result<Workspace> SqliteStore::CreateWorkspace(const std::string& name) {
  Workspace workspace{NewId("wsp"), name, clock_.NowMillis()};
  std::lock_guard lock(mu_);
  auto insert =
      Prepare("INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)", "create workspace");
  if (!insert.ok()) return insert.error();
  insert->BindAll(workspace.id, workspace.name, workspace.created_at);
  if (Status status = insert->Run(); !status.ok()) {
    if (insert->FailedOnUniqueConstraint()) {
      return AlreadyExists("workspace '" + name + "' already exists; choose another name");
    }
    return status.error();
  }
  return workspace;
}

Result<std::vector<Workspace>> SqliteStore::ListWorkspaces() {
  std::lock_guard lock(mu_);
  auto query = Prepare("SELECT id, name, created_at FROM workspaces ORDER BY created_at, rowid",
                       "list workspaces");
  if (!query.ok()) return query.error();
  std::vector<Workspace> workspaces;
  while (true) {
    auto row = query->Step();
    if (!row.ok()) return row.error();
    if (!*row) return workspaces;
    workspaces.push_back(Workspace{query->Text(0), query->Text(1), query->Int(2)});
  }
}

Result<ApiToken> SqliteStore::CreateToken(ApiToken token) {
  if (token.hash.empty()) {
    return InvalidArgument("store: the token hash is empty; store the SHA-256 hex of the secret");
  }
  token.id = NewId("tok");
  token.created_at = clock_.NowMillis();
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireWorkspace(token.workspace_id, "create token"));
  auto insert = Prepare(
      "INSERT INTO api_tokens (id, workspace_id, name, hash, created_at, admin) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      "create token");
  if (!insert.ok()) return insert.error();
  insert->BindAll(token.id, token.workspace_id, token.name, token.hash, token.created_at,
                  int64_t{token.admin ? 1 : 0});
  if (Status status = insert->Run(); !status.ok()) {
    if (insert->FailedOnUniqueConstraint()) {
      return AlreadyExists("a token with this hash already exists; generate a new secret");
    }
    return status.error();
  }
  return token;
}

Result<ApiToken> SqliteStore::FindTokenByHash(const std::string& hash) {
  std::lock_guard lock(mu_);
  auto query = Prepare(std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE hash = ?",
                       "find token");
  if (!query.ok()) return query.error();
  auto row = query->Bind(hash).Step();
  if (!row.ok()) return row.error();
  if (!*row) return NotFound("no API token matches; check the token or create a new one");
  return ApiToken{query->Text(0), query->Text(1), query->Text(2),
                  query->Text(3), query->Int(4),  query->Int(5) == 1};
}

Result<WorkspaceQuota> SqliteStore::GetWorkspaceQuota(const std::string& workspace_id) {
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireWorkspace(workspace_id, "read quota"));
  auto query = Prepare(
      "SELECT cpu, memory_bytes, replicas, volume_bytes, updated_at FROM workspace_quotas "
      "WHERE workspace_id = ?",
      "read quota");
  if (!query.ok()) return query.error();
  auto row = query->Bind(workspace_id).Step();
  if (!row.ok()) return row.error();
  if (!*row) return WorkspaceQuota{};
  return WorkspaceQuota{query->Double(0), query->Int(1), query->Int(2), query->Int(3),
                        query->Int(4)};
}

Result<WorkspaceQuota> SqliteStore::SetWorkspaceQuota(const std::string& workspace_id,
                                                      WorkspaceQuota quota) {
  quota.updated_at = clock_.NowMillis();
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireWorkspace(workspace_id, "set quota"));
  auto upsert = Prepare(
      "INSERT INTO workspace_quotas (workspace_id, cpu, memory_bytes, replicas, volume_bytes, "
      "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id) DO UPDATE SET "
      "cpu = excluded.cpu, memory_bytes = excluded.memory_bytes, replicas = excluded.replicas, "
      "volume_bytes = excluded.volume_bytes, updated_at = excluded.updated_at",
      "set quota");
  if (!upsert.ok()) return upsert.error();
  upsert->BindAll(workspace_id, quota.cpu, quota.memory_bytes, quota.replicas, quota.volume_bytes,
                  quota.updated_at);
  INK_RETURN_IF_ERROR(upsert->Run());
  return quota;
}

// ---- Projects ----

Result<Project> SqliteStore::CreateProject(const std::string& workspace_id,
                                           const std::string& name) {
  Project project;
  project.id = NewId("prj");
  project.workspace_id = workspace_id;
  project.name = name;
  project.network = "ink-" + project.id;
  project.created_at = clock_.NowMillis();
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireWorkspace(workspace_id, "create project"));
  auto insert =
      Prepare(std::string("INSERT INTO projects (") + kProjectColumns + ") VALUES (?, ?, ?, ?, ?)",
              "create project");
  if (!insert.ok()) return insert.error();
  insert->BindAll(project.id, project.workspace_id, project.name, project.network,
                  project.created_at);
  if (Status status = insert->Run(); !status.ok()) {
    if (insert->FailedOnUniqueConstraint()) {
      return AlreadyExists("project '" + name +
                           "' already exists in this workspace; choose another name or deploy "
                           "into the existing project");
    }
    return status.error();
  }
  return project;
}

Result<std::vector<Project>> SqliteStore::ListProjects(const std::string& workspace_id) {
  std::lock_guard lock(mu_);
  auto query = Prepare(std::string("SELECT ") + kProjectColumns +
                           " FROM projects WHERE workspace_id = ? ORDER BY name",
                       "list projects");
  if (!query.ok()) return query.error();
  query->Bind(workspace_id);
  std::vector<Project> projects;
  while (true) {
    auto row = query->Step();
    if (!row.ok()) return row.error();
    if (!*row) return projects;
    projects.push_back(ReadProject(*query));
  }
}

Result<Project> SqliteStore::GetProject(const std::string& workspace_id,
                                        const std::string& id_or_name) {
  std::lock_guard lock(mu_);
  // An id match wins over a name match (names cannot contain '_', so both cannot happen when
  // callers validate names, but the order keeps the answer well-defined regardless).
  auto query = Prepare(std::string("SELECT ") + kProjectColumns +
                           " FROM projects WHERE workspace_id = ?1 AND (id = ?2 OR name = ?2)"
                           " ORDER BY id = ?2 DESC LIMIT 1",
                       "get project");
  if (!query.ok()) return query.error();
  auto row = query->BindAll(workspace_id, id_or_name).Step();
  if (!row.ok()) return row.error();
  if (!*row) {
    return NotFound("project '" + id_or_name +
                    "' not found in this workspace; list projects with `ink projects list`");
  }
  return ReadProject(*query);
}

Status SqliteStore::DeleteProject(const std::string& workspace_id, const std::string& project_id) {
  std::lock_guard lock(mu_);
  auto transaction = Transaction::Begin(connection_, "delete project");
  if (!transaction.ok()) return transaction.error();
  auto project = Prepare(
      "SELECT name, (SELECT COUNT(*) FROM services WHERE project_id = ?1), "
      "(SELECT group_concat(name, ', ') FROM volumes WHERE project_id = ?1), "
      "(SELECT COUNT(*) FROM snapshots WHERE project_id = ?1) "
      "FROM projects WHERE id = ?1 AND workspace_id = ?2",
      "delete project");
  if (!project.ok()) return project.error();
  auto row = project->BindAll(project_id, workspace_id).Step();
  if (!row.ok()) return row.error();
  if (!*row) return NotFound("project '" + project_id + "' not found in this workspace");
  if (int64_t services = project->Int(1); services > 0) {
    return FailedPrecondition("project '" + project->Text(0) + "' still has " +
                              std::to_string(services) + " service(s); delete its services first");
  }
  if (std::string volumes = project->Text(2); !volumes.empty()) {
    return FailedPrecondition("project '" + project->Text(0) + "' still has volumes (" + volumes +
                              "), which hold data: delete each with `ink volumes delete NAME "
                              "--project " +
                              project->Text(0) + "` first");
  }
  if (int64_t snapshots = project->Int(3); snapshots > 0) {
    return FailedPrecondition("project '" + project->Text(0) + "' still has " +
                              std::to_string(snapshots) +
                              " volume snapshot(s), which hold data: delete each with `ink "
                              "volumes delete-snapshot ID --project " +
                              project->Text(0) + "` first (see `ink volumes snapshots`)");
  }
  auto shared = Prepare("DELETE FROM project_variables WHERE project_id = ? AND workspace_id = ?",
                        "delete project");
  if (!shared.ok()) return shared.error();
  INK_RETURN_IF_ERROR(shared->BindAll(project_id, workspace_id).Run());
  auto erase = Prepare("DELETE FROM projects WHERE id = ? AND workspace_id = ?", "delete project");
  if (!erase.ok()) return erase.error();
  INK_RETURN_IF_ERROR(erase->BindAll(project_id, workspace_id).Run());
  return transaction->Commit();
}

// ---- Registry credentials ----

Result<RegistryCredential> SqliteStore::PutRegistryCredential(RegistryCredential credential) {
  if (credential.registry.empty()) {
    return InvalidArgument("registry is empty; give it as host[:port], e.g. 127.0.0.1:5000");
  }
  credential.id = NewId("rcr");
  credential.created_at = clock_.NowMillis();
  std::lock_guard lock(mu_);
  INK_RETURN_IF_ERROR(RequireWorkspace(credential.workspace_id, "set registry credential"));
  // On replace the row keeps its id, so specs that reference it stay valid.
  auto upsert = Prepare(std::string("INSERT INTO registry_credentials (") + kCredentialColumns +
                            ") VALUES (?, ?, ?, ?, ?, ?)"
                            " ON CONFLICT (workspace_id, registry) DO UPDATE SET"
                            " username = excluded.username,"
                            " sealed_password = excluded.sealed_password,"
                            " created_at = excluded.created_at"
                            " RETURNING id",
                        "set registry credential");
  if (!upsert.ok()) return upsert.error();
  upsert->BindAll(credential.id, credential.workspace_id, credential.registry, credential.username);
  upsert->BindBlob(credential.sealed_password).Bind(credential.created_at);
  auto row = upsert->Step();
  if (!row.ok()) return row.error();
  if (!*row) return Internal("store: set registry credential: the upsert returned no id");
  credential.id = upsert->Text(0);
  INK_RETURN_IF_ERROR(upsert->Run());
  return credential;
}

Result<std::vector<RegistryCredential>> SqliteStore::ListRegistryCredentials(
    const std::string& workspace_id) {
  std::lock_guard lock(mu_);
  auto query = Prepare(std::string("SELECT ") + kCredentialColumns +
                           " FROM registry_credentials WHERE workspace_id = ? ORDER BY registry",
                       "list registry credentials");
  if (!query.ok()) return query.error();
  query->Bind(workspace_id);
  std::vector<RegistryCredential> credentials;
  while (true) {
    auto row = query->Step();
    if (!row.ok()) return row.error();
    if (!*row) return credentials;
    credentials.push_back(ReadCredential(*query));
  }
}

Result<RegistryCredential> SqliteStore::FindRegistryCredential(const std::string& workspace_id,
                                                               const std::string& registry) {
  std::lock_guard lock(mu_);
  auto query = Prepare(std::string("SELECT ") + kCredentialColumns +
                           " FROM registry_credentials WHERE workspace_id = ? AND registry = ?",
                       "find registry credential");
  if (!query.ok()) return query.error();
  auto row = query->BindAll(workspace_id, registry).Step();
  if (!row.ok()) return row.error();
  if (!*row) {
    return NotFound("no credentials for registry '" + registry +
                    "' in this workspace; add them with `ink registry login " + registry + "`");
  }
  return ReadCredential(*query);
}

Status SqliteStore::DeleteRegistryCredential(const std::string& workspace_id,
                                             const std::string& registry) {
  std::lock_guard lock(mu_);
  auto erase = Prepare("DELETE FROM registry_credentials WHERE workspace_id = ? AND registry = ?",
                       "delete registry credential");
  if (!erase.ok()) return erase.error();
  INK_RETURN_IF_ERROR(erase->BindAll(workspace_id, registry).Run());
  if (connection_.Changes() == 0) {
    return NotFound("no credentials for registry '" + registry + "' in this workspace");
  }
  return {};
}

}  // namespace store_internal
}  // namespace ink
