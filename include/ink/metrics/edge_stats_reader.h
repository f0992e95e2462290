// Reads ink-edge's per-service request counters from the stats file it writes beside the route
// file (DATA/edge-stats.json; format in ink/edge/edge_stats.h) into what the MetricsSampler
// takes as SamplerOptions::edge_counters.
//
// ParseEdgeStats is pure and total: any text gives counters or an error, never a crash (it is
// fuzzed). A file that is not an object with a "services" object, or whose latency bounds are
// not inkd's LatencyBucketsMs(), is an error; a malformed service entry is skipped. The counters
// are cumulative since the edge started; the sampler turns them into per-interval deltas.
// Thread contract: none (no state).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "ink/common/result.h"
#include "ink/metrics/sampler.h"

namespace ink::metrics {

// Most service entries read from one file (the edge's own limit on route entries).
inline constexpr size_t kMaxEdgeStatsServices = 100000;

Result<std::map<std::string, EdgeServiceCounters>> ParseEdgeStats(std::string_view text);

// The counters in the file at `path`: none when it is missing (no edge, or an edge too old to
// count) or malformed, which means "no traffic figures", never an error.
std::map<std::string, EdgeServiceCounters> ReadEdgeStatsFile(const std::string& path);

}  // namespace ink::metrics
