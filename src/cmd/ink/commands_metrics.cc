// ink metrics SERVICE: get_metrics drawn as a small terminal chart: one unicode sparkline per
// series (scaled to the series' limit when it has one, else to its max) with current, p95 and
// max, then the hints. --json prints the operation's answer as it is.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "output.h"
#include "session.h"

namespace ink::cli {
namespace {

std::string Number(double v, const char* unit) {
  char text[48];
  if (v != 0 && std::fabs(v) < 0.01) {
    std::snprintf(text, sizeof(text), "%.3f%s", v, unit);
  } else {
    std::snprintf(text, sizeof(text), "%.2f%s", v, unit);
  }
  return text;
}

std::string Bytes(double v) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (std::fabs(v) >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char text[48];
  std::snprintf(text, sizeof(text), u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return text;
}

std::vector<double> Values(const Json& series, const char* name) {
  std::vector<double> out;
  Json values = Member(series, name);
  if (!values.is_array()) return out;
  for (const Json& v : values) out.push_back(v.is_number() ? v.get<double>() : 0);
  return out;
}

struct Row {
  std::string label;
  std::vector<double> values;
  const Json* distribution;  // {current, p95, max}
  double limit;              // 0: none
  std::function<std::string(double)> format;
};

}  // namespace

int RunMetrics(Session& s) {
  Json input = s.Input();
  if (s.json()) {
    auto response = s.Answer();
    return response ? kExitOk : s.exit_code();
  }
  input["series"] = true;
  if (!s.Connect()) return s.exit_code();
  auto response = s.CallOperation(input);
  if (!response) return s.exit_code();
  const Json& m = *response;
  const Json series = Member(m, "series");
  auto cores = [](double v) { return Number(v, " cores"); };
  auto rate = [](double v) { return Bytes(v) + "/s"; };
  auto per_second = [](double v) { return Number(v, "/s"); };
  auto ms = [](double v) { return Number(v, " ms"); };
  Json cpu = Member(Member(m, "cpu"), "cores"), memory = Member(Member(m, "memory"), "bytes");
  Json network = Member(m, "network"), requests = Member(m, "requests");
  Json rx = Member(network, "rx_bytes_per_s"), tx = Member(network, "tx_bytes_per_s");
  Json rps = Member(requests, "per_second"), p95 = Member(Member(requests, "latency_ms"), "p95");
  std::vector<Row> rows = {
      {"CPU", Values(series, "cpu_cores"), &cpu, NumberAt(m, {"cpu", "limit_cores"}), cores},
      {"memory", Values(series, "memory_bytes"), &memory, NumberAt(m, {"memory", "limit_bytes"}),
       [](double v) { return Bytes(v); }},
      {"net rx", Values(series, "rx_bytes_per_s"), &rx, 0, rate},
      {"net tx", Values(series, "tx_bytes_per_s"), &tx, 0, rate},
  };
  if (rps.is_object()) {
    rows.push_back({"requests", Values(series, "requests_per_s"), &rps, 0, per_second});
  }
  s.out() << Field(m, "service") << " (project " << Field(m, "project") << "), last "
          << Field(m, "window") << ", " << Field(m, "points") << " samples, "
          << Field(m, "replicas") << " replica(s)\n";
  size_t chart_width = 0;
  for (const auto& row : rows) chart_width = std::max(chart_width, row.values.size());
  for (const auto& row : rows) {
    std::string line = row.label + std::string(10 - std::min<size_t>(row.label.size(), 9), ' ');
    std::string chart = Sparkline(row.values, row.limit);
    line += chart + std::string(chart_width - row.values.size(), ' ') + "  ";
    line += "now " + row.format(NumberAt(*row.distribution, {"current"})) + ", p95 " +
            row.format(NumberAt(*row.distribution, {"p95"})) + ", max " +
            row.format(NumberAt(*row.distribution, {"max"}));
    if (row.limit > 0) line += " (limit " + row.format(row.limit) + ")";
    s.out() << line << "\n";
  }
  if (p95.is_object()) {
    s.out() << "latency   p50 " << ms(NumberAt(requests, {"latency_ms", "p50", "p95"})) << ", p95 "
            << ms(NumberAt(p95, {"p95"})) << ", p99 "
            << ms(NumberAt(requests, {"latency_ms", "p99", "p95"})) << " (p95 over the window)\n";
  }
  s.out() << "restarts  " << Field(m, "restarts") << ", OOM kills " << Field(m, "oom_kills");
  if (NumberAt(requests, {"total"}) > 0) {
    s.out() << ", requests " << Field(requests, "total") << " (5xx "
            << Field(Member(requests, "status"), "5xx") << ")";
  }
  s.out() << "\n";
  Json hints = Member(m, "hints");
  for (const Json& hint : hints.is_array() ? hints : Json::array()) {
    s.out() << "hint: " << (hint.is_string() ? hint.get<std::string>() : hint.dump()) << "\n";
  }
  return kExitOk;
}

}  // namespace ink::cli
