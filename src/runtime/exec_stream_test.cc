#include "exec_stream.h"

#include <gtest/gtest.h>

#include <string>

#include "stdcopy_frame_test_util.h"

namespace ink::runtime_internal {
namespace {

using runtime_test::Frame;

TEST(ExecOutput, SplitsStreamsAcrossArbitraryChunksAndKeepsBytes) {
  std::string wire = Frame(1, std::string("out\0put", 7)) + Frame(2, "err\n") + Frame(1, " more");
  for (size_t step : {1u, 3u, 8u, 100u}) {
    ExecOutput output(1024);
    for (size_t i = 0; i < wire.size(); i += step)
      output.Feed(std::string_view(wire).substr(i, step));
    ExecResult result;
    output.MoveTo(result);
    EXPECT_EQ(result.stdout_data, std::string("out\0put more", 12)) << step;
    EXPECT_EQ(result.stderr_data, "err\n");
    EXPECT_FALSE(result.stdout_truncated);
  }
}

TEST(ExecOutput, BoundsEachStreamAndSaysSo) {
  ExecOutput output(4);
  output.Feed(Frame(1, "123456") + Frame(2, "ab") + Frame(1, "7"));
  ExecResult result;
  output.MoveTo(result);
  EXPECT_EQ(result.stdout_data, "1234");
  EXPECT_TRUE(result.stdout_truncated);
  EXPECT_EQ(result.stderr_data, "ab");
  EXPECT_FALSE(result.stderr_truncated);
}

}  // namespace
}  // namespace ink::runtime_internal
