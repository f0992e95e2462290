#include "ink/catalog/catalog.h"

#include <cstdio>
#include <cstdlib>

#include "ink/common/resources.h"
#include "src/catalog/catalog_internal.h"

namespace ink {
namespace catalog_internal {

Json ObjectSchema(Json properties, std::vector<std::string> required) {
  Json s = {{"type", "object"}, {"properties", properties}, {"additionalProperties", false}};
  if (!required.empty()) s["required"] = required;
  return s;
}

Json StringField(const std::string& description, size_t max_length) {
  return {{"type", "string"}, {"description", description}, {"maxLength", max_length}};
}

Json NameField(const std::string& what) {
  return {{"type", "string"},
          {"description", what + ": 1-30 of a-z, 0-9, '-', starting with a letter"},
          {"maxLength", 64}};
}

Json AppPortField(const std::string& description) {
  return {{"type", "integer"},
          {"minimum", kMinAppPort},
          {"maximum", kMaxAppPort},
          {"description", description}};
}

Json CpuField(const std::string& description) {
  return {{"type", "number"},
          {"minimum", 0},
          {"maximum", kMaxCpuCores},
          {"multipleOf", kCpuCoresStep},
          {"description", description + " (0 = inkd's --default-cpu; else " +
                              FormatCpuCores(kMinCpuCores) + "-" + FormatCpuCores(kMaxCpuCores) +
                              " in steps of " + FormatCpuCores(kCpuCoresStep) +
                              ", at most inkd's --max-cpu)"}};
}

Json MemoryField(const std::string& description) {
  return {
      {"type", "string"},
      {"maxLength", 32},
      {"description", description + " (\"0\" = inkd's --default-memory, 512m unless set; " +
                          FormatMemory(kMinMemoryLimitBytes) + " to " +
                          FormatMemory(kMaxMemoryLimitBytes) + ", at most inkd's --max-memory)"}};
}

Json ReplicasField(const std::string& description) {
  return {{"type", "integer"},
          {"minimum", kMinReplicas},
          {"maximum", kMaxReplicas},
          {"description", description}};
}

Json SourceProperties() {
  return {
      {"git",
       {{"type", "string"},
        {"minLength", 1},
        {"maxLength", 2048},
        {"description",
         "git repository to build (https://, ssh://, git@host:path, or file:// from a "
         "directory the admin allows); Ink detects the stack, builds an image and deploys it"}}},
      {"ref", StringField("git branch, tag or commit (default: the default branch)", 200)},
      {"path", StringField("subdirectory of the repository or archive to build", 1024)},
      {"archive_id",
       StringField("id of an uploaded source archive (POST /v1/archives; `ink deploy DIR`)", 64)},
      {"start_command", StringField("override: the command that starts the app", 4096)},
      {"build_command", StringField("override: the build step (\"\" = none)", 4096)},
      {"root_directory", StringField("override: the app's directory inside the source", 1024)},
  };
}

Json WithSourceFields(Json schema) {
  Json properties = SourceProperties();
  for (auto& [k, v] : properties.items()) schema["properties"][k] = v;
  return schema;
}

Operation WithWaitField(Operation op) {
  op.input_schema["properties"]["wait"] = {
      {"type", "integer"},
      {"minimum", 0},
      {"maximum", 600},
      {"description", "seconds to wait for the deployment to finish (default 0)"}};
  return op;
}

}  // namespace catalog_internal

const std::vector<Operation>& OperationCatalog() {
  static const std::vector<Operation> catalog = [] {
    using namespace catalog_internal;
    std::vector<Operation> ops;
    DeclareProjectOperations(ops);
    DeclareLogOperations(ops);
    DeclareAdminOperations(ops);
    DeclareLifecycleOperations(ops);
    DeclareBuildOperations(ops);
    DeclareSourceOperations(ops);
    DeclareEnvOperations(ops);
    DeclareGitOperations(ops);
    DeclareExecOperations(ops);
    DeclareTemplateOperations(ops);
    DeclareVolumeOperations(ops);
    DeclareSnapshotOperations(ops);
    DeclareSandboxOperations(ops);
    DeclareMetricsOperations(ops);
    DeclareCostOperations(ops);
    DeclareQuotaOperations(ops);
    DeclareDomainOperations(ops);
    DeclareStorageOperations(ops);
    DeclareBackupOperations(ops);
    DeclareSandboxFileOperations(ops);
    return ops;
  }();
  return catalog;
}

const Operation* FindDeclared(std::string_view name) {
  for (const auto& op : OperationCatalog()) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

Operation Implement(std::string_view name, Operation implementation) {
  const Operation* declared = FindDeclared(name);
  if (declared == nullptr) {  // a handler for an operation nobody declared: a bug
    std::fprintf(stderr, "operation table: %.*s is not in the catalog (src/catalog)\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  Operation op = *declared;
  op.handler = std::move(implementation.handler);
  op.stream = std::move(implementation.stream);
  op.with_progress = std::move(implementation.with_progress);
  return op;
}

}  // namespace ink
