#include "src/metrics/cgroup_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace ink::metrics {
namespace {

void Write(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(CgroupReaderTest, NetDevSumsEveryInterfaceButLoopback) {
  const char* text =
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
      "drop fifo colls carrier compressed\n"
      "    lo:     500       5    0    0    0     0          0         0      500       5    0 "
      "   0    0     0       0          0\n"
      "  eth0:    1220      14    0    0    0     0          0         0      516       6    0 "
      "   0    0     0       0          0\n";
  uint64_t rx, tx;
  ASSERT_TRUE(ParseNetDev(text, rx, tx));
  EXPECT_EQ(rx, 1220u);
  EXPECT_EQ(tx, 516u);
  EXPECT_FALSE(ParseNetDev("", rx, tx));
}

TEST(CgroupReaderTest, LimitsAndKeyedValues) {
  EXPECT_DOUBLE_EQ(ParseCpuMax("50000 100000\n"), 0.5);
  EXPECT_DOUBLE_EQ(ParseCpuMax("max 100000\n"), 0);
  EXPECT_EQ(ParseLimit("max\n"), 0);
  EXPECT_EQ(ParseLimit("9223372036854771712\n"), 0);
  EXPECT_EQ(ParseLimit("67108864\n"), 67108864);
  EXPECT_EQ(ParseKeyedValue("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", "oom_kill"), 3);
  EXPECT_EQ(ParseKeyedValue("usage_usec 12\n", "oom_kill"), -1);
}

TEST(CgroupReaderTest, ReadsV1HybridAndV2Layouts) {
  auto dir =
      std::filesystem::temp_directory_path() / ("cgroup_reader_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const std::string path = "/libpod_parent/libpod-abc";
  auto v1 = dir / "v1";
  Write(v1 / ("cpuacct" + path) / "cpuacct.usage", "2000000000\n");
  Write(v1 / ("cpu" + path) / "cpu.cfs_quota_us", "50000\n");
  Write(v1 / ("cpu" + path) / "cpu.cfs_period_us", "100000\n");
  Write(v1 / ("memory" + path) / "memory.usage_in_bytes", "1048576\n");
  Write(v1 / ("memory" + path) / "memory.limit_in_bytes", "67108864\n");
  Write(v1 / ("memory" + path) / "memory.oom_control", "oom_kill_disable 0\noom_kill 2\n");
  Write(dir / "proc/42/net/dev", "h\nh\n  eth0: 10 1 0 0 0 0 0 0 20 2 0 0 0 0 0 0\n");
  auto c = ReadContainerCounters({(v1).string(), (dir / "proc").string()}, path, 42, 5);
  EXPECT_TRUE(c.has_cpu);
  EXPECT_EQ(c.cpu_usage_ns, 2000000000u);
  EXPECT_DOUBLE_EQ(c.cpu_limit, 0.5);
  EXPECT_EQ(c.memory_bytes, 1048576);
  EXPECT_EQ(c.memory_limit, 67108864);
  EXPECT_EQ(c.oom_kills, 2u);
  EXPECT_TRUE(c.has_network);
  EXPECT_EQ(c.rx_bytes, 10u);
  EXPECT_EQ(c.tx_bytes, 20u);

  auto v2 = dir / "v2";
  Write(v2 / "cgroup.controllers", "cpu memory\n");
  Write(v2 / path.substr(1) / "cpu.stat", "usage_usec 3000\nuser_usec 1\n");
  Write(v2 / path.substr(1) / "cpu.max", "max 100000\n");
  Write(v2 / path.substr(1) / "memory.current", "4096\n");
  Write(v2 / path.substr(1) / "memory.max", "max\n");
  Write(v2 / path.substr(1) / "memory.events", "oom 1\noom_kill 1\n");
  c = ReadContainerCounters({v2.string(), (dir / "proc").string()}, path, 0, 5);
  EXPECT_EQ(c.cpu_usage_ns, 3000000u);
  EXPECT_EQ(c.cpu_limit, 0);
  EXPECT_EQ(c.memory_bytes, 4096);
  EXPECT_EQ(c.memory_limit, 0);
  EXPECT_EQ(c.oom_kills, 1u);
  EXPECT_FALSE(c.has_network);

  auto missing = ReadContainerCounters({v1.string(), (dir / "proc").string()}, "/gone", 0, 5);
  EXPECT_FALSE(missing.has_cpu || missing.has_memory || missing.has_network);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ink::metrics
