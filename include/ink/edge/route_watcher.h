// RouteWatcher: keeps a RouteTableHolder in step with the route file inkd writes, and reports
// what it loaded.
//
// It watches the file's directory with inotify (inkd replaces the file by rename) and also
// stat()s the file every `poll_interval` as a fallback (inotify can miss events on some file
// systems). An entry that does not parse is skipped and the rest of the file loads (the
// entry's host keeps the route it had in the previous table, if any); a file that does not
// parse at all is logged and the previous table stays published, so the edge keeps serving
// when inkd is down or writes garbage. After every look at the file it writes a status file
// (an EdgeStatusFile, shared with the certificate watcher), by default `edge-status.json` beside
// the route file:
//   {"pid": 12, "updated_at": <ms>, "routes_file": "...",
//    "loaded": {"version": 7, "routes": 3, "loaded_at": <ms>},
//    "rejected": [{"index": 2, "host": "x.localhost", "reason": "...", "kept_previous": true}],
//    "file_error": "..."}
// `loaded` is the table being served and `rejected` the entries of that file it skipped;
// `file_error` says why the newest file was refused as a whole ("" when it loaded). inkd waits for
// `loaded.version` before it calls a deployment active. One background thread; Start/Stop from the
// owning thread only.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ink/common/result.h"
#include "ink/edge/directory_watch.h"
#include "ink/edge/route_table.h"

namespace ink::edge {

class EdgeStatusFile;

class RouteWatcher {
 public:
  // `status_path` "" means edge-status.json in the route file's directory.
  RouteWatcher(std::string path, RouteTableHolder& holder,
               std::chrono::milliseconds poll_interval = std::chrono::milliseconds(1000),
               std::string status_path = "");
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
  const std::string& status_path() const { return status_path_; }
  // The status file this watcher reports into; other watchers (certificates) share it.
  std::shared_ptr<EdgeStatusFile> status_file() const { return status_; }

 private:
  // Rewrites the status file from loaded_/rejected_/file_error_.
  void WriteStatus();

  std::string path_;
  std::string dir_;
  std::string base_;
  std::string status_path_;
  std::shared_ptr<EdgeStatusFile> status_;
  RouteTableHolder& holder_;
  std::chrono::milliseconds poll_interval_;
  DirectoryWatch watch_;
  // Identity of the last file examined, to skip unchanged files (only touched by one thread).
  struct FileId {
    unsigned long dev = 0, ino = 0;
    long size = -1;
    long mtime_ns = 0;
    bool operator==(const FileId&) const = default;
  } last_;
  // What the status file reports (watch thread only, or Start before it runs).
  int64_t loaded_version_ = 0;
  size_t loaded_routes_ = 0;
  int64_t loaded_at_ = 0;
  struct Rejection {
    RejectedRoute route;
    bool kept_previous = false;
  };
  std::vector<Rejection> rejected_;
  std::string file_error_;  // why the newest file was refused as a whole ("" if it loaded)
};

}  // namespace ink::edge
