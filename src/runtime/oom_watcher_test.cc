#include "oom_watcher.h"

#include <gtest/gtest.h>

namespace ink::runtime_internal {
namespace {

TEST(OomWatcherTest, ParsesOomKillCounter) {
  EXPECT_EQ(ParseOomKillCount("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n"), 3);
  EXPECT_EQ(ParseOomKillCount("oom_kill_disable 0\nunder_oom 0\n"), -1);
}

TEST(OomWatcherTest, RefusesMissingCgroup) {
  OomWatcher watcher;
  EXPECT_FALSE(watcher.Watch("c1", "/nonexistent/cgroup"));
  EXPECT_FALSE(watcher.Watching("c1"));
  EXPECT_FALSE(watcher.OomKilled("c1"));
}

}  // namespace
}  // namespace ink::runtime_internal
