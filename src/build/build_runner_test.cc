#include "src/build/build_runner.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <vector>

namespace ink::build {
namespace {

TEST(RunStreaming, HandsOverLinesAndTheExitCode) {
  std::vector<std::string> lines;
  auto r = RunStreaming({.argv = {"sh", "-c", "echo one; echo two >&2; printf three; exit 3"},
                         .on_line = [&](std::string_view l) { lines.emplace_back(l); }});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "three"}));
}

TEST(RunStreaming, TheEnvironmentIsOnlyWhatWasGiven) {
  ::setenv("INK_RUNNER_TEST_LEAK", "secret", 1);
  std::string out;
  auto r = RunStreaming({.argv = {"sh", "-c", "echo \"[$INK_RUNNER_TEST_LEAK][$MINE]\""},
                         .env = {{"MINE", "yes"}},
                         .on_line = [&](std::string_view l) { out = std::string(l); }});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(out, "[][yes]");
}

TEST(RunStreaming, TimeLimitKillsTheWholeGroup) {
  auto start = std::chrono::steady_clock::now();
  auto r = RunStreaming({.argv = {"sh", "-c", "sleep 30 & sleep 30; wait"},
                         .timeout = std::chrono::milliseconds(300)});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_FALSE(r->ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(RunStreaming, CheckStopsTheProcessWithItsReason) {
  int calls = 0;
  auto r = RunStreaming({.argv = {"sleep", "30"},
                         .check = [&]() -> std::string { return ++calls > 2 ? "enough" : ""; }});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stopped, "enough");
}

TEST(RunStreaming, FileSizeLimitEndsAWriterThatGoesOver) {
  auto r = RunStreaming({.argv = {"sh", "-c", "head -c 2000000 /dev/zero > /tmp/ink-runner-fsize"},
                         .max_file_bytes = 100000});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok());
  ::unlink("/tmp/ink-runner-fsize");
}

TEST(RunStreaming, OverLongLinesAreCut) {
  std::vector<std::string> lines;
  auto r =
      RunStreaming({.argv = {"sh", "-c", "head -c 100000 /dev/zero | tr '\\0' a; echo; echo next"},
                    .max_line_bytes = 1000,
                    .on_line = [&](std::string_view l) { lines.emplace_back(l); }});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_LT(lines[0].size(), 1100u);
  EXPECT_EQ(lines[1], "next");
}

TEST(RunStreaming, AMissingProgramIsAnError) {
  EXPECT_FALSE(RunStreaming({.argv = {"ink-no-such-program"}}).ok());
}

}  // namespace
}  // namespace ink::build
