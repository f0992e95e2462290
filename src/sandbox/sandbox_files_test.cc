// The sandbox file scripts, run by the host's own sh in a scratch directory (a runtime whose
// Exec runs the command locally), and the pure rules: paths, modes and find's listing.
#include "ink/sandbox/sandbox_files.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ink/common/sandbox_file_limits.h"
#include "ink/common/subprocess.h"
#include "ink/runtime/fake_runtime.h"

namespace ink {
namespace {

// Exec runs argv on the host, its stderr kept apart through a file.
class LocalShellRuntime : public FakeRuntime {
 public:
  explicit LocalShellRuntime(std::string dir) : dir_(std::move(dir)) {}
  Result<ExecResult> Exec(const std::string&, const ExecRequest& request) override {
    ProcessSpec spec;
    std::string err = dir_ + "/stderr";
    spec.argv = {"sh", "-c", "\"$@\" 2>" + err, "sh"};
    spec.argv.insert(spec.argv.end(), request.argv.begin(), request.argv.end());
    spec.stdin_data = request.stdin_data;
    spec.max_output_bytes = request.max_output_bytes;
    auto ran = SystemProcessRunner().Run(spec);
    if (!ran.ok()) return ran.error();
    ExecResult result;
    result.exit_code = ran->exit_code;
    result.stdout_data = ran->output;
    result.stdout_truncated = ran->output_truncated;
    std::ifstream in(err);
    std::stringstream text;
    text << in.rdbuf();
    result.stderr_data = text.str();
    return result;
  }

 private:
  std::string dir_;
};

class SandboxFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "ink-sbxf-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    runtime_ = std::make_unique<LocalShellRuntime>(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string dir_;
  std::unique_ptr<LocalShellRuntime> runtime_;
};

std::string AllBytes(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += static_cast<char>((i * 7 + i / 256) & 0xff);
  return out;
}

TEST_F(SandboxFilesTest, WritesBinaryAtomicallyWithModeAndParents) {
  std::string data = AllBytes(300000);
  std::string path = dir_ + "/a/b/c.bin";
  auto wrote = WriteSandboxFile(*runtime_, "c", {.path = path, .content = data, .mode = 0750});
  ASSERT_TRUE(wrote.ok()) << wrote.error().message;
  EXPECT_EQ(Slurp(path), data);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  // Nothing but the file is left in its directory (no temporary).
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir_ + "/a/b")) files += e.exists();
  EXPECT_EQ(files, 1);

  auto read = ReadSandboxFile(*runtime_, "c", {.path = path});
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->data, data);
  EXPECT_EQ(read->size, 300000);
  EXPECT_EQ(read->mode, 0750);
  auto part = ReadSandboxFile(*runtime_, "c", {.path = path, .offset = 1000, .length = 10});
  ASSERT_TRUE(part.ok()) << part.error().message;
  EXPECT_EQ(part->data, data.substr(1000, 10));
  auto tail = ReadSandboxFile(*runtime_, "c", {.path = path, .offset = 299990});
  ASSERT_TRUE(tail.ok()) << tail.error().message;
  EXPECT_EQ(tail->data, data.substr(299990));

  auto empty = WriteSandboxFile(*runtime_, "c", {.path = dir_ + "/empty", .content = ""});
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  auto empty_read = ReadSandboxFile(*runtime_, "c", {.path = dir_ + "/empty"});
  ASSERT_TRUE(empty_read.ok()) << empty_read.error().message;
  EXPECT_EQ(empty_read->data, "");
}

TEST_F(SandboxFilesTest, RefusalsSayWhatIsWrongAndChangeNothing) {
  auto no_parent = WriteSandboxFile(
      *runtime_, "c", {.path = dir_ + "/none/x", .content = "x", .make_parents = false});
  ASSERT_FALSE(no_parent.ok());
  EXPECT_EQ(no_parent.error().code, ErrorCode::kNotFound);
  EXPECT_NE(no_parent.error().message.find("make_parents"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/none"));

  auto onto_dir = WriteSandboxFile(*runtime_, "c", {.path = dir_, .content = "x"});
  ASSERT_FALSE(onto_dir.ok());
  EXPECT_NE(onto_dir.error().message.find("is a directory"), std::string::npos);

  auto missing = ReadSandboxFile(*runtime_, "c", {.path = dir_ + "/nope"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("does not exist"), std::string::npos);

  auto dir_read = ReadSandboxFile(*runtime_, "c", {.path = dir_});
  ASSERT_FALSE(dir_read.ok());
  EXPECT_NE(dir_read.error().message.find("sandbox_list_files"), std::string::npos);

  ASSERT_TRUE(WriteSandboxFile(*runtime_, "c", {.path = dir_ + "/f", .content = "abc"}).ok());
  auto past = ReadSandboxFile(*runtime_, "c", {.path = dir_ + "/f", .offset = 4});
  ASSERT_FALSE(past.ok());
  EXPECT_NE(past.error().message.find("past the end"), std::string::npos);

  auto list_file = ListSandboxFiles(*runtime_, "c", dir_ + "/f", 1);
  ASSERT_FALSE(list_file.ok());
  EXPECT_NE(list_file.error().message.find("sandbox_read_file"), std::string::npos);
}

TEST_F(SandboxFilesTest, AReadLargerThanTheLimitIsRefusedWithTheWayOut) {
  std::string path = dir_ + "/big";
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(kMaxSandboxFileBytes + 1, 'x');
  }
  auto big = ReadSandboxFile(*runtime_, "c", {.path = path});
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(big.error().message.find("offset and length"), std::string::npos)
      << big.error().message;
  auto part = ReadSandboxFile(*runtime_, "c", {.path = path, .offset = 1});
  ASSERT_TRUE(part.ok()) << part.error().message;
  EXPECT_EQ(part->data.size(), kMaxSandboxFileBytes);
}

TEST_F(SandboxFilesTest, ListsTypesModesAndSizesToTheDepthAsked) {
  ASSERT_TRUE(
      WriteSandboxFile(*runtime_, "c", {.path = dir_ + "/d/with space.txt", .content = "hello"})
          .ok());
  ASSERT_TRUE(
      WriteSandboxFile(*runtime_, "c", {.path = dir_ + "/d/sub/deep", .content = "x"}).ok());
  std::filesystem::create_symlink("with space.txt", dir_ + "/d/link");
  auto top = ListSandboxFiles(*runtime_, "c", dir_ + "/d", 1);
  ASSERT_TRUE(top.ok()) << top.error().message;
  ASSERT_EQ(top->entries.size(), 3u);
  EXPECT_EQ(top->entries[0].path, "link");
  EXPECT_EQ(top->entries[0].type, "symlink");
  EXPECT_EQ(top->entries[1].path, "sub");
  EXPECT_EQ(top->entries[1].type, "dir");
  EXPECT_EQ(top->entries[2].path, "with space.txt");
  EXPECT_EQ(top->entries[2].type, "file");
  EXPECT_EQ(top->entries[2].size, 5);
  EXPECT_EQ(top->entries[2].mode, 0644);
  EXPECT_GT(top->entries[2].modified_at, int64_t{1600000000000});
  auto deep = ListSandboxFiles(*runtime_, "c", dir_ + "/d", 2);
  ASSERT_TRUE(deep.ok());
  EXPECT_EQ(deep->entries.size(), 4u);
  EXPECT_FALSE(deep->truncated);
}

TEST(SandboxFileRules, PathsAreAbsoluteAndNormalized) {
  EXPECT_EQ(*NormalizeSandboxPath("/tmp//x/./y/"), "/tmp/x/y");
  EXPECT_EQ(*NormalizeSandboxPath("/"), "/");
  EXPECT_EQ(*NormalizeSandboxPath("/a b/ü"), "/a b/ü");
  for (std::string bad : {std::string(""), std::string("tmp/x"), std::string("/a/../b"),
                          std::string("/a\0b", 4), "/" + std::string(5000, 'a')}) {
    auto r = NormalizeSandboxPath(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().message.rfind("path", 0), 0u) << r.error().message;
    }
  }
}

TEST(SandboxFileRules, ModesAreOctal) {
  EXPECT_EQ(*ParseFileMode("644"), 0644);
  EXPECT_EQ(*ParseFileMode("0755"), 0755);
  EXPECT_EQ(*ParseFileMode("4755"), 04755);
  for (const char* bad : {"", "8", "64", "0x644", "99999", "rw-"})
    EXPECT_FALSE(ParseFileMode(bad).ok()) << bad;
  EXPECT_EQ(FormatFileMode(0644), "0644");
  EXPECT_EQ(FormatFileMode(04755), "4755");
}

TEST(SandboxFileRules, FindListingSkipsCutAndMalformedRecordsAndCapsEntries) {
  std::string out = std::string("f 644 5 1700000000.5 a b\0d 755 4096 1700000000.0 dir\0", 53) +
                    std::string("garbage\0", 8) + "f 600 1 1.0 cut";
  SandboxListing l = ParseFindListing(out, true, 10);
  ASSERT_EQ(l.entries.size(), 2u);
  EXPECT_EQ(l.entries[0].path, "a b");
  EXPECT_EQ(l.entries[0].modified_at, 1700000000500);
  EXPECT_TRUE(l.truncated);
  SandboxListing capped = ParseFindListing(out, false, 1);
  EXPECT_EQ(capped.entries.size(), 1u);
  EXPECT_TRUE(capped.truncated);
}

}  // namespace
}  // namespace ink
