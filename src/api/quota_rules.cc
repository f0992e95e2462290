#include "src/api/quota_rules.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "ink/common/resources.h"

namespace ink::api_internal {
namespace {

template <typename T>
std::optional<T> Pick(const std::optional<std::optional<T>>& override_value,
                      const std::optional<T>& fallback) {
  return override_value.has_value() ? *override_value : fallback;
}

std::string Cores(double cores) {
  // Sums of 0.01 steps: round away the floating-point dust before printing.
  return FormatCpuCores(std::round(cores * 100) / 100);
}

// One resource of a refusal: its words, and the holders sorted by their share of it.
struct Resource {
  std::string name;  // "cpu", "memory", "replicas", "volume bytes"
  double cap, before, after;
  std::string (*format)(double);
  double (*share)(const QuotaHolder&);
};

std::string FormatCores(double v) { return Cores(v) + " cores"; }
std::string FormatBytes(double v) { return FormatMemory(static_cast<int64_t>(v)); }
std::string FormatCount(double v) { return std::to_string(static_cast<int64_t>(v)); }

std::string TopHolders(const QuotaUsage& before, const Resource& r) {
  std::vector<const QuotaHolder*> sorted;
  for (const auto& h : before.holders) {
    if (r.share(h) > 0) sorted.push_back(&h);
  }
  std::stable_sort(sorted.begin(), sorted.end(), [&r](const QuotaHolder* a, const QuotaHolder* b) {
    return r.share(*a) > r.share(*b);
  });
  std::string out;
  const size_t shown = std::min<size_t>(sorted.size(), 3);
  for (size_t i = 0; i < shown; ++i) {
    out += (i == 0 ? "" : ", ") + sorted[i]->name + " " + r.format(r.share(*sorted[i]));
  }
  if (sorted.size() > shown) out += ", and " + std::to_string(sorted.size() - shown) + " more";
  return out;
}

bool IsWord(std::string_view text, std::string_view word) {
  if (text.size() != word.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != word[i]) return false;
  }
  return true;
}

}  // namespace

void QuotaUsage::Add(QuotaHolder holder) {
  cpu += holder.cpu;
  memory_bytes += holder.memory_bytes;
  replicas += holder.replicas;
  volume_bytes += holder.volume_bytes;
  holders.push_back(std::move(holder));
}

QuotaLimits EffectiveQuota(const QuotaLimits& defaults, const QuotaOverrides& overrides) {
  return {.cpu = Pick(overrides.cpu, defaults.cpu),
          .memory_bytes = Pick(overrides.memory_bytes, defaults.memory_bytes),
          .replicas = Pick(overrides.replicas, defaults.replicas),
          .volume_bytes = Pick(overrides.volume_bytes, defaults.volume_bytes)};
}

Status AdmitQuota(const QuotaLimits& limits, const QuotaUsage& before, const QuotaUsage& after,
                  std::string_view what) {
  std::vector<Resource> resources;
  auto consider = [&](std::string name, auto cap, double b, double a, auto format, auto share) {
    if (!cap.has_value()) return;
    double c = static_cast<double>(*cap);
    // A cent of a core is the smallest step: sums of steps compare with that tolerance.
    const double epsilon = name == "cpu" ? 0.005 : 0;
    if (a > c + epsilon && a > b + epsilon) {
      resources.push_back({std::move(name), c, b, a, format, share});
    }
  };
  consider("cpu", limits.cpu, before.cpu, after.cpu, &FormatCores,
           +[](const QuotaHolder& h) { return h.cpu; });
  consider("memory", limits.memory_bytes, static_cast<double>(before.memory_bytes),
           static_cast<double>(after.memory_bytes), &FormatBytes,
           +[](const QuotaHolder& h) { return static_cast<double>(h.memory_bytes); });
  consider("replicas", limits.replicas, static_cast<double>(before.replicas),
           static_cast<double>(after.replicas), &FormatCount,
           +[](const QuotaHolder& h) { return static_cast<double>(h.replicas); });
  consider("volume bytes", limits.volume_bytes, static_cast<double>(before.volume_bytes),
           static_cast<double>(after.volume_bytes), &FormatBytes,
           +[](const QuotaHolder& h) { return static_cast<double>(h.volume_bytes); });
  if (resources.empty()) return {};
  std::string message = std::string(what) + " is over this workspace's quota: ";
  for (size_t i = 0; i < resources.size(); ++i) {
    const Resource& r = resources[i];
    message += (i == 0 ? "" : "; ") + r.name + " would be " + r.format(r.after) + " of " +
               r.format(r.cap) + " allowed (" + r.format(r.before) + " in use";
    std::string top = TopHolders(before, r);
    if (!top.empty()) message += ": " + top;
    message += "; this adds " + r.format(r.after - r.before) + ")";
  }
  message +=
      ". Ask for less (lower cpu, memory or replicas), free some (scale a service down, delete "
      "one, a volume or a sandbox), or have an admin raise the quota (set_workspace_quota, "
      "`ink quota set`); see `ink quota` for what is in use. Nothing was changed.";
  return FailedPrecondition(message);
}

Result<std::optional<std::optional<double>>> ParseCpuQuota(std::string_view text) {
  if (IsWord(text, "default")) return std::optional<std::optional<double>>{};
  if (IsWord(text, "unlimited")) return std::optional<std::optional<double>>{std::in_place};
  double cores = -1;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), cores);
  if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(cores) ||
      cores < 0 || cores > 4096) {
    return InvalidArgument("cpu quota '" + std::string(text.substr(0, 32)) +
                           "' must be a number of cores from 0 to 4096 (\"8\", \"0.5\"), "
                           "\"unlimited\" or \"default\" (inkd's --quota-cpu)");
  }
  return std::optional<std::optional<double>>{std::round(cores * 100) / 100};
}

Result<std::optional<std::optional<int64_t>>> ParseBytesQuota(std::string_view text,
                                                              std::string_view field) {
  using Out = std::optional<std::optional<int64_t>>;
  if (IsWord(text, "default")) return Out{};
  if (IsWord(text, "unlimited")) return Out{std::in_place};
  if (text == "0") return Out{int64_t{0}};
  auto bytes = ParseMemoryLimit(text);
  if (!bytes.ok()) {
    return InvalidArgument(std::string(field) + " quota '" + std::string(text.substr(0, 32)) +
                           "' must be a size from 6m to 1t (\"8g\", \"512Mi\"), 0, \"unlimited\" "
                           "or \"default\" (inkd's --quota-" +
                           std::string(field) + ")");
  }
  return Out{*bytes};
}

Result<std::optional<std::optional<int64_t>>> ParseCountQuota(std::string_view text,
                                                              std::string_view field) {
  using Out = std::optional<std::optional<int64_t>>;
  if (IsWord(text, "default")) return Out{};
  if (IsWord(text, "unlimited")) return Out{std::in_place};
  int64_t n = -1;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (error != std::errc{} || end != text.data() + text.size() || n < 0 || n > 100000) {
    return InvalidArgument(std::string(field) + " quota '" + std::string(text.substr(0, 32)) +
                           "' must be a whole number from 0 to 100000, \"unlimited\" or "
                           "\"default\" (inkd's --quota-" +
                           std::string(field) + ")");
  }
  return Out{n};
}

}  // namespace ink::api_internal
