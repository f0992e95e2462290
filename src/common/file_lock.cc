#include "ink/common/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace ink {
namespace {

Result<int> Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Internal("cannot open the lock file " + path + ": " + std::strerror(errno));
  }
  return fd;
}

int Operation(FileLock::Mode mode) { return mode == FileLock::Mode::kShared ? LOCK_SH : LOCK_EX; }

}  // namespace

Result<FileLock> FileLock::Acquire(const std::string& path, Mode mode) {
  auto fd = Open(path);
  if (!fd.ok()) return fd.error();
  while (::flock(*fd, Operation(mode)) != 0) {
    if (errno == EINTR) continue;
    int saved = errno;
    ::close(*fd);
    return Internal("cannot lock " + path + ": " + std::strerror(saved));
  }
  return FileLock(*fd);
}

Result<FileLock> FileLock::TryAcquire(const std::string& path, Mode mode,
                                      std::chrono::milliseconds wait) {
  auto fd = Open(path);
  if (!fd.ok()) return fd.error();
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (::flock(*fd, Operation(mode) | LOCK_NB) == 0) return FileLock(*fd);
    int saved = errno;
    if (saved != EWOULDBLOCK && saved != EINTR) {
      ::close(*fd);
      return Internal("cannot lock " + path + ": " + std::strerror(saved));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(*fd);
      return Unavailable(path + " is locked by another process");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

std::string ImageStoreLockPath() {
  if (const char* set = std::getenv("INK_IMAGE_STORE_LOCK"); set && *set) return set;
  if (::access("/run/lock", W_OK) == 0) return "/run/lock/ink-image-store.lock";
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp && *tmp ? tmp : "/tmp") + "/ink-image-store.lock";
}

}  // namespace ink
