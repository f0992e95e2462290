// Workspace quotas: the rules behind get_workspace_quota, set_workspace_quota and the admission
// check every operation that reserves capacity makes (deploy, update_service, rollback,
// deploy_template, create_volume, restore_volume, create_sandbox), kept apart from the store so
// they are unit-tested. A quota caps what a workspace reserves, not what it uses at a moment:
// CPU cores and memory (each service's limits times its replicas, plus live sandboxes), replicas
// and volume bytes. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/result.h"

namespace ink::api_internal {

// One cap per resource; nullopt = unlimited.
struct QuotaLimits {
  std::optional<double> cpu;  // cores
  std::optional<int64_t> memory_bytes;
  std::optional<int64_t> replicas;
  std::optional<int64_t> volume_bytes;
};

// A workspace's override of one resource's cap: absent = inkd's default (--quota-*), else a
// value (nullopt inside = unlimited for this workspace).
struct QuotaOverrides {
  std::optional<std::optional<double>> cpu;
  std::optional<std::optional<int64_t>> memory_bytes;
  std::optional<std::optional<int64_t>> replicas;
  std::optional<std::optional<int64_t>> volume_bytes;
};

// The caps in force: each override where set, else the default.
QuotaLimits EffectiveQuota(const QuotaLimits& defaults, const QuotaOverrides& overrides);

// What a workspace reserves. `holders` names who holds it, largest first in messages.
struct QuotaHolder {
  std::string name;  // "demo/web" (project/service), "sandbox sbx_..", "volume demo/data"
  double cpu = 0;
  int64_t memory_bytes = 0;
  int64_t replicas = 0;
  int64_t volume_bytes = 0;
};
struct QuotaUsage {
  double cpu = 0;
  int64_t memory_bytes = 0;
  int64_t replicas = 0;
  int64_t volume_bytes = 0;
  std::vector<QuotaHolder> holders;
  void Add(QuotaHolder holder);
};

// Admits a change that takes the workspace from `before` to `after` (both whole-workspace
// usages): refused, FailedPrecondition, when a resource would end above its cap AND the change
// raises it (a workspace already over a lowered cap may still scale down or redeploy without
// growing). The message names each resource over, what is in use and by whom (the largest
// holders), what the change adds, and how to get room; `what` names the change ("deploy of
// demo/web"). Nothing is changed by the caller when this fails.
Status AdmitQuota(const QuotaLimits& limits, const QuotaUsage& before, const QuotaUsage& after,
                  std::string_view what);

// set_workspace_quota's values: "unlimited", "default", or a value: cores ("4", "0.5"),
// a size ("8g", "512Mi"), a count ("10"). Parsed into an override (nullopt = "default").
// Errors name the field and show the accepted forms.
Result<std::optional<std::optional<double>>> ParseCpuQuota(std::string_view text);
Result<std::optional<std::optional<int64_t>>> ParseBytesQuota(std::string_view text,
                                                              std::string_view field);
Result<std::optional<std::optional<int64_t>>> ParseCountQuota(std::string_view text,
                                                              std::string_view field);

}  // namespace ink::api_internal
