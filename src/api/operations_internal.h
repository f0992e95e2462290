// Shared pieces of the operation handlers (not a public interface).
#pragma once

#include <ios>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ink/api/operations.h"
#include "ink/catalog/catalog.h"
#include "ink/storage/storage_config.h"

namespace ink::api_internal {

Json ProjectJson(const Project& p);
std::string ServiceUrl(const OperationDeps& deps, const std::string& service,
                       const std::string& project);
Json ServiceJson(const OperationDeps& deps, const Service& s, const std::string& project_name,
                 bool details);
Json DeploymentJson(const Deployment& d);
// An event as get_service and list_events show it: kind, message, deployment_id, created_at.
Json EventJson(const Event& e);
// Appends an event to service `service_id`'s journal (best effort: a failed write is not the
// operation's failure).
void JournalEvent(OperationDeps& deps, const std::string& workspace_id,
                  const std::string& service_id, const std::string& kind,
                  const std::string& message);

// Resolves {project} / {service} from input, scoped to the caller's workspace, with errors
// that say how to find the right name.
Result<Project> FindProject(OperationDeps& deps, const Caller& caller, const Json& input);
Result<Service> FindService(OperationDeps& deps, const Caller& caller, const Project& project,
                            const Json& input);

// Service variables (operations_env.cc). ParseEnvObject checks an input object {NAME: value}
// (names, string values, sizes) with errors that never quote a value; SealDeployEnv does that
// for deploy's input.env (absent = none) of `service` (which may not exist yet), checks that
// its references resolve as set_env does, and seals each value; VariableNames lists a
// service's variable names.
Result<std::map<std::string, std::string>> ParseEnvObject(const Json& object,
                                                          const std::string& field);
Result<std::vector<SealedVariable>> SealDeployEnv(OperationDeps& deps, const Project& project,
                                                  const std::string& service, const Json& input);
Json VariableNames(const OperationDeps& deps, const Service& service);
// For a deploy of an existing `service` whose input.env changes a stored value: the other
// services whose resolved variables use it (as set_env finds them), computed before the deploy;
// RedeployReferencing rolls each running one out again after it (their new deployments resolve
// the new values) and answers [{service, deployment}].
Result<std::set<std::string>> DeployEnvReferencing(OperationDeps& deps, const Project& project,
                                                   const Service& service, const Json& input);
Json RedeployReferencing(OperationDeps& deps, const Caller& caller, const Project& project,
                         const std::string& service, const std::set<std::string>& referencing);

void RegisterEnvOperations(OperationTable& table, OperationDeps& deps);
void RegisterLogOperations(OperationTable& table, OperationDeps& deps);
void RegisterEventOperations(OperationTable& table, OperationDeps& deps);
// Restarts and OOM kills the journal recorded for `s` after `since_ms` (get_metrics, get_cost).
struct EventCounts {
  int64_t restarts = 0, oom_kills = 0;
};
Result<EventCounts> CountEvents(OperationDeps& deps, const Caller& c, const Service& s,
                                int64_t since_ms);
// get_metrics (operations_metrics.cc).
void RegisterMetricsOperations(OperationTable& table, OperationDeps& deps);
// get_cost (operations_cost.cc).
void RegisterCostOperations(OperationTable& table, OperationDeps& deps);
void RegisterAdminOperations(OperationTable& table, OperationDeps& deps);
// Quotas (operations_quota.cc): get/set_workspace_quota, and the admission checks. Each Admit*
// refuses (FailedPrecondition, saying what is in use) a change that would take the caller's
// workspace past a cap, else answers the workspace's admission lock: hold it until the row
// that reserves the capacity is written, then let it go. AdmitServiceSpec: service `service`
// of `project` will run `spec` (replacing what it reserved); `what` is "deploy", "scale"...
using QuotaAdmission = std::unique_lock<std::mutex>;
void RegisterQuotaOperations(OperationTable& table, OperationDeps& deps);
Result<QuotaAdmission> AdmitServiceSpec(OperationDeps& deps, const Caller& caller,
                                        const Project& project, const std::string& service,
                                        const ServiceSpec& spec, const std::string& what);
Result<QuotaAdmission> AdmitVolumeBytes(OperationDeps& deps, const Caller& caller,
                                        const Project& project, const std::string& volume,
                                        int64_t size_bytes);
Result<QuotaAdmission> AdmitSandbox(OperationDeps& deps, const Caller& caller, double cpu,
                                    int64_t memory_bytes);
// A `memory` input (a size string or a byte count) in bytes, parsed by ParseMemoryLimit; "0"
// or 0 is 0 (inkd's default limit).
Result<int64_t> MemoryInput(const Json& memory);
// "" or an absolute HTTP path without spaces, at most 256 characters.
Status ValidateHealthPath(const std::string& path);
void RegisterLifecycleOperations(OperationTable& table, OperationDeps& deps);

// Builds from source (operations_build.cc). DeploySource fills spec.image, or spec.source and
// spec.build_settings, from deploy's input (exactly one of image, git, archive_id), checked.
Status DeploySource(OperationDeps& deps, const Caller& caller, const Json& input,
                    ServiceSpec& spec);
void RegisterBuildOperations(OperationTable& table, OperationDeps& deps);
// The workspace's ssh deploy key (operations_sources.cc).
void RegisterSourceOperations(OperationTable& table, OperationDeps& deps);
// One-off commands in a running replica (operations_exec.cc). RunningReplica finds a running
// container of the service's active deployment: replica `wanted`, or the lowest running one
// when wanted < 0 (FailedPrecondition when none runs).
struct Target {
  std::string container_id;
  int replica = 0;
};
Result<Target> RunningReplica(OperationDeps& deps, const Caller& caller, const Service& service,
                              int wanted);
void RegisterExecOperations(OperationTable& table, OperationDeps& deps);
// The exec core shared by exec and sandbox_exec: input.command, stdin and timeout checked into
// a request (env and working_dir are the caller's), and a result's answer.
Result<std::vector<std::string>> CommandInput(const Json& in);
Result<ExecRequest> ExecRequestInput(const Json& in);
Json ExecResultJson(const ExecResult& ran);
// Sandboxes (operations_sandboxes.cc).
void RegisterSandboxOperations(OperationTable& table, OperationDeps& deps);
// Domains (operations_domains.cc): add_domain, list_domains, verify_domain, remove_domain.
void RegisterDomainOperations(OperationTable& table, OperationDeps& deps);
// Templates (operations_templates.cc): list_templates, deploy_template.
void RegisterTemplateOperations(OperationTable& table, OperationDeps& deps);

// The one deploy path (operations.cc): `deploy`'s handler for its input (project, service, a
// source, port, env, resources, health check), and the `wait` input of an operation that
// starts a deployment (answering {deployment, service, ...}).
Result<Json> DeployService(OperationDeps& deps, const Caller& caller, const Json& input);
Operation WithWaitForDeployment(OperationDeps& deps, Operation op);

// Volumes (operations_volumes.cc), for deploy, update_service and templates.
// NormalizeMountPath: an absolute path without '..', not '/' nor under /proc, /sys, /dev, /etc,
// returned without '.', repeated or trailing '/'. ParseVolumeMounts checks a `volumes` input
// ([{volume, mount_path}]) of service `service` in `project`: names, paths, each volume once
// and at its own path, each one of this project and attached to no other service.
// ApplyVolumesInput sets spec.volumes from input["volumes"] when given, then checks
// CheckVolumeReplicas (a spec with volumes runs one replica). CreateVolume records a volume and
// makes its filesystem (both or neither).
Result<std::string> NormalizeMountPath(const std::string& path);
Result<std::vector<VolumeMount>> ParseVolumeMounts(OperationDeps& deps, const Caller& caller,
                                                   const Project& project,
                                                   const std::string& service, const Json& volumes);
Status CheckVolumeReplicas(const ServiceSpec& spec);
Status ApplyVolumesInput(OperationDeps& deps, const Caller& caller, const Project& project,
                         const std::string& service, const Json& input, ServiceSpec& spec);
Result<Volume> CreateVolume(OperationDeps& deps, const Caller& caller, const Project& project,
                            const std::string& name, int64_t size_bytes);
// DeleteVolumeData removes a detached volume's filesystem, then its row (delete_volume and
// delete_service {delete_volumes}); FailedPrecondition while a process still uses it.
Status DeleteVolumeData(OperationDeps& deps, const Caller& caller, const Volume& volume);
// DeleteService deletes service `s` of `project`; with `delete_volumes`, also the volumes
// attached to it (its containers are removed first, so nothing holds them). Answers
// {deleted, volumes_deleted:[names], volumes_kept:[{name, reason}]}.
Result<Json> DeleteService(OperationDeps& deps, const Caller& caller, const Project& project,
                           const Service& s, bool delete_volumes);
void RegisterVolumeOperations(OperationTable& table, OperationDeps& deps);
// Snapshots (operations_snapshots.cc): snapshot_volume, list_snapshots, restore_volume,
// delete_snapshot, update_volume. VolumeJson is list_volumes' view of a volume.
void RegisterSnapshotOperations(OperationTable& table, OperationDeps& deps);
Json VolumeJson(const Volume& v, const std::optional<VolumeUsage>& usage);
// FailedPrecondition when this inkd keeps no volumes (deps.volumes is null).
Status NeedVolumeHost(const OperationDeps& deps);
// A snapshot of `v` as snapshot_volume takes it (hook, freeze, copy), without pruning: what
// backup_volume uploads, then deletes.
Result<Snapshot> TakeSnapshotForBackup(OperationDeps& deps, const Volume& v,
                                       const std::string& label);
// Volume backups to object storage (operations_backups.cc): backup_volume, list_backups,
// restore_backup.
void RegisterBackupOperations(OperationTable& table, OperationDeps& deps);

// Object-storage destinations (operations_storage.cc): set/list/delete_storage. OpenStorage
// answers destination `name` of the caller's workspace with its secrets opened (in memory only),
// NotFound when the workspace has none of that name.
void RegisterStorageOperations(OperationTable& table, OperationDeps& deps);
Result<storage::StorageConfig> OpenStorage(OperationDeps& deps, const Caller& caller,
                                           const std::string& name);

// Build logs (operations_build.cc), shared by get_build_logs and get_logs {build: true}.
// FindDeployment resolves input.deployment in the caller's workspace; CheckHasBuildLog says
// why a deployment has no log (deployed from an image, or pruned); StillBuilding is true while
// more lines may come; StreamBuildLog sends the last `tail` lines, then new ones until the
// build ends. LastLines reads the last `tail` complete lines of a file (`end` = their end).
Result<Deployment> FindDeployment(OperationDeps& deps, const Caller& caller, const Json& in);
Status CheckHasBuildLog(OperationDeps& deps, const Deployment& d);
bool StillBuilding(OperationDeps& deps, const Caller& caller, const std::string& id);
Status StreamBuildLog(OperationDeps& deps, const Caller& caller, const Deployment& d, int tail,
                      const StreamSink& sink);
std::vector<std::string> LastLines(const std::string& path, int tail, std::streamoff& end);

}  // namespace ink::api_internal
