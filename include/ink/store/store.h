// Store: Ink's durable desired and observed state.
//
// The embedded implementation is SQLite (WAL, synchronous=FULL, versioned schema migrations
// applied at open). Every read and write of tenant data takes a workspace id and never touches
// another workspace's rows. Writes that must happen together (a service and its first
// deployment) are one transaction. Thread-safe: callers on any thread (API threads, controller).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/clock.h"
#include "ink/common/result.h"
#include "ink/common/watch.h"
#include "ink/store/model.h"

namespace ink {

class Store {
 public:
  virtual ~Store() = default;

  // Notified after every committed write of a deployment (DeploymentKey: its status, message,
  // image, activation, supersession, deletion) or of a service (ServiceKey: deploys, variable
  // changes that redeploy, activations, events, deletion). Waiters (get_deployment's wait, the
  // CLI's, MCP progress) subscribe here instead of polling.
  virtual Watch& changes() = 0;

  // Workspaces and tokens. Workspace names are unique (AlreadyExists on a duplicate).
  virtual Result<Workspace> CreateWorkspace(const std::string& name) = 0;
  // Oldest first.
  virtual Result<std::vector<Workspace>> ListWorkspaces() = 0;
  // Stores a token row (hash only). `token.id` and `created_at` are filled in. NotFound if the
  // workspace does not exist; AlreadyExists if the hash is already stored.
  virtual Result<ApiToken> CreateToken(ApiToken token) = 0;
  // Finds a token by the SHA-256 hex of its secret; NotFound if none.
  virtual Result<ApiToken> FindTokenByHash(const std::string& hash) = 0;
  // A workspace's own quota caps (every field kQuotaDefault when never set); NotFound for an
  // unknown workspace. SetWorkspaceQuota replaces them (updated_at is filled in).
  virtual Result<WorkspaceQuota> GetWorkspaceQuota(const std::string& workspace_id) = 0;
  virtual Result<WorkspaceQuota> SetWorkspaceQuota(const std::string& workspace_id,
                                                   WorkspaceQuota quota) = 0;

  // Projects. CreateProject fails with AlreadyExists on a duplicate name in the workspace.
  // Names are stored as given: callers validate them (ValidateName).
  virtual Result<Project> CreateProject(const std::string& workspace_id,
                                        const std::string& name) = 0;
  // Ordered by name.
  virtual Result<std::vector<Project>> ListProjects(const std::string& workspace_id) = 0;
  // Looks a project up by id or by name within the workspace (an id match wins). NotFound for
  // another workspace's project, as for every lookup below that takes a workspace id.
  virtual Result<Project> GetProject(const std::string& workspace_id,
                                     const std::string& id_or_name) = 0;
  // Deletes a project by id; FailedPrecondition while it still has services.
  virtual Status DeleteProject(const std::string& workspace_id, const std::string& project_id) = 0;

  // Services and deployments. CreateOrUpdateServiceWithDeployment upserts the service by
  // (project, name) with `spec` and inserts a new pending deployment of it, in one transaction.
  // `project_id` is an id (not a name); NotFound if it is not in the workspace. InvalidArgument
  // if the spec cannot be stored exactly (text that is not UTF-8, cpu not finite).
  struct ServiceAndDeployment {
    Service service;
    Deployment deployment;
    bool created = false;  // true if the service did not exist before
  };
  // What else a deployment does in its transaction. Every new deployment snapshots the
  // service's variables (after `set_variables` are applied), or, when
  // `variables_from_deployment` names an earlier deployment of the service (a rollback), copies
  // that deployment's snapshot instead; the snapshot never changes afterwards.
  struct DeployOptions {
    std::vector<SealedVariable> set_variables;  // upserted into the service's variables first
    std::string variables_from_deployment;      // "dep_..." or ""
  };
  virtual Result<ServiceAndDeployment> CreateOrUpdateServiceWithDeployment(
      const std::string& workspace_id, const std::string& project_id, const std::string& name,
      const ServiceSpec& spec, const DeployOptions& options) = 0;
  Result<ServiceAndDeployment> CreateOrUpdateServiceWithDeployment(const std::string& workspace_id,
                                                                   const std::string& project_id,
                                                                   const std::string& name,
                                                                   const ServiceSpec& spec) {
    return CreateOrUpdateServiceWithDeployment(workspace_id, project_id, name, spec, {});
  }
  // Hostnames: a deploy that creates a service claims ServiceHostLabel(service, project) in the
  // same transaction and fails with AlreadyExists (naming the holder only if it is in the same
  // workspace) when another service holds it; DeleteService releases it. A service created by
  // an Ink without claims whose label another service took first holds none: its next deploy
  // fails the same way. Not scoped to a workspace: callers decide what to reveal.
  //
  // The holder of `label`; NotFound if nobody holds it.
  virtual Result<HostnameClaim> FindHostnameClaim(const std::string& label) = 0;
  // Every claim, ordered by label (the controller routes only services that hold theirs).
  virtual Result<std::vector<HostnameClaim>> ListHostnameClaims() = 0;

  // Domains (sqlite_store_domains.cc). CreateDomain fails with AlreadyExists when anyone holds
  // the name (never saying who); created_at is filled in. GetDomain/ListDomains are scoped to
  // the workspace (`service_id` "" = every service of the project); SetDomainStatus sets status
  // and reason (verified_at when verified). DeleteService removes its service's domains.
  virtual Result<Domain> CreateDomain(Domain domain) = 0;
  virtual Result<Domain> GetDomain(const std::string& workspace_id, const std::string& name) = 0;
  virtual Result<std::vector<Domain>> ListDomains(const std::string& workspace_id,
                                                  const std::string& project_id,
                                                  const std::string& service_id) = 0;
  // Every verified domain of every workspace, ordered by name (the controller's routes).
  virtual Result<std::vector<Domain>> ListVerifiedDomains() = 0;
  virtual Result<Domain> SetDomainStatus(const std::string& workspace_id, const std::string& name,
                                         const std::string& status, const std::string& reason) = 0;
  virtual Status DeleteDomain(const std::string& workspace_id, const std::string& name) = 0;

  // Ordered by name; NotFound if the project is not in the workspace.
  virtual Result<std::vector<Service>> ListServices(const std::string& workspace_id,
                                                    const std::string& project_id) = 0;
  // Every service of every workspace (the controller's view), oldest first.
  virtual Result<std::vector<Service>> ListAllServices() = 0;
  // Looks a service up by id or by name within the project (an id match wins).
  virtual Result<Service> GetService(const std::string& workspace_id, const std::string& project_id,
                                     const std::string& id_or_name) = 0;
  // Service by id alone (controller use; not for API handlers, which must scope by workspace).
  virtual Result<Service> GetServiceById(const std::string& service_id) = 0;
  // Deletes a service, its deployments and events.
  virtual Status DeleteService(const std::string& workspace_id, const std::string& service_id) = 0;

  virtual Result<Deployment> GetDeployment(const std::string& workspace_id,
                                           const std::string& deployment_id) = 0;
  // Newest first.
  virtual Result<std::vector<Deployment>> ListDeployments(const std::string& workspace_id,
                                                          const std::string& service_id) = 0;
  // Deployments in flight (pending, building, deploying) across all workspaces, oldest first.
  virtual Result<std::vector<Deployment>> ListUnfinishedDeployments() = 0;
  // Sets a deployment's status and message (and updated_at).
  virtual Status UpdateDeploymentStatus(const std::string& deployment_id, DeploymentStatus status,
                                        const std::string& message) = 0;
  // Records the image a build produced for a deployment (its spec's `image`).
  // `port` > 0 also replaces the spec's port (the build's plan knows where the app listens).
  virtual Status SetDeploymentImage(const std::string& deployment_id, const std::string& image,
                                    int port = 0) = 0;
  // Marks `deployment_id` active and the service's previous active deployment superseded, and
  // points the service at it, in one transaction. InvalidArgument if the deployment belongs to
  // another service.
  virtual Status ActivateDeployment(const std::string& service_id,
                                    const std::string& deployment_id) = 0;

  // Service variables (environment). Values go in and come out sealed (SealedVariable); the
  // store never holds the key. At most kMaxVariablesPerService per service (and per project's
  // shared variables): a change that would
  // exceed it fails with InvalidArgument and changes nothing.
  //
  // The service's variables, ordered by name.
  virtual Result<std::vector<SealedVariable>> ListServiceVariables(
      const std::string& workspace_id, const std::string& service_id) = 0;
  struct VariableChange {
    std::vector<SealedVariable> set;  // upserted; updated_at is filled in
    std::vector<std::string> unset;   // each must be set (NotFound naming it otherwise)
    // If set: also a new pending deployment of this spec (the service's spec is updated to
    // it), which snapshots the variables as changed. Not allowed for project variables.
    std::optional<ServiceSpec> redeploy;
    // Also a new pending deployment of each of these services (id -> spec) of the same project:
    // the services whose values reference a changed variable (ServicesReferencing).
    std::map<std::string, ServiceSpec> redeploy_referencing;
  };
  struct VariableChangeResult {
    std::optional<Deployment> deployment;  // of the changed service (change.redeploy)
    std::vector<Deployment> referencing;   // one per change.redeploy_referencing entry
  };
  // Applies `change` in one transaction: every write and deployment, or nothing.
  virtual Result<VariableChangeResult> ChangeServiceVariables(const std::string& workspace_id,
                                                              const std::string& service_id,
                                                              const VariableChange& change) = 0;
  // The project's shared variables (`${{shared.NAME}}`), ordered by name; the same bounds as a
  // service's. NotFound if the project is not in the workspace.
  virtual Result<std::vector<SealedVariable>> ListProjectVariables(
      const std::string& workspace_id, const std::string& project_id) = 0;
  // Like ChangeServiceVariables for the project's shared variables (change.redeploy must be
  // unset: shared variables belong to no service).
  virtual Result<VariableChangeResult> ChangeProjectVariables(const std::string& workspace_id,
                                                              const std::string& project_id,
                                                              const VariableChange& change) = 0;
  // The variables deployment `deployment_id` runs with (its snapshot), ordered by name
  // (controller use: not scoped to a workspace).
  virtual Result<std::vector<SealedVariable>> ListDeploymentVariables(
      const std::string& deployment_id) = 0;

  // One-time conversion of databases written before variables were sealed: moves any "env"
  // map left in stored specs (services and deployments) into the service variables and the
  // deployments' snapshots, sealed with `seal`, and removes it from the specs, in one
  // transaction. inkd calls it at start; a no-op when there is nothing to convert.
  virtual Status SealPlaintextEnv(const std::function<std::string(std::string_view)>& seal) = 0;

  // Volumes. A deploy (CreateOrUpdateServiceWithDeployment) attaches the volumes its spec names
  // to the service and detaches the service's others, in its transaction: NotFound naming a
  // volume the project does not have, FailedPrecondition naming the service that holds a volume
  // already, InvalidArgument for two volumes at one path. DeleteService detaches its volumes.
  //
  // Records a new volume (`id`, `created_at` filled in); AlreadyExists if the project has one
  // of that name, NotFound if the project is not in the workspace. Names are stored as given.
  virtual Result<Volume> CreateVolume(const std::string& workspace_id,
                                      const std::string& project_id, const std::string& name,
                                      int64_t size_bytes) = 0;
  // The project's volumes, ordered by name.
  virtual Result<std::vector<Volume>> ListVolumes(const std::string& workspace_id,
                                                  const std::string& project_id) = 0;
  // Every volume of every workspace (inkd mounts them at start), oldest first.
  virtual Result<std::vector<Volume>> ListAllVolumes() = 0;
  // By id or by name within the project (an id match wins).
  virtual Result<Volume> GetVolume(const std::string& workspace_id, const std::string& project_id,
                                   const std::string& id_or_name) = 0;
  // Forgets a volume; FailedPrecondition (saying how to detach it) while it is attached.
  virtual Status DeleteVolume(const std::string& workspace_id, const std::string& volume_id) = 0;
  // Sets a volume's snapshot retention (1-1000) and daily schedule ("HH:MM" or ""); the caller
  // has checked them (the schema refuses a retention out of range).
  virtual Status SetVolumeSnapshotPolicy(const std::string& workspace_id,
                                         const std::string& volume_id, int retention,
                                         const std::string& schedule) = 0;

  // Snapshots. CreateSnapshot records a pending one (`id` filled in, `created_at` if it is 0,
  // status "pending"); FinishSnapshot makes it "ready" (size_bytes) or "failed" (error). They
  // outlive their volume; a project with snapshots is not deleted.
  virtual Result<Snapshot> CreateSnapshot(Snapshot snapshot) = 0;
  virtual Status FinishSnapshot(const std::string& snapshot_id, bool ok, const std::string& error,
                                int64_t size_bytes) = 0;
  // The project's snapshots, newest first; of one volume (by id) if `volume_id` is not "".
  virtual Result<std::vector<Snapshot>> ListSnapshots(const std::string& workspace_id,
                                                      const std::string& project_id,
                                                      const std::string& volume_id) = 0;
  virtual Result<Snapshot> GetSnapshot(const std::string& workspace_id,
                                       const std::string& project_id,
                                       const std::string& snapshot_id) = 0;
  virtual Status DeleteSnapshot(const std::string& workspace_id,
                                const std::string& snapshot_id) = 0;
  // Marks every pending snapshot failed with `why` (inkd at start: a copy cut off by a crash is
  // not a snapshot); returns how many.
  virtual Result<int> FailPendingSnapshots(const std::string& why) = 0;

  // Sandboxes (scoped to a workspace). A live one is "starting" or "running"; EndSandbox moves
  // it to an ended status once (the caller that gets true destroys its container).
  // CreateSandbox fills in `id` and `created_at`, status "starting"; NotFound for an unknown
  // workspace.
  virtual Result<Sandbox> CreateSandbox(Sandbox sandbox) = 0;
  // Any status; NotFound saying how to list them.
  virtual Result<Sandbox> GetSandbox(const std::string& workspace_id, const std::string& id) = 0;
  // The workspace's live sandboxes (every workspace's if `workspace_id` is ""), oldest first.
  virtual Result<std::vector<Sandbox>> ListSandboxes(const std::string& workspace_id) = 0;
  // "starting" -> "running" with its container.
  virtual Status MarkSandboxRunning(const std::string& id, const std::string& container_id) = 0;
  // Sets a live sandbox's expiry; FailedPrecondition if it has ended.
  virtual Status SetSandboxExpiry(const std::string& workspace_id, const std::string& id,
                                  int64_t expires_at) = 0;
  // Ends a live sandbox with `status` ("expired", "deleted", "failed") and `reason`: true if this
  // call ended it, false if it had ended already.
  virtual Result<bool> EndSandbox(const std::string& id, const std::string& status,
                                  const std::string& reason) = 0;
  // Forgets sandboxes that ended before `before_ms`; returns how many.
  virtual Result<int> PurgeEndedSandboxes(int64_t before_ms) = 0;

  // Events (bounded: keeps the newest 1,000 per service). AppendEvent fills in `id`, and
  // `created_at` if it is 0. NotFound if the service is not in `event.workspace_id`.
  virtual Result<Event> AppendEvent(Event event) = 0;
  // The newest `limit` events (all kept ones if limit <= 0), returned oldest first.
  virtual Result<std::vector<Event>> ListEvents(const std::string& workspace_id,
                                                const std::string& service_id, int limit) = 0;

  // Registry credentials, unique per (workspace, registry): a second Put replaces the first and
  // keeps its id (so specs referring to it stay valid); `id` and `created_at` are filled in.
  virtual Result<RegistryCredential> PutRegistryCredential(RegistryCredential credential) = 0;
  // Ordered by registry.
  virtual Result<std::vector<RegistryCredential>> ListRegistryCredentials(
      const std::string& workspace_id) = 0;
  virtual Result<RegistryCredential> FindRegistryCredential(const std::string& workspace_id,
                                                            const std::string& registry) = 0;
  virtual Status DeleteRegistryCredential(const std::string& workspace_id,
                                          const std::string& registry) = 0;

  // Webhook deliveries (replay protection). Records `key` (a delivery id) for `service_id` and
  // returns true, or returns false when the service saw the same key within `keep_for` (a
  // replay). Keys older than `keep_for` are dropped, and a service keeps at most `max_kept`
  // (the newest; callers pass kMaxWebhookDeliveriesPerService).
  virtual Result<bool> RecordWebhookDelivery(const std::string& service_id, const std::string& key,
                                             std::chrono::milliseconds keep_for,
                                             int64_t max_kept) = 0;
  // Forgets a recorded key (the delivery was refused after all, so a retry may come again).
  virtual Status ForgetWebhookDelivery(const std::string& service_id, const std::string& key) = 0;

  // Object-storage destinations, unique per (workspace, name). Put inserts or replaces one
  // (created_at kept on replace, updated_at set); NotFound for an unknown workspace. List is
  // ordered by name; Get and Delete are NotFound for a name the workspace does not have.
  virtual Result<ObjectStorage> PutObjectStorage(ObjectStorage storage) = 0;
  virtual Result<std::vector<ObjectStorage>> ListObjectStorages(
      const std::string& workspace_id) = 0;
  virtual Result<ObjectStorage> GetObjectStorage(const std::string& workspace_id,
                                                 const std::string& name) = 0;
  virtual Status DeleteObjectStorage(const std::string& workspace_id, const std::string& name) = 0;

  // The workspace's ssh deploy key: Put replaces any previous one (`created_at` is filled in);
  // Get is NotFound when there is none.
  virtual Result<DeployKey> PutDeployKey(DeployKey key) = 0;
  virtual Result<DeployKey> GetDeployKey(const std::string& workspace_id) = 0;
  virtual Status DeleteDeployKey(const std::string& workspace_id) = 0;
};

// How many webhook delivery ids a service keeps (RecordWebhookDelivery).
inline constexpr int64_t kMaxWebhookDeliveriesPerService = 10000;

// Bounds on service variables, enforced by the store (count) and the API (sizes).
inline constexpr size_t kMaxVariablesPerService = 256;
inline constexpr size_t kMaxVariableValueBytes = 64 * 1024;
inline constexpr size_t kMaxVariableNameBytes = 256;

// Opens (creating if needed, mode 0600) the SQLite database at `path` and applies pending
// migrations. FailedPrecondition if the database was written by a newer Ink (its schema version
// is above what this binary knows). ":memory:" gives a private in-memory database (tests).
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, Clock& clock);

}  // namespace ink
