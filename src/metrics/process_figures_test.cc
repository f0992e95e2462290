#include "ink/metrics/process_figures.h"

#include <gtest/gtest.h>

namespace ink::metrics {
namespace {

TEST(ProcessFiguresTest, ParsesStatusAndStat) {
  EXPECT_DOUBLE_EQ(ResidentBytesFromStatus("Name:\tinkd\nVmPeak:\t 900 kB\nVmRSS:\t   2048 kB\n"),
                   2048 * 1024);
  EXPECT_DOUBLE_EQ(ResidentBytesFromStatus("Name:\tinkd\n"), 0);
  // A command name with spaces and a ')' does not shift the fields.
  std::string stat = "4242 (ink d) x) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 50 0 0 20 0";
  EXPECT_DOUBLE_EQ(CpuSecondsFromStat(stat, 100), 3.0);
  EXPECT_DOUBLE_EQ(CpuSecondsFromStat("garbage", 100), 0);
  EXPECT_DOUBLE_EQ(CpuSecondsFromStat("1 (x) S 1 2", 100), 0);
}

TEST(ProcessFiguresTest, ReadsThisProcess) {
  ProcessFigures self = ReadProcessFigures();
  EXPECT_GT(self.resident_bytes, 1 << 20);
  EXPECT_GE(self.cpu_seconds, 0);
}

}  // namespace
}  // namespace ink::metrics
