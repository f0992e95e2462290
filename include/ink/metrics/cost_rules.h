// The rules behind get_cost, kept apart from the store, the sampler and the clock: a price table
// (parsed from inkd's --prices file or the defaults), what a service reserves (its limits times
// its replicas, its volumes), what it used over a window (from the metrics samples), the hourly
// and monthly estimate of each, and a suggestion when the service is over- or under-provisioned
// for what it used. Every function is pure.
//
// Two estimates, because peers bill both ways: "reserved" is what the service may use at any
// moment (Render and Fly price instance sizes), "measured" is what it did use (Railway bills
// CPU-seconds and memory-seconds). Egress is metered in both. Volumes are billed by size in both
// (Ink does not measure the bytes used inside a volume).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/result.h"
#include "ink/metrics/metrics_store.h"

namespace ink::metrics {

inline constexpr double kHoursPerMonth = 730;  // 365 * 24 / 12, as cloud price lists use

// Prices in `currency`. The defaults are Railway's public usage rates (railway.com/pricing:
// $20 per vCPU-month, $10 per GB-month of memory, $0.15 per GB-month of volume, $0.05 per GB
// of egress), turned into hourly rates over kHoursPerMonth.
struct PriceTable {
  std::string currency = "USD";
  double vcpu_hour = 20.0 / kHoursPerMonth;
  double memory_gib_hour = 10.0 / kHoursPerMonth;
  double volume_gib_month = 0.15;
  double egress_gib = 0.05;
};

// Reads a price table from JSON such as {"currency": "EUR", "vcpu_hour": 0.03}; keys left out
// keep their default. Unknown keys, negative or non-numeric prices are refused, naming the key.
Result<PriceTable> ParsePriceTable(const std::string& json_text);

// What a service holds whatever it does.
struct Reservation {
  double cpu_cores = 0;     // per replica; 0 = no limit (reserved CPU then counts what it used)
  double memory_bytes = 0;  // per replica; 0 = no limit (likewise)
  int replicas = 1;
  double volume_bytes = 0;  // summed over its volumes
};

// What a service used over a window, from its samples.
struct Usage {
  double covered_s = 0;       // seconds the samples cover
  double cpu_cores_mean = 0;  // summed over replicas
  double cpu_cores_p95 = 0;
  double memory_bytes_mean = 0;  // summed over replicas
  double memory_bytes_max = 0;
  double egress_bytes_per_s = 0;  // mean network sent (over 10 minutes at least)
  int64_t oom_kills = 0;
};
Usage UsageOf(const std::vector<Sample>& samples, int64_t oom_kill_events);

// Money per hour, by resource.
struct CostLine {
  double cpu = 0, memory = 0, volume = 0, egress = 0;
  double Total() const { return cpu + memory + volume + egress; }
};

// A cheaper or safer shape for the service, when its usage says so.
struct Suggestion {
  double cpu_cores = 0;              // per replica; 0 = keep
  double memory_bytes = 0;           // per replica; 0 = keep
  int replicas = 0;                  // 0 = keep
  double monthly_change = 0;         // reserved cost at the new shape minus now (negative: saves)
  std::vector<std::string> reasons;  // one sentence per change, with the figures behind it
};

struct CostEstimate {
  CostLine reserved_hourly, measured_hourly;
  double reserved_monthly = 0, measured_monthly = 0;
  Suggestion suggestion;  // empty reasons: nothing to change
  std::string note;       // why there is no suggestion yet, or what an estimate assumed
};

// Suggestions need this much of the window sampled; less and the note says how much more.
inline constexpr double kMinCoveredSecondsForSuggestion = 600;

CostEstimate EstimateCost(const Reservation& reserved, const Usage& used, const PriceTable& prices);

// "$1.23", "$0.004", "€12.00": two decimals, or three significant digits under a cent.
std::string FormatMoney(double amount, std::string_view currency);

}  // namespace ink::metrics
