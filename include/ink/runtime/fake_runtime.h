// FakeRuntime: an in-memory ContainerRuntime for unit tests of the controller and the API.
//
// Containers are records: CreateContainer stores the spec (names are unique, as podman's),
// StartContainer marks them running with an address on 10.88.0.0/16, Crash() makes one exit the
// way a process would. Images exist locally unless the test says otherwise. Tests steer it with
// hooks:
//   - `before` runs before every call with its name ("CreateContainer", ...) and the container
//     name or image it concerns, and may fail it (return an error) or block it (a stuck
//     registry, a hung podman): see Gate below;
//   - every call is counted (calls()), so a test can stop the controller after call N.
//
// Thread contract: every method may be called from any thread (one mutex guards the state; hooks
// run without it held).
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "ink/runtime/runtime.h"

namespace ink {

class FakeRuntime : public ContainerRuntime {
 public:
  // `subject` is the container name (create), the container id (start, stop, remove, inspect,
  // logs), the image (pull, exists) or "" (list, ping, networks).
  using Hook = std::function<Status(const std::string& call, const std::string& subject)>;

  FakeRuntime() = default;

  Status Ping() override;
  Status EnsureNetwork(const std::string& name,
                       const std::map<std::string, std::string>& labels) override;
  Status RemoveNetwork(const std::string& name) override;
  Status PullImage(const std::string& reference, const std::optional<RegistryAuth>& auth) override;
  Result<bool> ImageExists(const std::string& reference) override;
  // OK unless SetMissingImage named `reference` (then InvalidArgument, as a registry without
  // it answers).
  Status CheckRegistryImage(const std::string& reference,
                            const std::optional<RegistryAuth>& auth) override;
  Result<std::string> CreateContainer(const ContainerSpec& spec) override;
  Status StartContainer(const std::string& id) override;
  Status StopContainer(const std::string& id, int timeout_seconds) override;
  Status RemoveContainer(const std::string& id, bool force) override;
  Result<std::vector<ContainerInfo>> ListContainers(
      const std::map<std::string, std::string>& label_filter) override;
  Result<ContainerInfo> InspectContainer(const std::string& id) override;
  Status StreamLogs(const std::string& id, const LogOptions& options,
                    const LogLineCallback& on_line) override;
  // Answers with the SetExec function's result (default: exit 0, argv joined by spaces on
  // stdout) for a running container; NotFound / FailedPrecondition otherwise.
  Result<ExecResult> Exec(const std::string& id, const ExecRequest& request) override;
  // Counted as a call (and hooked); NotFound for an unknown container.
  Status BringUpLoopback(const std::string& id) override;

  // Test controls.
  using ExecFunction =
      std::function<Result<ExecResult>(const std::string& id, const ExecRequest& request)>;
  void SetExec(ExecFunction exec);
  void SetHook(Hook hook);
  // Images that are neither local nor pullable (NotFound).
  void SetMissingImage(const std::string& reference);
  // Makes a running container exit with `exit_code` (oom: killed for memory).
  void Crash(const std::string& id, int exit_code, bool oom = false);
  // Containers whose image is `image` exit with `exit_code` right after they start.
  void CrashOnStart(const std::string& image, int exit_code);
  // Log lines a container "printed" (returned by StreamLogs).
  void SetLogs(const std::string& id, std::vector<std::string> lines);
  // Every container, by id (including exited ones).
  std::map<std::string, ContainerInfo> containers() const;
  std::map<std::string, ContainerSpec> specs() const;  // by id, as created
  std::set<std::string> networks() const;
  // Calls made so far, by name.
  std::map<std::string, int> calls() const;
  int total_calls() const;

 private:
  Status Enter(const std::string& call, const std::string& subject);

  mutable std::mutex mu_;  // guards everything below
  Hook hook_;
  ExecFunction exec_;
  std::map<std::string, ContainerInfo> containers_;
  std::map<std::string, ContainerSpec> specs_;
  std::map<std::string, std::vector<std::string>> logs_;
  std::set<std::string> missing_images_;
  std::map<std::string, int> crash_on_start_;
  std::set<std::string> networks_;
  std::map<std::string, int> calls_;
  int total_calls_ = 0;
  int next_id_ = 0;
};

// A gate that blocks the calls a test chooses until it opens (a stuck registry, a hung create),
// for FakeRuntime hooks: `gate.Pass()` inside a hook blocks while the gate is closed.
class Gate {
 public:
  explicit Gate(bool open = false) : open_(open) {}
  void Open();
  void Close();
  // Blocks while closed; returns at once when open.
  void Pass();
  // How many callers are blocked right now, and a wait until `count` are.
  int waiting() const;
  void WaitForWaiting(int count) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool open_;
  int waiting_ = 0;
};

}  // namespace ink
