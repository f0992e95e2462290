// The data model: workspace → project → service → deployment, plus tokens, events and registry
// credentials. Plain value types, copied freely; every row carries its workspace id so each
// query can be scoped to one tenant. Times are milliseconds since the Unix epoch.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ink/common/statuses.h"

namespace ink {

struct Workspace {
  std::string id;    // "wsp_..."
  std::string name;  // "default" for the bootstrap workspace
  int64_t created_at = 0;
};

// An API token. Only the SHA-256 of the secret is stored; the secret ("ink_...") is shown once.
struct ApiToken {
  std::string id;  // "tok_..."
  std::string workspace_id;
  std::string name;
  std::string hash;  // hex SHA-256 of the whole token string
  int64_t created_at = 0;
  bool admin = false;  // may manage every workspace's quotas (the bootstrap token)
};

// A workspace's own quota caps (set_workspace_quota). Each field is kQuotaDefault (inkd's
// --quota-* default applies), kQuotaUnlimited, or the cap (cores, bytes, a count).
inline constexpr int64_t kQuotaDefault = -2;
inline constexpr int64_t kQuotaUnlimited = -1;
struct WorkspaceQuota {
  double cpu = kQuotaDefault;
  int64_t memory_bytes = kQuotaDefault;
  int64_t replicas = kQuotaDefault;
  int64_t volume_bytes = kQuotaDefault;
  int64_t updated_at = 0;  // 0: never set
};

struct Project {
  std::string id;  // "prj_..."
  std::string workspace_id;
  std::string name;     // DNS label, unique per workspace
  std::string network;  // podman network name of the project ("ink-<project id>")
  int64_t created_at = 0;
};

// A volume attached to a service: `volume` (its name in the service's project) is mounted at
// `mount_path` (absolute) in every replica.
struct VolumeMount {
  std::string volume;
  std::string mount_path;
  bool operator==(const VolumeMount&) const = default;
};

// The desired shape of a service's release: what a deployment runs. Environment variables are
// not part of it: they are service variables (below), stored sealed, and each deployment keeps
// a snapshot of the ones it runs with.
struct ServiceSpec {
  std::string image;         // registry reference, e.g. "127.0.0.1:5000/a/b:1"
  int port = 8080;           // container port the edge routes to
  double cpu = 0;            // CPU cores (0 = unlimited)
  int64_t memory_bytes = 0;  // memory limit (0 = unlimited)
  int replicas = 1;
  std::string runtime_class = "gvisor";  // "gvisor" (runsc) or "runc" (crun)
  std::string registry_credential_id;    // optional, "rcr_..."
  // Where the code comes from when it is built rather than pulled: JSON text owned by the build
  // module (e.g. {"kind":"git","url":...,"ref":...,"path":...}); "" for image deploys.
  std::string source;
  // Build plan overrides (JSON text owned by the build module: start/build command, root dir).
  std::string build_settings;
  // HTTP path that must answer non-5xx before a release takes traffic; "" = the default check
  // (TCP connect to the port).
  std::string health_check_path;
  // Volumes mounted into each replica. The store keeps each volume's attachment (at most one
  // service) in step with the service's spec, in the deploy's transaction.
  std::vector<VolumeMount> volumes;
  // A command (argv) run in the running replica before its volumes are snapshotted, to make
  // the data on disk consistent (PostgreSQL: CHECKPOINT); set from a template's snapshot_hook,
  // empty for none.
  std::vector<std::string> snapshot_hook;
};

struct Service {
  std::string id;  // "svc_..."
  std::string workspace_id;
  std::string project_id;
  std::string name;                  // DNS label, unique per project
  ServiceSpec spec;                  // the spec of the newest deployment (desired)
  std::string active_deployment_id;  // the deployment currently serving, "" if none yet
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// A release of a service being rolled out or having run (states: ink/common/statuses.h).
struct Deployment {
  std::string id;  // "dep_..."
  std::string workspace_id;
  std::string service_id;
  ServiceSpec spec;
  DeploymentStatus status = DeploymentStatus::kPending;
  std::string message;  // why it failed, or a short progress note
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// The hostname a service is served at belongs to it alone: "<service>-<project>" (the DNS
// label in front of the platform domain, ServiceHostLabel) is claimed when the service is
// created and released when it is deleted; no two services of any workspaces hold one label.
struct HostnameClaim {
  std::string label;  // "web-api-demo"
  std::string workspace_id;
  std::string service_id;
  std::string project_name;  // of the holder
  std::string service_name;
};

// Something that happened to a service (restart, OOM kill, image pulled, failure).
struct Event {
  int64_t id = 0;  // increasing
  std::string workspace_id;
  std::string service_id;
  std::string deployment_id;
  std::string kind;     // "restarted", "oom_killed", "crashed", "pulled", "deploy_failed", ...
  std::string message;  // never contains secret values
  int64_t created_at = 0;
};

// Persistent storage of a project: a fixed-size filesystem that survives redeploys, restarts and
// inkd restarts, attached to at most one service at a time. Only delete_volume removes it.
struct Volume {
  std::string id;  // "vol_..."
  std::string workspace_id;
  std::string project_id;
  std::string name;  // DNS-label rules, unique per project
  int64_t size_bytes = 0;
  std::string service_id;    // the service it is attached to, "" if none
  std::string service_name;  // of that service
  std::string mount_path;    // where that service sees it, "" if detached
  int64_t created_at = 0;
  int snapshot_retention = 7;     // snapshots kept (1-1000): the oldest ready ones are pruned
  std::string snapshot_schedule;  // "HH:MM" (UTC) for a daily snapshot, "" for none
};

// A point-in-time copy of a volume's image, kept on inkd's host outside the volume. It outlives
// its volume (a deleted volume's snapshots stay until delete_snapshot), so it names the volume
// as it was.
struct Snapshot {
  std::string id;  // "snap_..."
  std::string workspace_id;
  std::string project_id;
  std::string volume_id;  // the volume it was taken of (which may be gone)
  std::string volume_name;
  int64_t volume_size_bytes = 0;  // the size a restore gives the new volume
  std::string label;              // the caller's, or "scheduled"
  bool scheduled = false;         // taken by the daily schedule
  std::string status;             // "pending", "ready" or "failed"
  std::string error;              // why it failed ("" otherwise)
  int64_t size_bytes = 0;         // host disk the copy takes (sparse)
  int64_t created_at = 0;
  int64_t completed_at = 0;  // 0 while pending
};

// A domain a service is also served at (issue 13): a canonical name (CanonicalName) held by one
// service across all workspaces. "platform": under inkd's --platform-domain (Ink owns the zone,
// so it is verified at once); "custom": verified once DNS holds TXT _ink-challenge.<name> with
// `token` and the name points at Ink.
struct Domain {
  std::string name;
  std::string workspace_id;
  std::string project_id;
  std::string service_id;
  std::string kind;    // "platform" or "custom"
  std::string token;   // the ownership token the TXT record must hold
  std::string status;  // "pending_dns", "verified" or "failed"
  std::string reason;  // why it failed (or what is still missing); "" when verified
  int64_t created_at = 0;
  int64_t verified_at = 0;  // 0 until verified
};

// A sandbox: a throwaway gVisor container of a workspace for running untrusted code (an agent's
// scratch machine). It ends at its expiry (the sandbox reaper) or at delete_sandbox; an ended
// row is kept a while so a late call is told why the sandbox is gone.
struct Sandbox {
  std::string id;  // "sbx_..."
  std::string workspace_id;
  std::string image;
  double cpu = 0;            // cores
  int64_t memory_bytes = 0;  // the memory limit
  std::string network;       // "none" or "on" (its own bridge network)
  std::string container_id;  // "" until its container was created
  std::string status;        // "starting", "running", "expired", "deleted" or "failed"
  std::string end_reason;    // why it ended ("" while live)
  int64_t created_at = 0;
  int64_t expires_at = 0;  // ms since epoch; the reaper destroys it from then on
  int64_t ended_at = 0;    // 0 while live
};

// One environment variable of a service (or of a deployment's snapshot). The value is sealed
// by the caller with SecretBox (nonce || ciphertext, base64): the store never sees plaintext
// values nor the key. Names are POSIX-style (letters, digits, '_', not starting with a digit).
struct SealedVariable {
  std::string name;
  std::string sealed_value;
  int64_t updated_at = 0;  // when the service variable was last set (0 in snapshots)
};

// Credentials for a private registry. The password is stored sealed (libsodium secretbox).
struct RegistryCredential {
  std::string id;  // "rcr_..."
  std::string workspace_id;
  std::string registry;  // host[:port], e.g. "127.0.0.1:5000"
  std::string username;
  std::string sealed_password;  // secretbox(nonce || ciphertext), never returned by the API
  int64_t created_at = 0;
};

// A named object-storage destination of a workspace (issue 14): provider, bucket, prefix and
// the provider's settings in clear; its secrets (access keys, a service account's key file)
// sealed by the caller with SecretBox as one JSON object. The store never sees the plaintext.
struct ObjectStorage {
  std::string workspace_id;
  std::string name;      // a resource name, unique in the workspace
  std::string provider;  // "s3", "gcs", "azureblob"
  std::string bucket;
  std::string prefix;     // "" or "a/b"
  std::string settings;   // JSON object: endpoint, region, path_style, account (non-secret)
  std::string sealed_secrets;             // SecretBox(JSON {field: value}), never returned
  std::vector<std::string> secret_fields;  // the names of the sealed fields, sorted
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// A workspace's ssh deploy key: ssh:// and git@host:path sources are fetched with it only.
struct DeployKey {
  std::string workspace_id;
  std::string public_key;          // "ssh-ed25519 AAAA... ink-<workspace>"
  std::string fingerprint;         // "SHA256:..."
  std::string sealed_private_key;  // secretbox(OpenSSH private key), never returned by the API
  int64_t created_at = 0;
};

}  // namespace ink
