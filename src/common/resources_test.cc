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

TEST(ParseVolumeSize, SameFormsAsMemoryFrom16MiTo1Ti) {
  EXPECT_EQ(*ParseVolumeSize("1Gi"), 1LL << 30);
  EXPECT_EQ(*ParseVolumeSize("512Mi"), 512LL << 20);
  EXPECT_EQ(*ParseVolumeSize("16m"), kMinVolumeBytes);
  EXPECT_EQ(*ParseVolumeSize("1Ti"), kMaxVolumeBytes);
  for (const char* bad : {"0", "", "-1Gi", "lots", "1Mi", "2Ti", "10PB", "10p", "1.5"}) {
    auto parsed = ParseVolumeSize(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.error().message.find("volume size"), std::string::npos) << bad;
  }
  EXPECT_NE(ParseVolumeSize("10PB").error().message.find("limit of 1Ti"), std::string::npos);
  EXPECT_NE(ParseVolumeSize("0").error().message.find("minimum of 16Mi"), std::string::npos);
}

TEST(FormatMemory, ShortestForm) {
  EXPECT_EQ(FormatMemory(512LL << 20), "512m");
  EXPECT_EQ(FormatMemory(1LL << 30), "1g");
  EXPECT_EQ(FormatMemory((3LL << 30) / 2), "1.5g");
  EXPECT_EQ(FormatMemory(100), "100b");
  EXPECT_EQ(FormatMemory(1LL << 40), "1t");
}

TEST(ValidateCpuCores, ZeroIsTheDefaultElseHundredthsUpToTheMaximum) {
  for (double ok : {0.0, 0.01, 0.25, 0.29, 1.0, 63.99, 64.0}) {
    EXPECT_TRUE(ValidateCpuCores(ok).ok()) << ok;
  }
  for (double bad : {-1.0, 0.001, 0.005, 0.333, 64.01, 1000.0}) {
    EXPECT_FALSE(ValidateCpuCores(bad).ok()) << bad;
  }
  EXPECT_EQ(ValidateCpuCores(0.005).error().message,
            "cpu 0.005 must be 0 (inkd's default) or 0.01 to 64 cores in steps of 0.01");
}

TEST(ParseCpuCores, FlagsTakeADecimalNumberOfCoresAboveZero) {
  EXPECT_DOUBLE_EQ(*ParseCpuCores("0.5", "--default-cpu"), 0.5);
  EXPECT_DOUBLE_EQ(*ParseCpuCores("2", "--max-cpu"), 2);
  EXPECT_EQ(ParseCpuCores("two", "--max-cpu").error().message,
            "--max-cpu 'two' is not a number of cores such as 0.5 or 2");
  EXPECT_FALSE(ParseCpuCores("0", "--default-cpu").ok());
  EXPECT_FALSE(ParseCpuCores("-1", "--default-cpu").ok());
  EXPECT_FALSE(ParseCpuCores("1e3", "--default-cpu").ok());
  EXPECT_FALSE(ParseCpuCores("65", "--max-cpu").ok());
}

TEST(ValidateAppPort, OneTo65535) {
  EXPECT_TRUE(ValidateAppPort(1).ok());
  EXPECT_TRUE(ValidateAppPort(65535).ok());
  EXPECT_FALSE(ValidateAppPort(0).ok());
  EXPECT_EQ(ValidateAppPort(70000).error().message, "port 70000 is out of range 1-65535");
}

}  // namespace
}  // namespace ink
