// ObjectStore: the few things Ink does with a bucket (check it, put and get a stream, list, stat,
// delete), behind one small interface so the logic above it (backups, restores) is unit-tested
// with an in-memory fake while end-to-end tests use the real thing. The one real implementation
// drives rclone (src/storage/rclone_object_store.cc): one rclone run per call, its configuration
// given by environment from the opened StorageConfig and never written to disk.
//
// Keys are relative to the destination's prefix ("backups/p/v/x.data"). Thread contract: an
// ObjectStore is used by one thread at a time; a factory may be used from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ink/common/result.h"
#include "ink/storage/storage_config.h"

namespace ink::storage {

struct ObjectInfo {
  std::string key;  // relative to the destination's prefix
  int64_t size_bytes = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // Checks that the bucket exists and the credentials may list it: NotFound (no such bucket),
  // PermissionDenied (credentials refused), Unavailable (endpoint unreachable), with the
  // provider's own words.
  virtual Status Check() = 0;
  // Uploads what descriptor `source_fd` yields until end of file as object `key`, replacing any.
  virtual Status Put(const std::string& key, int source_fd) = 0;
  // Writes object `key` to descriptor `sink_fd`; NotFound if there is none. The caller checks
  // what it got (a size and a hash it knows): a transfer cut short is not always reported.
  virtual Status Get(const std::string& key, int sink_fd) = 0;
  // The object `key`, or NotFound.
  virtual Result<ObjectInfo> Stat(const std::string& key) = 0;
  // Every object below directory `dir` ("" = the destination's prefix), recursively, by key.
  virtual Result<std::vector<ObjectInfo>> List(const std::string& dir) = 0;
  // Removes object `key`; removing one that is not there is not an error.
  virtual Status Delete(const std::string& key) = 0;
};

// Opens object stores for destinations (one per operation).
class ObjectStoreFactory {
 public:
  virtual ~ObjectStoreFactory() = default;
  // An object store for `config` (already validated, secrets opened). Thread-safe.
  virtual Result<std::unique_ptr<ObjectStore>> Open(const StorageConfig& config) = 0;
};

struct RcloneOptions {
  std::string binary = "rclone";  // looked up in PATH
  int connect_timeout_seconds = 15;
  int io_timeout_seconds = 120;   // an idle transfer this long fails
  int command_timeout_seconds = 300;  // check, stat, list, delete (not put/get)
};

// rclone (Debian's package) as the transfer engine. Each call starts `rclone --config ""` with
// the remote defined by RcloneEnvironment in its whole environment (so no AWS_CA_BUNDLE or
// other variable of inkd's reaches it, and no config file is read or written).
std::unique_ptr<ObjectStoreFactory> MakeRcloneObjectStoreFactory(RcloneOptions options = {});

}  // namespace ink::storage
