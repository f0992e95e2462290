// ContainerRuntime: how Ink runs containers, hidden behind one interface.
//
// The embedded implementation drives podman through its libpod REST API on unix sockets that
// inkd starts and supervises (PodmanServices): one podman service per runtime class, because
// podman 4.3 ignores a per-container runtime over the API (RUNTIME-NOTES). A Kubernetes
// implementation comes later. Implementations are thread-safe (each call may come from any
// thread; internally one HTTP connection per thread or a guarded pool).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/result.h"

namespace ink {

struct RegistryAuth {
  std::string username;
  std::string password;
};

// A host directory bind-mounted into a container (a volume's, for example).
struct BindMount {
  std::string source;  // absolute host path
  std::string target;  // absolute path in the container
};

struct ContainerSpec {
  std::string name;                  // unique podman container name
  std::string image;                 // fully qualified reference, already pulled
  std::vector<std::string> command;  // empty: the image's CMD/ENTRYPOINT
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> labels;  // "ink.*" labels carry Ink ids
  std::string network;                        // podman network to join ("" = none)
  std::vector<std::string> network_aliases;   // DNS names on that network (the service name)
  double cpu = 0;                             // cores; 0 = unlimited
  int64_t memory_bytes = 0;                   // 0 = unlimited
  int64_t pids_limit = 0;                     // processes and threads; 0 = unlimited
  std::string runtime_class = "gvisor";       // "gvisor" or "runc"
  bool init = true;                           // catatonit as PID 1 so SIGTERM works
  bool no_new_privileges = false;             // setuid binaries and file caps gain nothing
  // The capabilities the process keeps; every other one is dropped. Unset: podman's default
  // set. Names without "CAP_", e.g. {"CHOWN", "KILL"}.
  std::optional<std::vector<std::string>> capabilities;
  std::vector<BindMount> mounts;  // read-write, nodev, nosuid
};

struct ContainerInfo {
  std::string id;
  std::string name;
  std::string image;
  std::map<std::string, std::string> labels;
  std::string state;  // podman's: "created", "running", "exited", "stopped", "paused", ...
  int exit_code = 0;
  bool oom_killed = false;  // detected from the memory cgroup, not podman's flag (RUNTIME-NOTES)
  std::string oci_runtime;  // e.g. "runsc-hostnet" or "crun"
  std::string ip_address;   // address on `network` (empty if not running / no network)
  int64_t started_at = 0;   // ms since epoch, 0 if never
  int64_t finished_at = 0;
  int pid = 0;
  std::string log_path;  // conmon's k8s-file log (from inspect only; "" from a list)
  // The container's cgroup, relative to each hierarchy's root ("/libpod_parent/libpod-<id>";
  // from inspect only, while it runs): where its CPU and memory counters are (metrics).
  std::string cgroup_path;
};

struct LogOptions {
  int tail = -1;  // last N lines per stream; -1 = all
  bool follow = false;
  int64_t since_unix = 0;  // seconds; 0 = from the start
  bool timestamps = false;
};

// A command to run in a running container (ContainerRuntime::Exec).
struct ExecRequest {
  std::vector<std::string> argv;      // non-empty; argv[0] is looked up in the container's PATH
  std::string stdin_data;             // written to the command's stdin, which is then closed
  int timeout_seconds = 60;           // killed (SIGKILL) when it runs longer
  size_t max_output_bytes = 1 << 20;  // per stream; the rest is read and dropped
  std::map<std::string, std::string> env;  // added to the container's environment
  std::string working_dir;                 // "" = the container's
};

struct ExecResult {
  int exit_code = 0;  // 137 after a kill at the timeout
  std::string stdout_data;
  std::string stderr_data;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  bool timed_out = false;  // the command was killed at the timeout
};

// One log line from a container; `stream` is "stdout" or "stderr".
using LogLineCallback = std::function<bool(std::string_view stream, std::string_view line)>;

class ContainerRuntime {
 public:
  virtual ~ContainerRuntime() = default;

  // Checks that every runtime class's backend answers.
  virtual Status Ping() = 0;
  // Creates a bridge network if absent. Project networks are isolated from each other.
  // `labels` are set when the network is created (e.g. ink.instance, so tools can find it).
  virtual Status EnsureNetwork(const std::string& name,
                               const std::map<std::string, std::string>& labels = {}) = 0;
  virtual Status RemoveNetwork(const std::string& name) = 0;
  // Pulls `reference` (with credentials if given). NotFound / Unauthenticated / Unavailable
  // errors say which registry and what to fix.
  virtual Status PullImage(const std::string& reference,
                           const std::optional<RegistryAuth>& auth) = 0;
  virtual Result<bool> ImageExists(const std::string& reference) = 0;
  // Whether the registry `reference` names has it, asked without pulling (deploy's image
  // check), with `auth` if given and never with the host's own credentials. InvalidArgument
  // saying what to fix when it is missing or access is refused; Unavailable when the registry
  // does not answer.
  virtual Status CheckRegistryImage(const std::string& reference,
                                    const std::optional<RegistryAuth>& auth) = 0;
  // Local images, as "repository:tag": the tags of `repository` ("localhost/ink/build/svc_x")
  // when given, each carrying every label in `labels`.
  virtual Result<std::vector<std::string>> ListImages(
      const std::string& repository, const std::map<std::string, std::string>& labels) {
    (void)repository, (void)labels;
    return FailedPrecondition("this runtime keeps no local images");
  }
  // Removes one local image tag. FailedPrecondition while a container uses it; removing a
  // missing image is not an error.
  virtual Status RemoveImage(const std::string& reference) {
    (void)reference;
    return FailedPrecondition("this runtime keeps no local images");
  }
  // Removes the dangling images (layers no tag uses any more) carrying every label in `labels`.
  virtual Status PruneImages(const std::map<std::string, std::string>& labels) {
    (void)labels;
    return FailedPrecondition("this runtime keeps no local images");
  }
  // Creates (not starts) a container; returns its id.
  virtual Result<std::string> CreateContainer(const ContainerSpec& spec) = 0;
  virtual Status StartContainer(const std::string& id) = 0;
  // SIGTERM, then SIGKILL after `timeout_seconds`.
  virtual Status StopContainer(const std::string& id, int timeout_seconds) = 0;
  // Removes (force: kills first). Removing a missing container is not an error.
  virtual Status RemoveContainer(const std::string& id, bool force) = 0;
  // Containers (any state) whose labels include every pair in `label_filter`.
  virtual Result<std::vector<ContainerInfo>> ListContainers(
      const std::map<std::string, std::string>& label_filter) = 0;
  virtual Result<ContainerInfo> InspectContainer(const std::string& id) = 0;
  // Delivers log lines until the callback returns false, the logs end (no follow), or the
  // container goes away.
  virtual Status StreamLogs(const std::string& id, const LogOptions& options,
                            const LogLineCallback& on_line) = 0;
  // Brings up the loopback interface of running container `id`'s network namespace (network
  // "none" leaves it down, and gVisor then cannot reach even 127.0.0.1). A runtime without
  // namespaces of its own has nothing to do.
  virtual Status BringUpLoopback(const std::string& id) {
    (void)id;
    return {};
  }
  // Runs `request.argv` in running container `id` and waits for it (at most the timeout, then
  // kills it). NotFound: no such container; FailedPrecondition: not running, or the command
  // does not exist in it. A command's non-zero exit is a result, not an error.
  virtual Result<ExecResult> Exec(const std::string& id, const ExecRequest& request) {
    (void)id, (void)request;
    return FailedPrecondition("this runtime cannot run commands in containers");
  }
};

struct PodmanOptions {
  std::string podman_binary = "podman";
  std::string socket_dir;                        // where the service sockets live (inkd's data dir)
  std::string gvisor_runtime = "runsc-hostnet";  // podman runtime name for class "gvisor"
  std::string runc_runtime = "crun";             // podman runtime name for class "runc"
  std::string memory_cgroup_root = "/sys/fs/cgroup/memory";  // cgroup v1 memory hierarchy
  // conmon's k8s-file log of each container is rotated past this size (conmon --log-size-max:
  // it writes a new file and renames it over the old one), so a chatty app cannot fill the
  // disk; inkd's log store keeps the history. 0: unbounded.
  int64_t container_log_max_bytes = int64_t{16} << 20;
};

// Starts (and keeps restarting) one `podman system service` per runtime class, and returns a
// runtime bound to them. Stops the services when destroyed.
Result<std::unique_ptr<ContainerRuntime>> StartPodmanRuntime(const PodmanOptions& options);

}  // namespace ink
