#include "source_pack.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace ink::cli {
namespace {

namespace fs = std::filesystem;

TEST(IgnoreRules, GitignoreSubset) {
  IgnoreRules rules;
  rules.Add("# comment\nnode_modules/\n*.log\n/build\n!keep.log\ndocs/**/*.tmp\n");
  EXPECT_TRUE(rules.Ignored("node_modules", true));
  EXPECT_TRUE(rules.Ignored("node_modules/x/y.js", false));
  EXPECT_TRUE(rules.Ignored("app/node_modules/y.js", false));
  EXPECT_FALSE(rules.Ignored("node_modules", false));  // a file of that name is not a directory
  EXPECT_TRUE(rules.Ignored("debug.log", false));
  EXPECT_TRUE(rules.Ignored("a/b/debug.log", false));
  EXPECT_FALSE(rules.Ignored("keep.log", false));
  EXPECT_TRUE(rules.Ignored("build", true));
  EXPECT_TRUE(rules.Ignored("build/out.o", false));
  EXPECT_FALSE(rules.Ignored("src/build/x.c", false));  // anchored to the root only
  EXPECT_TRUE(rules.Ignored("docs/a/b/c.tmp", false));
  EXPECT_FALSE(rules.Ignored("server.js", false));
}

class PackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ink-pack-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& rel, const std::string& text) {
    fs::create_directories((fs::path(dir_) / rel).parent_path());
    std::ofstream(fs::path(dir_) / rel) << text;
  }
  std::string dir_;
};

TEST_F(PackTest, PlainDirectoryHonorsGitignoreAndInkignore) {
  Write("server.js", "x");
  Write("node_modules/dep/index.js", "x");
  Write("secret.env", "x");
  Write("lib/util.js", "x");
  Write(".gitignore", "node_modules/\n");
  Write(".inkignore", "*.env\n");
  auto files = ListSourceFiles(dir_);
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_EQ(*files,
            (std::vector<std::string>{".gitignore", ".inkignore", "lib/util.js", "server.js"}));
  auto packed = PackSource(dir_, *files);
  ASSERT_TRUE(packed.ok()) << packed.error().message;
  EXPECT_EQ(packed->files, 4u);
  EXPECT_GT(packed->bytes, 0);
  std::string list = "tar -tzf " + packed->archive_path + " > " + dir_ + "/list.txt";
  ASSERT_EQ(std::system(list.c_str()), 0);
  std::ifstream in(dir_ + "/list.txt");
  std::string all((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(all.find("server.js"), std::string::npos);
  EXPECT_EQ(all.find("node_modules"), std::string::npos);
  fs::remove(packed->archive_path);
}

TEST_F(PackTest, GitWorkTreeUsesGitsRulesPlusInkignore) {
  Write("app.py", "x");
  Write("build/out.bin", "x");
  Write("notes.md", "x");
  Write(".gitignore", "build/\n");
  Write(".inkignore", "notes.md\n");
  std::string cmd = "cd " + dir_ + " && git init -q && git add app.py .gitignore >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto files = ListSourceFiles(dir_);
  ASSERT_TRUE(files.ok()) << files.error().message;
  // Tracked and untracked-but-not-ignored files; never .git, build/ or notes.md.
  EXPECT_EQ(*files, (std::vector<std::string>{".gitignore", ".inkignore", "app.py"}));
}

TEST_F(PackTest, NothingToPackIsAClearError) {
  auto packed = PackSource(dir_, {});
  ASSERT_FALSE(packed.ok());
  EXPECT_FALSE(ListSourceFiles(dir_ + "/missing").ok());
}

}  // namespace
}  // namespace ink::cli
