// OomWatcher: remembers which containers were OOM-killed, from the kernel's memory cgroup (v1).
//
// podman 4.3 reports OOMKilled=false for a container the kernel OOM-killed, and under gVisor a
// killed sandbox child may leave the container "running" (RUNTIME-NOTES). The watcher registers an
// eventfd on each container's memory.oom_control (cgroup.event_control), so an OOM wakes it while
// the cgroup still exists, and also samples the oom_kill counter every 100 ms. A verdict outlives
// the cgroup; Forget() drops it when the container is removed. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace ink::runtime_internal {

class OomWatcher {
 public:
  OomWatcher();
  ~OomWatcher();
  OomWatcher(const OomWatcher&) = delete;
  OomWatcher& operator=(const OomWatcher&) = delete;

  // Starts watching `cgroup_dir` (e.g. /sys/fs/cgroup/memory/libpod_parent/libpod-<id>) for
  // container `id`; a no-op if already watched. Returns false if the cgroup cannot be watched.
  bool Watch(const std::string& id, const std::string& cgroup_dir);
  bool Watching(const std::string& id) const;
  // True once an OOM kill was seen in the container's cgroup.
  bool OomKilled(const std::string& id) const;
  void Forget(const std::string& id);

 private:
  struct Watched {
    std::string cgroup_dir;
    int event_fd = -1;    // eventfd registered for OOM notifications; -1 once the cgroup is gone
    int control_fd = -1;  // memory.oom_control, kept open while registered
    bool oom_killed = false;
    uint64_t token = 0;  // epoll data identifying this entry (0: not registered)
  };
  void Loop();
  void Check(Watched& w);  // requires mu_
  static void Close(Watched& w);

  mutable std::mutex mu_;
  std::map<std::string, Watched> watched_;  // guarded by mu_
  int epoll_fd_ = -1;
  int wake_fd_ = -1;         // eventfd that interrupts Loop() on shutdown
  bool stopping_ = false;    // guarded by mu_
  uint64_t next_token_ = 0;  // guarded by mu_
  std::thread thread_;
};

// Reads the oom_kill counter from a memory.oom_control file's text; -1 if absent.
long ParseOomKillCount(const std::string& oom_control_text);

}  // namespace ink::runtime_internal
