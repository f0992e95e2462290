// Backups in a bucket (issue 14): how a backup's objects are named, what its manifest says, and
// how a listing of the bucket becomes a list of backups. Pure functions on values (time passed
// in): the backup and restore operations call them, unit tests pin them. Thread-safe.
//
// A backup of volume V of project P is two objects under the destination's prefix:
//   ink-backups/P/V/<id>.data           the tar, compressed and encrypted client-side
//   ink-backups/P/V/<id>.manifest.json  written last, once the data object was re-read and
//                                       matched: a manifest means "good"
// so the bucket alone says what exists (backups made before an inkd reinstall are listed), and
// an upload cut short (inkd killed mid-way) leaves data without a manifest: "incomplete", never
// "good".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/result.h"
#include "ink/storage/object_store.h"

namespace ink::storage {

inline constexpr int kBackupFormatVersion = 1;
inline constexpr std::string_view kBackupRoot = "ink-backups";

struct BackupManifest {
  int format_version = kBackupFormatVersion;
  std::string id;  // "bkp_20261208T023000Z_k3j9x2m4"
  // The source, as it was named when the backup was made.
  std::string project;
  std::string volume;
  std::string volume_id;
  std::string service;  // "" when the volume was not attached
  int64_t volume_size_bytes = 0;
  int64_t created_at = 0;  // Unix ms
  // The uploaded data object: its size and the hex SHA-256 of its bytes as stored.
  int64_t size_bytes = 0;
  std::string sha256;
  std::string compression = "none";  // the only one so far (zstd would come with libzstd)
  std::string encryption = "secretstream-xchacha20poly1305";
  std::string key_id;  // which workspace key decrypts it (a fingerprint, not the key)
};

// "bkp_" + the UTC time of `now_ms` as YYYYMMDDTHHMMSSZ + "_" + `random` (lowercase letters and
// digits): ids sort by time.
std::string NewBackupId(int64_t now_ms, std::string_view random);

// Object keys of a backup (relative to the destination's prefix).
std::string BackupDirectory(std::string_view project, std::string_view volume);
std::string BackupDataKey(const BackupManifest& m);
std::string BackupManifestKey(const BackupManifest& m);

// The manifest as JSON, and back: ParseBackupManifest checks every field (a format version it
// knows, an id, names, sizes >= 0, a 64-digit hex sha256) and says which one is wrong.
std::string BackupManifestJson(const BackupManifest& m);
Result<BackupManifest> ParseBackupManifest(std::string_view json);

// What a backup's key says: its project, volume, id and which object it is.
struct BackupKey {
  std::string project, volume, id;
  bool manifest = false;  // else the data object
};
std::optional<BackupKey> ParseBackupKey(std::string_view key);

// One backup as list_backups shows it.
struct ListedBackup {
  BackupKey key;  // project, volume, id (manifest: false)
  // "good": a manifest that parses and names a data object of its size; "incomplete": data and
  // no manifest (an upload cut short, or one being made now); "broken": a manifest whose data is
  // missing, of another size, or that does not parse (`problem` says which).
  std::string status;
  std::string problem;
  std::optional<BackupManifest> manifest;
  int64_t data_size_bytes = 0;
};

// The backups a recursive listing of BackupDirectory (or kBackupRoot) holds, newest id first.
// `manifests` maps each manifest key of the listing to its text (the caller reads them); a
// manifest key missing from the map counts as unreadable.
std::vector<ListedBackup> ClassifyBackups(const std::vector<ObjectInfo>& objects,
                                          const std::map<std::string, std::string>& manifests);

// Checks what was read back (size, hex sha256 of the bytes) against the manifest: an error that
// names the backup and both values when they differ.
Status VerifyBackupObject(const BackupManifest& m, int64_t size_bytes, std::string_view sha256);

}  // namespace ink::storage
