#include "ink/common/resources.h"

#include <gtest/gtest.h>

namespace ink {
namespace {

TEST(ParseMemoryLimit, AcceptsBytesAndBinaryUnits) {
  EXPECT_EQ(*ParseMemoryLimit("256m"), 256LL << 20);
  EXPECT_EQ(*ParseMemoryLimit("1g"), 1LL << 30);
  EXPECT_EQ(*ParseMemoryLimit("512Mi"), 512LL << 20);
  EXPECT_EQ(*ParseMemoryLimit("2GiB"), 2LL << 30);
  EXPECT_EQ(*ParseMemoryLimit("1.5G"), (3LL << 30) / 2);
  EXPECT_EQ(*ParseMemoryLimit("67108864"), 64LL << 20);
  EXPECT_EQ(*ParseMemoryLimit("6m"), kMinMemoryLimitBytes);
  EXPECT_EQ(*ParseMemoryLimit("1t"), kMaxMemoryLimitBytes);
  EXPECT_EQ(*ParseMemoryLimit("1024g"), kMaxMemoryLimitBytes);
  EXPECT_EQ(*ParseMemoryLimit("6144KB"), 6LL << 20);
}

TEST(ParseMemoryLimit, RefusesWithTheReasonAndExamples) {
  for (const char* bad : {"", "m", "lots", "-5m", "1.5", "12x", "1..5g", ".5g", "5 g", "1gg", "64k",
                          "100b", "1025g", "2t", "2000000g", "99999999999999999999999999t"}) {
    auto parsed = ParseMemoryLimit(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_NE(ParseMemoryLimit("12q").error().message.find("unknown unit 'q'"), std::string::npos);
  EXPECT_NE(ParseMemoryLimit("12q").error().message.find("256m"), std::string::npos);
  EXPECT_NE(ParseMemoryLimit("1m").error().message.find("minimum of 6m"), std::string::npos);
  EXPECT_NE(ParseMemoryLimit("2t").error().message.find("limit of 1t"), std::string::npos);
  EXPECT_LE(ParseMemoryLimit(std::string(500, '9')).error().message.size(), 200u);
}

TEST(FormatMemory, ShortestForm) {
  EXPECT_EQ(FormatMemory(512LL << 20), "512m");
  EXPECT_EQ(FormatMemory(1LL << 30), "1g");
  EXPECT_EQ(FormatMemory((3LL << 30) / 2), "1.5g");
  EXPECT_EQ(FormatMemory(100), "100b");
  EXPECT_EQ(FormatMemory(1LL << 40), "1t");
}

}  // namespace
}  // namespace ink
