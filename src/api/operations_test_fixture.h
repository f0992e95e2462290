// A test fixture for the operation handlers: the real table (RegisterOperations) over a real
// in-memory SQLite store, a real SecretBox and ServiceController, and a fake runtime that
// records created containers, refuses to start them, and lists and streams only what a test
// puts in it. Used by the api_test files (not a public interface).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "ink/api/operations.h"
#include "ink/common/clock.h"
#include "ink/runtime/volume_host.h"

namespace ink::api_test {

// Answers like an empty podman whose local store has every image; records created containers
// and refuses to start them. `containers` and `logs` (container id → stdout lines) are what
// ListContainers and StreamLogs answer.
class RecordingRuntime : public ContainerRuntime {
 public:
  Status Ping() override { return {}; }
  Status EnsureNetwork(const std::string&, const std::map<std::string, std::string>&) override {
    return {};
  }
  Status RemoveNetwork(const std::string&) override { return {}; }
  Status PullImage(const std::string&, const std::optional<RegistryAuth>&) override { return {}; }
  Result<bool> ImageExists(const std::string&) override { return true; }
  Status CheckRegistryImage(const std::string&, const std::optional<RegistryAuth>&) override {
    return {};
  }
  Result<std::string> CreateContainer(const ContainerSpec& spec) override {
    std::lock_guard lock(mu);
    created.push_back(spec);
    changed.notify_all();
    return "ctr" + std::to_string(created.size());
  }
  Status StartContainer(const std::string&) override { return Unavailable("not in this test"); }
  Status StopContainer(const std::string&, int) override { return {}; }
  Status RemoveContainer(const std::string&, bool) override { return {}; }
  Result<std::vector<ContainerInfo>> ListContainers(
      const std::map<std::string, std::string>& labels) override {
    std::lock_guard lock(mu);
    std::vector<ContainerInfo> out;
    for (const auto& c : containers) {
      bool match = true;
      for (const auto& [key, value] : labels) {
        auto it = c.labels.find(key);
        match = match && it != c.labels.end() && it->second == value;
      }
      if (match) out.push_back(c);
    }
    return out;
  }
  Result<ContainerInfo> InspectContainer(const std::string&) override {
    return NotFound("no such container");
  }
  Status StreamLogs(const std::string& id, const LogOptions&,
                    const LogLineCallback& callback) override {
    std::vector<std::string> lines;
    {
      std::lock_guard lock(mu);
      auto it = logs.find(id);
      if (it == logs.end()) return NotFound("no such container");
      lines = it->second;
    }
    for (const auto& line : lines) {
      if (!callback("stdout", line + "\n")) break;
    }
    return {};
  }

  Result<ExecResult> Exec(const std::string& id, const ExecRequest& request) override {
    std::lock_guard lock(mu);
    execs.emplace_back(id, request);
    return exec_result;
  }

  std::mutex mu;
  std::condition_variable changed;
  std::vector<std::pair<std::string, ExecRequest>> execs;  // guarded by mu
  ExecResult exec_result;                                  // guarded by mu
  std::vector<ContainerSpec> created;                      // guarded by mu
  std::vector<ContainerInfo> containers;                   // guarded by mu
  std::map<std::string, std::vector<std::string>> logs;    // guarded by mu
};

// A volume host that keeps sizes in a map (no filesystem); Create fails when fail_create is
// set, Remove when busy is; snapshots are map entries too (fail_copy, fail_restore).
class FakeVolumeHost : public VolumeHost {
 public:
  Status Create(const std::string& id, int64_t size) override {
    if (fail_create) return Unavailable("mkfs failed");
    images[id] = size;
    return {};
  }
  Result<std::string> Mount(const std::string& id) override {
    if (!images.count(id)) return NotFound("no image");
    return "/vols/" + id + "/data";
  }
  Result<VolumeUsage> Usage(const std::string& id) override {
    if (!images.count(id)) return NotFound("no image");
    return VolumeUsage{images[id], 4096};
  }
  Status Remove(const std::string& id) override {
    if (busy) return FailedPrecondition("volume is still in use");
    images.erase(id);
    return {};
  }
  Result<SnapshotCopy> CopyToSnapshot(const std::string& id,
                                      const std::string& snapshot_id) override {
    if (!images.count(id)) return NotFound("no image");
    if (fail_copy) return Unavailable("cp: No space left on device");
    snapshots[snapshot_id] = id;
    return SnapshotCopy{.size_bytes = 1 << 20, .frozen_ms = 3};
  }
  Status RestoreSnapshot(const std::string& snapshot_id, const std::string& id) override {
    if (!snapshots.count(snapshot_id)) return NotFound("no snapshot image");
    if (images.count(id)) return AlreadyExists("image exists");
    if (fail_restore) return Unavailable("cp failed");
    images[id] = images.count(snapshots[snapshot_id]) ? images[snapshots[snapshot_id]] : 1;
    restored_from[id] = snapshot_id;
    return {};
  }
  Status RemoveSnapshot(const std::string& snapshot_id) override {
    snapshots.erase(snapshot_id);
    return {};
  }
  std::map<std::string, int64_t> images;
  std::map<std::string, std::string> snapshots;      // snapshot id → the volume id copied
  std::map<std::string, std::string> restored_from;  // volume id → snapshot id
  bool fail_create = false, busy = false, fail_copy = false, fail_restore = false;
};

class OperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ink-ops-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    auto store = OpenSqliteStore(":memory:", clock_);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    auto box = SecretBox::LoadOrCreate(dir_ + "/secret.key");
    ASSERT_TRUE(box.ok());
    box_ = std::make_unique<SecretBox>(*box);
    ControllerOptions options;
    options.instance = "opstest";
    options.routes_path = dir_ + "/routes.json";
    options.tick = std::chrono::milliseconds(50);
    controller_ = std::make_unique<ServiceController>(*store_, runtime_, *box_, clock_, options);
    deps_ = std::make_unique<OperationDeps>(
        OperationDeps{*store_, runtime_, *controller_, *box_, clock_, "test"});
    RegisterOperations(table_, *deps_);
    auto workspace = store_->CreateWorkspace("default");
    ASSERT_TRUE(workspace.ok());
    caller_.workspace_id = workspace->id;
    ASSERT_TRUE(store_->CreateProject(workspace->id, "demo").ok());
  }
  void TearDown() override {
    controller_->Stop();
    std::filesystem::remove_all(dir_);
  }

  // Invokes `operation` with input.project = "demo" (unless the input names a project).
  Result<Json> Call(const std::string& operation, Json input) {
    const Operation* op = table_.Find(operation);
    if (op == nullptr) return NotFound("no operation " + operation);
    if (!input.contains("project")) input["project"] = "demo";
    return table_.Invoke(*op, caller_, input);
  }

  Json MustCall(const std::string& operation, Json input) {
    auto result = Call(operation, std::move(input));
    EXPECT_TRUE(result.ok()) << operation << ": " << result.error().message;
    return result.ok() ? *result : Json();
  }

  std::string ServiceId() {
    return store_->ListServices(caller_.workspace_id, ProjectId())->at(0).id;
  }

  // Deploys service web of project demo from an image; returns the deployment id.
  std::string DeployWeb() {
    Json out = MustCall("deploy", {{"service", "web"}, {"image", "localhost/ink/echo:test"}});
    return out["deployment"]["id"];
  }

  // Puts into the runtime a container of web's `deployment`, replica `replica`, in the
  // caller's workspace (or `workspace`), in `state`, with `log_lines` as its stdout.
  void AddReplicaContainer(const std::string& id, const std::string& deployment,
                           const std::string& replica, const std::string& state = "running",
                           const std::string& workspace = "",
                           std::vector<std::string> log_lines = {}) {
    ContainerInfo info;
    info.id = id;
    info.state = state;
    info.labels = {{kLabelWorkspace, workspace.empty() ? caller_.workspace_id : workspace},
                   {kLabelService, ServiceId()},
                   {kLabelDeployment, deployment},
                   {kLabelReplica, replica}};
    std::lock_guard lock(runtime_.mu);
    runtime_.containers.push_back(info);
    runtime_.logs[id] = std::move(log_lines);
  }
  std::string ProjectId() { return store_->GetProject(caller_.workspace_id, "demo")->id; }

  std::string dir_;
  Clock& clock_ = SystemClock();
  std::unique_ptr<Store> store_;
  std::unique_ptr<SecretBox> box_;
  RecordingRuntime runtime_;
  std::unique_ptr<ServiceController> controller_;
  std::unique_ptr<OperationDeps> deps_;
  OperationTable table_;
  Caller caller_;
};

}  // namespace ink::api_test
