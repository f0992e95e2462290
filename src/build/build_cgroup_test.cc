// ReapCgroup against the host's real cgroup file system (root only; skipped elsewhere): a
// process and the child it forked, both in a build cgroup of this test's own, die and the
// cgroup is gone from every hierarchy.
#include "src/build/build_cgroup.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "ink/common/subprocess.h"

namespace ink::build {
namespace {
namespace fs = std::filesystem;

std::vector<fs::path> Hierarchies() {
  fs::path root = kCgroupRoot;
  if (fs::exists(root / "cgroup.controllers")) return {root};
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(root)) {
    if (e.is_directory() && !e.is_symlink() && fs::exists(e.path() / "cgroup.procs")) {
      out.push_back(e.path());
    }
  }
  return out;
}

TEST(BuildCgroup, PathsAreNamedByInstanceAndDeployment) {
  EXPECT_EQ(InstanceBuildCgroup("ink"), "/ink-build-ink");
  EXPECT_EQ(BuildCgroup("ink", "dep_1"), "/ink-build-ink/dep_1");
}

TEST(BuildCgroup, OnlyBuildCgroupsAreEmptied) {
  for (std::string bad : {"/", "/user.slice", "/ink-build-", "/ink-build-x/../user.slice",
                          "/ink-build-x/", "/ink-build-x//y", "ink-build-x", "/ink-build-x y"}) {
    auto r = ReapCgroup(kCgroupRoot, bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(BuildCgroup, AMissingCgroupIsNothingToDo) {
  auto r = ReapCgroup(kCgroupRoot, "/ink-build-none-" + std::to_string(getpid()));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->existed);
}

TEST(BuildCgroup, KillsEveryProcessOfTheTreeAndRemovesIt) {
  auto hierarchies = Hierarchies();
  if (geteuid() != 0 || hierarchies.empty()) GTEST_SKIP() << "needs root and a cgroup fs";
  const std::string instance = "test-" + std::to_string(getpid());
  const std::string cgroup = BuildCgroup(instance, "dep1");
  for (const auto& h : hierarchies) {
    std::error_code ec;
    fs::create_directories(h / cgroup.substr(1), ec);
    if (ec) GTEST_SKIP() << "cannot create a cgroup in " << h << ": " << ec.message();
  }
  auto pid_file = fs::temp_directory_path() / ("ink-cgroup-" + instance);
  int gate[2];
  ASSERT_EQ(::pipe(gate), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(gate[1]);
    char c;
    if (::read(gate[0], &c, 1) != 1) ::_exit(3);
    ::setsid();  // like a step's container: not in the parent's process group
    std::string script = "sleep 300 & echo $! > " + pid_file.string() + "; wait";
    ::execlp("sh", "sh", "-c", script.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(gate[0]);
  for (const auto& h : hierarchies) {
    std::ofstream(h / cgroup.substr(1) / "cgroup.procs") << child;
  }
  ASSERT_EQ(::write(gate[1], "x", 1), 1);
  ::close(gate[1]);
  pid_t grandchild = 0;
  for (int i = 0; i < 250 && grandchild == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::ifstream in(pid_file);
    in >> grandchild;
  }
  fs::remove(pid_file);
  ASSERT_GT(grandchild, 0);
  ASSERT_TRUE(ProcessRunning(grandchild));

  auto reaped = ReapCgroup(kCgroupRoot, InstanceBuildCgroup(instance));
  ASSERT_TRUE(reaped.ok()) << reaped.error().message;
  EXPECT_TRUE(reaped->existed);
  EXPECT_EQ(reaped->killed, 2);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  for (int i = 0; i < 250 && ProcessRunning(grandchild); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(ProcessRunning(grandchild));
  for (const auto& h : hierarchies) {
    EXPECT_FALSE(fs::exists(h / InstanceBuildCgroup(instance).substr(1))) << h;
  }
}

}  // namespace
}  // namespace ink::build
