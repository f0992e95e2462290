// LoopVolumeHost: volumes as loop-mounted ext4 images (ink/runtime/volume_host.h).
//
// Layout under options.dir: <id>.img (the image, mode 0600), <id>/ (its mount point) and
// <id>/data/ (what replicas see: a directory of the volume's own, so the filesystem's
// lost+found stays out of the application's way).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <string_view>

#include "ink/runtime/volume_host.h"

namespace ink {
namespace {

// `prefix` ("vol_", "snap_") and lowercase letters and digits only: an id is part of host paths.
Status CheckId(const std::string& id, std::string_view prefix = "vol_") {
  bool ok = id.size() > prefix.size() && id.size() <= 64 && id.rfind(prefix, 0) == 0;
  for (size_t i = prefix.size(); ok && i < id.size(); ++i) {
    char c = id[i];
    ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  }
  if (!ok) {
    return InvalidArgument("'" + id.substr(0, 64) + "' is not a " +
                           (prefix == "vol_" ? "volume" : "snapshot") + " id");
  }
  return {};
}

int64_t AllocatedBytes(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_blocks) * 512;
}

int64_t MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

// Mount points in /proc/self/mountinfo escape space, tab, newline and backslash as \ooo.
std::string Unescape(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    auto octal = [&](size_t j) { return j < field.size() && field[j] >= '0' && field[j] <= '7'; };
    if (field[i] == '\\' && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                               (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

std::string ErrnoText() { return std::strerror(errno); }

class LoopVolumeHost final : public VolumeHost {
 public:
  LoopVolumeHost(LoopVolumeHostOptions options, ProcessRunner& runner)
      : options_(Canonical(std::move(options))), runner_(runner) {}

  Status Create(const std::string& id, int64_t size_bytes) override {
    INK_RETURN_IF_ERROR(CheckId(id));
    if (size_bytes <= 0) return InvalidArgument("a volume's size must be positive");
    std::error_code ec;
    std::filesystem::create_directories(options_.dir, ec);
    if (ec) return Unavailable("cannot create " + options_.dir + ": " + ec.message());
    ::chmod(options_.dir.c_str(), 0700);
    struct statvfs disk {};
    if (::statvfs(options_.dir.c_str(), &disk) != 0) {
      return Unavailable("cannot read the free space of " + options_.dir + ": " + ErrnoText());
    }
    const int64_t free_bytes = static_cast<int64_t>(disk.f_bavail) * disk.f_frsize;
    if (size_bytes > free_bytes) {
      return FailedPrecondition("the host has " + std::to_string(free_bytes >> 20) +
                                " MiB free where volumes are kept; a volume of " +
                                std::to_string(size_bytes >> 20) +
                                " MiB does not fit: choose a smaller size");
    }
    const std::string image = Image(id);
    int fd = ::open(image.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) return AlreadyExists("the image of volume " + id + " already exists");
      return Unavailable("cannot create " + image + ": " + ErrnoText());
    }
    // Sparse: blocks are taken from the host only as the volume's files fill them.
    bool sized = ::ftruncate(fd, size_bytes) == 0;
    std::string why = sized ? "" : ErrnoText();
    ::close(fd);
    auto undo = [&](Error error) {
      (void)Unmount(id);
      std::filesystem::remove(Point(id), ec);
      ::unlink(image.c_str());
      return error;
    };
    if (!sized) return undo(Unavailable("cannot size " + image + ": " + why));
    // -m 0: no blocks reserved for root, the whole size is the application's. -F: a file.
    auto made = Run({"mkfs.ext4", "-q", "-F", "-m", "0", "-L", id.substr(0, 16), image},
                    "formatting volume " + id);
    if (!made.ok()) return undo(made.error());
    auto mounted = Mount(id);
    if (!mounted.ok()) return undo(mounted.error());
    return {};
  }

  Result<std::string> Mount(const std::string& id) override {
    INK_RETURN_IF_ERROR(CheckId(id));
    const std::string point = Point(id), data = point + "/data";
    auto mounted = IsMounted(point);
    if (!mounted.ok()) return mounted.error();
    if (!*mounted) {
      if (::access(Image(id).c_str(), F_OK) != 0) {
        return NotFound("the image of volume " + id + " (" + Image(id) +
                        ") is missing; its data cannot be mounted");
      }
      std::error_code ec;
      std::filesystem::create_directories(point, ec);
      if (ec) return Unavailable("cannot create " + point + ": " + ec.message());
      INK_RETURN_IF_ERROR(Run({"mount", "-t", "ext4", "-o", "loop,nodev,nosuid", Image(id), point},
                              "mounting volume " + id));
      Seen(id);
    } else if (!Seen(id)) {
      // Mounted before this process started: an inkd killed during a snapshot may have left it
      // frozen. Thawing a filesystem that is not frozen fails harmlessly.
      (void)runner_.Run({.argv = {"fsfreeze", "-u", point}, .deadline = std::chrono::seconds(30)});
    }
    // Any user the image runs as may write its volume (the volume belongs to that one service).
    if (::mkdir(data.c_str(), 0777) == 0) {
      ::chmod(data.c_str(), 0777);
    } else if (errno != EEXIST) {
      return Unavailable("cannot create " + data + ": " + ErrnoText());
    }
    return data;
  }

  Result<VolumeUsage> Usage(const std::string& id) override {
    auto mounted = Mount(id);
    if (!mounted.ok()) return mounted.error();
    struct statvfs fs {};
    if (::statvfs(Point(id).c_str(), &fs) != 0) {
      return Unavailable("cannot read the usage of volume " + id + ": " + ErrnoText());
    }
    VolumeUsage usage;
    usage.size_bytes = static_cast<int64_t>(fs.f_blocks) * fs.f_frsize;
    usage.used_bytes = static_cast<int64_t>(fs.f_blocks - fs.f_bfree) * fs.f_frsize;
    return usage;
  }

  Status Remove(const std::string& id) override {
    INK_RETURN_IF_ERROR(CheckId(id));
    INK_RETURN_IF_ERROR(Unmount(id));
    std::error_code ec;
    std::filesystem::remove(Point(id), ec);  // empty once unmounted
    if (::unlink(Image(id).c_str()) != 0 && errno != ENOENT) {
      return Unavailable("cannot delete the image of volume " + id + ": " + ErrnoText());
    }
    return {};
  }

  Result<SnapshotCopy> CopyToSnapshot(const std::string& id,
                                      const std::string& snapshot_id) override {
    INK_RETURN_IF_ERROR(CheckId(snapshot_id, "snap_"));
    auto mounted = Mount(id);  // checks the id; a volume is frozen through its mount
    if (!mounted.ok()) return mounted.error();
    INK_RETURN_IF_ERROR(MakeSnapshotsDir());
    const std::string target = SnapshotImage(snapshot_id), partial = target + ".partial";
    if (::access(target.c_str(), F_OK) == 0) {
      return AlreadyExists("the image of snapshot " + snapshot_id + " already exists");
    }
    INK_RETURN_IF_ERROR(CheckFreeSpace(options_.snapshots_dir, AllocatedBytes(Image(id)),
                                       "a snapshot of volume " + id));
    // One freeze at a time per host: two snapshots of one volume must not thaw each other.
    std::lock_guard freeze_lock(freeze_mu_);
    const auto start = std::chrono::steady_clock::now();
    Status frozen = Run({"fsfreeze", "-f", Point(id)}, "freezing volume " + id);
    if (!frozen.ok()) return frozen.error();
    Status copied = Run({"cp", "--sparse=always", Image(id), partial}, "copying volume " + id);
    Status thawed = Run({"fsfreeze", "-u", Point(id)}, "thawing volume " + id);
    SnapshotCopy copy;
    copy.frozen_ms = MillisSince(start);
    if (!thawed.ok()) {
      // Writers stay blocked until someone thaws it: say so loudly, with the way out.
      ::unlink(partial.c_str());
      return Unavailable(thawed.error().message + "; its writers are blocked until `fsfreeze -u " +
                         Point(id) + "` succeeds");
    }
    if (!copied.ok()) {
      ::unlink(partial.c_str());
      return copied.error();
    }
    INK_RETURN_IF_ERROR(Publish(partial, target));
    copy.size_bytes = AllocatedBytes(target);
    return copy;
  }

  Status RestoreSnapshot(const std::string& snapshot_id, const std::string& id) override {
    INK_RETURN_IF_ERROR(CheckId(snapshot_id, "snap_"));
    INK_RETURN_IF_ERROR(CheckId(id));
    const std::string source = SnapshotImage(snapshot_id), image = Image(id);
    if (::access(source.c_str(), F_OK) != 0) {
      return NotFound("the image of snapshot " + snapshot_id + " (" + source + ") is missing");
    }
    if (::access(image.c_str(), F_OK) == 0) {
      return AlreadyExists("the image of volume " + id + " already exists");
    }
    std::error_code ec;
    std::filesystem::create_directories(options_.dir, ec);
    if (ec) return Unavailable("cannot create " + options_.dir + ": " + ec.message());
    INK_RETURN_IF_ERROR(
        CheckFreeSpace(options_.dir, AllocatedBytes(source), "restoring snapshot " + snapshot_id));
    const std::string partial = image + ".partial";
    if (Status copied =
            Run({"cp", "--sparse=always", source, partial}, "copying snapshot " + snapshot_id);
        !copied.ok()) {
      ::unlink(partial.c_str());
      return copied;
    }
    ::chmod(partial.c_str(), 0600);
    INK_RETURN_IF_ERROR(Publish(partial, image));
    auto mounted = Mount(id);
    if (!mounted.ok()) {
      ::unlink(image.c_str());
      std::filesystem::remove(Point(id), ec);
      return mounted.error();
    }
    return {};
  }

  Status RemoveSnapshot(const std::string& snapshot_id) override {
    INK_RETURN_IF_ERROR(CheckId(snapshot_id, "snap_"));
    const std::string image = SnapshotImage(snapshot_id);
    ::unlink((image + ".partial").c_str());
    if (::unlink(image.c_str()) != 0 && errno != ENOENT) {
      return Unavailable("cannot delete the image of snapshot " + snapshot_id + ": " + ErrnoText());
    }
    return {};
  }

  Result<std::string> SnapshotImagePath(const std::string& snapshot_id) override {
    INK_RETURN_IF_ERROR(CheckId(snapshot_id, "snap_"));
    INK_RETURN_IF_ERROR(MakeSnapshotsDir());
    return SnapshotImage(snapshot_id);
  }

 private:
  std::string SnapshotImage(const std::string& snapshot_id) const {
    return options_.snapshots_dir + "/" + snapshot_id + ".img";
  }

  Status MakeSnapshotsDir() {
    std::error_code ec;
    std::filesystem::create_directories(options_.snapshots_dir, ec);
    if (ec) return Unavailable("cannot create " + options_.snapshots_dir + ": " + ec.message());
    ::chmod(options_.snapshots_dir.c_str(), 0700);
    return {};
  }

  static Status CheckFreeSpace(const std::string& dir, int64_t needed, const std::string& what) {
    struct statvfs disk {};
    if (::statvfs(dir.c_str(), &disk) != 0) {
      return Unavailable("cannot read the free space of " + dir + ": " + ErrnoText());
    }
    const int64_t free_bytes = static_cast<int64_t>(disk.f_bavail) * disk.f_frsize;
    if (needed > free_bytes) {
      return FailedPrecondition(
          "the host has " + std::to_string(free_bytes >> 20) + " MiB free in " + dir + "; " + what +
          " needs " + std::to_string(needed >> 20) + " MiB: free space or delete old snapshots");
    }
    return {};
  }

  // Flushes `partial` to disk and renames it to `target`: a crash leaves a whole image or none.
  static Status Publish(const std::string& partial, const std::string& target) {
    int fd = ::open(partial.c_str(), O_RDONLY | O_CLOEXEC);
    bool synced = fd >= 0 && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!synced || ::rename(partial.c_str(), target.c_str()) != 0) {
      std::string why = ErrnoText();
      ::unlink(partial.c_str());
      return Unavailable("cannot write " + target + ": " + why);
    }
    return {};
  }

  // True if this process had seen volume `id` mounted before; records it.
  bool Seen(const std::string& id) {
    std::lock_guard lock(seen_mu_);
    return !seen_.insert(id).second;
  }

  // The mount table names absolute paths without "." or "..": so must the points compared.
  static LoopVolumeHostOptions Canonical(LoopVolumeHostOptions options) {
    std::error_code ec;
    auto path = std::filesystem::weakly_canonical(std::filesystem::absolute(options.dir), ec);
    if (!ec) options.dir = path.string();
    while (options.dir.size() > 1 && options.dir.back() == '/') options.dir.pop_back();
    if (options.snapshots_dir.empty()) {
      options.snapshots_dir =
          std::filesystem::path(options.dir).parent_path().string() + "/snapshots";
    }
    return options;
  }

  std::string Image(const std::string& id) const { return options_.dir + "/" + id + ".img"; }
  std::string Point(const std::string& id) const { return options_.dir + "/" + id; }

  Status Unmount(const std::string& id) {
    auto mounted = IsMounted(Point(id));
    if (!mounted.ok()) return mounted.error();
    if (!*mounted) return {};
    auto result = runner_.Run({.argv = {"umount", Point(id)}, .deadline = std::chrono::minutes(1)});
    if (!result.ok()) return result.error();
    if (!result->ok()) {
      return FailedPrecondition("volume " + id +
                                " is still in use on this host (a replica that mounts it is "
                                "still stopping?); try again in a moment (" +
                                result->output.substr(0, 200) + ")");
    }
    return {};
  }

  Result<bool> IsMounted(const std::string& point) const {
    std::ifstream table(options_.mountinfo);
    if (!table) return Unavailable("cannot read " + options_.mountinfo);
    std::string line;
    while (std::getline(table, line)) {
      std::istringstream fields(line);
      std::string id, parent, device, root, mount_point;
      if (fields >> id >> parent >> device >> root >> mount_point &&
          Unescape(mount_point) == point) {
        return true;
      }
    }
    return false;
  }

  Status Run(std::vector<std::string> argv, const std::string& what) {
    auto result = runner_.Run({.argv = std::move(argv), .deadline = std::chrono::minutes(5)});
    if (!result.ok()) return Unavailable(what + ": " + result.error().message);
    if (!result->ok()) {
      return Unavailable(what + " failed (exit " + std::to_string(result->exit_code) +
                         "): " + result->output.substr(0, 400));
    }
    return {};
  }

  const LoopVolumeHostOptions options_;
  ProcessRunner& runner_;
  std::mutex freeze_mu_;  // held while a volume is frozen
  std::mutex seen_mu_;
  std::set<std::string> seen_;  // volumes found or made mounted by this process (guarded)
};

}  // namespace

std::unique_ptr<VolumeHost> MakeLoopVolumeHost(LoopVolumeHostOptions options,
                                               ProcessRunner& runner) {
  return std::make_unique<LoopVolumeHost>(std::move(options), runner);
}

}  // namespace ink
