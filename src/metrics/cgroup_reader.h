// Reads a container's raw counters from the host: its cgroup (v1 hybrid, as on this host, or
// v2 unified) and its network namespace (/proc/<pid>/net/dev of a process inside it; under
// gVisor with --network=host that is the sandbox's namespace, whose counters the kernel keeps).
// The parsers are pure and unit-tested; ReadContainerCounters does the file I/O.
// Thread-safe (no state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ink/metrics/metric_rules.h"

namespace ink::metrics {

struct CgroupLayout {
  std::string root = "/sys/fs/cgroup";  // v1: root/<controller><path>; v2: root<path>
  std::string proc = "/proc";
};

// Counters of the container whose cgroup path (relative to each hierarchy, e.g.
// "/libpod_parent/libpod-<id>") is `cgroup_path` and whose process `pid` lives in its network
// namespace. Fields it could not read stay unset (has_* false).
ContainerCounters ReadContainerCounters(const CgroupLayout& layout, const std::string& cgroup_path,
                                        int pid, int64_t now_ms);

// /proc/<pid>/net/dev: bytes received and sent, summed over every interface but "lo".
bool ParseNetDev(std::string_view text, uint64_t& rx_bytes, uint64_t& tx_bytes);
// A "key value" line file (cpu.stat, memory.events, memory.oom_control): the value of `key`;
// -1 if absent.
int64_t ParseKeyedValue(std::string_view text, std::string_view key);
// cgroup v2 cpu.max ("max 100000" / "50000 100000"): cores; 0 = unlimited.
double ParseCpuMax(std::string_view text);
// A single number file; "max" (v2) or a value beyond 2^62 (v1's unlimited) read as 0.
int64_t ParseLimit(std::string_view text);

}  // namespace ink::metrics
