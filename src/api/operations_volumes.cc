// Volume operations: create_volume, list_volumes, delete_volume, and the checks of the
// `volumes` input deploy and update_service attach them with (shared with templates through
// operations_internal.h).
#include <set>
#include <sstream>

#include "ink/common/names.h"
#include "ink/common/resources.h"
#include "ink/runtime/volume_host.h"
#include "src/api/operations_internal.h"

namespace ink::api_internal {
namespace {

// Where a volume may not be mounted: the root, and the kernel's and the system's own trees.
constexpr const char* kReservedMountPaths[] = {"/proc", "/sys", "/dev", "/etc"};

}  // namespace

Status NeedVolumeHost(const OperationDeps& deps) {
  if (deps.volumes == nullptr) {
    return FailedPrecondition("this inkd keeps no volumes (it was started without a volume host)");
  }
  return {};
}

Json VolumeJson(const Volume& v, const std::optional<VolumeUsage>& usage) {
  Json out = {{"name", v.name},
              {"id", v.id},
              {"size_bytes", v.size_bytes},
              {"size", FormatMemory(v.size_bytes)},
              {"service", v.service_name.empty() ? Json(nullptr) : Json(v.service_name)},
              {"mount_path", v.mount_path.empty() ? Json(nullptr) : Json(v.mount_path)},
              {"created_at", v.created_at},
              {"snapshot_retention", v.snapshot_retention},
              {"snapshot_schedule", v.snapshot_schedule}};
  if (usage) out["used_bytes"] = usage->used_bytes;
  return out;
}

Result<std::string> NormalizeMountPath(const std::string& path) {
  const std::string shown = "mount_path '" + path.substr(0, 64) + "'";
  if (path.empty() || path.front() != '/') {
    return InvalidArgument(shown + " is not absolute; give a path such as /var/lib/data");
  }
  if (path.size() > 256) return InvalidArgument(shown + " is longer than 256 characters");
  std::string normal;
  std::stringstream parts(path);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      return InvalidArgument(shown + " contains '..'; give the path without it");
    }
    for (char c : part) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == ',' || c == ':') {
        return InvalidArgument(shown +
                               " contains a control character, ',' or ':'; choose a plain path");
      }
    }
    normal += "/" + part;
  }
  if (normal.empty()) {
    return InvalidArgument(shown +
                           " is the container's root; mount the volume below it, e.g. "
                           "/data");
  }
  for (std::string_view reserved : kReservedMountPaths) {
    if (normal == reserved || normal.rfind(std::string(reserved) + "/", 0) == 0) {
      return InvalidArgument(shown + " is under " + std::string(reserved) +
                             ", which the container's system owns; choose another path, e.g. "
                             "/data or /var/lib/<app>");
    }
  }
  return normal;
}

Status CheckVolumeReplicas(const ServiceSpec& spec) {
  if (!spec.volumes.empty() && spec.replicas > 1) {
    return InvalidArgument(
        "a service with volumes runs one replica (a volume has one writer), "
        "not " +
        std::to_string(spec.replicas) + ": set replicas to 1, or detach the volumes (volumes: [])");
  }
  return {};
}

Result<std::vector<VolumeMount>> ParseVolumeMounts(OperationDeps& deps, const Caller& caller,
                                                   const Project& project,
                                                   const std::string& service,
                                                   const Json& volumes) {
  if (!volumes.is_array()) {
    return InvalidArgument("volumes must be an array of {volume, mount_path}");
  }
  std::vector<VolumeMount> mounts;
  std::set<std::string> names, paths;
  for (const Json& item : volumes) {
    if (!item.is_object() || !item.contains("volume") || !item.contains("mount_path") ||
        !item["volume"].is_string() || !item["mount_path"].is_string()) {
      return InvalidArgument(
          "each entry of volumes is {\"volume\": NAME, \"mount_path\": \"/absolute/path\"}");
    }
    std::string name = item["volume"];
    INK_RETURN_IF_ERROR(ValidateName("volume name", name));
    auto path = NormalizeMountPath(item["mount_path"]);
    if (!path.ok()) return path.error();
    if (!names.insert(name).second) {
      return InvalidArgument("volume '" + name + "' is listed twice; mount each volume once");
    }
    if (!paths.insert(*path).second) {
      return InvalidArgument("two volumes are mounted at " + *path +
                             "; give each volume its own mount_path");
    }
    auto v = deps.store.GetVolume(caller.workspace_id, project.id, name);
    if (!v.ok()) {
      if (v.error().code != ErrorCode::kNotFound) return v.error();
      return NotFound("volume '" + name + "' does not exist in project '" + project.name +
                      "' (a service mounts only its own project's volumes); create it with `ink "
                      "volumes create " +
                      name + " --size 1Gi --project " + project.name + "`");
    }
    if (!v->service_name.empty() && v->service_name != service) {
      return FailedPrecondition("volume '" + name + "' is already attached to service '" +
                                v->service_name +
                                "' (a volume has one service): detach it there "
                                "first with `ink services update " +
                                v->service_name + " --volumes '[]' --project " + project.name +
                                "`, or create another volume");
    }
    mounts.push_back({name, *path});
  }
  return mounts;
}

Status ApplyVolumesInput(OperationDeps& deps, const Caller& caller, const Project& project,
                         const std::string& service, const Json& input, ServiceSpec& spec) {
  if (input.contains("volumes")) {
    auto mounts = ParseVolumeMounts(deps, caller, project, service, input["volumes"]);
    if (!mounts.ok()) return mounts.error();
    spec.volumes = std::move(*mounts);
  }
  return CheckVolumeReplicas(spec);
}

Result<Volume> CreateVolume(OperationDeps& deps, const Caller& caller, const Project& project,
                            const std::string& name, int64_t size_bytes) {
  INK_RETURN_IF_ERROR(NeedVolumeHost(deps));
  INK_RETURN_IF_ERROR(ValidateName("volume name", name));
  // The row first: it claims the name (unique per project), so two creates cannot both format.
  auto admitted = AdmitVolumeBytes(deps, caller, project, name, size_bytes);
  if (!admitted.ok()) return admitted.error();
  auto v = deps.store.CreateVolume(caller.workspace_id, project.id, name, size_bytes);
  admitted->unlock();
  if (!v.ok()) return v.error();
  if (Status made = deps.volumes->Create(v->id, size_bytes); !made.ok()) {
    (void)deps.store.DeleteVolume(caller.workspace_id, v->id);
    return made.error();
  }
  return v;
}

Status DeleteVolumeData(OperationDeps& deps, const Caller& caller, const Volume& volume) {
  INK_RETURN_IF_ERROR(NeedVolumeHost(deps));
  // The data first, then the row: a crash in between leaves a row whose delete is retried.
  INK_RETURN_IF_ERROR(deps.volumes->Remove(volume.id));
  return deps.store.DeleteVolume(caller.workspace_id, volume.id);
}

Result<Json> DeleteService(OperationDeps& deps, const Caller& caller, const Project& project,
                           const Service& s, bool delete_volumes) {
  std::vector<Volume> attached;
  if (delete_volumes) {
    auto all = deps.store.ListVolumes(caller.workspace_id, project.id);
    if (!all.ok()) return all.error();
    for (const auto& v : *all) {
      if (v.service_id == s.id) attached.push_back(v);
    }
    if (!attached.empty()) INK_RETURN_IF_ERROR(NeedVolumeHost(deps));
  }
  // Detaches its volumes in the same transaction: from here no deployment can mount them.
  INK_RETURN_IF_ERROR(deps.store.DeleteService(caller.workspace_id, s.id));
  deps.controller.Wake();
  Json deleted = Json::array(), kept = Json::array();
  if (!attached.empty()) {
    // The controller would remove the containers on its next pass; the filesystems cannot be
    // unmounted while a container holds them, so they go now.
    auto containers = deps.runtime.ListContainers({{kLabelService, s.id}});
    if (containers.ok()) {
      for (const auto& c : *containers) (void)deps.runtime.RemoveContainer(c.id, true);
    }
  }
  for (const auto& v : attached) {
    Status removed = DeleteVolumeData(deps, caller, v);
    if (removed.ok()) {
      deleted.push_back(v.name);
    } else {
      kept.push_back({{"name", v.name},
                      {"reason", removed.error().message +
                                     "; it is detached: delete it with `ink "
                                     "volumes delete " +
                                     v.name + " --project " + project.name + "`"}});
    }
  }
  return Json{{"deleted", true}, {"volumes_deleted", deleted}, {"volumes_kept", kept}};
}

void RegisterVolumeOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(Implement(
      "create_volume", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto p = FindProject(deps, c, in);
        if (!p.ok()) return p.error();
        std::string name = in["name"];
        INK_RETURN_IF_ERROR(ValidateName("volume name", name));
        auto size = ParseVolumeSize(in["size"].get<std::string>());
        if (!size.ok()) return size.error();
        auto v = CreateVolume(deps, c, *p, name, *size);
        if (!v.ok()) return v.error();
        auto usage = deps.volumes->Usage(v->id);
        return Json{{"volume", VolumeJson(*v, usage.ok() ? std::optional(*usage) : std::nullopt)}};
      }}));
  table.Add(Implement("list_volumes",
                      {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
                        auto p = FindProject(deps, c, in);
                        if (!p.ok()) return p.error();
                        auto list = deps.store.ListVolumes(c.workspace_id, p->id);
                        if (!list.ok()) return list.error();
                        Json out = Json::array();
                        for (const auto& v : *list) {
                          std::optional<VolumeUsage> usage;
                          if (deps.volumes != nullptr) {
                            auto read = deps.volumes->Usage(v.id);
                            if (read.ok()) usage = *read;
                          }
                          out.push_back(VolumeJson(v, usage));
                        }
                        return Json{{"volumes", out}};
                      }}));
  table.Add(Implement(
      "delete_volume", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto p = FindProject(deps, c, in);
        if (!p.ok()) return p.error();
        INK_RETURN_IF_ERROR(NeedVolumeHost(deps));
        auto v = deps.store.GetVolume(c.workspace_id, p->id, in["name"].get<std::string>());
        if (!v.ok()) return v.error();
        if (!v->service_id.empty()) {  // the store refuses it too, if a deploy races this
          return FailedPrecondition("volume '" + v->name + "' is attached to service '" +
                                    v->service_name + "' at " + v->mount_path +
                                    "; detach it first with `ink services update " +
                                    v->service_name + " --volumes '[]' --project " + p->name +
                                    "` (update_service with volumes: []), or delete the service");
        }
        INK_RETURN_IF_ERROR(DeleteVolumeData(deps, c, *v));
        return Json{{"deleted", true}};
      }}));
}

}  // namespace ink::api_internal
