#include "src/build/build_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ink::build {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(BuildLog, SmallLogsAreKeptWhole) {
  std::string path = "/tmp/ink-build-log-" + std::to_string(::getpid()) + "-a.log";
  auto log = BuildLog::Create(path, 1 << 20);
  ASSERT_TRUE(log.ok());
  (*log)->Line("one");
  (*log)->Line("two");
  EXPECT_EQ(ReadAll(path), "one\ntwo\n");  // visible to followers before Close
  EXPECT_EQ((*log)->Tail(1), "two");
  (*log)->Close();
  EXPECT_EQ(ReadAll(path), "one\ntwo\n");
  std::filesystem::remove(path);
}

TEST(BuildLog, SecretValuesAreMaskedInTheFileAndTheTail) {
  std::string path = "/tmp/ink-build-log-" + std::to_string(::getpid()) + "-m.log";
  auto log = BuildLog::Create(path, 1 << 20);
  ASSERT_TRUE(log.ok());
  (*log)->Mask({"ink_admintoken", "hunter2-pw", "hunter2-pw-long", "abc"});
  (*log)->Line("token=ink_admintoken twice ink_admintoken");
  (*log)->Line("pw hunter2-pw-long and hunter2-pw; abc stays");
  EXPECT_EQ(ReadAll(path), "token=[masked] twice [masked]\npw [masked] and [masked]; abc stays\n");
  EXPECT_EQ((*log)->Tail(1), "pw [masked] and [masked]; abc stays");
  (*log)->Close();
  std::filesystem::remove(path);
}

TEST(BuildLog, AHugeLogKeepsHeadAndTailWithinTheBound) {
  std::string path = "/tmp/ink-build-log-" + std::to_string(::getpid()) + "-b.log";
  const int64_t bound = 64 << 10;
  auto log = BuildLog::Create(path, bound);
  ASSERT_TRUE(log.ok());
  std::string filler(90, 'x');
  for (int i = 0; i < 100000; ++i) (*log)->Line("line " + std::to_string(i) + " " + filler);
  (*log)->Close();
  std::string text = ReadAll(path);
  EXPECT_LE(static_cast<int64_t>(text.size()), bound + 200);
  EXPECT_EQ(text.rfind("line 0 ", 0), 0u);                 // the head
  EXPECT_NE(text.find("line 99999 "), std::string::npos);  // the tail
  EXPECT_NE(text.find("bytes of build log omitted"), std::string::npos);
  EXPECT_GT((*log)->omitted_bytes(), 9'000'000);
  EXPECT_NE((*log)->Tail(3).find("line 99999"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(BuildLog, FollowersAreToldOfEveryLineThatReachesTheFileAndOfTheClose) {
  std::string path = "/tmp/ink-build-log-" + std::to_string(::getpid()) + "-c.log";
  int told = 0;
  auto log = BuildLog::Create(path, 2048, [&] { ++told; });
  ASSERT_TRUE(log.ok());
  (*log)->Line("one");
  EXPECT_EQ(told, 1);
  for (int i = 0; i < 100; ++i) (*log)->Line(std::string(100, 'x'));  // past the head: memory
  int after_head = told;
  EXPECT_LT(after_head, 20);
  (*log)->Close();
  EXPECT_EQ(told, after_head + 1);  // the tail reached the file
  (*log)->Close();
  EXPECT_EQ(told, after_head + 1);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace ink::build
