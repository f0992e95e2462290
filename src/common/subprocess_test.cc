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
#include <functional>
#include <sstream>
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

// The process whose pid a test script wrote to `file` is gone (the file is removed).
void ExpectTheBackgroundProcessGone(const std::filesystem::path& file) {
  std::ifstream in(file);
  pid_t background = 0;
  in >> background;
  std::filesystem::remove(file);
  ASSERT_GT(background, 0);
  // SIGKILL is delivered when the kernel next schedules the process: on a loaded machine it can
  // still read as sleeping right after the kill (a CI failure), so give it up to 5 s to die.
  for (int i = 0; i < 250 && ProcessRunning(background); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(ProcessRunning(background));
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
  ExpectTheBackgroundProcessGone(file);
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

// Forks a parent that calls `start(script)`, waits until the script runs, kills the parent with
// SIGKILL and returns the pid of the script's process (0 on failure).
pid_t ChildOfAKilledParent(const std::function<void(const std::string& script)>& start) {
  // The child reports its pid in a file (it inherits no descriptor of ours to write it on).
  char dir[] = "/tmp/ink-runner-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return 0;
  const std::string report = std::string(dir) + "/pid";
  pid_t parent = ::fork();
  if (parent < 0) return 0;
  if (parent == 0) {
    start("echo $$ > " + report + ".tmp && mv " + report + ".tmp " + report + "; exec sleep 300");
    ::_exit(0);
  }
  std::string text;
  while (text.empty()) {  // no time limit: ctest's timeout is the failure
    std::ifstream(report) >> text;
    std::this_thread::yield();
  }
  std::filesystem::remove_all(dir);
  pid_t child = std::atoi(text.c_str());
  EXPECT_TRUE(ProcessRunning(child));
  ::kill(parent, SIGKILL);
  ::waitpid(parent, nullptr, 0);
  return child;
}

TEST(ProcessRunner, TheChildDiesWithItsParent) {
  pid_t child = ChildOfAKilledParent([](const std::string& script) {
    (void)SystemProcessRunner().Run(
        {.argv = {"sh", "-c", script}, .deadline = std::chrono::minutes(5)});
  });
  ASSERT_GT(child, 0);
  while (ProcessRunning(child))
    std::this_thread::yield();  // no time limit: ctest's timeout is the failure
}

// --- Child: long-lived and streaming processes ---

std::string ReadSome(int fd) {
  char buf[4096];
  ssize_t got = ::read(fd, buf, sizeof buf);
  return got > 0 ? std::string(buf, static_cast<size_t>(got)) : std::string();
}

std::string ReadAll(int fd) {
  std::string all, more;
  while (!(more = ReadSome(fd)).empty()) all += more;
  return all;
}

TEST(Child, StreamsStdinStdoutAndStderrThroughPipes) {
  auto child = Child::Start({.argv = {"sh", "-c",
                                      "while read line; do echo \"got $line\"; done; "
                                      "echo bye >&2; exit 3"},
                             .in = ChildStream::Pipe(),
                             .out = ChildStream::Pipe(),
                             .err = ChildStream::Pipe()});
  ASSERT_TRUE(child.ok()) << child.error().message;
  ASSERT_GE(child->stdin_fd(), 0);
  // One line at a time: each answer comes before the next question is asked.
  for (std::string word : {"one", "two"}) {
    std::string line = word + "\n";
    ASSERT_EQ(::write(child->stdin_fd(), line.data(), line.size()),
              static_cast<ssize_t>(line.size()));
    EXPECT_EQ(ReadSome(child->stdout_fd()), "got " + line);
  }
  EXPECT_TRUE(child->Running());
  child->CloseStdin();
  EXPECT_EQ(ReadAll(child->stdout_fd()), "");
  EXPECT_EQ(ReadAll(child->stderr_fd()), "bye\n");
  ChildExit exit = child->Wait();
  EXPECT_EQ(exit.exit_code, 3);
  EXPECT_EQ(exit.term_signal, 0);
  EXPECT_FALSE(child->Running());
}

TEST(Child, WritesToAGivenDescriptorWithItsEnvironmentAndDirectory) {
  char path[] = "/tmp/ink-child-log-XXXXXX";
  int log = ::mkstemp(path);
  ASSERT_GE(log, 0);
  auto child = Child::Start({.argv = {"sh", "-c", "pwd; echo $MINE-$HOME; echo err >&2"},
                             .env = std::map<std::string, std::string>{{"MINE", "yes"}},
                             .cwd = "/tmp",
                             .out = ChildStream::Fd(log),
                             .err = ChildStream::SameAsStdout()});
  ::close(log);  // the caller's copy; the child has its own
  ASSERT_TRUE(child.ok()) << child.error().message;
  EXPECT_TRUE(child->Wait().ok());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove(path);
  EXPECT_EQ(text.str(), "/tmp\nyes-\nerr\n");
}

TEST(Child, WhatCannotStartIsAnErrorAndLeavesNothing) {
  auto missing = Child::Start({.argv = {"ink-no-such-program"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("ink-no-such-program"), std::string::npos);
  auto no_dir = Child::Start({.argv = {"true"}, .cwd = "/nonexistent/ink-dir"});
  ASSERT_FALSE(no_dir.ok());
  EXPECT_NE(no_dir.error().message.find("No such file"), std::string::npos)
      << no_dir.error().message;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);  // no child left, not even a zombie
  EXPECT_EQ(errno, ECHILD);
}

TEST(Child, StopKillsWhatIgnoresTermAfterTheGrace) {
  auto file = std::filesystem::temp_directory_path() / ("ink-child-" + std::to_string(getpid()));
  auto child = Child::Start(
      {.argv = {"sh", "-c",
                "trap '' TERM; sleep 300 & echo $! > " + file.string() + "; echo ready; wait"},
       .out = ChildStream::Pipe()});
  ASSERT_TRUE(child.ok()) << child.error().message;
  ASSERT_EQ(ReadSome(child->stdout_fd()), "ready\n");            // the trap is set
  EXPECT_FALSE(child->WaitFor(std::chrono::milliseconds(100)));  // a deadline that passes
  auto t0 = std::chrono::steady_clock::now();
  ChildExit exit = child->Stop(std::chrono::milliseconds(300), /*whole_group=*/true);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(300));
  EXPECT_EQ(exit.exit_code, -1);
  EXPECT_EQ(exit.term_signal, SIGKILL);  // it ignored SIGTERM
  ExpectTheBackgroundProcessGone(file);  // the group went with it
  child->Signal(SIGKILL);                // reaped: no signal to a pid now someone else's
}

TEST(Child, ItsOwnGroupANewSessionOrInkdsGroup) {
  enum Where { kOwnGroup, kSession, kParentGroup };
  for (Where where : {kOwnGroup, kSession, kParentGroup}) {
    auto child = Child::Start({.argv = {"sh", "-c", "echo $$ $(cut -d' ' -f5,6 /proc/$$/stat)"},
                               .out = ChildStream::Pipe(),
                               .new_session = where == kSession,
                               .keep_parent_group = where == kParentGroup});
    ASSERT_TRUE(child.ok()) << child.error().message;
    std::istringstream words(ReadAll(child->stdout_fd()));
    pid_t pid = 0, group = 0, sid = 0;
    words >> pid >> group >> sid;
    EXPECT_EQ(pid, child->pid());
    EXPECT_EQ(group, where == kParentGroup ? ::getpgrp() : pid) << where;
    EXPECT_EQ(sid == pid, where == kSession) << sid;
    EXPECT_TRUE(child->Wait().ok());
  }
}

TEST(Child, TheChildGetsNoDescriptorButItsStdio) {
  int fd = ::open("/dev/null", O_RDONLY);  // not O_CLOEXEC
  ASSERT_GE(fd, 3);
  auto child =
      Child::Start({.argv = {"sh", "-c", "ls /proc/$$/fd; true"}, .out = ChildStream::Pipe()});
  ::close(fd);
  ASSERT_TRUE(child.ok()) << child.error().message;
  EXPECT_EQ(ReadAll(child->stdout_fd()), "0\n1\n2\n");
  EXPECT_TRUE(child->Wait().ok());
}

TEST(Child, DestroyingARunningChildKillsAndReapsIt) {
  pid_t pid = 0;
  {
    auto child = Child::Start({.argv = {"sleep", "300"}});
    ASSERT_TRUE(child.ok()) << child.error().message;
    pid = child->pid();
    Child moved = std::move(*child);  // the handle moves; the process stays
    EXPECT_TRUE(moved.Running());
    EXPECT_EQ(child->pid(), 0);
  }
  EXPECT_FALSE(ProcessRunning(pid));  // gone, and no zombie: /proc has no entry
  EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(pid)));
}

TEST(Child, TheChildDiesWithItsParentUnlessToldOtherwise) {
  for (bool die_with_parent : {true, false}) {
    pid_t child = ChildOfAKilledParent([die_with_parent](const std::string& script) {
      auto started = Child::Start(
          {.argv = {"sh", "-c", script}, .die_with_parent = die_with_parent, .new_session = true});
      if (started.ok()) started->Wait();
    });
    ASSERT_GT(child, 0);
    if (die_with_parent) {
      while (ProcessRunning(child))
        std::this_thread::yield();  // no time limit: ctest's timeout is the failure
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      EXPECT_TRUE(ProcessRunning(child));  // like ink-edge, it outlives its parent
      ::kill(child, SIGKILL);
    }
  }
}

}  // namespace
}  // namespace ink
