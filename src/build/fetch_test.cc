#include "src/build/fetch.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace ink::build {
namespace {

namespace fs = std::filesystem;

// A real git repository (bare, served over file://) with a branch, a tag and two commits.
class FetchGitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ink-fetch-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    Sh("git init -q -b main work && cd work && git config user.email t@e && git config user.name t"
       " && mkdir -p app && echo v1 > app/version && git add -A && git commit -qm one"
       " && git tag v1 && git rev-parse HEAD > ../first"
       " && echo v2 > app/version && git commit -qam two"
       " && git checkout -qb other && echo other > app/version && git commit -qam three"
       " && git checkout -q main && cd .. && git clone -q --bare work repo.git");
    std::ifstream in(dir_ + "/first");
    std::getline(in, first_commit_);
    url_ = "file://" + dir_ + "/repo.git";
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Sh(const std::string& script) {
    std::string cmd = "cd " + dir_ + " && (" + script + ") >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << script;
  }
  std::string Dest() {
    std::string d = dir_ + "/dest" + std::to_string(count_++) + "/src";
    fs::create_directories(d);
    return d;
  }
  std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
  }

  std::string dir_, url_, first_commit_;
  int count_ = 0;
};

TEST_F(FetchGitTest, DefaultBranchBranchTagAndCommit) {
  struct Case {
    std::string ref, want;
  };
  for (const Case& c : {Case{"", "v2"}, Case{"main", "v2"}, Case{"other", "other"},
                        Case{"v1", "v1"}, Case{first_commit_, "v1"}}) {
    std::string dest = Dest();
    auto commit = FetchGit({.kind = "git", .url = url_, .ref = c.ref}, dest, {});
    ASSERT_TRUE(commit.ok()) << c.ref << ": " << commit.error().message;
    EXPECT_EQ(commit->size(), 40u);
    EXPECT_EQ(Read(dest + "/app/version"), c.want) << c.ref;
    EXPECT_FALSE(fs::exists(dest + "/.git"));
  }
}

TEST_F(FetchGitTest, UnknownRefAndRepositoryAreClearErrors) {
  auto ref = FetchGit({.kind = "git", .url = url_, .ref = "nope"}, Dest(), {});
  ASSERT_FALSE(ref.ok());
  EXPECT_NE(ref.error().message.find("'nope' does not exist"), std::string::npos)
      << ref.error().message;
  auto repo = FetchGit({.kind = "git", .url = "file://" + dir_ + "/missing.git"}, Dest(), {});
  ASSERT_FALSE(repo.ok());
  EXPECT_NE(repo.error().message.find("not a git repository"), std::string::npos)
      << repo.error().message;
}

TEST_F(FetchGitTest, ProbeAnswersWithoutFetching) {
  for (const std::string& ref : {std::string(), std::string("main"), std::string("other"),
                                 std::string("v1"), first_commit_}) {
    Status probed = ProbeGit({.kind = "git", .url = url_, .ref = ref}, Dest(), {});
    EXPECT_TRUE(probed.ok()) << ref << ": " << probed.error().message;
  }
  std::string scratch = Dest();
  ASSERT_TRUE(ProbeGit({.kind = "git", .url = url_}, scratch, {}).ok());
  EXPECT_FALSE(fs::exists(scratch + "/app"));  // nothing fetched
}

TEST_F(FetchGitTest, ProbeSaysWhichPartCannotBeRead) {
  auto ref = ProbeGit({.kind = "git", .url = url_, .ref = "nope"}, Dest(), {});
  ASSERT_FALSE(ref.ok());
  EXPECT_EQ(ref.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(ref.error().message.find("ref 'nope' does not exist in " + url_), std::string::npos)
      << ref.error().message;
  auto repo = ProbeGit({.kind = "git", .url = "file://" + dir_ + "/missing.git"}, Dest(), {});
  ASSERT_FALSE(repo.ok());
  EXPECT_NE(repo.error().message.find("is not a git repository Ink can read"), std::string::npos)
      << repo.error().message;
  Sh("git init -q --bare empty.git");
  auto empty = ProbeGit({.kind = "git", .url = "file://" + dir_ + "/empty.git"}, Dest(), {});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("has no default branch"), std::string::npos)
      << empty.error().message;
  // Nothing listens on loopback port 1: the host cannot be reached (no traffic leaves the host).
  auto host = ProbeGit({.kind = "git", .url = "https://127.0.0.1:1/team/app.git"}, Dest(), {});
  ASSERT_FALSE(host.ok());
  EXPECT_NE(host.error().message.find("cannot be reached"), std::string::npos)
      << host.error().message;
  auto hostile = ProbeGit({.kind = "git", .url = "ext::sh -c touch% /tmp/ink-pwned"}, Dest(), {});
  ASSERT_FALSE(hostile.ok());
  EXPECT_FALSE(fs::exists("/tmp/ink-pwned"));
}

TEST_F(FetchGitTest, HostileUrlsNeverReachGit) {
  for (const char* url : {"ext::sh -c touch% /tmp/ink-pwned", "--upload-pack=touch /tmp/x"}) {
    auto r = FetchGit({.kind = "git", .url = url}, Dest(), {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(fs::exists("/tmp/ink-pwned"));
}

TEST_F(FetchGitTest, SymlinkOutOfTheRepositoryIsRefused) {
  Sh("cd work && ln -s /etc/passwd app/passwd && git add -A && git commit -qm link"
     " && cd .. && rm -rf repo.git && git clone -q --bare work repo.git");
  auto r = FetchGit({.kind = "git", .url = url_}, Dest(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("outside the source tree"), std::string::npos)
      << r.error().message;
}

TEST_F(FetchGitTest, SizeBoundStopsALargeRepository) {
  Sh("cd work && head -c 3000000 /dev/urandom > app/blob && git add -A && git commit -qm big"
     " && cd .. && rm -rf repo.git && git clone -q --bare work repo.git");
  FetchOptions options;
  options.limits.max_bytes = 1 << 20;
  auto r = FetchGit({.kind = "git", .url = url_}, Dest(), options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kPayloadTooLarge) << r.error().message;
}

TEST_F(FetchGitTest, SubdirectoryMustExistAndStayInside) {
  std::string dest = Dest();
  ASSERT_TRUE(FetchGit({.kind = "git", .url = url_}, dest, {}).ok());
  auto app = ResolveSubdirectory(dest, "app");
  ASSERT_TRUE(app.ok());
  EXPECT_EQ(*app, fs::canonical(dest + "/app").string());
  EXPECT_FALSE(ResolveSubdirectory(dest, "missing").ok());
  EXPECT_FALSE(ResolveSubdirectory(dest, "app/version").ok());  // a file
  fs::create_symlink("/etc", dest + "/etc-link");
  auto out = ResolveSubdirectory(dest, "etc-link");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message.find("leads out"), std::string::npos);
}

}  // namespace
}  // namespace ink::build
