// WriteFileAtomically: content and mode, replacement, no temp file left behind.
#include "ink/common/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ink {
namespace {

namespace fs = std::filesystem;

TEST(WriteFileAtomicallyTest, WritesWithTheModeAndReplacesLeavingNoTemp) {
  const fs::path dir = fs::temp_directory_path() / ("ink-atomic-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "a.pem").string();
  ASSERT_TRUE(WriteFileAtomically(path, "one", 0600).ok());
  ASSERT_TRUE(WriteFileAtomically(path, "two", 0600).ok());
  std::stringstream read;
  read << std::ifstream(path).rdbuf();
  EXPECT_EQ(read.str(), "two");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1);
  // A directory that does not exist is an error naming the path.
  auto missing = WriteFileAtomically((dir / "no" / "b").string(), "x", 0644);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no/"), std::string::npos) << missing.error().message;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ink
