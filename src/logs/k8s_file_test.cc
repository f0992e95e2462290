#include "src/logs/k8s_file.h"

#include <gtest/gtest.h>

#include <vector>

namespace ink::logs_internal {
namespace {

struct Got {
  int64_t nanos;
  bool is_stderr;
  std::string text;
  bool operator==(const Got&) const = default;
};

std::vector<Got> Parse(K8sFileParser& p, std::string_view bytes, size_t* consumed = nullptr) {
  std::vector<Got> out;
  size_t used = p.Feed(bytes, [&](const ContainerLine& l) {
    out.push_back({l.nanos, l.is_stderr, std::string(l.text)});
  });
  if (consumed) *consumed = used;
  return out;
}

constexpr int64_t kT = 1765026094LL * 1000000000;  // 2025-12-06T13:01:34Z

TEST(K8sFileParserTest, ParsesWholeLinesWithTimesAndStreams) {
  K8sFileParser p(1000);
  size_t used = 0;
  auto got = Parse(p,
                   "2025-12-06T13:01:34.631967236+00:00 stdout F hello world\n"
                   "2025-12-06T13:01:34.000000001+00:00 stderr F oops\n"
                   "2025-12-06T14:01:35.5+01:00 stdout F\n"
                   "2025-12-06T13:01:3",
                   &used);
  EXPECT_EQ(got, (std::vector<Got>{{kT + 631967236, false, "hello world"},
                                   {kT + 1, true, "oops"},
                                   {kT + 1500000000, false, ""}}));
  EXPECT_EQ(used, 57u + 50u + 37u);
}

TEST(K8sFileParserTest, JoinsPiecesAndLeavesAnUnfinishedLineUnconsumed) {
  K8sFileParser p(1000);
  std::string bytes =
      "2025-12-06T13:01:34.000000000+00:00 stdout P abc\n"
      "2025-12-06T13:01:34.000000005+00:00 stderr F err\n"
      "2025-12-06T13:01:34.000000007+00:00 stdout F def\n";
  size_t used = 0;
  auto got = Parse(p, bytes, &used);
  EXPECT_EQ(got, (std::vector<Got>{{kT + 5, true, "err"}, {kT, false, "abcdef"}}));
  EXPECT_EQ(used, bytes.size());
  // Without the last piece nothing after the first piece is handed over (or consumed), so the
  // next call, starting there, gives each line exactly once.
  std::string head = bytes.substr(0, bytes.rfind("2025"));
  EXPECT_TRUE(Parse(p, head, &used).empty());
  EXPECT_EQ(used, 0u);
}

TEST(K8sFileParserTest, CutsLongLinesAndHandsOverOnesThatNeverEnd) {
  K8sFileParser p(8);
  auto got = Parse(p, "2025-12-06T13:01:34Z stdout F 0123456789abc\n");
  EXPECT_EQ(got.at(0).text, "01234567");
  std::string pieces;
  for (int i = 0; i < 200; ++i) pieces += "2025-12-06T13:01:34Z stdout P 0123456789\n";
  size_t used = 0;
  got = Parse(p, pieces, &used);
  EXPECT_EQ(used, pieces.size());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].text, "01234567");
}

TEST(K8sFileParserTest, PassesLinesNotInTheFormatOn) {
  K8sFileParser p(100);
  auto got = Parse(p, "garbage\n2025-12-06T13:01:34Z sideways F x\n");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], (Got{0, false, "garbage"}));
}

TEST(LineRateLimitTest, AllowsTheBurstThenTheRate) {
  LineRateLimit limit(500, 1000);
  constexpr int64_t kSecond = 1000000000;
  int64_t t = 10 * kSecond;
  int kept = 0;
  for (int i = 0; i < 5000; ++i) kept += limit.Admit(t);
  EXPECT_EQ(kept, 1000);
  EXPECT_EQ(limit.TakeDropped(), 4000);
  EXPECT_EQ(limit.TakeDropped(), 0);
  // 50,000 lines over the next second: 500 more get through.
  kept = 0;
  for (int i = 1; i <= 50000; ++i) kept += limit.Admit(t + i * (kSecond / 50000));
  EXPECT_NEAR(kept, 500, 2);
  // After a quiet while the bucket is full again, never more than the burst.
  kept = 0;
  for (int i = 0; i < 5000; ++i) kept += limit.Admit(t + 100 * kSecond);
  EXPECT_EQ(kept, 1000);
}

}  // namespace
}  // namespace ink::logs_internal
