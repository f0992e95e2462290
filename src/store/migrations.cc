#include "migrations.h"

namespace ink::store_internal {
namespace {

// Version 1: the first schema. Every tenant row carries workspace_id; child rows reference
// their parent by (id, workspace_id), so the database itself refuses a row that points into
// another workspace.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE workspaces (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  name TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX api_tokens_by_workspace ON api_tokens(workspace_id);

CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  name TEXT NOT NULL,
  network TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (workspace_id, name),
  UNIQUE (id, workspace_id)
) STRICT;

CREATE TABLE services (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  project_id TEXT NOT NULL,
  name TEXT NOT NULL,
  spec_json TEXT NOT NULL,
  active_deployment_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (project_id, name),
  UNIQUE (id, workspace_id),
  FOREIGN KEY (project_id, workspace_id) REFERENCES projects(id, workspace_id)
) STRICT;
CREATE INDEX services_by_workspace ON services(workspace_id, project_id);

CREATE TABLE deployments (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  service_id TEXT NOT NULL,
  spec_json TEXT NOT NULL,
  status TEXT NOT NULL
    CHECK (status IN ('pending', 'deploying', 'active', 'failed', 'superseded')),
  message TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  FOREIGN KEY (service_id, workspace_id) REFERENCES services(id, workspace_id)
) STRICT;
CREATE INDEX deployments_by_service ON deployments(service_id, created_at);
CREATE INDEX deployments_unfinished ON deployments(created_at)
  WHERE status IN ('pending', 'deploying');

CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id TEXT NOT NULL,
  service_id TEXT NOT NULL,
  deployment_id TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  FOREIGN KEY (service_id, workspace_id) REFERENCES services(id, workspace_id)
) STRICT;
CREATE INDEX events_by_service ON events(service_id, id);

CREATE TABLE registry_credentials (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  registry TEXT NOT NULL,
  username TEXT NOT NULL,
  sealed_password BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (workspace_id, registry)
) STRICT;
)sql";

// Version 2: deployments gain the "building" state (source deploys build an image first).
// SQLite cannot alter a CHECK constraint, so the table is rebuilt.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE deployments_v2 (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  service_id TEXT NOT NULL,
  spec_json TEXT NOT NULL,
  status TEXT NOT NULL
    CHECK (status IN ('pending', 'building', 'deploying', 'active', 'failed', 'superseded')),
  message TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  FOREIGN KEY (service_id, workspace_id) REFERENCES services(id, workspace_id)
) STRICT;
INSERT INTO deployments_v2 SELECT id, workspace_id, service_id, spec_json, status, message,
  created_at, updated_at FROM deployments;
DROP TABLE deployments;
ALTER TABLE deployments_v2 RENAME TO deployments;
CREATE INDEX deployments_by_service ON deployments(service_id, created_at);
CREATE INDEX deployments_unfinished ON deployments(created_at)
  WHERE status IN ('pending', 'building', 'deploying');
)sql";

// Version 3: service variables (environment), sealed with SecretBox by the caller, and each
// deployment's snapshot of them. deployment_variables has no foreign key to deployments: a
// later migration that rebuilds the deployments table (as version 2 did) would otherwise fail
// on the implicit delete of DROP TABLE; DeleteService removes the rows itself.
constexpr const char* kSchemaV3 = R"sql(
CREATE TABLE service_variables (
  workspace_id TEXT NOT NULL,
  service_id TEXT NOT NULL,
  name TEXT NOT NULL,
  sealed_value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (service_id, name),
  FOREIGN KEY (service_id, workspace_id) REFERENCES services(id, workspace_id)
) STRICT;

CREATE TABLE deployment_variables (
  workspace_id TEXT NOT NULL,
  service_id TEXT NOT NULL,
  deployment_id TEXT NOT NULL,
  name TEXT NOT NULL,
  sealed_value TEXT NOT NULL,
  PRIMARY KEY (deployment_id, name),
  FOREIGN KEY (service_id, workspace_id) REFERENCES services(id, workspace_id)
) STRICT;
CREATE INDEX deployment_variables_by_service ON deployment_variables(service_id);
)sql";

// Version 4: sources. The webhook deliveries each service has seen (replay protection; pruned
// by age and count, no foreign key so a deleted service's rows simply age out) and one ssh
// deploy key per workspace (the private half sealed with SecretBox by the caller).
constexpr const char* kSchemaV4 = R"sql(
CREATE TABLE webhook_deliveries (
  service_id TEXT NOT NULL,
  delivery_key TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (service_id, delivery_key)
) STRICT;
CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries(received_at);

CREATE TABLE deploy_keys (
  workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
  public_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  sealed_private_key TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
)sql";

// Version 5: hostname claims. "<service>-<project>" is the DNS label a service is served at,
// and two pairs can give the same label ("web" in "api-demo", "web-api" in "demo"), also across
// workspaces; the edge then refused the whole route file. Each label now belongs to one service
// (PRIMARY KEY), claimed in the service's creating transaction. Existing services claim theirs
// oldest first; a younger service whose label was already taken holds none (the controller
// does not route it and says so) until it is deleted and deployed under another name.
constexpr const char* kSchemaV5 = R"sql(
CREATE TABLE hostnames (
  label TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  service_id TEXT NOT NULL UNIQUE,
  claimed_at INTEGER NOT NULL,
  FOREIGN KEY (service_id, workspace_id) REFERENCES services(id, workspace_id)
) STRICT;
INSERT OR IGNORE INTO hostnames (label, workspace_id, service_id, claimed_at)
  SELECT s.name || '-' || p.name, s.workspace_id, s.id, s.created_at
  FROM services s JOIN projects p ON p.id = s.project_id
  ORDER BY s.created_at, s.rowid;
)sql";

// Version 6: a project's shared variables (`${{shared.NAME}}`), sealed like service variables.
// DeleteProject removes them (a project with services cannot be deleted).
constexpr const char* kSchemaV6 = R"sql(
CREATE TABLE project_variables (
  workspace_id TEXT NOT NULL,
  project_id TEXT NOT NULL,
  name TEXT NOT NULL,
  sealed_value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, name),
  FOREIGN KEY (project_id, workspace_id) REFERENCES projects(id, workspace_id)
) STRICT;
)sql";

// Version 7: volumes. Names are unique per project; a volume is attached to at most one service
// by construction (one service_id column), at one mount path, and a service has at most one
// volume per path. The service's spec names its volumes; the deploy's transaction keeps these
// columns in step with it. Nothing deletes a row but delete_volume.
constexpr const char* kSchemaV7 = R"sql(
CREATE TABLE volumes (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  project_id TEXT NOT NULL,
  name TEXT NOT NULL,
  size_bytes INTEGER NOT NULL CHECK (size_bytes > 0),
  service_id TEXT,
  mount_path TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (project_id, name),
  UNIQUE (service_id, mount_path),
  CHECK ((service_id IS NULL) = (mount_path IS NULL)),
  FOREIGN KEY (project_id, workspace_id) REFERENCES projects(id, workspace_id),
  FOREIGN KEY (service_id, workspace_id) REFERENCES services(id, workspace_id)
) STRICT;
CREATE INDEX volumes_by_service ON volumes(service_id);
)sql";

// v8: volume snapshots (copies of a volume's image on inkd's host). A snapshot outlives its
// volume (no foreign key to it: it names the volume as it was); a volume keeps its retention
// and daily schedule.
constexpr char kSchemaV8[] = R"sql(
ALTER TABLE volumes ADD COLUMN snapshot_retention INTEGER NOT NULL DEFAULT 7
  CHECK (snapshot_retention BETWEEN 1 AND 1000);
ALTER TABLE volumes ADD COLUMN snapshot_schedule TEXT NOT NULL DEFAULT '';
CREATE TABLE snapshots (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  project_id TEXT NOT NULL,
  volume_id TEXT NOT NULL,
  volume_name TEXT NOT NULL,
  volume_size_bytes INTEGER NOT NULL CHECK (volume_size_bytes > 0),
  label TEXT NOT NULL DEFAULT '',
  scheduled INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'failed')),
  error TEXT NOT NULL DEFAULT '',
  size_bytes INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  completed_at INTEGER NOT NULL DEFAULT 0,
  FOREIGN KEY (project_id, workspace_id) REFERENCES projects(id, workspace_id)
) STRICT;
CREATE INDEX snapshots_by_volume ON snapshots(volume_id, created_at);
CREATE INDEX snapshots_by_project ON snapshots(project_id, created_at);
)sql";

// v9: sandboxes, a workspace's throwaway gVisor containers. Live rows are 'starting' or
// 'running'; an ended row keeps why it ended until the reaper purges it.
constexpr char kSchemaV9[] = R"sql(
CREATE TABLE sandboxes (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  image TEXT NOT NULL,
  cpu REAL NOT NULL CHECK (cpu > 0),
  memory_bytes INTEGER NOT NULL CHECK (memory_bytes > 0),
  network TEXT NOT NULL CHECK (network IN ('none', 'on')),
  container_id TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL
    CHECK (status IN ('starting', 'running', 'expired', 'deleted', 'failed')),
  end_reason TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX sandboxes_by_workspace ON sandboxes(workspace_id, created_at);
CREATE INDEX sandboxes_by_status ON sandboxes(status, expires_at);
)sql";

// v10: workspace quotas and admin tokens. A quota row holds a workspace's own caps (-2: inkd's
// default, -1: unlimited, else the cap); no row means every cap is inkd's default. Only an admin
// token may set quotas: the bootstrap token (the first one, named "admin") becomes one.
constexpr char kSchemaV10[] = R"sql(
CREATE TABLE workspace_quotas (
  workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
  cpu REAL NOT NULL CHECK (cpu = -2 OR cpu >= -1),
  memory_bytes INTEGER NOT NULL CHECK (memory_bytes >= -2),
  replicas INTEGER NOT NULL CHECK (replicas >= -2),
  volume_bytes INTEGER NOT NULL CHECK (volume_bytes >= -2),
  updated_at INTEGER NOT NULL
) STRICT;
ALTER TABLE api_tokens ADD COLUMN admin INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1));
UPDATE api_tokens SET admin = 1
  WHERE name = 'admin' AND rowid = (SELECT MIN(rowid) FROM api_tokens);
)sql";

// v11: domains a service is also served at (issue 13). A name is canonical (CanonicalName) and
// belongs to one service of one workspace: UNIQUE on the name, so two workspaces can never claim
// the same domain. kind: "platform" (under inkd's --platform-domain: verified at once) or
// "custom" (verified when its TXT _ink-challenge.<name> holds the token and it points at Ink).
constexpr char kSchemaV11[] = R"sql(
CREATE TABLE domains (
  name TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  project_id TEXT NOT NULL,
  service_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('platform', 'custom')),
  token TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending_dns', 'verified', 'failed')),
  reason TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  verified_at INTEGER NOT NULL DEFAULT 0,
  FOREIGN KEY (service_id, workspace_id) REFERENCES services(id, workspace_id)
) STRICT;
CREATE INDEX domains_by_service ON domains(workspace_id, service_id);
)sql";

// v12: object-storage destinations of a workspace (issue 14). Settings are a JSON object in
// clear (endpoint, region, path_style, account); the secrets are one SecretBox-sealed JSON object
// and `secret_fields` names them (comma-separated) so list_storages can say which are set.
constexpr char kSchemaV12[] = R"sql(
CREATE TABLE object_storages (
  workspace_id TEXT NOT NULL REFERENCES workspaces(id),
  name TEXT NOT NULL,
  provider TEXT NOT NULL CHECK (provider IN ('s3', 'gcs', 'azureblob')),
  bucket TEXT NOT NULL CHECK (bucket <> ''),
  prefix TEXT NOT NULL DEFAULT '',
  settings TEXT NOT NULL DEFAULT '{}',
  sealed_secrets BLOB NOT NULL,
  secret_fields TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, name)
) STRICT;
)sql";

constexpr Migration kMigrations[] = {
    {1, kSchemaV1}, {2, kSchemaV2}, {3, kSchemaV3}, {4, kSchemaV4}, {5, kSchemaV5},
    {6, kSchemaV6}, {7, kSchemaV7}, {8, kSchemaV8}, {9, kSchemaV9}, {10, kSchemaV10},
    {11, kSchemaV11}, {12, kSchemaV12},
};

Result<int64_t> CurrentVersion(Connection& connection) {
  auto query = Statement::Prepare(connection.get(),
                                  "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                                  "read schema version");
  if (!query.ok()) return query.error();
  auto row = query->Step();
  if (!row.ok()) return row.error();
  return *row ? query->Int(0) : 0;
}

}  // namespace

std::span<const Migration> SchemaMigrations() { return kMigrations; }

Result<int> ApplyMigrations(Connection& connection, std::span<const Migration> migrations,
                            Clock& clock, const std::string& path) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int64_t>(i + 1)) {
      return Internal("store: migration list is not numbered 1..N (entry " + std::to_string(i) +
                      " has version " + std::to_string(migrations[i].version) + ")");
    }
  }
  INK_RETURN_IF_ERROR(
      connection.ExecScript("CREATE TABLE IF NOT EXISTS schema_migrations ("
                            "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
                            "create schema_migrations"));

  const int64_t latest = static_cast<int64_t>(migrations.size());
  int applied = 0;
  while (true) {
    // The version is read inside the write transaction so two processes opening the same file
    // cannot both apply the same script.
    auto transaction = Transaction::Begin(connection, "apply schema migrations");
    if (!transaction.ok()) return transaction.error();
    auto current = CurrentVersion(connection);
    if (!current.ok()) return current.error();
    if (*current > latest) {
      return FailedPrecondition(
          "store: database '" + path + "' has schema version " + std::to_string(*current) +
          " but this binary knows versions up to " + std::to_string(latest) +
          ": it was written by a newer Ink; run that newer version, or point Ink at a database "
          "made by this version");
    }
    if (*current == latest) {
      INK_RETURN_IF_ERROR(transaction->Commit());
      return applied;
    }
    const Migration& next = migrations[static_cast<size_t>(*current)];
    std::string what = "apply schema migration " + std::to_string(next.version);
    INK_RETURN_IF_ERROR(connection.ExecScript(next.sql, what));
    auto record = Statement::Prepare(
        connection.get(), "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
        what);
    if (!record.ok()) return record.error();
    record->BindAll(next.version, clock.NowMillis());
    INK_RETURN_IF_ERROR(record->Run());
    INK_RETURN_IF_ERROR(transaction->Commit());
    ++applied;
  }
}

}  // namespace ink::store_internal
