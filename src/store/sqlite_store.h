// SqliteStore: the Store on one SQLite connection. Internal to src/store/; everyone else uses
// OpenSqliteStore() from ink/store/store.h.
//
// Thread contract: every public method locks `mu_` for its whole duration, so calls from any
// thread are serialized and each multi-statement write is one transaction (BEGIN IMMEDIATE),
// which also makes it safe against another process writing the same file.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ink/common/clock.h"
#include "ink/store/store.h"
#include "sqlite.h"

namespace ink::store_internal {

// How many events AppendEvent keeps per service (the newest ones).
inline constexpr int64_t kMaxEventsPerService = 1000;

class SqliteStore final : public Store {
 public:
  SqliteStore(Connection connection, Clock& clock)
      : connection_(std::move(connection)), clock_(clock), changes_(clock) {}

  Watch& changes() override { return changes_; }

  Result<Workspace> CreateWorkspace(const std::string& name) override;
  Result<std::vector<Workspace>> ListWorkspaces() override;
  Result<ApiToken> CreateToken(ApiToken token) override;
  Result<ApiToken> FindTokenByHash(const std::string& hash) override;

  Result<Project> CreateProject(const std::string& workspace_id, const std::string& name) override;
  Result<std::vector<Project>> ListProjects(const std::string& workspace_id) override;
  Result<Project> GetProject(const std::string& workspace_id,
                             const std::string& id_or_name) override;
  Status DeleteProject(const std::string& workspace_id, const std::string& project_id) override;

  using Store::CreateOrUpdateServiceWithDeployment;
  Result<ServiceAndDeployment> CreateOrUpdateServiceWithDeployment(
      const std::string& workspace_id, const std::string& project_id, const std::string& name,
      const ServiceSpec& spec, const DeployOptions& options) override;
  Result<std::vector<Service>> ListServices(const std::string& workspace_id,
                                            const std::string& project_id) override;
  Result<HostnameClaim> FindHostnameClaim(const std::string& label) override;
  Result<std::vector<HostnameClaim>> ListHostnameClaims() override;
  Result<std::vector<Service>> ListAllServices() override;
  Result<Service> GetService(const std::string& workspace_id, const std::string& project_id,
                             const std::string& id_or_name) override;
  Result<Service> GetServiceById(const std::string& service_id) override;
  Status DeleteService(const std::string& workspace_id, const std::string& service_id) override;

  Result<Deployment> GetDeployment(const std::string& workspace_id,
                                   const std::string& deployment_id) override;
  Result<std::vector<Deployment>> ListDeployments(const std::string& workspace_id,
                                                  const std::string& service_id) override;
  Result<std::vector<Deployment>> ListUnfinishedDeployments() override;
  Status SetDeploymentImage(const std::string& deployment_id, const std::string& image,
                            int port) override;
  Status UpdateDeploymentStatus(const std::string& deployment_id, DeploymentStatus status,
                                const std::string& message) override;
  Status ActivateDeployment(const std::string& service_id,
                            const std::string& deployment_id) override;

  Result<std::vector<SealedVariable>> ListServiceVariables(const std::string& workspace_id,
                                                           const std::string& service_id) override;
  Result<VariableChangeResult> ChangeServiceVariables(const std::string& workspace_id,
                                                      const std::string& service_id,
                                                      const VariableChange& change) override;
  Result<std::vector<SealedVariable>> ListProjectVariables(const std::string& workspace_id,
                                                           const std::string& project_id) override;
  Result<VariableChangeResult> ChangeProjectVariables(const std::string& workspace_id,
                                                      const std::string& project_id,
                                                      const VariableChange& change) override;
  Result<std::vector<SealedVariable>> ListDeploymentVariables(
      const std::string& deployment_id) override;
  Status SealPlaintextEnv(const std::function<std::string(std::string_view)>& seal) override;

  Result<Volume> CreateVolume(const std::string& workspace_id, const std::string& project_id,
                              const std::string& name, int64_t size_bytes) override;
  Result<std::vector<Volume>> ListVolumes(const std::string& workspace_id,
                                          const std::string& project_id) override;
  Result<std::vector<Volume>> ListAllVolumes() override;
  Result<Volume> GetVolume(const std::string& workspace_id, const std::string& project_id,
                           const std::string& id_or_name) override;
  Status DeleteVolume(const std::string& workspace_id, const std::string& volume_id) override;
  Status SetVolumeSnapshotPolicy(const std::string& workspace_id, const std::string& volume_id,
                                 int retention, const std::string& schedule) override;
  Result<Snapshot> CreateSnapshot(Snapshot snapshot) override;
  Status FinishSnapshot(const std::string& snapshot_id, bool ok, const std::string& error,
                        int64_t size_bytes) override;
  Result<std::vector<Snapshot>> ListSnapshots(const std::string& workspace_id,
                                              const std::string& project_id,
                                              const std::string& volume_id) override;
  Result<Snapshot> GetSnapshot(const std::string& workspace_id, const std::string& project_id,
                               const std::string& snapshot_id) override;
  Status DeleteSnapshot(const std::string& workspace_id, const std::string& snapshot_id) override;
  Result<int> FailPendingSnapshots(const std::string& why) override;

  Result<Domain> CreateDomain(Domain domain) override;
  Result<Domain> GetDomain(const std::string& workspace_id, const std::string& name) override;
  Result<std::vector<Domain>> ListDomains(const std::string& workspace_id,
                                          const std::string& project_id,
                                          const std::string& service_id) override;
  Result<std::vector<Domain>> ListVerifiedDomains() override;
  Result<Domain> SetDomainStatus(const std::string& workspace_id, const std::string& name,
                                 const std::string& status, const std::string& reason) override;
  Status DeleteDomain(const std::string& workspace_id, const std::string& name) override;

  Result<WorkspaceQuota> GetWorkspaceQuota(const std::string& workspace_id) override;
  Result<WorkspaceQuota> SetWorkspaceQuota(const std::string& workspace_id,
                                           WorkspaceQuota quota) override;
  Result<Sandbox> CreateSandbox(Sandbox sandbox) override;
  Result<Sandbox> GetSandbox(const std::string& workspace_id, const std::string& id) override;
  Result<std::vector<Sandbox>> ListSandboxes(const std::string& workspace_id) override;
  Status MarkSandboxRunning(const std::string& id, const std::string& container_id) override;
  Status SetSandboxExpiry(const std::string& workspace_id, const std::string& id,
                          int64_t expires_at) override;
  Result<bool> EndSandbox(const std::string& id, const std::string& status,
                          const std::string& reason) override;
  Result<int> PurgeEndedSandboxes(int64_t before_ms) override;

  Result<Event> AppendEvent(Event event) override;
  Result<std::vector<Event>> ListEvents(const std::string& workspace_id,
                                        const std::string& service_id, int limit) override;

  Result<RegistryCredential> PutRegistryCredential(RegistryCredential credential) override;
  Result<std::vector<RegistryCredential>> ListRegistryCredentials(
      const std::string& workspace_id) override;
  Result<RegistryCredential> FindRegistryCredential(const std::string& workspace_id,
                                                    const std::string& registry) override;
  Status DeleteRegistryCredential(const std::string& workspace_id,
                                  const std::string& registry) override;

  Result<bool> RecordWebhookDelivery(const std::string& service_id, const std::string& key,
                                     std::chrono::milliseconds keep_for, int64_t max_kept) override;
  Status ForgetWebhookDelivery(const std::string& service_id, const std::string& key) override;
  Result<ObjectStorage> PutObjectStorage(ObjectStorage storage) override;
  Result<std::vector<ObjectStorage>> ListObjectStorages(const std::string& workspace_id) override;
  Result<ObjectStorage> GetObjectStorage(const std::string& workspace_id,
                                         const std::string& name) override;
  Status DeleteObjectStorage(const std::string& workspace_id, const std::string& name) override;
  Result<DeployKey> PutDeployKey(DeployKey key) override;
  Result<DeployKey> GetDeployKey(const std::string& workspace_id) override;
  Status DeleteDeployKey(const std::string& workspace_id) override;

 private:
  // Helpers below expect the caller to hold mu_.
  Result<Statement> Prepare(std::string_view sql, std::string_view what);
  Status RequireWorkspace(const std::string& workspace_id, std::string_view what);
  Status RequireProject(const std::string& workspace_id, const std::string& project_id,
                        std::string_view what);
  Status RequireService(const std::string& workspace_id, const std::string& service_id,
                        std::string_view what);
  // CreateOrUpdateServiceWithDeployment inside the caller's transaction.
  Result<ServiceAndDeployment> DeployLocked(const std::string& workspace_id,
                                            const std::string& project_id, const std::string& name,
                                            const ServiceSpec& spec, const DeployOptions& options);
  // Attaches the volumes `service.spec` names to it and detaches its others (sqlite_store_volumes).
  Status AttachVolumesLocked(const Service& service);
  // Makes `service` hold its hostname label (AlreadyExists naming the holder if another does).
  Status ClaimHostnameLocked(const Service& service);
  // Where a set of variables lives: a service's (service_variables) or a project's shared ones
  // (project_variables), owned by the row `owner_id`.
  struct VariableTable {
    const char* table;
    const char* owner_column;
    const char* owner_kind;  // "service" or "project", for messages
  };
  static const VariableTable kServiceVariables;
  static const VariableTable kProjectVariables;
  // Notifies the waiters of the deployments a variable change made (after its commit).
  void NotifyDeploymentsLocked(const VariableChangeResult& result);
  // Applies the set/unset of `change` to `owner_id`'s variables (updated_at = `now`), checks
  // the count, then rolls out change.redeploy_referencing; inside the caller's transaction.
  Result<std::vector<Deployment>> ChangeVariablesLocked(const VariableTable& where,
                                                        const std::string& workspace_id,
                                                        const std::string& project_id,
                                                        const std::string& owner_id,
                                                        const VariableChange& change, int64_t now);
  // Upserts `variables` into the owner's variables (sets their updated_at to `now`).
  Status UpsertVariablesLocked(const VariableTable& where, const std::string& workspace_id,
                               const std::string& owner_id,
                               const std::vector<SealedVariable>& variables, int64_t now);
  // InvalidArgument if the owner has more than kMaxVariablesPerService variables.
  Status CheckVariableCountLocked(const VariableTable& where, const std::string& owner_id);
  // Records the variables deployment `deployment_id` runs with: a copy of the service's, or of
  // deployment `from_deployment`'s snapshot when that is not "".
  Status SnapshotVariablesLocked(const std::string& workspace_id, const std::string& service_id,
                                 const std::string& deployment_id,
                                 const std::string& from_deployment);
  // Runs a service query whose statement is already bound; NotFound with `not_found` if no row.
  Result<Service> ReadOneService(Statement& query, const std::string& not_found);

  // Notifies a deployment's waiters and its service's (the service is looked up).
  void NotifyDeploymentLocked(const std::string& deployment_id);

  std::mutex mu_;
  Connection connection_;  // guarded by mu_: the connection, its statements and transactions
  Clock& clock_;
  Watch changes_;  // notified under mu_ after a write succeeded (waiters then read through mu_)
};

}  // namespace ink::store_internal
