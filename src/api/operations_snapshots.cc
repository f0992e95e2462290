// Snapshot operations: snapshot_volume, list_snapshots, restore_volume, delete_snapshot,
// update_volume (retention and daily schedule), and the schedule pass inkd runs
// (RunScheduledSnapshots). The rules (schedule, due, pruning) are pure, in snapshot_schedule.h.
//
// A snapshot is consistent in two steps: the attached service's own hook (a template's
// snapshot_hook, e.g. PostgreSQL's CHECKPOINT) runs in its replica through the runtime's exec,
// then VolumeHost::CopyToSnapshot freezes the volume's filesystem for the copy. Every failure is
// recorded on the snapshot's row (list_snapshots shows it) and logged by inkd.
#include "ink/common/log.h"
#include "ink/common/names.h"
#include "src/api/operations_internal.h"
#include "src/api/snapshot_schedule.h"

namespace ink::api_internal {
namespace {

constexpr int kHookTimeoutSeconds = 120;
constexpr size_t kMaxLabelBytes = 100;

Json SnapshotJson(const Snapshot& s) {
  return {{"id", s.id},
          {"volume", s.volume_name},
          {"volume_id", s.volume_id},
          {"volume_size_bytes", s.volume_size_bytes},
          {"label", s.label},
          {"scheduled", s.scheduled},
          {"status", s.status},
          {"error", s.error.empty() ? Json(nullptr) : Json(s.error)},
          {"size_bytes", s.size_bytes},
          {"created_at", s.created_at},
          {"completed_at", s.completed_at == 0 ? Json(nullptr) : Json(s.completed_at)}};
}

Status CheckLabel(const std::string& label) {
  if (label.size() > kMaxLabelBytes) {
    return InvalidArgument("label is " + std::to_string(label.size()) + " bytes; at most " +
                           std::to_string(kMaxLabelBytes));
  }
  for (char c : label) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return InvalidArgument("label contains a control character; give one line of text");
    }
  }
  return {};
}

// Runs the hook of the service volume `v` is attached to, if it declares one and runs.
Status RunHook(OperationDeps& deps, const Volume& v) {
  if (v.service_id.empty()) return {};
  auto project = deps.store.GetProject(v.workspace_id, v.project_id);
  if (!project.ok()) return project.error();
  auto service = deps.store.GetService(v.workspace_id, project->id, v.service_name);
  if (!service.ok()) return service.error();
  const auto& hook = service->spec.snapshot_hook;
  if (hook.empty()) return {};
  auto target = RunningReplica(deps, Caller{.workspace_id = v.workspace_id}, *service, -1);
  if (!target.ok()) {
    // Nothing runs, so nothing writes: the frozen copy is consistent without the hook.
    if (target.error().code == ErrorCode::kFailedPrecondition) return {};
    return target.error();
  }
  ExecRequest request;
  request.argv = hook;
  request.timeout_seconds = kHookTimeoutSeconds;
  request.max_output_bytes = 4096;
  auto ran = deps.runtime.Exec(target->container_id, request);
  if (!ran.ok()) return Unavailable("the snapshot hook could not run: " + ran.error().message);
  if (ran->timed_out || ran->exit_code != 0) {
    std::string said = ran->stderr_data.empty() ? ran->stdout_data : ran->stderr_data;
    return Unavailable("the snapshot hook of service '" + v.service_name + "' (" + hook[0] + ") " +
                       (ran->timed_out
                            ? "timed out after " + std::to_string(kHookTimeoutSeconds) + " s"
                            : "exited " + std::to_string(ran->exit_code)) +
                       (said.empty() ? "" : ": " + said.substr(0, 300)));
  }
  return {};
}

// Removes what volume `v`'s retention prunes; returns the ids removed.
Json Prune(OperationDeps& deps, const Volume& v) {
  Json pruned = Json::array();
  auto list = deps.store.ListSnapshots(v.workspace_id, v.project_id, v.id);
  if (!list.ok()) {
    LogError("snapshots", "cannot list the snapshots of volume " + v.id +
                              " to prune them: " + list.error().message);
    return pruned;
  }
  for (const auto& id : SnapshotsToPrune(*list, v.snapshot_retention)) {
    Status removed = deps.volumes->RemoveSnapshot(id);
    if (removed.ok()) removed = deps.store.DeleteSnapshot(v.workspace_id, id);
    if (!removed.ok()) {
      LogError("snapshots", "cannot prune snapshot " + id + ": " + removed.error().message);
      continue;
    }
    pruned.push_back(id);
  }
  return pruned;
}

struct Taken {
  Snapshot snapshot;
  Json pruned;
};

// Takes a snapshot of `v`: the row first (pending), then hook, freeze and copy, then the row's
// outcome. A failure after the row is written is recorded on it and logged, and returned.
Result<Taken> TakeSnapshot(OperationDeps& deps, const Volume& v, const std::string& label,
                           bool scheduled, int64_t now_ms = 0, bool prune = true) {
  INK_RETURN_IF_ERROR(NeedVolumeHost(deps));
  Snapshot row;
  row.workspace_id = v.workspace_id;
  row.project_id = v.project_id;
  row.volume_id = v.id;
  row.volume_name = v.name;
  row.volume_size_bytes = v.size_bytes;
  row.label = label;
  row.scheduled = scheduled;
  row.created_at = now_ms;  // 0: the store's clock
  auto s = deps.store.CreateSnapshot(row);
  if (!s.ok()) return s.error();
  // The attached service's journal (get_service's events) carries the outcome, so a failed
  // scheduled snapshot shows where the agent looks, not only in list_snapshots and inkd's log.
  auto journal = [&](const std::string& kind, const std::string& message) {
    if (!v.service_id.empty()) JournalEvent(deps, v.workspace_id, v.service_id, kind, message);
  };
  auto fail = [&](const Error& error) -> Error {
    LogError("snapshots", "snapshot " + s->id + " of volume " + v.name + " (" + v.id +
                              ") failed: " + error.message);
    (void)deps.store.FinishSnapshot(s->id, false, error.message, 0);
    journal("snapshot_failed",
            "snapshot " + s->id + " of volume " + v.name + " failed: " + error.message);
    return Error{error.code, "snapshot " + s->id + " of volume '" + v.name +
                                 "' failed (list_snapshots keeps the error): " + error.message};
  };
  if (Status hooked = RunHook(deps, v); !hooked.ok()) return fail(hooked.error());
  auto copy = deps.volumes->CopyToSnapshot(v.id, s->id);
  if (!copy.ok()) return fail(copy.error());
  if (Status done = deps.store.FinishSnapshot(s->id, true, "", copy->size_bytes); !done.ok()) {
    (void)deps.volumes->RemoveSnapshot(s->id);
    return fail(done.error());
  }
  LogInfo("snapshots", "snapshot " + s->id + " of volume " + v.name + " (" + v.id +
                           "): " + std::to_string(copy->size_bytes >> 20) +
                           " MiB, writers paused " + std::to_string(copy->frozen_ms) + " ms");
  journal("snapshot_taken", "snapshot " + s->id + " of volume " + v.name + " (" +
                                std::to_string(copy->size_bytes >> 20) + " MiB" +
                                (scheduled ? ", scheduled" : "") + ")");
  auto stored = deps.store.GetSnapshot(v.workspace_id, v.project_id, s->id);
  if (!stored.ok()) return stored.error();
  return Taken{*stored, prune ? Prune(deps, v) : Json::array()};
}

Result<Volume> FindVolume(OperationDeps& deps, const Caller& c, const Project& p,
                          const std::string& name) {
  auto v = deps.store.GetVolume(c.workspace_id, p.id, name);
  if (!v.ok() && v.error().code == ErrorCode::kNotFound) {
    return NotFound("volume '" + name.substr(0, 64) + "' does not exist in project '" + p.name +
                    "'; list them with `ink volumes list --project " + p.name + "`");
  }
  return v;
}

// Rolls the service volume `old_volume` is attached to onto `new_name` at the same mount path,
// through update_service (its checks, its deployment, its rollout).
Result<Json> RollServiceOnto(OperationTable& table, const Caller& c, OperationDeps& deps,
                             const Project& p, const Volume& old_volume,
                             const std::string& new_name) {
  auto service = deps.store.GetService(c.workspace_id, p.id, old_volume.service_name);
  if (!service.ok()) return service.error();
  Json volumes = Json::array();
  for (const auto& m : service->spec.volumes) {
    volumes.push_back({{"volume", m.volume == old_volume.name ? new_name : m.volume},
                       {"mount_path", m.mount_path}});
  }
  const Operation* update = table.Find("update_service");
  if (update == nullptr) return Internal("update_service is not in the operation table");
  return table.Invoke(*update, c,
                      {{"project", p.name}, {"service", service->name}, {"volumes", volumes}});
}

}  // namespace

Result<Snapshot> TakeSnapshotForBackup(OperationDeps& deps, const Volume& v,
                                       const std::string& label) {
  auto taken = TakeSnapshot(deps, v, label, false, 0, false);
  if (!taken.ok()) return taken.error();
  return taken->snapshot;
}

void RegisterSnapshotOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(Implement(
      "snapshot_volume", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        INK_RETURN_IF_ERROR(NeedVolumeHost(deps));
        std::string label = in.value("label", "");
        INK_RETURN_IF_ERROR(CheckLabel(label));
        auto p = FindProject(deps, c, in);
        if (!p.ok()) return p.error();
        auto v = FindVolume(deps, c, *p, in["volume"]);
        if (!v.ok()) return v.error();
        auto taken = TakeSnapshot(deps, *v, label, false);
        if (!taken.ok()) return taken.error();
        return Json{{"snapshot", SnapshotJson(taken->snapshot)}, {"pruned", taken->pruned}};
      }}));
  table.Add(Implement(
      "list_snapshots", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto p = FindProject(deps, c, in);
        if (!p.ok()) return p.error();
        std::string volume = in.value("volume", "");
        auto list = deps.store.ListSnapshots(c.workspace_id, p->id, "");
        if (!list.ok()) return list.error();
        // By name: a deleted volume's snapshots are still found by the name it had.
        std::string volume_id;
        if (!volume.empty()) {
          if (auto v = deps.store.GetVolume(c.workspace_id, p->id, volume); v.ok()) {
            volume_id = v->id;
          }
        }
        Json out = Json::array();
        bool known = volume.empty() || !volume_id.empty();
        for (const auto& s : *list) {
          bool match = volume.empty() || s.volume_id == volume_id || s.volume_name == volume ||
                       s.volume_id == volume;
          if (!match) continue;
          known = true;
          out.push_back(SnapshotJson(s));
        }
        if (!known) {
          return NotFound("volume '" + volume.substr(0, 64) + "' does not exist in project '" +
                          p->name + "' and no snapshot names it; see `ink volumes list`");
        }
        return Json{{"snapshots", out}};
      }}));
  table.Add(Implement(
      "delete_snapshot", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        INK_RETURN_IF_ERROR(NeedVolumeHost(deps));
        auto p = FindProject(deps, c, in);
        if (!p.ok()) return p.error();
        auto s = deps.store.GetSnapshot(c.workspace_id, p->id, in["snapshot"]);
        if (!s.ok()) return s.error();
        if (s->status == "pending") {
          return FailedPrecondition("snapshot " + s->id +
                                    " is still being taken; delete it once it is ready or failed");
        }
        // The data first, then the row: a crash in between leaves a row whose delete is retried.
        INK_RETURN_IF_ERROR(deps.volumes->RemoveSnapshot(s->id));
        INK_RETURN_IF_ERROR(deps.store.DeleteSnapshot(c.workspace_id, s->id));
        return Json{{"deleted", true}};
      }}));
  table.Add(Implement(
      "restore_volume",
      {.handler = [&deps, &table](const Caller& c, const Json& in) -> Result<Json> {
        INK_RETURN_IF_ERROR(NeedVolumeHost(deps));
        auto p = FindProject(deps, c, in);
        if (!p.ok()) return p.error();
        std::string name = in["name"];
        INK_RETURN_IF_ERROR(ValidateName("volume name", name));
        auto s = deps.store.GetSnapshot(c.workspace_id, p->id, in["snapshot"]);
        if (!s.ok()) return s.error();
        if (s->status != "ready") {
          return FailedPrecondition("snapshot " + s->id + " is " + s->status +
                                    (s->error.empty() ? "" : " (" + s->error + ")") +
                                    "; only a ready snapshot can be restored");
        }
        // The row claims the name (AlreadyExists if taken, before anything is copied).
        auto admitted = AdmitVolumeBytes(deps, c, *p, name, s->volume_size_bytes);
        if (!admitted.ok()) return admitted.error();
        auto v = deps.store.CreateVolume(c.workspace_id, p->id, name, s->volume_size_bytes);
        admitted->unlock();
        if (!v.ok()) return v.error();
        if (Status restored = deps.volumes->RestoreSnapshot(s->id, v->id); !restored.ok()) {
          (void)deps.store.DeleteVolume(c.workspace_id, v->id);
          return restored.error();
        }
        auto old = deps.store.GetVolume(c.workspace_id, p->id, s->volume_id);
        if (old.ok()) {  // the restored volume keeps the snapshot policy of the one it copies
          (void)deps.store.SetVolumeSnapshotPolicy(c.workspace_id, v->id, old->snapshot_retention,
                                                   old->snapshot_schedule);
        }
        Json out = {{"snapshot", SnapshotJson(*s)}, {"service", nullptr}};
        if (old.ok() && !old->service_id.empty()) {
          auto rolled = RollServiceOnto(table, c, deps, *p, *old, name);
          if (!rolled.ok()) {
            return Error{rolled.error().code,
                         "the snapshot was restored into new volume '" + name +
                             "' (kept), but service '" + old->service_name +
                             "' could not be moved onto it: " + rolled.error().message};
          }
          out["service"] = *rolled;
          out["detached"] = old->name;
        }
        auto fresh = deps.store.GetVolume(c.workspace_id, p->id, v->id);
        auto usage = deps.volumes->Usage(v->id);
        out["volume"] =
            VolumeJson(fresh.ok() ? *fresh : *v, usage.ok() ? std::optional(*usage) : std::nullopt);
        return out;
      }}));
  table.Add(Implement(
      "update_volume", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto p = FindProject(deps, c, in);
        if (!p.ok()) return p.error();
        auto v = FindVolume(deps, c, *p, in["name"]);
        if (!v.ok()) return v.error();
        if (!in.contains("snapshot_retention") && !in.contains("snapshot_schedule")) {
          return InvalidArgument(
              "nothing to update: give snapshot_retention (1-1000) or snapshot_schedule "
              "(\"HH:MM\" UTC, \"\" for none)");
        }
        int retention = in.value("snapshot_retention", v->snapshot_retention);
        if (retention < kMinSnapshotRetention || retention > kMaxSnapshotRetention) {
          return InvalidArgument("snapshot_retention " + std::to_string(retention) +
                                 " is out of range 1-1000");
        }
        std::string schedule = in.value("snapshot_schedule", v->snapshot_schedule);
        auto parsed = ParseDailySchedule(schedule);
        if (!parsed.ok()) return parsed.error();
        INK_RETURN_IF_ERROR(
            deps.store.SetVolumeSnapshotPolicy(c.workspace_id, v->id, retention, schedule));
        auto fresh = deps.store.GetVolume(c.workspace_id, p->id, v->id);
        if (!fresh.ok()) return fresh.error();
        return Json{{"volume", VolumeJson(*fresh, std::nullopt)}};
      }}));
}

}  // namespace ink::api_internal

namespace ink {

int RunScheduledSnapshots(OperationDeps& deps, int64_t now_ms) {
  if (deps.volumes == nullptr) return 0;
  auto volumes = deps.store.ListAllVolumes();
  if (!volumes.ok()) {
    LogError("snapshots", "cannot list volumes for their schedules: " + volumes.error().message);
    return 0;
  }
  int taken = 0;
  for (const auto& v : *volumes) {
    if (v.snapshot_schedule.empty()) continue;
    auto list = deps.store.ListSnapshots(v.workspace_id, v.project_id, v.id);
    if (!list.ok()) continue;
    int64_t last = 0;
    for (const auto& s : *list) {
      if (s.scheduled) last = std::max(last, s.created_at);
    }
    if (!api_internal::ScheduledSnapshotDue(v, last, now_ms)) continue;
    // A failure is recorded on the row and logged by TakeSnapshot.
    if (api_internal::TakeSnapshot(deps, v, "scheduled", true, now_ms).ok()) ++taken;
  }
  return taken;
}

}  // namespace ink
