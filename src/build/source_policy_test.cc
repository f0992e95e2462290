#include "src/build/source_policy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace ink::build {
namespace {

namespace fs = std::filesystem;

class FileSourcePolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ink-policy-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    fs::create_directories(dir_ + "/allowed/repo.git");
    fs::create_directories(dir_ + "/elsewhere/secret.git");
    fs::create_directories(dir_ + "/data/git/prj_mine/web.git");
    fs::create_directories(dir_ + "/data/git/prj_theirs/web.git");
    fs::create_symlink(dir_ + "/elsewhere", dir_ + "/allowed/link");
    policy_.data_dir = dir_ + "/data";
    policy_.owns_project = [](const std::string& id) { return id == "prj_mine"; };
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Refusal(const std::string& url) {
    auto r = CheckFileSource(url, policy_);
    EXPECT_FALSE(r.ok()) << url << " was allowed as " << (r.ok() ? *r : "");
    if (r.ok()) return "";
    EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied) << r.error().message;
    return r.error().message;
  }

  std::string dir_;
  FileSourcePolicy policy_;
};

TEST_F(FileSourcePolicyTest, NoHostDirectoryIsAllowedByDefault) {
  std::string message = Refusal("file://" + dir_ + "/allowed/repo.git");
  EXPECT_NE(message.find("--allow-file-sources"), std::string::npos) << message;
  EXPECT_NE(message.find(dir_ + "/allowed/repo.git"), std::string::npos) << message;
  Refusal("file:///etc");
}

TEST_F(FileSourcePolicyTest, AllowedDirectoriesOnlyAfterResolvingLinksDotsAndEscapes) {
  policy_.allowed_dirs = {dir_ + "/allowed"};
  auto ok = CheckFileSource("file://" + dir_ + "/allowed/repo.git", policy_);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(*ok, "file://" + dir_ + "/allowed/repo.git");
  auto missing = CheckFileSource("file://" + dir_ + "/allowed/not-yet.git", policy_);
  EXPECT_TRUE(missing.ok());  // git says it is not a repository
  for (std::string url : {"file://" + dir_ + "/allowed/../elsewhere/secret.git",
                          "file://" + dir_ + "/allowed/link/secret.git",
                          "file://" + dir_ + "/allowed/%2e%2e/elsewhere/secret.git",
                          "file://" + dir_ + "/allowedx", "file://" + dir_}) {
    std::string message = Refusal(url);
    EXPECT_NE(message.find("outside the host directories"), std::string::npos) << message;
    EXPECT_NE(message.find(dir_ + "/allowed"), std::string::npos) << message;
  }
  EXPECT_FALSE(CheckFileSource("file://" + dir_ + "/allowed/%zz", policy_).ok());
  EXPECT_FALSE(CheckFileSource("file://" + dir_ + "/allowed/%00", policy_).ok());
}

TEST_F(FileSourcePolicyTest, DataDirectoryOnlyForTheWorkspacesOwnPushRemotes) {
  policy_.allowed_dirs = {dir_};  // even an allowed directory holding the data directory
  auto mine = CheckFileSource("file://" + dir_ + "/data/git/prj_mine/web.git", policy_);
  ASSERT_TRUE(mine.ok()) << mine.error().message;
  for (std::string url :
       {"file://" + dir_ + "/data/git/prj_theirs/web.git",
        "file://" + dir_ + "/data/git/prj_mine/../prj_theirs/web.git", "file://" + dir_ + "/data",
        "file://" + dir_ + "/data/git", "file://" + dir_ + "/data/builds"}) {
    std::string message = Refusal(url);
    EXPECT_NE(message.find("data directory"), std::string::npos) << message;
  }
}

TEST_F(FileSourcePolicyTest, OtherUrlsPassUnchanged) {
  auto https = CheckFileSource("https://example.com/r.git", policy_);
  ASSERT_TRUE(https.ok());
  EXPECT_EQ(*https, "https://example.com/r.git");
}

TEST(SshCommand, NoConfigNoAgentOnlyTheGivenKey) {
  std::string cmd = SshCommand("/d/key it", "/d/known_hosts");
  for (const char* part :
       {"-F /dev/null", "IdentitiesOnly=yes", "IdentityAgent=none", "IdentityFile='/d/key it'",
        "UserKnownHostsFile='/d/known_hosts'", "GlobalKnownHostsFile=/dev/null",
        "StrictHostKeyChecking=accept-new", "BatchMode=yes", "ProxyCommand=none"}) {
    EXPECT_NE(cmd.find(part), std::string::npos) << part << " in " << cmd;
  }
  EXPECT_NE(SshCommand("", "/k").find("IdentityFile='/dev/null'"), std::string::npos);
  EXPECT_TRUE(IsSshUrl("ssh://git@host/r.git"));
  EXPECT_TRUE(IsSshUrl("git@host:org/r.git"));
  EXPECT_FALSE(IsSshUrl("https://host/r.git"));
  EXPECT_FALSE(IsSshUrl("file:///srv/r.git"));
}

}  // namespace
}  // namespace ink::build
