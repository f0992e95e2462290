// DirectoryWatch: the thread behind RouteWatcher and CertificateWatcher. It watches one
// directory with inotify (files there are replaced by rename) and calls `look` when a file it
// cares about changed, and also every `poll_interval` (inotify can miss events on some file
// systems; the certificate watcher also needs the clock to notice expiry).
// Start/Stop from the owning thread only; `look` runs on the watch thread.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "ink/common/result.h"

namespace ink::edge {

class DirectoryWatch {
 public:
  DirectoryWatch() = default;
  ~DirectoryWatch() { Stop(); }
  DirectoryWatch(const DirectoryWatch&) = delete;
  DirectoryWatch& operator=(const DirectoryWatch&) = delete;

  // `cares` says whether an event for a file name matters (null: every name does). Without
  // inotify (logged under `component`) it only polls.
  Status Start(std::string dir, std::chrono::milliseconds poll_interval, std::string_view component,
               std::function<bool(std::string_view name)> cares, std::function<void()> look);
  // Stops and joins the thread. Idempotent.
  void Stop();

 private:
  void Run();

  std::string dir_;
  std::chrono::milliseconds poll_interval_{1000};
  std::function<bool(std::string_view)> cares_;
  std::function<void()> look_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;  // eventfd that wakes the thread to exit
  std::thread thread_;
};

}  // namespace ink::edge
