#include "log_frames.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "stdcopy_frame_test_util.h"

namespace ink::runtime_internal {
namespace {

using runtime_test::Frame;

struct Collected {
  std::vector<std::string> lines;  // "stream:line"
  LogLineCallback callback() {
    return [this](std::string_view stream, std::string_view line) {
      lines.push_back(std::string(stream) + ":" + std::string(line));
      return true;
    };
  }
};

TEST(LogFrameDecoderTest, SplitsFramesIntoLinesPerStream) {
  std::string data = Frame(1, "hi\nthere\n") + Frame(2, "err\n") + Frame(1, "last");
  LogFrameDecoder decoder;
  Collected got;
  ASSERT_TRUE(decoder.Feed(data, got.callback()));
  ASSERT_TRUE(decoder.Finish(got.callback()));
  EXPECT_EQ(got.lines,
            (std::vector<std::string>{"stdout:hi", "stdout:there", "stderr:err", "stdout:last"}));
}

TEST(LogFrameDecoderTest, ReassemblesAcrossArbitraryChunkBoundaries) {
  std::string data = Frame(1, "alpha be") + Frame(2, "error line\n") + Frame(1, "ta\ngamma\n") +
                     Frame(1, std::string(70000, 'x') + "\n");
  for (size_t step : {1, 3, 7, 8, 9, 100}) {
    LogFrameDecoder decoder;
    Collected got;
    for (size_t i = 0; i < data.size(); i += step) {
      ASSERT_TRUE(decoder.Feed(std::string_view(data).substr(i, step), got.callback()));
    }
    ASSERT_EQ(got.lines.size(), 4u) << "step " << step;
    EXPECT_EQ(got.lines[0], "stderr:error line");
    EXPECT_EQ(got.lines[1], "stdout:alpha beta");
    EXPECT_EQ(got.lines[2], "stdout:gamma");
    EXPECT_EQ(got.lines[3], "stdout:" + std::string(70000, 'x'));
  }
}

TEST(LogFrameDecoderTest, APieceWiseLineKeepsOnlyItsFirstTimestamp) {
  // What podman sends for `print("listening")` under gVisor: the text and its newline as two
  // records, each with a time.
  std::string data = Frame(1, "2026-11-28T18:21:37Z python listening on 8080") +
                     Frame(2, "2026-11-28T18:21:37Z err whole\n") +
                     Frame(1, "2026-11-28T18:21:38Z \n") + Frame(1, "2026-11-28T18:21:39Z a b") +
                     Frame(1, "2026-11-28T18:21:39Z  c\n");
  for (size_t step : {1, 5, 1000}) {
    LogFrameDecoder decoder(true);
    Collected got;
    for (size_t i = 0; i < data.size(); i += step) {
      ASSERT_TRUE(decoder.Feed(std::string_view(data).substr(i, step), got.callback()));
    }
    EXPECT_EQ(got.lines,
              (std::vector<std::string>{"stderr:2026-11-28T18:21:37Z err whole",
                                        "stdout:2026-11-28T18:21:37Z python listening on 8080",
                                        "stdout:2026-11-28T18:21:39Z a b c"}))
        << "step " << step;
  }
}

TEST(LogFrameDecoderTest, StopsWhenCallbackReturnsFalse) {
  LogFrameDecoder decoder;
  int calls = 0;
  bool more = decoder.Feed(Frame(1, "a\nb\nc\n"), [&](std::string_view, std::string_view) {
    ++calls;
    return false;
  });
  EXPECT_FALSE(more);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace ink::runtime_internal
