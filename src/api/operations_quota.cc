// Workspace quotas: get_workspace_quota (caps, what is reserved and by whom), set_workspace_quota
// (admin tokens only), and the admission checks of every operation that reserves capacity. The
// rules are pure (quota_rules.h); this file gathers a workspace's services, volumes and live
// sandboxes and holds the workspace's admission lock from a check until the write that reserves,
// so two concurrent deploys cannot both take the last of a quota.
#include <map>
#include <memory>

#include "ink/common/resources.h"
#include "ink/controller/runtime_policy.h"
#include "src/api/operations_internal.h"
#include "src/api/quota_rules.h"

namespace ink::api_internal {
namespace {

std::optional<double> CapOf(double v) {
  return v == kQuotaUnlimited ? std::nullopt : std::optional<double>(v);
}
std::optional<int64_t> CapOf(int64_t v) {
  return v == kQuotaUnlimited ? std::nullopt : std::optional<int64_t>(v);
}
template <typename T>
std::optional<std::optional<T>> OverrideOf(T v) {
  if (v == static_cast<T>(kQuotaDefault)) return std::nullopt;
  return std::optional<std::optional<T>>(std::in_place, CapOf(v));
}
template <typename T>
T StoredOf(const std::optional<std::optional<T>>& o) {
  if (!o.has_value()) return static_cast<T>(kQuotaDefault);
  if (!o->has_value()) return static_cast<T>(kQuotaUnlimited);
  return **o;
}

QuotaLimits Defaults(const OperationDeps& deps) {
  const WorkspaceQuota& d = deps.default_quota;
  return {.cpu = CapOf(d.cpu),
          .memory_bytes = CapOf(d.memory_bytes),
          .replicas = CapOf(d.replicas),
          .volume_bytes = CapOf(d.volume_bytes)};
}

QuotaOverrides OverridesOf(const WorkspaceQuota& q) {
  return {.cpu = OverrideOf(q.cpu),
          .memory_bytes = OverrideOf(q.memory_bytes),
          .replicas = OverrideOf(q.replicas),
          .volume_bytes = OverrideOf(q.volume_bytes)};
}

QuotaHolder ServiceHolder(const OperationDeps& deps, const std::string& name,
                          const ServiceSpec& spec) {
  ContainerLimits limits = LimitsFor(deps.controller.policy(), spec);
  int64_t replicas = std::max(kMinReplicas, spec.replicas);
  return {.name = name,
          .cpu = limits.cpu * static_cast<double>(replicas),
          .memory_bytes = limits.memory_bytes * replicas,
          .replicas = replicas};
}

// Every reservation of the workspace; `skip_service` ("project id/name") is left out, the one
// a change replaces.
Result<QuotaUsage> WorkspaceUsage(OperationDeps& deps, const std::string& workspace_id,
                                  const std::string& skip_service = "") {
  QuotaUsage usage;
  auto projects = deps.store.ListProjects(workspace_id);
  if (!projects.ok()) return projects.error();
  for (const Project& p : *projects) {
    auto services = deps.store.ListServices(workspace_id, p.id);
    if (!services.ok()) return services.error();
    for (const Service& s : *services) {
      if (p.id + "/" + s.name == skip_service) continue;
      usage.Add(ServiceHolder(deps, p.name + "/" + s.name, s.spec));
    }
    auto volumes = deps.store.ListVolumes(workspace_id, p.id);
    if (!volumes.ok()) return volumes.error();
    for (const Volume& v : *volumes) {
      usage.Add({.name = "volume " + p.name + "/" + v.name, .volume_bytes = v.size_bytes});
    }
  }
  auto sandboxes = deps.store.ListSandboxes(workspace_id);
  if (!sandboxes.ok()) return sandboxes.error();
  for (const Sandbox& s : *sandboxes) {
    usage.Add({.name = "sandbox " + s.id, .cpu = s.cpu, .memory_bytes = s.memory_bytes});
  }
  return usage;
}

Result<QuotaLimits> LimitsOf(OperationDeps& deps, const std::string& workspace_id) {
  auto own = deps.store.GetWorkspaceQuota(workspace_id);
  if (!own.ok()) return own.error();
  return EffectiveQuota(Defaults(deps), OverridesOf(*own));
}

// Locks `workspace_id`'s admissions (one mutex per workspace: another tenant never waits).
QuotaAdmission LockWorkspace(OperationDeps& deps, const std::string& workspace_id) {
  QuotaLocks& locks = *deps.quota_locks;
  std::mutex* mu;
  {
    std::lock_guard guard(locks.mu);
    auto& slot = locks.by_workspace[workspace_id];
    if (slot == nullptr) slot = std::make_unique<std::mutex>();
    mu = slot.get();
  }
  return QuotaAdmission(*mu);
}

// Checks a change from `before` to before-plus-`holder`, under the lock.
Result<QuotaAdmission> Admit(OperationDeps& deps, const Caller& caller,
                             const std::string& skip_service, QuotaHolder holder,
                             const std::string& what) {
  QuotaAdmission lock = LockWorkspace(deps, caller.workspace_id);
  auto limits = LimitsOf(deps, caller.workspace_id);
  if (!limits.ok()) return limits.error();
  auto before = WorkspaceUsage(deps, caller.workspace_id);
  if (!before.ok()) return before.error();
  auto after = WorkspaceUsage(deps, caller.workspace_id, skip_service);
  if (!after.ok()) return after.error();
  after->Add(std::move(holder));
  INK_RETURN_IF_ERROR(AdmitQuota(*limits, *before, *after, what));
  return lock;
}

std::string CapText(const std::optional<double>& cap) {
  return cap ? FormatCpuCores(*cap) : "unlimited";
}
std::string BytesCap(const std::optional<int64_t>& cap) {
  return cap ? (*cap == 0 ? "0" : FormatMemory(*cap)) : "unlimited";
}
std::string CountCap(const std::optional<int64_t>& cap) {
  return cap ? std::to_string(*cap) : "unlimited";
}

Result<Json> QuotaJson(OperationDeps& deps, const Workspace& w) {
  auto own = deps.store.GetWorkspaceQuota(w.id);
  if (!own.ok()) return own.error();
  QuotaOverrides overrides = OverridesOf(*own);
  QuotaLimits limits = EffectiveQuota(Defaults(deps), overrides);
  auto usage = WorkspaceUsage(deps, w.id);
  if (!usage.ok()) return usage.error();
  auto source = [](bool overridden) { return overridden ? "workspace" : "default"; };
  Json holders = Json::array();
  for (const QuotaHolder& h : usage->holders) {
    Json row = {{"name", h.name}};
    if (h.cpu > 0) row["cpu"] = std::round(h.cpu * 100) / 100;
    if (h.memory_bytes > 0) row["memory"] = FormatMemory(h.memory_bytes);
    if (h.replicas > 0) row["replicas"] = h.replicas;
    if (h.volume_bytes > 0) row["volume"] = FormatMemory(h.volume_bytes);
    holders.push_back(std::move(row));
  }
  double cpu_used = std::round(usage->cpu * 100) / 100;
  return Json{
      {"workspace", w.name},
      {"quota",
       {{"cpu", {{"limit", CapText(limits.cpu)}, {"used", cpu_used},
                 {"source", source(overrides.cpu.has_value())}}},
        {"memory",
         {{"limit", BytesCap(limits.memory_bytes)},
          {"used", FormatMemory(usage->memory_bytes)},
          {"used_bytes", usage->memory_bytes},
          {"source", source(overrides.memory_bytes.has_value())}}},
        {"replicas",
         {{"limit", CountCap(limits.replicas)},
          {"used", usage->replicas},
          {"source", source(overrides.replicas.has_value())}}},
        {"volume",
         {{"limit", BytesCap(limits.volume_bytes)},
          {"used", FormatMemory(usage->volume_bytes)},
          {"used_bytes", usage->volume_bytes},
          {"source", source(overrides.volume_bytes.has_value())}}}}},
      {"holders", std::move(holders)}};
}

// The workspace a quota operation is about: input.workspace (a name; admin tokens only for
// another's) or the caller's own.
Result<Workspace> QuotaWorkspace(OperationDeps& deps, const Caller& c, const Json& in) {
  auto all = deps.store.ListWorkspaces();
  if (!all.ok()) return all.error();
  std::string wanted = in.value("workspace", std::string());
  for (const Workspace& w : *all) {
    if (wanted.empty() ? w.id == c.workspace_id : w.name == wanted) {
      if (w.id != c.workspace_id && !c.admin) break;  // another's: as if it did not exist
      return w;
    }
  }
  if (wanted.empty()) return NotFound("the caller's workspace is gone");
  return NotFound("workspace '" + wanted +
                  "' not found; leave `workspace` out for your own (see `ink whoami`)");
}

}  // namespace

Result<QuotaAdmission> AdmitServiceSpec(OperationDeps& deps, const Caller& caller,
                                        const Project& project, const std::string& service,
                                        const ServiceSpec& spec, const std::string& what) {
  return Admit(deps, caller, project.id + "/" + service,
               ServiceHolder(deps, project.name + "/" + service, spec),
               what + " of " + project.name + "/" + service);
}

Result<QuotaAdmission> AdmitVolumeBytes(OperationDeps& deps, const Caller& caller,
                                        const Project& project, const std::string& volume,
                                        int64_t size_bytes) {
  return Admit(deps, caller, "",
               {.name = "volume " + project.name + "/" + volume, .volume_bytes = size_bytes},
               "volume " + project.name + "/" + volume + " (" + FormatMemory(size_bytes) + ")");
}

Result<QuotaAdmission> AdmitSandbox(OperationDeps& deps, const Caller& caller, double cpu,
                                    int64_t memory_bytes) {
  return Admit(deps, caller, "", {.name = "new sandbox", .cpu = cpu, .memory_bytes = memory_bytes},
               "a sandbox of " + FormatCpuCores(cpu) + " cores and " + FormatMemory(memory_bytes));
}

void RegisterQuotaOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(Implement(
      "get_workspace_quota", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto w = QuotaWorkspace(deps, c, in);
        if (!w.ok()) return w.error();
        return QuotaJson(deps, *w);
      }}));
  table.Add(Implement(
      "set_workspace_quota", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        if (!c.admin) {
          return PermissionDenied(
              "only an admin token (inkd's DATA/admin-token) may change quotas; this token ('" +
              c.token_name + "') may read them with get_workspace_quota (`ink quota`)");
        }
        auto w = QuotaWorkspace(deps, c, in);
        if (!w.ok()) return w.error();
        if (!in.contains("cpu") && !in.contains("memory") && !in.contains("replicas") &&
            !in.contains("volume")) {
          return InvalidArgument(
              "give at least one of cpu, memory, replicas, volume (a value, \"unlimited\" or "
              "\"default\"); nothing was changed");
        }
        // Every value is parsed before anything is written: one bad value changes nothing.
        auto own = deps.store.GetWorkspaceQuota(w->id);
        if (!own.ok()) return own.error();
        WorkspaceQuota next = *own;
        if (in.contains("cpu")) {
          auto v = ParseCpuQuota(in["cpu"].get<std::string>());
          if (!v.ok()) return v.error();
          next.cpu = StoredOf(*v);
        }
        const std::pair<const char*, int64_t*> sized[] = {{"memory", &next.memory_bytes},
                                                          {"volume", &next.volume_bytes}};
        for (const auto& [field, slot] : sized) {
          if (!in.contains(field)) continue;
          auto v = ParseBytesQuota(in[field].get<std::string>(), field);
          if (!v.ok()) return v.error();
          *slot = StoredOf(*v);
        }
        if (in.contains("replicas")) {
          auto v = ParseCountQuota(in["replicas"].get<std::string>(), "replicas");
          if (!v.ok()) return v.error();
          next.replicas = StoredOf(*v);
        }
        QuotaAdmission lock = LockWorkspace(deps, w->id);
        auto saved = deps.store.SetWorkspaceQuota(w->id, next);
        if (!saved.ok()) return saved.error();
        lock.unlock();
        return QuotaJson(deps, *w);
      }}));
}

}  // namespace ink::api_internal
