// The process runner: output, stdin, environment, bounds, deadlines that take the whole process
// group, and children that die with the thread (process) that started them.
#include "ink/common/subprocess.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace ink {
namespace {

TEST(ProcessRunner, CapturesOutputAndTheExitCode) {
  auto r = RunProcess({"sh", "-c", "echo out; echo err >&2; exit 4"}, std::chrono::seconds(30));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 4);
  EXPECT_EQ(r->output, "out\nerr\n");
  EXPECT_FALSE(r->ok());
}

TEST(ProcessRunner, AMissingProgramIsAnError) {
  auto r = RunProcess({"ink-no-such-program"}, std::chrono::seconds(30));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("ink-no-such-program"), std::string::npos);
}

TEST(ProcessRunner, StdinStderrEnvironmentAndDirectory) {
  ::setenv("INK_RUNNER_INHERITED", "from-inkd", 1);
  auto inherited = RunProcess({"sh", "-c", "echo $INK_RUNNER_INHERITED"}, std::chrono::seconds(30));
  ASSERT_TRUE(inherited.ok());
  EXPECT_EQ(inherited->output, "from-inkd\n");

  std::string big(300000, 'x');  // more than a pipe holds: written while output is read
  auto r = SystemProcessRunner().Run(
      {.argv = {"sh", "-c", "wc -c; pwd; echo $MINE-$INK_RUNNER_INHERITED; echo hidden >&2"},
       .env = std::map<std::string, std::string>{{"MINE", "yes"}},
       .cwd = "/tmp",
       .stdin_data = big,
       .discard_stderr = true});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->output, "300000\n/tmp\nyes-\n");
}

TEST(ProcessRunner, OutputIsBoundedAndLinesStreamed) {
  std::vector<std::string> lines;
  auto r = SystemProcessRunner().Run(
      {.argv = {"sh", "-c",
                "for i in 1 2 3; do echo line$i; done; head -c 5000 /dev/zero | tr '\\0' a"},
       .max_output_bytes = 10,
       .max_line_bytes = 100,
       .on_line = [&](std::string_view l) { lines.emplace_back(l); }});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output, "line1\nline");
  EXPECT_TRUE(r->output_truncated);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[2], "line3");
  EXPECT_EQ(lines[3], std::string(100, 'a') + " [line cut]");
}

TEST(ProcessRunner, TheDeadlineKillsTheWholeGroup) {
  auto file = std::filesystem::temp_directory_path() / ("ink-runner-" + std::to_string(getpid()));
  auto r = SystemProcessRunner().Run(
      {.argv = {"sh", "-c", "trap '' TERM; sleep 300 & echo $! > " + file.string() + "; wait"},
       // Long enough for sh to set its trap and start `sleep` on a loaded machine (with 200 ms
       // the deadline sometimes came first: SIGTERM then killed sh before the trap).
       .deadline = std::chrono::milliseconds(2000),
       .kill_grace = std::chrono::milliseconds(100)});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->exit_code, -1);
  EXPECT_EQ(r->term_signal, SIGKILL);  // it ignored SIGTERM
  std::ifstream in(file);
  pid_t background = 0;
  in >> background;
  std::filesystem::remove(file);
  ASSERT_GT(background, 0);
  // SIGKILL is delivered when the kernel next schedules the process: on a loaded machine it can
  // still read as sleeping right after Run returns (the CI failure), so give it up to 5 s to die.
  for (int i = 0; i < 250 && ProcessRunning(background); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(ProcessRunning(background));
}

TEST(ProcessRunner, CheckStopsItWithTheReason) {
  int calls = 0;
  auto r = SystemProcessRunner().Run({.argv = {"sleep", "300"}, .check = [&]() -> std::string {
                                        return ++calls > 1 ? "enough" : "";
                                      }});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stopped, "enough");
  EXPECT_FALSE(r->ok());
}

// A process whose runner dies (inkd killed with -9) is killed too, not left as an orphan.
TEST(ProcessRunner, TheChildGetsNoDescriptorButItsStdio) {
  int fd = ::open("/dev/null", O_RDONLY);  // not O_CLOEXEC
  ASSERT_GE(fd, 3);
  auto r = SystemProcessRunner().Run(
      {.argv = {"sh", "-c", "test -e /proc/self/fd/" + std::to_string(fd) + " && echo leaked"},
       .deadline = std::chrono::seconds(30)});
  ::close(fd);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->output.find("leaked"), std::string::npos) << r->output;
}

TEST(ProcessRunner, TheChildDiesWithItsParent) {
  // The child reports its pid in a file (it inherits no descriptor of ours to write it on).
  char dir[] = "/tmp/ink-runner-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string report = std::string(dir) + "/pid";
  pid_t parent = ::fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {
    std::string script =
        "echo $$ > " + report + ".tmp && mv " + report + ".tmp " + report + "; exec sleep 300";
    (void)SystemProcessRunner().Run(
        {.argv = {"sh", "-c", script}, .deadline = std::chrono::minutes(5)});
    ::_exit(0);
  }
  std::string text;
  while (text.empty()) {  // no time limit: ctest's timeout is the failure
    std::ifstream(report) >> text;
    std::this_thread::yield();
  }
  std::filesystem::remove_all(dir);
  pid_t child = std::atoi(text.c_str());
  ASSERT_GT(child, 0);
  EXPECT_TRUE(ProcessRunning(child));
  ::kill(parent, SIGKILL);
  ::waitpid(parent, nullptr, 0);
  while (ProcessRunning(child))
    std::this_thread::yield();  // no time limit: ctest's timeout is the failure
  SUCCEED();
}

}  // namespace
}  // namespace ink
