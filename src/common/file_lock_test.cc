#include "ink/common/file_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace ink {
namespace {

std::string TempLockPath() {
  return (std::filesystem::temp_directory_path() /
          ("ink-lock-test-" + std::to_string(::getpid()) + ".lock"))
      .string();
}

TEST(FileLock, SharedHoldersCoexistAndExcludeAWriter) {
  std::string path = TempLockPath();
  auto a = FileLock::Acquire(path, FileLock::Mode::kShared);
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto b = FileLock::TryAcquire(path, FileLock::Mode::kShared, std::chrono::milliseconds(0));
  ASSERT_TRUE(b.ok());
  auto writer =
      FileLock::TryAcquire(path, FileLock::Mode::kExclusive, std::chrono::milliseconds(100));
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.error().code, ErrorCode::kUnavailable);
  { FileLock released_a = std::move(*a); }
  { FileLock released_b = std::move(*b); }
  auto now_free =
      FileLock::TryAcquire(path, FileLock::Mode::kExclusive, std::chrono::milliseconds(0));
  ASSERT_TRUE(now_free.ok());
  auto reader = FileLock::TryAcquire(path, FileLock::Mode::kShared, std::chrono::milliseconds(0));
  EXPECT_FALSE(reader.ok());
  std::filesystem::remove(path);
}

TEST(FileLock, AnUnopenablePathIsAnError) {
  auto lock = FileLock::Acquire("/nonexistent-dir/x.lock", FileLock::Mode::kShared);
  ASSERT_FALSE(lock.ok());
  EXPECT_NE(lock.error().message.find("/nonexistent-dir/x.lock"), std::string::npos);
}

}  // namespace
}  // namespace ink
