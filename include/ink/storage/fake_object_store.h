// An in-memory ObjectStore for unit tests of the logic above it (storage operations, backups):
// objects in a map shared by every store the factory opens, plus switches to make Check fail
// the way a provider would. Not thread-safe: one test thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ink/storage/object_store.h"

namespace ink::storage {

struct FakeBucket {
  std::map<std::string, std::string> objects;  // full rclone path → bytes
  std::optional<Error> check_error;            // what Check answers, when set
  std::vector<StorageConfig> opened;           // every config a store was opened with
};

class FakeObjectStoreFactory final : public ObjectStoreFactory {
 public:
  FakeBucket& bucket() { return bucket_; }
  Result<std::unique_ptr<ObjectStore>> Open(const StorageConfig& config) override;

 private:
  FakeBucket bucket_;
};

}  // namespace ink::storage
