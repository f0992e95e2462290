#include "ink/metrics/cost_rules.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ink/common/json.h"
#include "ink/common/resources.h"
#include "ink/metrics/metric_rules.h"

namespace ink::metrics {
namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;
constexpr double kMemoryStep = 64.0 * 1024 * 1024;  // suggested limits are whole 64 MiB
constexpr double kCpuStep = 0.05;                   // and whole 0.05 cores

// A fraction of a limit, as a whole percentage ("93%").
std::string Percent(double part, double whole) {
  return std::to_string(static_cast<int>(std::lround(whole > 0 ? 100 * part / whole : 0))) + "%";
}

std::string Cores(double cores) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", cores);
  return buf;
}

// `value` rounded up to a whole `step`, forgiving the float error of the samples.
double RoundUp(double value, double step) { return std::ceil(value / step - 1e-4) * step; }

CostLine Hourly(double cpu_cores, double memory_bytes, const Reservation& r, const Usage& u,
                const PriceTable& p) {
  return {.cpu = cpu_cores * p.vcpu_hour,
          .memory = memory_bytes / kGiB * p.memory_gib_hour,
          .volume = r.volume_bytes / kGiB * p.volume_gib_month / kHoursPerMonth,
          .egress = u.egress_bytes_per_s * 3600 / kGiB * p.egress_gib};
}

// Reserved cores and bytes of a shape; an unlimited resource counts what was used at its peak.
double ReservedCpu(double per_replica, int replicas, const Usage& u) {
  return per_replica > 0 ? per_replica * replicas : u.cpu_cores_p95;
}
double ReservedMemory(double per_replica, int replicas, const Usage& u) {
  return per_replica > 0 ? per_replica * replicas : u.memory_bytes_max;
}

// The replicas the per-replica suggestions are sized for: the suggested count, if any.
int Replicas(const Reservation& r, const Suggestion& s) {
  return s.replicas > 0 ? s.replicas : r.replicas;
}

void SuggestCpu(const Reservation& r, const Usage& u, Suggestion& s) {
  if (r.cpu_cores <= 0) return;
  double limit = r.cpu_cores * r.replicas;
  if (u.cpu_cores_p95 >= 0.9 * limit) {
    double raised = std::min<double>(kMaxCpuCores, RoundUp(r.cpu_cores * 2, kCpuStep));
    if (raised <= r.cpu_cores) return;
    s.cpu_cores = raised;
    s.reasons.push_back("CPU p95 " + Cores(u.cpu_cores_p95) + " cores is " +
                        Percent(u.cpu_cores_p95, limit) + " of its limit " + Cores(limit) +
                        ": it is throttled; raise cpu to " + FormatCpuCores(raised));
  } else if (u.cpu_cores_p95 < 0.3 * limit) {
    double lowered = std::max(kCpuStep, RoundUp(2 * u.cpu_cores_p95 / Replicas(r, s), kCpuStep));
    if (lowered > 0.75 * r.cpu_cores) return;
    s.cpu_cores = lowered;
    s.reasons.push_back("CPU p95 " + Cores(u.cpu_cores_p95) + " cores is " +
                        Percent(u.cpu_cores_p95, limit) + " of its limit " + Cores(limit) +
                        "; cpu " + FormatCpuCores(lowered) + " still leaves twice the p95");
  }
}

void SuggestMemory(const Reservation& r, const Usage& u, Suggestion& s) {
  if (r.memory_bytes <= 0) return;
  double limit = r.memory_bytes * r.replicas;
  if (u.oom_kills > 0 || u.memory_bytes_max >= 0.9 * limit) {
    double raised =
        std::min<double>(kMaxMemoryLimitBytes, RoundUp(r.memory_bytes * 2, kMemoryStep));
    if (raised <= r.memory_bytes) return;
    s.memory_bytes = raised;
    std::string why = u.oom_kills > 0 ? std::to_string(u.oom_kills) + " OOM kill(s) and " : "";
    s.reasons.push_back(why + "memory peak " + FormatBytes(u.memory_bytes_max) + " is " +
                        Percent(u.memory_bytes_max, limit) + " of its limit " + FormatBytes(limit) +
                        "; raise memory to " + FormatMemory(static_cast<int64_t>(raised)));
  } else if (u.memory_bytes_max < 0.4 * limit) {
    double lowered =
        std::max(kMemoryStep, RoundUp(1.5 * u.memory_bytes_max / Replicas(r, s), kMemoryStep));
    if (lowered > 0.75 * r.memory_bytes) return;
    s.memory_bytes = lowered;
    s.reasons.push_back("memory peak " + FormatBytes(u.memory_bytes_max) + " is " +
                        Percent(u.memory_bytes_max, limit) + " of its limit " + FormatBytes(limit) +
                        "; memory " + FormatMemory(static_cast<int64_t>(lowered)) +
                        " still leaves half again the peak");
  }
}

void SuggestReplicas(const Reservation& r, const Usage& u, Suggestion& s) {
  if (r.replicas <= 1 || r.cpu_cores <= 0 || r.memory_bytes <= 0) return;
  if (u.cpu_cores_p95 >= 0.5 * r.cpu_cores || u.memory_bytes_max >= 0.5 * r.memory_bytes) return;
  s.replicas = 1;
  s.reasons.push_back(std::to_string(r.replicas) + " replicas together used under half of one (" +
                      Cores(u.cpu_cores_p95) + " cores p95, " + FormatBytes(u.memory_bytes_max) +
                      " peak); 1 replica would carry the load, unless you keep them for "
                      "availability");
}

}  // namespace

Result<PriceTable> ParsePriceTable(const std::string& json_text) {
  auto parsed = ParseJson(json_text);
  if (!parsed.ok()) return parsed.error();
  const Json& doc = *parsed;
  if (!doc.is_object()) {
    return InvalidArgument("a price table is a JSON object such as {\"vcpu_hour\": 0.0274}");
  }
  PriceTable table;
  const std::pair<const char*, double*> prices[] = {{"vcpu_hour", &table.vcpu_hour},
                                                    {"memory_gib_hour", &table.memory_gib_hour},
                                                    {"volume_gib_month", &table.volume_gib_month},
                                                    {"egress_gib", &table.egress_gib}};
  for (const auto& [key, value] : doc.items()) {
    if (key == "currency") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return InvalidArgument("price table: currency must be a code such as \"USD\" or \"EUR\"");
      }
      table.currency = value.get<std::string>();
      continue;
    }
    const std::string name = key;  // a structured binding cannot be captured (clang 14)
    auto* slot = std::find_if(std::begin(prices), std::end(prices),
                              [&name](const auto& p) { return name == p.first; });
    if (slot == std::end(prices)) {
      return InvalidArgument("price table: unknown key \"" + key +
                             "\"; known: currency, vcpu_hour, memory_gib_hour, volume_gib_month, "
                             "egress_gib");
    }
    if (!value.is_number() || value.get<double>() < 0 || !std::isfinite(value.get<double>())) {
      return InvalidArgument("price table: " + key + " must be a price of 0 or more");
    }
    *slot->second = value.get<double>();
  }
  return table;
}

Usage UsageOf(const std::vector<Sample>& samples, int64_t oom_kill_events) {
  Usage u;
  std::vector<double> cpu;
  double counted_ooms = 0;
  for (const Sample& s : samples) {
    double dt = s.interval_s;
    u.covered_s += dt;
    u.cpu_cores_mean += s.cpu_cores * dt;
    u.memory_bytes_mean += s.memory_bytes * dt;
    u.egress_bytes_per_s += s.tx_bytes_per_s * dt;
    u.memory_bytes_max = std::max<double>(u.memory_bytes_max, s.memory_bytes);
    counted_ooms += s.oom_kills;
    cpu.push_back(s.cpu_cores);
  }
  if (u.covered_s > 0) {
    u.cpu_cores_mean /= u.covered_s;
    u.memory_bytes_mean /= u.covered_s;
    // Bytes sent over at least kMinCoveredSecondsForSuggestion: a burst in a service's first
    // minutes is not priced as if it went on all month.
    u.egress_bytes_per_s /= std::max(u.covered_s, kMinCoveredSecondsForSuggestion);
  }
  u.cpu_cores_p95 = Percentile(std::move(cpu), 0.95);
  u.oom_kills = std::max(oom_kill_events, static_cast<int64_t>(std::lround(counted_ooms)));
  return u;
}

CostEstimate EstimateCost(const Reservation& r, const Usage& u, const PriceTable& p) {
  CostEstimate e;
  e.reserved_hourly = Hourly(ReservedCpu(r.cpu_cores, r.replicas, u),
                             ReservedMemory(r.memory_bytes, r.replicas, u), r, u, p);
  e.measured_hourly = Hourly(u.cpu_cores_mean, u.memory_bytes_mean, r, u, p);
  e.reserved_monthly = e.reserved_hourly.Total() * kHoursPerMonth;
  e.measured_monthly = e.measured_hourly.Total() * kHoursPerMonth;
  if (r.cpu_cores <= 0 || r.memory_bytes <= 0) {
    e.note = "no limit on " + std::string(r.cpu_cores <= 0 ? "CPU" : "memory") +
             ": its reserved cost counts its peak use instead";
  }
  if (u.covered_s < kMinCoveredSecondsForSuggestion) {
    e.note = "only " + std::to_string(static_cast<int64_t>(u.covered_s)) +
             " s of samples in the window; suggestions need " +
             std::to_string(static_cast<int64_t>(kMinCoveredSecondsForSuggestion / 60)) +
             " min of running";
    return e;
  }
  SuggestReplicas(r, u, e.suggestion);  // first: the others size one replica for its load
  SuggestCpu(r, u, e.suggestion);
  SuggestMemory(r, u, e.suggestion);
  const Suggestion& s = e.suggestion;
  if (!s.reasons.empty()) {
    Reservation next = r;
    if (s.cpu_cores > 0) next.cpu_cores = s.cpu_cores;
    if (s.memory_bytes > 0) next.memory_bytes = s.memory_bytes;
    if (s.replicas > 0) next.replicas = s.replicas;
    double next_monthly = Hourly(ReservedCpu(next.cpu_cores, next.replicas, u),
                                 ReservedMemory(next.memory_bytes, next.replicas, u), next, u, p)
                              .Total() *
                          kHoursPerMonth;
    e.suggestion.monthly_change = next_monthly - e.reserved_monthly;
  }
  return e;
}

std::string FormatMoney(double amount, std::string_view currency) {
  std::string sign = amount < 0 ? "-" : "";
  amount = std::fabs(amount);
  std::string symbol = currency == "USD"   ? "$"
                       : currency == "EUR" ? "€"
                       : currency == "GBP" ? "£"
                                           : std::string(currency) + " ";
  char buf[48];
  if (amount == 0 || amount >= 0.01) {
    std::snprintf(buf, sizeof buf, "%.2f", amount);
  } else {
    int decimals = std::min(10, 2 - static_cast<int>(std::floor(std::log10(amount))));
    std::snprintf(buf, sizeof buf, "%.*f", decimals, amount);  // three significant digits
  }
  return sign + symbol + buf;
}

}  // namespace ink::metrics
