#include "ink/metrics/process_figures.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace ink::metrics {

double ResidentBytesFromStatus(std::string_view status) {
  size_t at = status.find("\nVmRSS:");
  if (at == std::string_view::npos) return 0;
  std::string rest(status.substr(at + 7, 40));
  return std::strtod(rest.c_str(), nullptr) * 1024;  // "VmRSS:   12345 kB"
}

double CpuSecondsFromStat(std::string_view stat, double ticks_per_second) {
  size_t close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return 0;
  std::istringstream fields{std::string(stat.substr(close + 1))};
  // After the command: state (3), ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt,
  // majflt, cmajflt, utime (14), stime (15).
  std::vector<std::string> f;
  std::string field;
  while (f.size() < 13 && fields >> field) f.push_back(field);
  if (f.size() < 13) return 0;
  return (std::strtod(f[11].c_str(), nullptr) + std::strtod(f[12].c_str(), nullptr)) /
         ticks_per_second;
}

ProcessFigures ReadProcessFigures() {
  auto read = [](const char* path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  return {.resident_bytes = ResidentBytesFromStatus(read("/proc/self/status")),
          .cpu_seconds = CpuSecondsFromStat(read("/proc/self/stat"),
                                            static_cast<double>(sysconf(_SC_CLK_TCK)))};
}

}  // namespace ink::metrics
