// Integration: the rclone ObjectStore against a real s3rver (npm s3rver@3.7.1, installed by
// scripts/prepare-host.sh into /var/cache/ink/s3rver, or $INK_S3RVER_DIR) on a free loopback
// port. s3rver checks access key ids but not signatures, so "wrong credentials" here is an
// unknown access key id.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "ink/common/subprocess.h"
#include "ink/storage/object_store.h"

namespace ink::storage {
namespace {

namespace fs = std::filesystem;

class RcloneObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* dir = std::getenv("INK_S3RVER_DIR");
    std::string s3rver =
        std::string(dir ? dir : "/var/cache/ink/s3rver") + "/node_modules/.bin/s3rver";
    if (!fs::exists(s3rver)) GTEST_SKIP() << s3rver << " is missing: run scripts/prepare-host.sh";
    root_ = fs::temp_directory_path() / ("ink-rclone-test-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "data");
    ChildSpec spec{.argv = {"node", s3rver, "-d", (root_ / "data").string(), "-a", "127.0.0.1",
                            "-p", "0", "--configure-bucket", "bk1"},
                   .out = ChildStream::Pipe(),
                   .err = ChildStream::SameAsStdout()};
    auto child = Child::Start(spec);
    ASSERT_TRUE(child.ok()) << child.error().message;
    server_ = std::move(*child);
    std::string said;
    const std::string marker = "listening on 127.0.0.1:";
    while (said.find('\n', said.find(marker)) == std::string::npos ||
           said.find(marker) == std::string::npos) {
      pollfd p{.fd = server_.stdout_fd(), .events = POLLIN, .revents = 0};
      ASSERT_GT(::poll(&p, 1, 30000), 0) << "s3rver did not start: " << said;
      char buffer[512];
      ssize_t n = ::read(server_.stdout_fd(), buffer, sizeof buffer);
      ASSERT_GT(n, 0) << "s3rver exited: " << said;
      said.append(buffer, static_cast<size_t>(n));
    }
    size_t at = said.find(marker) + marker.size();
    port_ = std::stoi(said.substr(at));
    factory_ = MakeRcloneObjectStoreFactory();
  }
  void TearDown() override {
    if (server_.pid() != 0) server_.Stop(std::chrono::seconds(5));
    if (!root_.empty()) fs::remove_all(root_);
  }

  StorageConfig Config(const std::string& bucket = "bk1", const std::string& key_id = "S3RVER") {
    return {.provider = "s3",
            .bucket = bucket,
            .prefix = "ink/test",
            .endpoint = "http://127.0.0.1:" + std::to_string(port_),
            .path_style = true,
            .secrets = {{"access_key_id", key_id}, {"secret_access_key", "S3RVER"}}};
  }
  std::unique_ptr<ObjectStore> Open(const StorageConfig& config) {
    auto store = factory_->Open(config);
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::string WriteFile(const std::string& name, const std::string& data) {
    std::string path = (root_ / name).string();
    std::ofstream(path, std::ios::binary) << data;
    return path;
  }
  std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fs::path root_;
  Child server_;
  int port_ = 0;
  std::unique_ptr<ObjectStoreFactory> factory_;
};

TEST_F(RcloneObjectStoreTest, PutStatGetListDelete) {
  // inkd's own environment may carry AWS_CA_BUNDLE (this host's does): rclone never sees it.
  ::setenv("AWS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt", 1);
  auto store = Open(Config());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Check().ok());
  std::string data(3 << 20, '\0');
  std::mt19937 random(7);
  for (char& c : data) c = static_cast<char>(random());
  int in = ::open(WriteFile("up", data).c_str(), O_RDONLY);
  Status put = store->Put("backups/p/v/one.data", in);
  ::close(in);
  ASSERT_TRUE(put.ok()) << put.error().message;
  int small = ::open(WriteFile("small", "{}").c_str(), O_RDONLY);
  ASSERT_TRUE(store->Put("backups/p/v/one.manifest.json", small).ok());
  ::close(small);

  auto stat = store->Stat("backups/p/v/one.data");
  ASSERT_TRUE(stat.ok()) << stat.error().message;
  EXPECT_EQ(stat->size_bytes, static_cast<int64_t>(data.size()));
  EXPECT_EQ(store->Stat("backups/p/v/none.data").error().code, ErrorCode::kNotFound);

  std::string down = (root_ / "down").string();
  int out = ::open(down.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  Status got = store->Get("backups/p/v/one.data", out);
  ::close(out);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE(ReadFile(down) == data);
  int none = ::open(down.c_str(), O_WRONLY | O_TRUNC);
  EXPECT_EQ(store->Get("backups/p/v/none.data", none).error().code, ErrorCode::kNotFound);
  ::close(none);

  auto list = store->List("backups");
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].key, "backups/p/v/one.data");
  EXPECT_EQ((*list)[1].key, "backups/p/v/one.manifest.json");
  EXPECT_EQ((*list)[1].size_bytes, 2);
  EXPECT_TRUE(store->List("elsewhere")->empty());

  ASSERT_TRUE(store->Delete("backups/p/v/one.data").ok());
  EXPECT_TRUE(store->Delete("backups/p/v/one.data").ok());  // gone already: not an error
  EXPECT_EQ(store->List("backups")->size(), 1u);
  // Under the prefix only: the object is at ink/test/... in the bucket.
  auto bare = Config();
  bare.prefix = "";
  auto root = Open(bare);
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->List("ink/test/backups")->size(), 1u);
  ::unsetenv("AWS_CA_BUNDLE");
}

TEST_F(RcloneObjectStoreTest, CheckSaysWhatIsWrong) {
  auto missing = Open(Config("no-such-bucket"));
  ASSERT_NE(missing, nullptr);
  Status checked = missing->Check();
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().code, ErrorCode::kNotFound);
  EXPECT_NE(checked.error().message.find("bucket 'no-such-bucket' does not exist"),
            std::string::npos)
      << checked.error().message;

  auto refused = Open(Config("bk1", "WRONGKEY"));
  ASSERT_NE(refused, nullptr);
  checked = refused->Check();
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().code, ErrorCode::kPermissionDenied) << checked.error().message;
  EXPECT_NE(checked.error().message.find("refused the credentials"), std::string::npos);
  EXPECT_EQ(checked.error().message.find("S3RVER"), std::string::npos);  // no secret quoted

  auto unreachable = Config();
  unreachable.endpoint = "http://127.0.0.1:1";
  auto down = Open(unreachable);
  ASSERT_NE(down, nullptr);
  checked = down->Check();
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().code, ErrorCode::kUnavailable) << checked.error().message;
}

}  // namespace
}  // namespace ink::storage
