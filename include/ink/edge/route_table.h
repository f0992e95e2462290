// Route table of ink-edge: which backends serve which Host, as an immutable snapshot.
//
// inkd writes the table as a JSON file (write temp + rename):
//   {"version": 7, "routes": [{"host": "web-demo.localhost", "service": "web", "project": "demo",
//                              "service_id": "svc_1a2b",
//                              "backends": [{"address": "10.89.0.5", "port": 8080}]}]}
// "service_id" (optional: files of older inkd have none) keys the edge's request counters.
// ParseRouteTable turns that text into a RouteTable; RouteTableHolder publishes the current
// snapshot to the proxy workers. A RouteTable is never modified after it is built, so any number
// of threads may read one concurrently (it is shared as std::shared_ptr<const RouteTable>).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ink/common/result.h"

namespace ink::edge {

// One replica that can take requests: an IP literal and a port, resolved at parse time.
struct Backend {
  std::string address;  // "10.89.0.5" or "fd00::5"
  uint16_t port = 0;
  std::string key;  // "10.89.0.5:8080" / "[fd00::5]:8080": identifies the backend to workers
  sockaddr_storage sockaddr{};
  socklen_t sockaddr_len = 0;
};

struct Route {
  std::string host;  // normalized (see NormalizeHost)
  std::string service;
  std::string project;
  std::string service_id;  // "" when the file has none: the route's requests are not counted
  std::vector<Backend> backends;  // may be empty: the service has no healthy replica
};

// Transparent string hash so lookups by string_view do not allocate.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class RouteTable {
 public:
  RouteTable() = default;
  RouteTable(int64_t version, std::vector<Route> routes);

  // The route for a normalized host, or nullptr. Never allocates.
  const Route* Find(std::string_view normalized_host) const;
  // Index of `route` in routes() (for per-worker round-robin counters).
  size_t IndexOf(const Route* route) const { return static_cast<size_t>(route - routes_.data()); }
  const std::vector<Route>& routes() const { return routes_; }
  int64_t version() const { return version_; }

 private:
  int64_t version_ = 0;
  std::vector<Route> routes_;
  std::unordered_map<std::string, size_t, StringHash, std::equal_to<>> by_host_;
};

// An entry of the route file that the edge skipped; the other entries still load.
struct RejectedRoute {
  size_t index = 0;    // position in "routes"
  std::string host;    // as written (at most 255 bytes; "" if absent or not a string)
  std::string reason;  // names the field: "routes[3].backends[0].port must be ..."
};

// A parsed route file: every entry that is valid, and the ones that are not.
struct RouteFile {
  std::shared_ptr<const RouteTable> table;
  std::vector<RejectedRoute> rejected;
};

// Most entries a route file may hold; entries past it are rejected.
inline constexpr size_t kMaxRouteEntries = 100000;
// Longest "service_id" an entry may carry.
inline constexpr size_t kMaxServiceIdBytes = 255;

// Parses the JSON route file. One bad entry never stops the others: it is skipped and listed in
// `rejected` (a host that appears twice keeps its first entry). The file as a whole fails (and
// the caller keeps its old table) only when it is not a JSON object with a "routes" array and
// an integer "version" (if any).
Result<RouteFile> ParseRouteFile(std::string_view text);
// The table of ParseRouteFile, for callers that need no report of skipped entries.
Result<std::shared_ptr<const RouteTable>> ParseRouteTable(const std::string& text);

// Normalizes a Host header value into `out` (capacity `cap`): port stripped, lowercased,
// trailing dot removed, IPv6 literals keep their brackets. Returns the normalized view, or an
// empty view when the host is empty, too long, or has characters no host name can contain.
std::string_view NormalizeHost(std::string_view host, char* out, size_t cap);

// Holds the current snapshot. Publish from any thread; workers poll generation() (one atomic
// load, no lock) and call Get() (takes a mutex) only when the generation changed.
class RouteTableHolder {
 public:
  RouteTableHolder() : table_(std::make_shared<const RouteTable>()) {}
  // Replaces the current table; workers pick it up on their next loop iteration.
  void Publish(std::shared_ptr<const RouteTable> table);
  // The current table. Thread-safe.
  std::shared_ptr<const RouteTable> Get() const;
  // Increases by one on every Publish. Thread-safe, lock-free.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const RouteTable> table_;  // guarded by mu_
  std::atomic<uint64_t> generation_{1};
};

}  // namespace ink::edge
