#include "ink/controller/route_publisher.h"

#include <signal.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ink/common/json.h"

namespace ink {
namespace {

// The file's content, or "" if it cannot be read.
std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "";
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int64_t IntField(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::string TextField(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

bool ProcessAlive(int64_t pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

std::string Plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

RoutePublisher::RoutePublisher(std::string routes_path, std::string edge_status_path, Clock& clock)
    : routes_path_(std::move(routes_path)),
      edge_status_path_(std::move(edge_status_path)),
      clock_(clock) {
  // Versions continue across restarts: the edge compares them, and "loaded 57" must never read
  // as having loaded a fresh inkd's version 1.
  auto previous = ParseJson(ReadFile(routes_path_));
  if (previous.ok() && previous->is_object()) version_ = IntField(*previous, "version");
  if (!edge_status_path_.empty()) {
    auto edge = ParseJson(ReadFile(edge_status_path_));
    if (edge.ok() && edge->is_object() && edge->contains("loaded")) {
      version_ = std::max(version_, IntField((*edge)["loaded"], "version"));
    }
  }
}

Result<int64_t> RoutePublisher::Publish(const std::vector<RouteEntry>& routes) {
  Json list = Json::array();
  std::map<std::string, std::pair<std::string, std::string>> owners;
  for (const auto& r : routes) {
    Json backends = Json::array();
    for (const auto& b : r.backends) backends.push_back({{"address", b.address}, {"port", b.port}});
    // service_id keys the edge's request counters (edge-stats.json, read by the sampler).
    list.push_back({{"host", r.host},
                    {"service", r.service},
                    {"project", r.project},
                    {"service_id", r.service_id},
                    {"backends", backends}});
    owners[r.host] = {r.service_id, r.workspace_id};
  }
  std::string body = list.dump();
  std::lock_guard lock(mu_);
  if (body == last_body_) return version_;
  const int64_t version = version_ + 1;
  const int64_t now = clock_.NowMillis();
  Json doc = {{"version", version}, {"generated_at", now}, {"routes", list}};
  std::string tmp = routes_path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << doc.dump(1) << "\n";
    out.flush();
    if (!out) return Unavailable("cannot write " + tmp + " (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, routes_path_, ec);
  if (ec) return Unavailable("cannot replace " + routes_path_ + ": " + ec.message());
  last_body_ = std::move(body);
  version_ = version;
  written_at_ = now;
  owners_ = std::move(owners);
  return version;
}

int64_t RoutePublisher::written_version() const {
  std::lock_guard lock(mu_);
  return version_;
}

RouteAck RoutePublisher::Acknowledged(int64_t version, const std::string& host,
                                      std::string* reason) const {
  if (edge_status_path_.empty())
    return written_version() >= version ? RouteAck::kLoaded : RouteAck::kPending;
  RouteStatus status = Status();
  if (!status.edge_reported || status.loaded_version < version) return RouteAck::kPending;
  for (const auto& r : status.rejected) {
    if (r.host == host) {
      if (reason != nullptr) *reason = r.reason;
      return RouteAck::kRejected;
    }
  }
  return RouteAck::kLoaded;
}

RouteStatus RoutePublisher::Status() const {
  RouteStatus status;
  std::map<std::string, std::pair<std::string, std::string>> owners;
  {
    std::lock_guard lock(mu_);
    status.written_version = version_;
    status.written_at = written_at_;
    owners = owners_;
  }
  if (edge_status_path_.empty()) return status;
  const int64_t now = clock_.NowMillis();
  const bool lagging = status.written_at > 0 && now - status.written_at > kAllowedLagMillis;
  auto edge = ParseJson(ReadFile(edge_status_path_));
  if (!edge.ok() || !edge->is_object()) {
    if (lagging) {
      status.problem = "ink-edge has not reported which routes it serves (" + edge_status_path_ +
                       " is missing or unreadable); check that it runs with --routes " +
                       routes_path_;
    }
    return status;
  }
  status.edge_reported = true;
  status.edge_pid = IntField(*edge, "pid");
  if (auto loaded = edge->find("loaded"); loaded != edge->end() && loaded->is_object()) {
    status.loaded_version = IntField(*loaded, "version");
    status.loaded_at = IntField(*loaded, "loaded_at");
  }
  status.file_error = TextField(*edge, "file_error");
  status.rejected_count =
      static_cast<size_t>(std::max<int64_t>(0, IntField(*edge, "rejected_count")));
  if (auto rejected = edge->find("rejected"); rejected != edge->end() && rejected->is_array()) {
    for (const auto& r : *rejected) {
      if (!r.is_object()) continue;
      RejectedRouteEntry entry;
      entry.host = TextField(r, "host");
      entry.reason = TextField(r, "reason");
      auto kept = r.find("kept_previous");
      entry.kept_previous = kept != r.end() && kept->is_boolean() && kept->get<bool>();
      if (auto owner = owners.find(entry.host); owner != owners.end()) {
        entry.service_id = owner->second.first;
        entry.workspace_id = owner->second.second;
      }
      status.rejected.push_back(std::move(entry));
    }
  }
  status.rejected_count = std::max(status.rejected_count, status.rejected.size());
  // The sentence names no host: health checks show it to anyone; `ink status` lists the
  // caller's own entries.
  if (!ProcessAlive(status.edge_pid)) {
    status.problem = "the ink-edge that reported in " + edge_status_path_ + " (pid " +
                     std::to_string(status.edge_pid) + ") is not running: nothing serves routes";
  } else if (!status.file_error.empty() && status.loaded_version < status.written_version) {
    status.problem = "ink-edge refused route table version " +
                     std::to_string(status.written_version) + " as a whole and still serves " +
                     std::to_string(status.loaded_version) + ": " + status.file_error;
  } else if (status.rejected_count > 0) {
    status.problem = "ink-edge skipped " +
                     Plural(status.rejected_count, "route entry", "route entries") +
                     " of route table version " + std::to_string(status.loaded_version) +
                     " (their services may serve an old release or 404); see `ink status`";
  } else if (status.loaded_version < status.written_version && lagging) {
    status.problem = "ink-edge serves route table version " +
                     std::to_string(status.loaded_version) + " but inkd wrote version " +
                     std::to_string(status.written_version) + " " +
                     std::to_string((now - status.written_at) / 1000) + "s ago";
  }
  return status;
}

}  // namespace ink
