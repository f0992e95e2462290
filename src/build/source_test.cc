#include "ink/build/source.h"

#include <gtest/gtest.h>

namespace ink {
namespace {

TEST(ValidateGitUrl, AcceptsHttpsSshAndFile) {
  EXPECT_TRUE(ValidateGitUrl("https://example.com/org/repo.git").ok());
  EXPECT_TRUE(ValidateGitUrl("ssh://git@example.com/org/repo.git").ok());
  EXPECT_TRUE(ValidateGitUrl("file:///srv/git/repo.git").ok());
  EXPECT_TRUE(ValidateGitUrl("git@github.com:org/repo.git").ok());
  EXPECT_TRUE(ValidateGitUrl("deploy_user@git.example.com:repo").ok());
}

TEST(ValidateGitUrl, ScpLikeAddressesCannotCarrySshOptions) {
  for (const char* bad : {"-oProxyCommand=x@host:repo", "git@-oProxyCommand=x:repo",
                          "git@host:-repo", "git@host:", "@host:repo", "git@:repo",
                          "ssh://-oProxyCommand=x@host/repo", "git@ho$t:repo"}) {
    EXPECT_FALSE(ValidateGitUrl(bad).ok()) << bad;
  }
}

TEST(ValidateGitUrl, RefusesRemoteHelpersOptionsAndOtherSchemes) {
  for (const char* bad :
       {"ext::sh -c touch% /tmp/pwned", "fd::17", "--upload-pack=touch /tmp/x", "-u",
        "http://example.com/repo", "git://example.com/repo", "example.com:org/repo",
        "file://relative/path", "https://", "https://host", "https://-oProxyCommand=x/repo",
        "https://a b/c", "ssh://host/repo\n", "https::ext::x"}) {
    auto s = ValidateGitUrl(bad);
    EXPECT_FALSE(s.ok()) << bad;
  }
  auto helper = ValidateGitUrl("ext::sh -c id");
  ASSERT_FALSE(helper.ok());
  EXPECT_NE(helper.error().message.find("whitespace"), std::string::npos);
  auto ext = ValidateGitUrl("ext::id");
  ASSERT_FALSE(ext.ok());
  EXPECT_NE(ext.error().message.find("remote helper"), std::string::npos);
  auto option = ValidateGitUrl("--upload-pack=id");
  ASSERT_FALSE(option.ok());
  EXPECT_NE(option.error().message.find("option"), std::string::npos);
}

TEST(ValidateGitRef, BranchesTagsAndCommitsOnly) {
  EXPECT_TRUE(ValidateGitRef("main").ok());
  EXPECT_TRUE(ValidateGitRef("feature/x-1").ok());
  EXPECT_TRUE(ValidateGitRef("v1.2.3").ok());
  EXPECT_TRUE(ValidateGitRef("0123456789abcdef0123456789abcdef01234567").ok());
  for (const char* bad : {"", "-b", "--upload-pack=x", "a..b", "a b", "x.lock", "/abs", "a//b",
                          "a@{1}", "a:b", "a~1", "refs/heads/../x"}) {
    EXPECT_FALSE(ValidateGitRef(bad).ok()) << bad;
  }
}

TEST(ValidateSourcePath, StaysInsideTheTree) {
  EXPECT_TRUE(ValidateSourcePath("").ok());
  EXPECT_TRUE(ValidateSourcePath("apps/web").ok());
  EXPECT_TRUE(ValidateSourcePath("a..b/c").ok());
  EXPECT_FALSE(ValidateSourcePath("/etc").ok());
  EXPECT_FALSE(ValidateSourcePath("..").ok());
  EXPECT_FALSE(ValidateSourcePath("a/../../b").ok());
  EXPECT_FALSE(ValidateSourcePath("a/..").ok());
}

TEST(BuildSource, RoundTripsThroughJson) {
  BuildSource git{.kind = "git", .url = "file:///r.git", .ref = "main", .path = "app"};
  auto parsed = BuildSource::Parse(git.ToJson().dump());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->url, "file:///r.git");
  EXPECT_EQ(parsed->ref, "main");
  EXPECT_EQ(parsed->path, "app");
  BuildSource archive{.kind = "archive", .archive_id = "arc_abc123"};
  parsed = BuildSource::Parse(archive.ToJson().dump());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->archive_id, "arc_abc123");
  EXPECT_FALSE(BuildSource::Parse(R"({"kind":"svn"})").ok());
  EXPECT_FALSE(BuildSource::Parse(R"({"kind":"archive","archive_id":"../x"})").ok());
  EXPECT_FALSE(BuildSource::Parse("not json").ok());
}

TEST(BuildSettingsFromInput, KeepsOnlyGivenOverrides) {
  auto none = BuildSettingsFromInput(Json{{"service", "web"}});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, "");
  auto some = BuildSettingsFromInput(
      Json{{"start_command", "node server.js"}, {"root_directory", "web"}, {"port", 3000}});
  ASSERT_TRUE(some.ok());
  auto j = Json::parse(*some);
  EXPECT_EQ(j["start_command"], "node server.js");
  EXPECT_EQ(j["root_directory"], "web");
  EXPECT_EQ(j["port"], 3000);
  EXPECT_FALSE(BuildSettingsFromInput(Json{{"start_command", "a\nb"}}).ok());
  EXPECT_FALSE(BuildSettingsFromInput(Json{{"root_directory", "../x"}}).ok());
}

}  // namespace
}  // namespace ink
