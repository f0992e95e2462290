// VolumeHost: the host side of volumes. Each volume is a sparse image file of its size,
// formatted ext4 (no reserved blocks) and loop-mounted (nodev, nosuid) by inkd; replicas
// bind-mount a directory inside that filesystem. The image's size is the limit: a writer past it
// gets ENOSPC from the volume's own filesystem, and the host's filesystem is not touched.
//
// Who calls it: the volume operations (create, list usage, delete), inkd at start (Mount of
// every volume: after a reboot or a crash nothing is mounted), and the controller before it
// creates a replica that mounts one. Nothing else removes an image: there is no garbage
// collection of volumes.
//
// Thread contract: every method may be called from any thread; calls for one volume id are the
// caller's to serialize (the store's rows make one creator and one deleter per id).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ink/common/result.h"
#include "ink/common/subprocess.h"

namespace ink {

struct VolumeUsage {
  int64_t size_bytes = 0;  // what the filesystem holds in all
  int64_t used_bytes = 0;  // in use (files and the filesystem's own metadata)
};

// What a snapshot copy took.
struct SnapshotCopy {
  int64_t size_bytes = 0;  // host disk the snapshot's image takes (sparse)
  int64_t frozen_ms = 0;   // how long the volume's writers waited (its filesystem frozen)
};

class VolumeHost {
 public:
  virtual ~VolumeHost() = default;
  // Creates the image of volume `id` (`size_bytes`, sparse), formats and mounts it.
  // AlreadyExists if the image exists; FailedPrecondition if the host's disk has less free space
  // than `size_bytes`. On failure nothing is left behind.
  virtual Status Create(const std::string& id, int64_t size_bytes) = 0;
  // Mounts volume `id` if it is not mounted yet (idempotent) and returns the host directory a
  // replica bind-mounts. NotFound if its image is missing.
  virtual Result<std::string> Mount(const std::string& id) = 0;
  // The mounted volume's size and used bytes (mounting it if needed).
  virtual Result<VolumeUsage> Usage(const std::string& id) = 0;
  // Unmounts volume `id` and deletes its image: the data is gone. Idempotent (a missing image is
  // fine). FailedPrecondition, changing nothing, while a process still uses the filesystem.
  virtual Status Remove(const std::string& id) = 0;

  // Snapshots: copies of a volume's image kept beside the volumes (never inside one).
  // CopyToSnapshot copies volume `id`'s image to snapshot `snapshot_id` while the volume's
  // filesystem is frozen (fsfreeze: its writers wait, readers go on), so the copy is what a
  // crash at that instant would leave; the filesystem is thawed whatever happens. AlreadyExists
  // if the snapshot exists; nothing is left behind on failure.
  virtual Result<SnapshotCopy> CopyToSnapshot(const std::string& id,
                                              const std::string& snapshot_id) = 0;
  // Makes new volume `id` from snapshot `snapshot_id` (a copy: the snapshot stays) and mounts
  // it. AlreadyExists if the volume's image exists, NotFound if the snapshot's is missing,
  // FailedPrecondition if the host lacks the space.
  virtual Status RestoreSnapshot(const std::string& snapshot_id, const std::string& id) = 0;
  // Deletes snapshot `snapshot_id`'s image. Idempotent.
  virtual Status RemoveSnapshot(const std::string& snapshot_id) = 0;
  // The host path of snapshot `snapshot_id`'s image (existing or not; its directory is made):
  // backups read a snapshot there, and a restore from a bucket writes one there before
  // RestoreSnapshot. Unimplemented where snapshots are not image files.
  virtual Result<std::string> SnapshotImagePath(const std::string& snapshot_id) {
    return FailedPrecondition("this volume host keeps no snapshot image for " + snapshot_id);
  }
};

struct LoopVolumeHostOptions {
  std::string dir;  // <data dir>/volumes: <id>.img and the mount point <id>/
  // Where snapshots are kept (<snapshot id>.img); "" = "snapshots" beside `dir`.
  std::string snapshots_dir;
  // What reads as the mount table (tests give a file of their own).
  std::string mountinfo = "/proc/self/mountinfo";
};

// The real VolumeHost: mkfs.ext4, mount and umount through `runner`.
std::unique_ptr<VolumeHost> MakeLoopVolumeHost(LoopVolumeHostOptions options,
                                               ProcessRunner& runner);

}  // namespace ink
