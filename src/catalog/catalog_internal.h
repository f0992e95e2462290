// Schema helpers shared by the catalog's files (not a public interface).
#pragma once

#include <string>
#include <vector>

#include "ink/catalog/catalog.h"

namespace ink::catalog_internal {

// JSON Schema helpers for flat input objects.
Json ObjectSchema(Json properties, std::vector<std::string> required = {});
Json StringField(const std::string& description, size_t max_length = 256);
Json NameField(const std::string& what);
// The fields of what a service asks for, with the ranges of ink/common/resources.h (the one rule
// deploy, update_service, plan, the API's handlers and the CLI's client-side check all apply).
Json AppPortField(const std::string& description);
Json CpuField(const std::string& description);
Json MemoryField(const std::string& description);
Json ReplicasField(const std::string& description);
// The source fields of deploy and plan: git, ref, path, archive_id and the build overrides.
Json SourceProperties();
Json WithSourceFields(Json schema);
// The `volumes` input of deploy and update_service (catalog_volumes.cc).
Json VolumesField();
// Adds the `wait` input of an operation that starts a deployment (src/api's
// WithDeploymentWait implements it).
Operation WithWaitField(Operation op);

void DeclareProjectOperations(std::vector<Operation>& ops);
void DeclareLogOperations(std::vector<Operation>& ops);
void DeclareAdminOperations(std::vector<Operation>& ops);
void DeclareLifecycleOperations(std::vector<Operation>& ops);
void DeclareBuildOperations(std::vector<Operation>& ops);
void DeclareSourceOperations(std::vector<Operation>& ops);
void DeclareEnvOperations(std::vector<Operation>& ops);
void DeclareGitOperations(std::vector<Operation>& ops);
void DeclareExecOperations(std::vector<Operation>& ops);
void DeclareTemplateOperations(std::vector<Operation>& ops);
void DeclareVolumeOperations(std::vector<Operation>& ops);
void DeclareSnapshotOperations(std::vector<Operation>& ops);
void DeclareQuotaOperations(std::vector<Operation>& ops);
void DeclareDomainOperations(std::vector<Operation>& ops);
void DeclareStorageOperations(std::vector<Operation>& ops);
void DeclareBackupOperations(std::vector<Operation>& ops);
void DeclareSandboxOperations(std::vector<Operation>& ops);
void DeclareMetricsOperations(std::vector<Operation>& ops);
void DeclareCostOperations(std::vector<Operation>& ops);
void DeclareSandboxFileOperations(std::vector<Operation>& ops);

}  // namespace ink::catalog_internal
