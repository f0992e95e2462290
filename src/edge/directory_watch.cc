#include "ink/edge/directory_watch.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ink/common/log.h"

namespace ink::edge {

Status DirectoryWatch::Start(std::string dir, std::chrono::milliseconds poll_interval,
                             std::string_view component,
                             std::function<bool(std::string_view name)> cares,
                             std::function<void()> look) {
  dir_ = std::move(dir);
  poll_interval_ = poll_interval;
  cares_ = std::move(cares);
  look_ = std::move(look);
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ >= 0 &&
      ::inotify_add_watch(inotify_fd_, dir_.c_str(),
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                              IN_ATTRIB) < 0) {
    LogWarn(component, "cannot watch " + dir_ + " with inotify (" + std::strerror(errno) +
                           "); polling every " + std::to_string(poll_interval_.count()) + " ms");
  }
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) return Internal(std::string("eventfd: ") + std::strerror(errno));
  thread_ = std::thread([this] { Run(); });
  return {};
}

void DirectoryWatch::Stop() {
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

void DirectoryWatch::Run() {
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
          if (ev->len > 0 && (!cares_ || cares_(ev->name))) ours = true;
          off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        }
      }
      if (!ours) continue;
    }
    look_();
  }
}

}  // namespace ink::edge
