// libFuzzer target for the edge's stats file (ParseEdgeStats), which inkd reads every sample
// from a file another process writes. Beyond "no crash": every service read has a non-empty id
// and one count per latency bucket, at most kMaxEdgeStatsServices are read, and a second parse
// gives the same counters.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ink/common/fuzz_check.h"
#include "ink/metrics/edge_stats_reader.h"
#include "ink/metrics/metric_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = ink::metrics::ParseEdgeStats(text);
  if (!parsed.ok()) {
    CHECK_PROPERTY(!parsed.error().message.empty());
    return 0;
  }
  CHECK_PROPERTY(parsed->size() <= ink::metrics::kMaxEdgeStatsServices);
  for (const auto& [id, counters] : *parsed) {
    CHECK_PROPERTY(!id.empty());
    CHECK_PROPERTY(counters.latency_buckets.size() == ink::metrics::LatencyBucketsMs().size());
  }
  auto again = ink::metrics::ParseEdgeStats(text);
  CHECK_PROPERTY(again.ok() && again->size() == parsed->size());
  for (const auto& [id, counters] : *parsed) {
    const auto& other = again->at(id);
    for (int i = 0; i < 4; ++i) CHECK_PROPERTY(other.status[i] == counters.status[i]);
    CHECK_PROPERTY(other.latency_buckets == counters.latency_buckets);
  }
  return 0;
}
