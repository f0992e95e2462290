#include "ink/storage/fake_object_store.h"

#include <unistd.h>

#include <cerrno>

namespace ink::storage {
namespace {

class FakeObjectStore final : public ObjectStore {
 public:
  FakeObjectStore(FakeBucket& bucket, StorageConfig config)
      : bucket_(bucket), config_(std::move(config)) {}

  Status Check() override {
    if (bucket_.check_error) return *bucket_.check_error;
    return {};
  }
  Status Put(const std::string& key, int source_fd) override {
    INK_RETURN_IF_ERROR(ValidateObjectKey(key));
    std::string data;
    char buffer[8192];
    while (true) {
      ssize_t n = ::read(source_fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Unavailable("fake: read failed");
      if (n == 0) break;
      data.append(buffer, static_cast<size_t>(n));
    }
    bucket_.objects[RclonePath(config_, key)] = std::move(data);
    return {};
  }
  Status Get(const std::string& key, int sink_fd) override {
    auto it = bucket_.objects.find(RclonePath(config_, key));
    if (it == bucket_.objects.end()) return NotFound("fake: no object " + key);
    size_t done = 0;
    while (done < it->second.size()) {
      ssize_t n = ::write(sink_fd, it->second.data() + done, it->second.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Unavailable("fake: write failed");
      done += static_cast<size_t>(n);
    }
    return {};
  }
  Result<ObjectInfo> Stat(const std::string& key) override {
    auto it = bucket_.objects.find(RclonePath(config_, key));
    if (it == bucket_.objects.end()) return NotFound("fake: no object " + key);
    return ObjectInfo{.key = key, .size_bytes = static_cast<int64_t>(it->second.size())};
  }
  Result<std::vector<ObjectInfo>> List(const std::string& dir) override {
    const std::string root = RclonePath(config_, dir) + "/";
    const std::string base = RclonePath(config_, "") + "/";
    std::vector<ObjectInfo> out;
    for (const auto& [path, data] : bucket_.objects) {
      if (path.rfind(root, 0) != 0) continue;
      out.push_back({.key = path.substr(base.size()),
                     .size_bytes = static_cast<int64_t>(data.size())});
    }
    return out;
  }
  Status Delete(const std::string& key) override {
    bucket_.objects.erase(RclonePath(config_, key));
    return {};
  }

 private:
  FakeBucket& bucket_;
  const StorageConfig config_;
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> FakeObjectStoreFactory::Open(const StorageConfig& config) {
  INK_RETURN_IF_ERROR(ValidateStorageConfig(config));
  bucket_.opened.push_back(config);
  return std::unique_ptr<ObjectStore>(std::make_unique<FakeObjectStore>(bucket_, config));
}

}  // namespace ink::storage
