// RoutePublisher: the route file ink-edge serves, and the edge's report of what it loaded.
//
// The controller hands Publish() the routes of every routed service; it writes them to
// DATA/routes.json atomically (temp + rename) when they differ from the last written ones, under
// a version that keeps increasing across inkd restarts (it continues from the file already
// there). ink-edge answers with DATA/edge-status.json (ink/edge/route_watcher.h): the version it
// loaded and the entries it skipped. Acknowledged() reads that report so a rollout can wait
// until the edge serves a version with its host in it, and Status() sums it up for health
// checks ("the edge skipped 1 route entry", "the edge is 3 versions behind").
//
// Thread contract: Publish() from one thread at a time (the controller loop); Status() and
// Acknowledged() from any thread (they read the status file; a mutex guards what Publish
// recorded).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "ink/common/clock.h"
#include "ink/common/result.h"

namespace ink {

struct RouteBackend {
  std::string address;  // IP literal
  int port = 0;
};

struct RouteEntry {
  std::string host;  // "web-demo.localhost"
  std::string service;
  std::string project;
  // Who the route belongs to, to tell each tenant about its own. The service id is also
  // written to the file (the edge counts requests by it); the workspace id is not.
  std::string service_id;
  std::string workspace_id;
  std::vector<RouteBackend> backends;
};

// A route entry the edge skipped.
struct RejectedRouteEntry {
  std::string host;
  std::string reason;
  bool kept_previous = false;  // the edge still serves the host's previous route
  std::string service_id;      // "" if the host is not one inkd wrote last
  std::string workspace_id;
};

// What inkd wrote and what the edge says it serves.
struct RouteStatus {
  int64_t written_version = 0;  // 0 before the first write
  int64_t written_at = 0;       // ms since the epoch
  bool edge_reported = false;   // the edge's status file exists and parses
  int64_t edge_pid = 0;
  int64_t loaded_version = 0;  // the version the edge serves
  int64_t loaded_at = 0;
  std::vector<RejectedRouteEntry> rejected;  // skipped entries of the loaded file
  size_t rejected_count = 0;
  std::string file_error;  // why the edge refused the newest file as a whole ("" if it did not)
  // "" when all is well; else one sentence saying what is wrong and what to do.
  std::string problem;
  bool ok() const { return problem.empty(); }
};

enum class RouteAck {
  kPending,   // the edge has not loaded the version yet
  kLoaded,    // the edge serves the version (or a newer one) with the host in it
  kRejected,  // the edge loaded it but skipped the host's entry
};

class RoutePublisher {
 public:
  // `edge_status_path` "" means no edge reports back: Acknowledged() answers kLoaded once the
  // version is written, and Status() does not ask for a report.
  RoutePublisher(std::string routes_path, std::string edge_status_path, Clock& clock);

  // Writes `routes` as a new version unless they equal the last written ones; returns the
  // version on disk that holds them.
  Result<int64_t> Publish(const std::vector<RouteEntry>& routes);
  // The newest version written (0 before the first).
  int64_t written_version() const;
  // Whether the edge serves `version` or a newer one, and `host` in it (`reason` says why not
  // when the edge skipped the host's entry).
  RouteAck Acknowledged(int64_t version, const std::string& host, std::string* reason) const;
  RouteStatus Status() const;

  // How long the edge may lag behind a write before Status() calls it a problem.
  static constexpr int64_t kAllowedLagMillis = 5000;

 private:
  const std::string routes_path_;
  const std::string edge_status_path_;
  Clock& clock_;
  std::string last_body_;  // Publish() only

  mutable std::mutex mu_;  // guards the members below
  int64_t version_ = 0;
  int64_t written_at_ = 0;
  std::map<std::string, std::pair<std::string, std::string>> owners_;  // host → service, workspace
};

}  // namespace ink
