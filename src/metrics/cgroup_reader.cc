#include "src/metrics/cgroup_reader.h"

#include <sys/stat.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace ink::metrics {
namespace {

bool ReadFile(const std::string& path, std::string& out) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

bool ToInt(std::string_view s, int64_t& v) {
  s = Trim(s);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

bool IsUnified(const std::string& root) {
  struct stat st;
  return ::stat((root + "/cgroup.controllers").c_str(), &st) == 0;
}

}  // namespace

bool ParseNetDev(std::string_view text, uint64_t& rx_bytes, uint64_t& tx_bytes) {
  rx_bytes = tx_bytes = 0;
  bool any = false;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;  // the two header lines
    std::string name(Trim(std::string_view(line).substr(0, colon)));
    if (name == "lo" || name.find('|') != std::string::npos) continue;
    std::istringstream fields(line.substr(colon + 1));
    uint64_t v[9] = {};
    for (auto& x : v) fields >> x;
    if (!fields) continue;
    rx_bytes += v[0];
    tx_bytes += v[8];
    any = true;
  }
  return any;
}

int64_t ParseKeyedValue(std::string_view text, std::string_view key) {
  std::istringstream in{std::string(text)};
  std::string k;
  std::string value;
  while (in >> k >> value) {
    int64_t v;
    if (k == key && ToInt(value, v)) return v;
  }
  return -1;
}

double ParseCpuMax(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string quota, period;
  in >> quota >> period;
  int64_t q, p;
  if (quota == "max" || !ToInt(quota, q) || !ToInt(period, p) || q <= 0 || p <= 0) return 0;
  return static_cast<double>(q) / static_cast<double>(p);
}

int64_t ParseLimit(std::string_view text) {
  int64_t v;
  if (Trim(text) == "max" || !ToInt(text, v) || v <= 0 || v > (int64_t{1} << 62)) return 0;
  return v;
}

ContainerCounters ReadContainerCounters(const CgroupLayout& layout, const std::string& cgroup_path,
                                        int pid, int64_t now_ms) {
  ContainerCounters c;
  c.at_ms = now_ms;
  std::string text;
  if (!cgroup_path.empty() && IsUnified(layout.root)) {
    std::string dir = layout.root + cgroup_path;
    if (ReadFile(dir + "/cpu.stat", text)) {
      int64_t usec = ParseKeyedValue(text, "usage_usec");
      if (usec >= 0) c.has_cpu = true, c.cpu_usage_ns = static_cast<uint64_t>(usec) * 1000;
    }
    if (ReadFile(dir + "/cpu.max", text)) c.cpu_limit = ParseCpuMax(text);
    int64_t v;
    if (ReadFile(dir + "/memory.current", text) && ToInt(text, v)) {
      c.has_memory = true;
      c.memory_bytes = v;
      if (ReadFile(dir + "/memory.max", text)) c.memory_limit = ParseLimit(text);
      if (ReadFile(dir + "/memory.events", text)) {
        c.oom_kills =
            static_cast<uint64_t>(std::max<int64_t>(0, ParseKeyedValue(text, "oom_kill")));
      }
    }
  } else if (!cgroup_path.empty()) {
    int64_t v;
    if (ReadFile(layout.root + "/cpuacct" + cgroup_path + "/cpuacct.usage", text) &&
        ToInt(text, v)) {
      c.has_cpu = true;
      c.cpu_usage_ns = static_cast<uint64_t>(v);
    }
    int64_t quota, period;
    std::string q, p;
    if (ReadFile(layout.root + "/cpu" + cgroup_path + "/cpu.cfs_quota_us", q) &&
        ReadFile(layout.root + "/cpu" + cgroup_path + "/cpu.cfs_period_us", p) && ToInt(q, quota) &&
        ToInt(p, period) && quota > 0 && period > 0) {
      c.cpu_limit = static_cast<double>(quota) / static_cast<double>(period);
    }
    std::string memory = layout.root + "/memory" + cgroup_path;
    if (ReadFile(memory + "/memory.usage_in_bytes", text) && ToInt(text, v)) {
      c.has_memory = true;
      c.memory_bytes = v;
      if (ReadFile(memory + "/memory.limit_in_bytes", text)) c.memory_limit = ParseLimit(text);
      if (ReadFile(memory + "/memory.oom_control", text)) {
        c.oom_kills =
            static_cast<uint64_t>(std::max<int64_t>(0, ParseKeyedValue(text, "oom_kill")));
      }
    }
  }
  if (pid > 0 && ReadFile(layout.proc + "/" + std::to_string(pid) + "/net/dev", text)) {
    c.has_network = ParseNetDev(text, c.rx_bytes, c.tx_bytes);
  }
  return c;
}

}  // namespace ink::metrics
