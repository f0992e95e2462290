#include "ink/edge/route_watcher.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ink/common/log.h"

namespace ink::edge {
namespace {

constexpr std::string_view kComponent = "edge.routes";

bool ReadWholeFile(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out->clear();
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

}  // namespace

RouteWatcher::RouteWatcher(std::string path, RouteTableHolder& holder,
                           std::chrono::milliseconds poll_interval)
    : path_(std::move(path)), holder_(holder), poll_interval_(poll_interval) {
  size_t slash = path_.rfind('/');
  dir_ = slash == std::string::npos ? "." : (slash == 0 ? "/" : path_.substr(0, slash));
  base_ = slash == std::string::npos ? path_ : path_.substr(slash + 1);
}

RouteWatcher::~RouteWatcher() { Stop(); }

bool RouteWatcher::ReloadIfChanged() {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    FileId missing;
    if (!(last_ == missing)) {
      LogWarn(kComponent, "route file " + path_ + " is gone (" + std::strerror(errno) +
                              "); keeping the last good table");
      last_ = missing;
    }
    return false;
  }
  FileId id{static_cast<unsigned long>(st.st_dev), static_cast<unsigned long>(st.st_ino),
            static_cast<long>(st.st_size),
            static_cast<long>(st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec)};
  if (id == last_) return false;
  last_ = id;
  std::string text;
  if (!ReadWholeFile(path_, &text)) {
    LogWarn(kComponent, "cannot read route file " + path_ + ": " + std::strerror(errno) +
                            "; keeping the last good table");
    return false;
  }
  auto table = ParseRouteTable(text);
  if (!table.ok()) {
    LogError(kComponent, "route file " + path_ + " rejected: " + table.error().message +
                             "; keeping the last good table");
    return false;
  }
  LogInfo(kComponent, "loaded route table version " + std::to_string((*table)->version()) + " (" +
                          std::to_string((*table)->routes().size()) + " routes)");
  holder_.Publish(std::move(*table));
  return true;
}

Status RouteWatcher::Start() {
  ReloadIfChanged();
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ >= 0 && ::inotify_add_watch(inotify_fd_, dir_.c_str(),
                                              IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE |
                                                  IN_MOVED_FROM) < 0) {
    LogWarn(kComponent, "cannot watch " + dir_ + " with inotify (" + std::strerror(errno) +
                            "); polling every " + std::to_string(poll_interval_.count()) + " ms");
  }
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) return Internal(std::string("eventfd: ") + std::strerror(errno));
  thread_ = std::thread([this] { Run(); });
  return {};
}

void RouteWatcher::Stop() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    ssize_t ignored = ::write(stop_fd_, &one, sizeof one);
    (void)ignored;
    thread_.join();
  }
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
  inotify_fd_ = stop_fd_ = -1;
}

void RouteWatcher::Run() {
  alignas(inotify_event) char buf[4096];
  for (;;) {
    pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    int n = ::poll(fds, inotify_fd_ >= 0 ? 2 : 1, static_cast<int>(poll_interval_.count()));
    if (n < 0 && errno != EINTR) break;
    if (fds[0].revents) return;
    if (n > 0 && fds[1].revents) {
      bool ours = false;
      for (;;) {
        ssize_t len = ::read(inotify_fd_, buf, sizeof buf);
        if (len <= 0) break;
        for (ssize_t off = 0; off < len;) {
          auto* ev = reinterpret_cast<inotify_event*>(buf + off);
          if (ev->len > 0 && base_ == ev->name) ours = true;
          off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        }
      }
      if (!ours) continue;
    }
    ReloadIfChanged();
  }
}

}  // namespace ink::edge
