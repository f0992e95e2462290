// Volume backups to object storage (issue 14): backup_volume, list_backups, restore_backup.
//
// backup_volume takes a local snapshot as snapshot_volume does (the service's hook, then a
// frozen copy), encrypts its image with the workspace's backup key (backup_cipher.h) into a
// scratch file beside the snapshots, uploads it, re-reads it from the bucket (size and sha256
// must match what was sent) and only then writes the manifest: a manifest in the bucket means a
// verified backup (backup_manifest.h). The local snapshot and the scratch files are removed
// whatever happens. Not compressed yet (the manifest says "none"). A failure is an error answer
// and a `backup_failed` event on the attached service.
//
// restore_backup downloads the data object into a scratch file, checks its size and sha256
// against the manifest, decrypts all of it into a snapshot image (zero chunks left as holes),
// and only then creates the new volume from it: a corrupted object is refused and nothing is
// left behind.
#include <fcntl.h>
#include <sodium.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "ink/common/log.h"
#include "ink/common/names.h"
#include "ink/storage/backup_cipher.h"
#include "ink/storage/backup_manifest.h"
#include "src/api/operations_internal.h"

namespace ink::api_internal {
namespace {

using storage::BackupManifest;
using storage::ListedBackup;

constexpr size_t kIoBytes = 1 << 20;

std::string ErrnoText() { return std::strerror(errno); }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string HexOf(const unsigned char* bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
  }
  return out;
}

Status WriteAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Unavailable("cannot write " + what + ": " + ErrnoText());
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

// A file removed when this goes out of scope.
struct Scratch {
  std::string path;
  int fd = -1;
  ~Scratch() {
    if (fd >= 0) ::close(fd);
    if (!path.empty()) ::unlink(path.c_str());
  }
};

Result<int> OpenScratch(Scratch& s, const std::string& path) {
  s.path = path;
  s.fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (s.fd < 0) return Unavailable("cannot create " + path + ": " + ErrnoText());
  return s.fd;
}

struct Digest {
  int64_t size = 0;
  std::string sha256;
};

// Size and sha256 of what `fd` holds from its start.
Result<Digest> DigestOf(int fd) {
  if (::lseek(fd, 0, SEEK_SET) != 0) return Unavailable("cannot rewind: " + ErrnoText());
  crypto_hash_sha256_state h;
  crypto_hash_sha256_init(&h);
  std::string buf(kIoBytes, '\0');
  Digest d;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Unavailable("cannot read back: " + ErrnoText());
    if (n == 0) break;
    crypto_hash_sha256_update(&h, reinterpret_cast<unsigned char*>(buf.data()),
                              static_cast<size_t>(n));
    d.size += n;
  }
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&h, out);
  d.sha256 = HexOf(out, sizeof out);
  return d;
}

Result<std::unique_ptr<storage::ObjectStore>> OpenStore(OperationDeps& deps, const Caller& c,
                                                        const std::string& name) {
  if (deps.object_stores == nullptr) {
    return FailedPrecondition("this inkd has no object-storage engine (rclone)");
  }
  auto config = OpenStorage(deps, c, name);
  if (!config.ok()) {
    if (config.error().code == ErrorCode::kNotFound) {
      return NotFound("storage '" + name.substr(0, 64) +
                      "' does not exist; list them with `ink storage list`");
    }
    return config.error();
  }
  return deps.object_stores->Open(*config);
}

// Object `key`'s text (small objects: manifests).
Result<std::string> GetText(storage::ObjectStore& store, const std::string& key) {
  int fd = ::memfd_create("ink-manifest", MFD_CLOEXEC);
  if (fd < 0) return Unavailable("memfd_create: " + ErrnoText());
  Status got = store.Get(key, fd);
  std::string out;
  if (got.ok()) {
    ::lseek(fd, 0, SEEK_SET);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0 && out.size() < (1 << 20)) out.append(buf, n);
  }
  ::close(fd);
  if (!got.ok()) return got.error();
  return out;
}

Status PutText(storage::ObjectStore& store, const std::string& key, const std::string& text) {
  int fd = ::memfd_create("ink-manifest", MFD_CLOEXEC);
  if (fd < 0) return Unavailable("memfd_create: " + ErrnoText());
  Status put = WriteAll(fd, text, "the manifest");
  if (put.ok() && ::lseek(fd, 0, SEEK_SET) != 0) put = Unavailable("cannot rewind the manifest");
  if (put.ok()) put = store.Put(key, fd);
  ::close(fd);
  return put;
}

Result<std::vector<ListedBackup>> ListIn(storage::ObjectStore& store, const std::string& dir) {
  auto objects = store.List(dir);
  if (!objects.ok()) return objects.error();
  std::map<std::string, std::string> manifests;
  for (const auto& o : *objects) {
    auto key = storage::ParseBackupKey(o.key);
    if (!key || !key->manifest) continue;
    if (auto text = GetText(store, o.key); text.ok()) manifests[o.key] = *text;
  }
  return storage::ClassifyBackups(*objects, manifests);
}

Json ManifestJson(const BackupManifest& m) { return Json::parse(storage::BackupManifestJson(m)); }

Json ListedJson(const ListedBackup& b) {
  Json out = {{"id", b.key.id},
              {"project", b.key.project},
              {"volume", b.key.volume},
              {"status", b.status},
              {"problem", b.problem.empty() ? Json(nullptr) : Json(b.problem)},
              {"data_size_bytes", b.data_size_bytes}};
  if (b.manifest) {
    out["created_at"] = b.manifest->created_at;
    out["size_bytes"] = b.manifest->size_bytes;
    out["volume_size_bytes"] = b.manifest->volume_size_bytes;
    out["service"] = b.manifest->service;
    out["sha256"] = b.manifest->sha256;
  }
  return out;
}

// Encrypts image `image` into `out_fd`; the plaintext's size.
Result<int64_t> EncryptInto(const std::string& image, const storage::BackupCipherKey& key,
                            int out_fd) {
  int in = ::open(image.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Unavailable("cannot open the snapshot's image: " + ErrnoText());
  storage::BackupEncryptor enc(key);
  Status w = WriteAll(out_fd, enc.Header(), "the encrypted backup");
  std::string buf(kIoBytes, '\0');
  int64_t total = 0;
  while (w.ok()) {
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      w = Unavailable("cannot read the snapshot's image: " + ErrnoText());
      break;
    }
    if (n == 0) break;
    total += n;
    w = WriteAll(out_fd, enc.Push(std::string_view(buf.data(), static_cast<size_t>(n))),
                 "the encrypted backup");
  }
  ::close(in);
  if (w.ok()) w = WriteAll(out_fd, enc.Finish(), "the encrypted backup");
  if (!w.ok()) return w.error();
  return total;
}

Result<Json> BackupVolume(OperationDeps& deps, const Caller& c, const Json& in) {
  INK_RETURN_IF_ERROR(NeedVolumeHost(deps));
  auto p = FindProject(deps, c, in);
  if (!p.ok()) return p.error();
  const std::string volume = in.value("volume", ""), storage_name = in.value("storage", "");
  auto v = deps.store.GetVolume(c.workspace_id, p->id, volume);
  if (!v.ok()) {
    if (v.error().code == ErrorCode::kNotFound) {
      return NotFound("volume '" + volume.substr(0, 64) + "' does not exist in project '" +
                      p->name + "'; list them with `ink volumes list`");
    }
    return v.error();
  }
  auto store = OpenStore(deps, c, storage_name);
  if (!store.ok()) return store.error();

  BackupManifest m;
  m.id = storage::NewBackupId(NowMs(), RandomToken(5));
  m.project = p->name;
  m.volume = v->name;
  m.volume_id = v->id;
  m.service = v->service_name;
  m.volume_size_bytes = v->size_bytes;
  m.created_at = NowMs();
  m.compression = "none";
  const auto key = storage::DeriveBackupKey(deps.secrets, c.workspace_id);
  m.key_id = key.id;

  auto fail = [&](const Error& e) -> Error {
    LogError("backups", "backup " + m.id + " of volume " + v->name + " (" + v->id + ") to '" +
                            storage_name + "' failed: " + e.message);
    if (!v->service_id.empty()) {
      JournalEvent(deps, c.workspace_id, v->service_id, "backup_failed",
                   "backup " + m.id + " of volume " + v->name + " to storage '" + storage_name +
                       "' failed: " + e.message);
    }
    return Error{e.code, "backup " + m.id + " of volume '" + v->name + "' to storage '" +
                             storage_name + "' failed (no manifest was written, so it is not "
                             "listed as good): " +
                             e.message};
  };

  auto snap = TakeSnapshotForBackup(deps, *v, "backup " + m.id);
  if (!snap.ok()) return fail(snap.error());
  auto drop_snapshot = [&] {
    (void)deps.volumes->RemoveSnapshot(snap->id);
    (void)deps.store.DeleteSnapshot(c.workspace_id, snap->id);
  };
  auto image = deps.volumes->SnapshotImagePath(snap->id);
  if (!image.ok()) {
    drop_snapshot();
    return fail(image.error());
  }
  Status done;
  Digest sent;
  {
    Scratch enc, back;
    auto fd = OpenScratch(enc, *image + ".backup");
    auto plain = fd.ok() ? EncryptInto(*image, key, *fd) : Result<int64_t>(fd.error());
    drop_snapshot();  // the scratch file holds what is uploaded
    auto digest = plain.ok() ? DigestOf(enc.fd) : Result<Digest>(plain.error());
    if (!digest.ok()) return fail(digest.error());
    sent = *digest;
    if (::lseek(enc.fd, 0, SEEK_SET) != 0) return fail(Unavailable("cannot rewind the upload"));
    done = (*store)->Put(storage::BackupDataKey(m), enc.fd);
    if (!done.ok()) return fail(done.error());
    // "Good" only once the bucket gives back what was sent.
    auto stat = (*store)->Stat(storage::BackupDataKey(m));
    if (!stat.ok()) return fail(stat.error());
    auto back_fd = OpenScratch(back, *image + ".verify");
    if (!back_fd.ok()) return fail(back_fd.error());
    done = (*store)->Get(storage::BackupDataKey(m), *back_fd);
    if (!done.ok()) return fail(done.error());
    auto got = DigestOf(*back_fd);
    if (!got.ok()) return fail(got.error());
    m.size_bytes = sent.size;
    m.sha256 = sent.sha256;
    if (stat->size_bytes != sent.size) {
      return fail(Unavailable("the bucket holds " + std::to_string(stat->size_bytes) +
                              " bytes of the " + std::to_string(sent.size) + " sent"));
    }
    if (Status same = storage::VerifyBackupObject(m, got->size, got->sha256); !same.ok()) {
      return fail(Unavailable("reading the upload back: " + same.error().message));
    }
  }
  done = PutText(**store, storage::BackupManifestKey(m), storage::BackupManifestJson(m));
  if (!done.ok()) return fail(done.error());
  LogInfo("backups", "backup " + m.id + " of volume " + v->name + " (" + v->id + ") to '" +
                         storage_name + "': " + std::to_string(m.size_bytes >> 20) +
                         " MiB, verified");
  if (!v->service_id.empty()) {
    JournalEvent(deps, c.workspace_id, v->service_id, "backup_made",
                 "backup " + m.id + " of volume " + v->name + " to storage '" + storage_name +
                     "' (" + std::to_string(m.size_bytes >> 20) + " MiB, verified)");
  }
  return Json{{"backup", ManifestJson(m)}, {"storage", storage_name}, {"status", "good"}};
}

Result<Json> ListBackups(OperationDeps& deps, const Caller& c, const Json& in) {
  auto store = OpenStore(deps, c, in.value("storage", ""));
  if (!store.ok()) return store.error();
  const std::string project = in.value("project", ""), volume = in.value("volume", "");
  if (!volume.empty() && project.empty()) {
    return InvalidArgument("volume needs project: backups are kept per project and volume");
  }
  std::string dir = std::string(storage::kBackupRoot);
  if (!project.empty()) {
    INK_RETURN_IF_ERROR(ValidateName("project name", project));
    dir += "/" + project;
  }
  if (!volume.empty()) {
    INK_RETURN_IF_ERROR(ValidateName("volume name", volume));
    dir = storage::BackupDirectory(project, volume);
  }
  auto list = ListIn(**store, dir);
  if (!list.ok()) return list.error();
  Json out = Json::array();
  for (const auto& b : *list) out.push_back(ListedJson(b));
  return Json{{"backups", out}};
}

// Decrypts `cipher_fd` (from its start) into image file `image`, leaving zero chunks as holes.
Status DecryptInto(int cipher_fd, const storage::BackupCipherKey& key, const std::string& image,
                   int64_t expected_bytes) {
  if (::lseek(cipher_fd, 0, SEEK_SET) != 0) return Unavailable("cannot rewind the download");
  int out = ::open(image.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) return Unavailable("cannot create " + image + ": " + ErrnoText());
  storage::BackupDecryptor dec(key);
  std::string buf(kIoBytes, '\0'), plain;
  int64_t written = 0;
  Status s;
  auto flush = [&]() -> Status {
    static const std::string zeros(storage::kBackupChunkBytes, '\0');
    size_t at = 0;
    while (at < plain.size()) {
      size_t n = std::min(plain.size() - at, zeros.size());
      std::string_view part(plain.data() + at, n);
      if (part == std::string_view(zeros.data(), n)) {
        if (::lseek(out, static_cast<off_t>(n), SEEK_CUR) < 0) {
          return Unavailable("seek: " + ErrnoText());
        }
      } else {
        INK_RETURN_IF_ERROR(WriteAll(out, part, image));
      }
      at += n;
    }
    written += static_cast<int64_t>(plain.size());
    plain.clear();
    return {};
  };
  for (;;) {
    ssize_t n = ::read(cipher_fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      s = Unavailable("cannot read the download: " + ErrnoText());
      break;
    }
    if (n == 0) {
      s = dec.Finish(plain);
      if (s.ok()) s = flush();
      break;
    }
    s = dec.Push(std::string_view(buf.data(), static_cast<size_t>(n)), plain);
    if (s.ok()) s = flush();
    if (!s.ok()) break;
  }
  if (s.ok() && ::ftruncate(out, written) != 0) s = Unavailable("truncate: " + ErrnoText());
  if (s.ok() && ::fsync(out) != 0) s = Unavailable("fsync: " + ErrnoText());
  ::close(out);
  if (s.ok() && written != expected_bytes) {
    s = InvalidArgument("it decrypts to " + std::to_string(written) + " bytes, not the " +
                        std::to_string(expected_bytes) + " of the volume");
  }
  if (!s.ok()) ::unlink(image.c_str());
  return s;
}

Result<Json> RestoreBackup(OperationDeps& deps, const Caller& c, const Json& in) {
  INK_RETURN_IF_ERROR(NeedVolumeHost(deps));
  auto p = FindProject(deps, c, in);
  if (!p.ok()) return p.error();
  const std::string name = in.value("name", ""), id = in.value("backup", "");
  INK_RETURN_IF_ERROR(ValidateName("volume name", name));
  if (auto taken = deps.store.GetVolume(c.workspace_id, p->id, name); taken.ok()) {
    return AlreadyExists("volume '" + name + "' already exists in project '" + p->name +
                         "'; restore into a new name");
  }
  auto store = OpenStore(deps, c, in.value("storage", ""));
  if (!store.ok()) return store.error();
  auto list = ListIn(**store, std::string(storage::kBackupRoot));
  if (!list.ok()) return list.error();
  const ListedBackup* found = nullptr;
  for (const auto& b : *list) {
    if (b.key.id == id) found = &b;
  }
  if (found == nullptr) {
    return NotFound("backup '" + id.substr(0, 64) + "' is not in storage '" +
                    in.value("storage", "") + "'; list them with `ink backups list`");
  }
  if (found->status != "good" || !found->manifest) {
    return FailedPrecondition("backup " + id + " is " + found->status +
                              (found->problem.empty() ? "" : " (" + found->problem + ")") +
                              "; only a good backup can be restored");
  }
  const BackupManifest m = *found->manifest;
  const auto key = storage::DeriveBackupKey(deps.secrets, c.workspace_id);
  if (m.key_id != key.id) {
    return FailedPrecondition("backup " + id + " was encrypted with key " + m.key_id +
                              ", not this workspace's " + key.id +
                              " (another workspace, or inkd's secret.key changed)");
  }
  const std::string snap_id = "snap_" + RandomToken(10);
  auto image = deps.volumes->SnapshotImagePath(snap_id);
  if (!image.ok()) return image.error();
  {
    Scratch download;
    auto fd = OpenScratch(download, *image + ".download");
    if (!fd.ok()) return fd.error();
    if (Status got = (*store)->Get(storage::BackupDataKey(m), *fd); !got.ok()) {
      return Error{got.error().code, "backup " + id + " cannot be downloaded: " +
                                         got.error().message + "; nothing was restored"};
    }
    auto got = DigestOf(*fd);
    if (!got.ok()) return got.error();
    if (Status same = storage::VerifyBackupObject(m, got->size, got->sha256); !same.ok()) {
      return Error{ErrorCode::kFailedPrecondition,
                   same.error().message + "; nothing was restored"};
    }
    if (Status dec = DecryptInto(*fd, key, *image, m.volume_size_bytes); !dec.ok()) {
      return FailedPrecondition("backup " + id + " does not decrypt: " + dec.error().message +
                                "; nothing was restored");
    }
  }
  auto drop_image = [&] { (void)deps.volumes->RemoveSnapshot(snap_id); };
  auto admitted = AdmitVolumeBytes(deps, c, *p, name, m.volume_size_bytes);
  if (!admitted.ok()) {
    drop_image();
    return admitted.error();
  }
  auto v = deps.store.CreateVolume(c.workspace_id, p->id, name, m.volume_size_bytes);
  admitted->unlock();
  if (!v.ok()) {
    drop_image();
    return v.error();
  }
  Status restored = deps.volumes->RestoreSnapshot(snap_id, v->id);
  drop_image();
  if (!restored.ok()) {
    (void)deps.store.DeleteVolume(c.workspace_id, v->id);
    return restored.error();
  }
  LogInfo("backups", "backup " + id + " restored into volume " + name + " (" + v->id + ")");
  auto usage = deps.volumes->Usage(v->id);
  return Json{{"backup", ManifestJson(m)},
              {"volume", VolumeJson(*v, usage.ok() ? std::optional(*usage) : std::nullopt)}};
}

}  // namespace

void RegisterBackupOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(Implement("backup_volume", {.handler = [&deps](const Caller& c, const Json& in) {
                        return BackupVolume(deps, c, in);
                      }}));
  table.Add(Implement("list_backups", {.handler = [&deps](const Caller& c, const Json& in) {
                        return ListBackups(deps, c, in);
                      }}));
  table.Add(Implement("restore_backup", {.handler = [&deps](const Caller& c, const Json& in) {
                        return RestoreBackup(deps, c, in);
                      }}));
}

}  // namespace ink::api_internal
