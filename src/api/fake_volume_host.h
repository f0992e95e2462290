// A VolumeHost in memory for the operations' unit tests: images and snapshots are map entries;
// switches make a step fail.
#pragma once

#include <map>
#include <string>

#include "ink/runtime/volume_host.h"

namespace ink {

class FakeVolumeHost : public VolumeHost {
 public:
  Status Create(const std::string& id, int64_t size) override {
    if (fail_create) return Unavailable("mkfs failed");
    images[id] = size;
    return {};
  }
  Result<std::string> Mount(const std::string& id) override {
    if (!images.count(id)) return NotFound("no image");
    return "/vols/" + id + "/data";
  }
  Result<VolumeUsage> Usage(const std::string& id) override {
    if (!images.count(id)) return NotFound("no image");
    return VolumeUsage{images[id], 4096};
  }
  Status Remove(const std::string& id) override {
    if (busy) return FailedPrecondition("volume is still in use");
    images.erase(id);
    return {};
  }
  Result<SnapshotCopy> CopyToSnapshot(const std::string& id,
                                      const std::string& snapshot_id) override {
    if (!images.count(id)) return NotFound("no image");
    if (fail_copy) return Unavailable("cp: No space left on device");
    snapshots[snapshot_id] = id;
    return SnapshotCopy{.size_bytes = 1 << 20, .frozen_ms = 3};
  }
  Status RestoreSnapshot(const std::string& snapshot_id, const std::string& id) override {
    if (!snapshots.count(snapshot_id)) return NotFound("no snapshot image");
    if (images.count(id)) return AlreadyExists("image exists");
    if (fail_restore) return Unavailable("cp failed");
    images[id] = images.count(snapshots[snapshot_id]) ? images[snapshots[snapshot_id]] : 1;
    restored_from[id] = snapshot_id;
    return {};
  }
  Status RemoveSnapshot(const std::string& snapshot_id) override {
    snapshots.erase(snapshot_id);
    return {};
  }
  std::map<std::string, int64_t> images;
  std::map<std::string, std::string> snapshots;      // snapshot id → the volume id copied
  std::map<std::string, std::string> restored_from;  // volume id → snapshot id
  bool fail_create = false, busy = false, fail_copy = false, fail_restore = false;
};

}  // namespace ink
