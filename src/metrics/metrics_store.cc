#include "ink/metrics/metrics_store.h"

#include <cstdint>

#include "ink/metrics/metric_rules.h"

namespace ink::metrics {

void MetricsStore::Record(const std::string& service_id, const Sample& sample) {
  std::lock_guard lock(mu_);
  Series& s = series_[service_id];
  if (!s.fine.empty() && sample.at_ms <= s.fine.back().at_ms) return;  // out of order
  // A sample in a later minute than the pending ones closes that minute.
  // (A sample ending exactly on a minute belongs to the minute it ends.)
  auto minute_of = [](int64_t at_ms) { return (at_ms - 1) / kCoarseStepMs; };
  if (!s.minute.empty() && minute_of(sample.at_ms) != minute_of(s.minute.back().at_ms)) {
    int64_t end = (minute_of(s.minute.back().at_ms) + 1) * kCoarseStepMs;
    s.coarse.push_back(Rollup(s.minute, end));
    s.minute.clear();
    if (coarse_sink_) coarse_sink_(service_id, s.coarse.back());
  }
  s.minute.push_back(sample);
  s.fine.push_back(sample);
  while (!s.fine.empty() && (s.fine.size() > kFineCapacity ||
                             s.fine.front().at_ms <= sample.at_ms - kFineRetentionMs)) {
    s.fine.pop_front();
  }
  while (!s.coarse.empty() && (s.coarse.size() > kCoarseCapacity ||
                               s.coarse.front().at_ms <= sample.at_ms - kCoarseRetentionMs)) {
    s.coarse.pop_front();
  }
}

std::vector<Sample> MetricsStore::Range(const std::string& service_id, int64_t now_ms,
                                        int64_t window_ms) const {
  std::lock_guard lock(mu_);
  std::vector<Sample> out;
  auto it = series_.find(service_id);
  if (it == series_.end()) return out;
  const Series& s = it->second;
  int64_t from = now_ms - window_ms;
  if (window_ms <= kFineRetentionMs) {
    for (const auto& p : s.fine) {
      if (p.at_ms > from && p.at_ms <= now_ms) out.push_back(p);
    }
    return out;
  }
  for (const auto& p : s.coarse) {
    if (p.at_ms > from && p.at_ms <= now_ms) out.push_back(p);
  }
  // The minute still open, so the newest point is never more than one interval old.
  if (!s.minute.empty() && s.minute.back().at_ms <= now_ms) {
    out.push_back(Rollup(s.minute, s.minute.back().at_ms));
  }
  return out;
}

std::map<std::string, Sample> MetricsStore::Latest() const {
  std::lock_guard lock(mu_);
  std::map<std::string, Sample> out;
  for (const auto& [id, s] : series_) {
    if (id.find('/') != std::string::npos) continue;  // a replica's series
    if (!s.fine.empty()) out[id] = s.fine.back();
  }
  return out;
}

void MetricsStore::DropIdle(int64_t cutoff_ms) {
  std::lock_guard lock(mu_);
  for (auto it = series_.begin(); it != series_.end();) {
    const Series& s = it->second;
    int64_t newest =
        s.fine.empty() ? (s.coarse.empty() ? 0 : s.coarse.back().at_ms) : s.fine.back().at_ms;
    it = newest < cutoff_ms ? series_.erase(it) : std::next(it);
  }
}

void MetricsStore::SetCoarseSink(CoarseSink sink) {
  std::lock_guard lock(mu_);
  coarse_sink_ = std::move(sink);
}

void MetricsStore::RestoreCoarse(const std::string& series, const std::vector<Sample>& points) {
  if (points.empty()) return;
  std::lock_guard lock(mu_);
  Series& s = series_[series];
  const int64_t newest = points.back().at_ms;
  std::deque<Sample> restored;
  for (const Sample& p : points) {
    if (p.at_ms <= newest - kCoarseRetentionMs) continue;
    if (!restored.empty() && p.at_ms <= restored.back().at_ms) continue;  // out of order
    restored.push_back(p);
  }
  // Points the store already has (recorded since the restart) stay; older ones go before them.
  const int64_t first_own = s.coarse.empty() ? INT64_MAX : s.coarse.front().at_ms;
  while (!restored.empty() && restored.back().at_ms >= first_own) restored.pop_back();
  for (auto it = s.coarse.begin(); it != s.coarse.end(); ++it) restored.push_back(*it);
  while (restored.size() > kCoarseCapacity) restored.pop_front();
  s.coarse = std::move(restored);
}

std::map<std::string, std::vector<Sample>> MetricsStore::CoarsePoints() const {
  std::lock_guard lock(mu_);
  std::map<std::string, std::vector<Sample>> out;
  for (const auto& [id, s] : series_) {
    if (!s.coarse.empty()) out[id] = std::vector<Sample>(s.coarse.begin(), s.coarse.end());
  }
  return out;
}

size_t MetricsStore::BytesUsed() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [id, s] : series_) {
    n += id.size() + sizeof(Series) +
         (s.fine.size() + s.coarse.size() + s.minute.capacity()) * sizeof(Sample);
  }
  return n;
}

}  // namespace ink::metrics
