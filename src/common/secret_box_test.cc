#include "ink/common/secret_box.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

namespace ink {
namespace {

TEST(SecretBox, SealsOpensAndPersistsKey) {
  auto dir = std::filesystem::temp_directory_path() / ("sb-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "secret.key").string();
  auto box = SecretBox::LoadOrCreate(path);
  ASSERT_TRUE(box.ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string secret = "p@ss $HOME #x \"q\" \n 🚀";
  std::string sealed = box->Seal(secret);
  EXPECT_EQ(sealed.find("p@ss"), std::string::npos);
  auto again = SecretBox::LoadOrCreate(path);
  ASSERT_TRUE(again.ok());
  auto opened = again->Open(sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, secret);
  std::string tampered = sealed;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(again->Open(tampered).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ink
