// FileLock: an advisory flock(2) on a path, shared or exclusive, released when destroyed.
//
// Used where several inkd instances on one host (tests, side-by-side installs) touch the same
// podman image store: builds hold the image-store lock shared, image garbage collection holds
// it exclusive, so a prune never deletes a cached layer a build is using. The lock file is
// created (mode 0644) if missing and never removed. Move-only; not thread-safe per object.
#pragma once

#include <chrono>
#include <string>

#include "ink/common/result.h"

namespace ink {

class FileLock {
 public:
  enum class Mode { kShared, kExclusive };

  // Blocks until the lock is held. Fails when the file cannot be opened.
  static Result<FileLock> Acquire(const std::string& path, Mode mode);
  // Gives up after `wait` (polling); kUnavailable when the lock stayed taken.
  static Result<FileLock> TryAcquire(const std::string& path, Mode mode,
                                     std::chrono::milliseconds wait);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// The host-wide lock for podman's image store: $INK_IMAGE_STORE_LOCK, else
// /run/lock/ink-image-store.lock when /run/lock is writable, else $TMPDIR or /tmp.
std::string ImageStoreLockPath();

}  // namespace ink
