// inkd's own resource figures for /metrics: resident memory and CPU time, from /proc.
// The parsers are pure (tested on fixed text); ReadProcessFigures reads /proc/self.
// Thread-safe: no state.
#pragma once

#include <string>
#include <string_view>

namespace ink::metrics {

struct ProcessFigures {
  double resident_bytes = 0;  // VmRSS
  double cpu_seconds = 0;     // user + system
};

// VmRSS of a /proc/PID/status text in bytes; 0 if absent.
double ResidentBytesFromStatus(std::string_view status);
// utime + stime of a /proc/PID/stat line in seconds (`ticks_per_second`: sysconf(_SC_CLK_TCK));
// 0 if malformed. The command name (field 2) may hold spaces and parentheses.
double CpuSecondsFromStat(std::string_view stat, double ticks_per_second);
// This process's figures (zeros where /proc cannot be read).
ProcessFigures ReadProcessFigures();

}  // namespace ink::metrics
