#include "oom_watcher.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "ink/common/log.h"

namespace ink::runtime_internal {
namespace {

// Current oom_kill count of a memory cgroup directory; -1 if unreadable (cgroup gone).
long ReadOomKill(const std::string& dir) {
  std::ifstream in(dir + "/memory.oom_control");
  if (!in) return -1;
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseOomKillCount(ss.str());
}

bool DirectoryExists(const std::string& dir) {
  struct stat st;
  return ::stat(dir.c_str(), &st) == 0;
}

}  // namespace

long ParseOomKillCount(const std::string& text) {
  std::istringstream in(text);
  std::string key;
  long value;
  while (in >> key >> value) {
    if (key == "oom_kill") return value;
  }
  return -1;
}

OomWatcher::OomWatcher() {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = UINT64_MAX;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  thread_ = std::thread([this] { Loop(); });
}

OomWatcher::~OomWatcher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof(one));
  thread_.join();
  for (auto& [id, w] : watched_) Close(w);
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void OomWatcher::Close(Watched& w) {
  if (w.event_fd >= 0) ::close(w.event_fd);
  if (w.control_fd >= 0) ::close(w.control_fd);
  w.event_fd = w.control_fd = -1;
}

bool OomWatcher::Watch(const std::string& id, const std::string& cgroup_dir) {
  std::lock_guard lock(mu_);
  if (watched_.count(id)) return true;
  long count = ReadOomKill(cgroup_dir);
  if (count < 0) return false;
  Watched w;
  w.cgroup_dir = cgroup_dir;
  w.oom_killed = count > 0;  // adopted after the fact: the counter still says so
  w.event_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  w.control_fd = ::open((cgroup_dir + "/memory.oom_control").c_str(), O_RDONLY | O_CLOEXEC);
  int event_control = ::open((cgroup_dir + "/cgroup.event_control").c_str(), O_WRONLY | O_CLOEXEC);
  bool registered = false;
  if (w.event_fd >= 0 && w.control_fd >= 0 && event_control >= 0) {
    std::string line = std::to_string(w.event_fd) + " " + std::to_string(w.control_fd);
    registered = ::write(event_control, line.data(), line.size()) == ssize_t(line.size());
  }
  if (event_control >= 0) ::close(event_control);
  if (registered) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    auto [it, inserted] = watched_.emplace(id, w);
    it->second.token = ++next_token_;
    ev.data.u64 = it->second.token;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, w.event_fd, &ev);
  } else {
    // No notifications (unusual kernel setup): the 100 ms sampling still sees the counter.
    Close(w);
    LogDebug("runtime", "OOM eventfd unavailable for " + cgroup_dir + "; sampling only");
    watched_.emplace(id, w);
  }
  return true;
}

bool OomWatcher::Watching(const std::string& id) const {
  std::lock_guard lock(mu_);
  return watched_.count(id) > 0;
}

bool OomWatcher::OomKilled(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = watched_.find(id);
  return it != watched_.end() && it->second.oom_killed;
}

void OomWatcher::Forget(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = watched_.find(id);
  if (it == watched_.end()) return;
  if (it->second.event_fd >= 0) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->second.event_fd, nullptr);
  Close(it->second);
  watched_.erase(it);
}

// A wake-up on the eventfd means either an OOM in the cgroup or the cgroup's removal. The kernel
// removes the directory before it signals removal, so a wake-up while the directory exists is an
// OOM; after removal, a count of 2 or more includes an OOM that coalesced with the removal.
void OomWatcher::Check(Watched& w) {
  uint64_t events = 0;
  if (w.event_fd >= 0) {  // non-blocking: also drains a signal the sampling pass meets first
    if (::read(w.event_fd, &events, sizeof(events)) != sizeof(events)) events = 0;
  }
  if (w.cgroup_dir.empty()) return;  // cgroup already gone: verdict is final
  long count = ReadOomKill(w.cgroup_dir);
  if (count > 0) w.oom_killed = true;
  bool exists = count >= 0 || DirectoryExists(w.cgroup_dir);
  if (events > 0 && (exists || events >= 2)) w.oom_killed = true;
  if (!exists) {
    if (w.event_fd >= 0) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, w.event_fd, nullptr);
    Close(w);
    w.cgroup_dir.clear();
  }
}

void OomWatcher::Loop() {
  std::vector<epoll_event> events(64);
  for (;;) {
    int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 100);
    std::lock_guard lock(mu_);
    if (stopping_) return;
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 == UINT64_MAX) continue;
      for (auto& [id, w] : watched_) {
        if (w.token == events[i].data.u64) Check(w);
      }
    }
    for (auto& [id, w] : watched_) Check(w);
  }
}

}  // namespace ink::runtime_internal
