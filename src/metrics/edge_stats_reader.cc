#include "ink/metrics/edge_stats_reader.h"

#include <fstream>
#include <sstream>

#include "ink/common/json.h"
#include "ink/common/log.h"
#include "ink/metrics/metric_rules.h"

namespace ink::metrics {
namespace {

// A count: a non-negative integer that fits in 64 bits.
bool Count(const Json& j, uint64_t* out) {
  if (!j.is_number_unsigned()) return false;
  *out = j.get<uint64_t>();
  return true;
}

bool ParseService(const Json& j, size_t buckets, EdgeServiceCounters* out) {
  if (!j.is_object()) return false;
  auto status = j.find("status");
  if (status == j.end() || !status->is_object()) return false;
  const char* classes[4] = {"2xx", "3xx", "4xx", "5xx"};
  for (int i = 0; i < 4; ++i) {
    auto n = status->find(classes[i]);
    if (n == status->end() || !Count(*n, &out->status[i])) return false;
  }
  auto latency = j.find("latency_buckets");
  if (latency == j.end() || !latency->is_array() || latency->size() != buckets) return false;
  out->latency_buckets.assign(buckets, 0);
  for (size_t i = 0; i < buckets; ++i) {
    if (!Count((*latency)[i], &out->latency_buckets[i])) return false;
  }
  return true;
}

}  // namespace

Result<std::map<std::string, EdgeServiceCounters>> ParseEdgeStats(std::string_view text) {
  auto parsed = ParseJson(std::string(text));
  if (!parsed.ok()) return parsed.error();
  const Json& doc = *parsed;
  if (!doc.is_object()) return InvalidArgument("edge stats must be a JSON object");
  // The edge writes its bucket bounds but the open-ended last one; they must be ours, or its
  // histogram would be read into the wrong buckets.
  const std::vector<double>& ours = LatencyBucketsMs();
  auto bounds = doc.find("latency_bounds_ms");
  if (bounds == doc.end() || !bounds->is_array() || bounds->size() + 1 != ours.size()) {
    return InvalidArgument("edge stats need \"latency_bounds_ms\" with " +
                           std::to_string(ours.size() - 1) + " bounds");
  }
  for (size_t i = 0; i < bounds->size(); ++i) {
    const Json& b = (*bounds)[i];
    if (!b.is_number() || b.get<double>() != ours[i]) {
      return InvalidArgument("edge stats latency_bounds_ms[" + std::to_string(i) +
                             "] is not inkd's bound " + std::to_string(ours[i]) +
                             " ms (an ink-edge of another version?)");
    }
  }
  auto services = doc.find("services");
  if (services == doc.end() || !services->is_object()) {
    return InvalidArgument("edge stats need a \"services\" object");
  }
  std::map<std::string, EdgeServiceCounters> out;
  for (auto it = services->begin(); it != services->end(); ++it) {
    if (out.size() >= kMaxEdgeStatsServices) break;
    EdgeServiceCounters counters;
    if (it.key().empty() || !ParseService(it.value(), ours.size(), &counters)) continue;
    out.emplace(it.key(), std::move(counters));
  }
  return out;
}

std::map<std::string, EdgeServiceCounters> ReadEdgeStatsFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = ParseEdgeStats(text.str());
  if (!parsed.ok()) {
    LogDebug("metrics", path + ": " + parsed.error().message + "; no request figures this time");
    return {};
  }
  return std::move(*parsed);
}

}  // namespace ink::metrics
