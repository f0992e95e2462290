#include "ink/common/resources.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ink {
namespace {

constexpr char kExamples[] = "; use a size such as 256m, 1g, 512Mi or a whole byte count";

bool IsDecimal(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  int dots = 0;
  for (char c : s) {
    if (c == '.') {
      ++dots;
    } else if (!std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return dots <= 1 && s.size() <= 24;
}

// Bytes per unit, or 0 for an unknown unit.
double UnitScale(std::string unit) {
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.empty() || unit == "b") return 1;
  constexpr const char* kPrefixes = "kmgtp";
  for (int power = 1; power <= 5; ++power) {
    const char prefix = kPrefixes[power - 1];
    if (unit == std::string(1, prefix) || unit == std::string(1, prefix) + "b" ||
        unit == std::string(1, prefix) + "i" || unit == std::string(1, prefix) + "ib") {
      return std::pow(1024.0, power);
    }
  }
  return 0;
}

}  // namespace

namespace {

// A size in bytes, as ParseMemoryLimit describes, within [min, max]; `what` names it in errors.
Result<int64_t> ParseSize(std::string_view text, const std::string& what, int64_t min,
                          const std::string& below_min, int64_t max, const std::string& above_max) {
  const std::string shown(text.substr(0, 32));
  if (text.empty()) return InvalidArgument(what + " is empty" + kExamples);
  size_t split = 0;
  while (split < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[split])) || text[split] == '.')) {
    ++split;
  }
  std::string_view number = text.substr(0, split);
  std::string unit(text.substr(split));
  if (!IsDecimal(number)) {
    return InvalidArgument(what + " '" + shown + "' is not a size" + kExamples);
  }
  double scale = UnitScale(unit);
  if (scale == 0) {
    return InvalidArgument(what + " '" + shown + "' has an unknown unit '" + unit.substr(0, 8) +
                           "'" + kExamples);
  }
  if (scale == 1 && number.find('.') != std::string_view::npos) {
    return InvalidArgument(what + " '" + shown + "' is a fraction of a byte" + kExamples);
  }
  double bytes = std::floor(std::strtod(std::string(number).c_str(), nullptr) * scale);
  if (bytes < static_cast<double>(min)) {
    return InvalidArgument(what + " '" + shown + "' is below the minimum of " + below_min);
  }
  if (bytes > static_cast<double>(max)) {
    return InvalidArgument(what + " '" + shown + "' is above the limit of " + above_max);
  }
  return static_cast<int64_t>(bytes);
}

}  // namespace

Result<int64_t> ParseMemoryLimit(std::string_view text) {
  return ParseSize(text, "memory", kMinMemoryLimitBytes, "6m that a container needs to start",
                   kMaxMemoryLimitBytes, "1t (1024g)");
}

Result<int64_t> ParseVolumeSize(std::string_view text) {
  return ParseSize(text, "volume size", kMinVolumeBytes, "16Mi (the filesystem needs room)",
                   kMaxVolumeBytes, "1Ti (1024Gi) per volume");
}

std::string FormatMemory(int64_t bytes) {
  constexpr const char* kUnits[] = {"b", "k", "m", "g", "t"};
  int unit = 0;
  double value = static_cast<double>(bytes);
  while (unit < 4 && value >= 1024) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  if (value == std::floor(value)) {
    std::snprintf(text, sizeof text, "%.0f%s", value, kUnits[unit]);
  } else {
    std::snprintf(text, sizeof text, "%.2f", value);
    std::string trimmed = text;
    while (trimmed.back() == '0') trimmed.pop_back();
    if (trimmed.back() == '.') trimmed.pop_back();
    return trimmed + kUnits[unit];
  }
  return text;
}

Status ValidateCpuCores(double cores, std::string_view what) {
  const std::string rule = " must be 0 (inkd's default) or " + FormatCpuCores(kMinCpuCores) +
                           " to " + FormatCpuCores(kMaxCpuCores) + " cores in steps of " +
                           FormatCpuCores(kCpuCoresStep);
  if (!std::isfinite(cores)) return InvalidArgument(std::string(what) + rule);
  if (cores == 0) return {};
  double steps = cores / kCpuCoresStep;
  if (cores < kMinCpuCores || cores > kMaxCpuCores || std::fabs(steps - std::round(steps)) > 1e-6) {
    return InvalidArgument(std::string(what) + " " + FormatCpuCores(cores) + rule);
  }
  return {};
}

Result<double> ParseCpuCores(std::string_view text, std::string_view what) {
  const std::string shown(text.substr(0, 32));
  if (!IsDecimal(text)) {
    return InvalidArgument(std::string(what) + " '" + shown +
                           "' is not a number of cores such as 0.5 or 2");
  }
  double cores = std::strtod(std::string(text).c_str(), nullptr);
  if (cores == 0) {
    return InvalidArgument(std::string(what) + " must be above 0 cores, e.g. 0.5 or 2");
  }
  INK_RETURN_IF_ERROR(ValidateCpuCores(cores, what));
  return cores;
}

std::string FormatCpuCores(double cores) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", cores);
  return text;
}

Status ValidateAppPort(int64_t port, std::string_view what) {
  if (port < kMinAppPort || port > kMaxAppPort) {
    return InvalidArgument(std::string(what) + " " + std::to_string(port) + " is out of range " +
                           std::to_string(kMinAppPort) + "-" + std::to_string(kMaxAppPort));
  }
  return {};
}

}  // namespace ink
