#include "config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace ink::cli {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ink-cli-config-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  EnvLookup Env(std::map<std::string, std::string> values) {
    return [values](std::string_view name) -> std::optional<std::string> {
      auto it = values.find(std::string(name));
      if (it == values.end()) return std::nullopt;
      return it->second;
    };
  }

  static mode_t Mode(const std::string& path) {
    struct stat st;
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 0777;
  }

  std::string dir_;
};

TEST_F(ConfigTest, PathFromInkConfigOrHome) {
  EXPECT_EQ(*ConfigPath(Env({{"INK_CONFIG", "/x/c.json"}, {"HOME", "/home/a"}})), "/x/c.json");
  EXPECT_EQ(*ConfigPath(Env({{"HOME", "/home/a"}})), "/home/a/.config/ink/config.json");
  EXPECT_FALSE(ConfigPath(Env({})).ok());
}

TEST_F(ConfigTest, WriteCreatesPrivateFileAndDirectoriesAndReadsBack) {
  std::string path = dir_ + "/home/.config/ink/config.json";
  ::umask(022);
  ASSERT_TRUE(WriteConfigFile(path, {"http://127.0.0.1:8080", "ink_secret"}).ok());
  EXPECT_EQ(Mode(path), 0600u);
  EXPECT_EQ(Mode(dir_ + "/home/.config/ink"), 0700u);
  EXPECT_EQ(Mode(dir_ + "/home/.config"), 0700u);
  auto config = ReadConfigFile(path);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->api_url, "http://127.0.0.1:8080");
  EXPECT_EQ(config->token, "ink_secret");
  // No temp files left next to it.
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_ + "/home/.config/ink")) {
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST_F(ConfigTest, OverwriteTightensAnExistingLooseFile) {
  std::string path = dir_ + "/config.json";
  { std::ofstream(path) << "{}"; }
  ::chmod(path.c_str(), 0644);
  ASSERT_TRUE(WriteConfigFile(path, {"http://h:1", "t"}).ok());
  EXPECT_EQ(Mode(path), 0600u);
  EXPECT_EQ(ReadConfigFile(path)->token, "t");
}

TEST_F(ConfigTest, EnvironmentOverridesTheFile) {
  std::string path = dir_ + "/config.json";
  ASSERT_TRUE(WriteConfigFile(path, {"http://file:1/", "file_token"}).ok());
  auto from_file = LoadConfig(Env({{"INK_CONFIG", path}}));
  ASSERT_TRUE(from_file.ok()) << from_file.error().message;
  EXPECT_EQ(from_file->api_url, "http://file:1");  // trailing slash trimmed
  EXPECT_EQ(from_file->token, "file_token");
  auto overridden =
      LoadConfig(Env({{"INK_CONFIG", path}, {"INK_API_URL", "http://env:2"}, {"INK_TOKEN", "e"}}));
  ASSERT_TRUE(overridden.ok());
  EXPECT_EQ(overridden->api_url, "http://env:2");
  EXPECT_EQ(overridden->token, "e");
  // Environment alone is enough.
  auto env_only = LoadConfig(Env(
      {{"INK_CONFIG", dir_ + "/none.json"}, {"INK_API_URL", "http://env:2"}, {"INK_TOKEN", "e"}}));
  EXPECT_TRUE(env_only.ok());
}

TEST_F(ConfigTest, MissingConfigExplainsHowToLogIn) {
  auto config = LoadConfig(Env({{"INK_CONFIG", dir_ + "/none.json"}}));
  ASSERT_FALSE(config.ok());
  const std::string& message = config.error().message;
  EXPECT_NE(message.find("not logged in"), std::string::npos) << message;
  EXPECT_NE(message.find("ink login --api-url"), std::string::npos) << message;
  EXPECT_NE(message.find("admin-token"), std::string::npos) << message;
  EXPECT_NE(message.find(dir_ + "/none.json"), std::string::npos) << message;

  auto token_only = LoadConfig(Env({{"INK_CONFIG", dir_ + "/none.json"}, {"INK_TOKEN", "t"}}));
  ASSERT_FALSE(token_only.ok());
  EXPECT_NE(token_only.error().message.find("missing inkd's address"), std::string::npos);
}

TEST_F(ConfigTest, MalformedFilesAreReported) {
  std::string path = dir_ + "/config.json";
  { std::ofstream(path) << "{not json"; }
  auto broken = LoadConfig(Env({{"INK_CONFIG", path}}));
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find(path), std::string::npos);
  { std::ofstream(path) << R"({"api_url": 5, "token": "t"})"; }
  auto wrong_type = ReadConfigFile(path);
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_NE(wrong_type.error().message.find("\"api_url\" must be a string"), std::string::npos);
  { std::ofstream(path) << R"({"api_url": "ftp://x", "token": "t"})"; }
  auto bad_scheme = LoadConfig(Env({{"INK_CONFIG", path}}));
  ASSERT_FALSE(bad_scheme.ok());
  EXPECT_NE(bad_scheme.error().message.find("http://"), std::string::npos);
}

}  // namespace
}  // namespace ink::cli
