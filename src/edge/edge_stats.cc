#include "ink/edge/edge_stats.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "ink/common/json.h"
#include "ink/common/log.h"
#include "traffic.h"

namespace ink::edge {
namespace internal {

ServiceCounters* WorkerTraffic::For(std::string_view service_id) {
  if (service_id.empty()) return nullptr;
  if (auto it = by_id_.find(service_id); it != by_id_.end()) return it->second;
  if (by_id_.size() >= kMaxServices) return nullptr;
  ServiceCounters* counters;
  {
    std::lock_guard lock(mu_);
    counters = &services_.emplace_back(std::string(service_id));
  }
  by_id_.emplace(std::string(service_id), counters);
  return counters;
}

void WorkerTraffic::AddTo(TrafficByService* out) const {
  std::lock_guard lock(mu_);
  for (const ServiceCounters& c : services_) {
    ServiceTraffic& t = (*out)[c.service_id];
    for (size_t i = 0; i < t.status.size(); ++i) {
      t.status[i] += c.status[i].load(std::memory_order_relaxed);
    }
    for (size_t i = 0; i < t.latency_buckets.size(); ++i) {
      t.latency_buckets[i] += c.latency[i].load(std::memory_order_relaxed);
    }
  }
}

}  // namespace internal

namespace {

int64_t WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string FormatEdgeStats(const TrafficByService& traffic, int64_t pid, int64_t started_at_ms,
                            int64_t updated_at_ms) {
  Json services = Json::object();
  for (const auto& [id, t] : traffic) {
    services[id] = {{"status",
                     {{"2xx", t.status[0]}, {"3xx", t.status[1]}, {"4xx", t.status[2]},
                      {"5xx", t.status[3]}}},
                    {"latency_buckets", t.latency_buckets}};
  }
  Json doc = {{"pid", pid},
              {"started_at", started_at_ms},
              {"updated_at", updated_at_ms},
              {"latency_bounds_ms", kLatencyBoundsMs},
              {"services", std::move(services)}};
  // Service ids come from the route file; never let odd bytes make the dump throw.
  return doc.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

EdgeStatsWriter::EdgeStatsWriter(std::string path, std::function<TrafficByService()> read,
                                 std::chrono::milliseconds interval)
    : path_(std::move(path)),
      read_(std::move(read)),
      interval_(interval),
      started_at_ms_(WallMillis()) {}

EdgeStatsWriter::~EdgeStatsWriter() { Stop(); }

Status EdgeStatsWriter::WriteNow() {
  std::string text = FormatEdgeStats(read_(), getpid(), started_at_ms_, WallMillis());
  std::string tmp = path_ + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) {
    return Unavailable("cannot write " + tmp + ": " + std::strerror(errno));
  }
  bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  written = std::fclose(f) == 0 && written;
  if (!written) {
    std::remove(tmp.c_str());
    return Unavailable("cannot write " + tmp + " (disk full?)");
  }
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
    std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    return Unavailable("cannot replace " + path_ + ": " + why);
  }
  return {};
}

Status EdgeStatsWriter::Start() {
  Status first = WriteNow();
  warned_ = !first.ok();  // the caller reports this one
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      Status written = WriteNow();
      if (!written.ok() && !warned_) {
        LogWarn("edge", written.error().message + "; request counters are not reported to inkd");
      }
      warned_ = !written.ok();
      lock.lock();
    }
  });
  return first;
}

void EdgeStatsWriter::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    (void)WriteNow();  // the requests counted while draining
  }
}

}  // namespace ink::edge
