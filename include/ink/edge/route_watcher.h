// RouteWatcher: keeps a RouteTableHolder in step with the route file inkd writes.
//
// It watches the file's directory with inotify (inkd replaces the file by rename) and also
// stat()s the file every `poll_interval` as a fallback (inotify can miss events on some file
// systems). A file that does not parse is logged and the previous table stays published, so the
// edge keeps serving when inkd is down or writes garbage. One background thread; Start/Stop from
// the owning thread only.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "ink/common/result.h"
#include "ink/edge/route_table.h"

namespace ink::edge {

class RouteWatcher {
 public:
  RouteWatcher(std::string path, RouteTableHolder& holder,
               std::chrono::milliseconds poll_interval = std::chrono::milliseconds(1000));
  ~RouteWatcher();
  RouteWatcher(const RouteWatcher&) = delete;
  RouteWatcher& operator=(const RouteWatcher&) = delete;

  // Loads the file once (a missing or bad file is logged, not fatal: the table stays as it is)
  // and starts the watch thread.
  Status Start();
  // Stops and joins the watch thread. Idempotent.
  void Stop();
  // Reads and publishes the file now if it changed since the last load; returns true when a new
  // table was published. Called by the thread; public for tests.
  bool ReloadIfChanged();

 private:
  void Run();

  std::string path_;
  std::string dir_;
  std::string base_;
  RouteTableHolder& holder_;
  std::chrono::milliseconds poll_interval_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;  // eventfd that wakes the thread to exit
  std::thread thread_;
  // Identity of the last file examined, to skip unchanged files (only touched by one thread).
  struct FileId {
    unsigned long dev = 0, ino = 0;
    long size = -1;
    long mtime_ns = 0;
    bool operator==(const FileId&) const = default;
  } last_;
};

}  // namespace ink::edge
