// LoopVolumeHost's logic with a fake process runner and a mount table of the test's own: the
// commands it runs (mkfs with no reserved blocks, mount nodev/nosuid), idempotent mounting,
// clean-up when formatting fails, refusals (ids, free space, busy), idempotent removal. The real
// mkfs/mount path is exercised by test/e2e/test_volumes.py.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ink/runtime/volume_host.h"

namespace ink {
namespace {

class FakeRunner : public ProcessRunner {
 public:
  Result<ProcessResult> Run(const ProcessSpec& spec) override {
    calls.push_back(spec.argv);
    ProcessResult r;
    r.exit_code = 0;
    if (spec.argv[0] == "mkfs.ext4" && fail_mkfs) r.exit_code = 1, r.output = "mkfs: no";
    if (spec.argv[0] == "umount" && busy) r.exit_code = 32, r.output = "target is busy";
    if (spec.argv[0] == "cp") {
      if (fail_cp) {
        r.exit_code = 1, r.output = "cp: No space left on device";
        std::ofstream(spec.argv.back()) << "half";
      } else {
        std::filesystem::copy_file(spec.argv[2], spec.argv[3]);
      }
    }
    if (spec.argv[0] == "mount" && r.exit_code == 0) {
      std::ofstream(mountinfo, std::ios::app)
          << "99 1 7:0 / " << spec.argv.back() << " rw,nosuid,nodev - ext4 /dev/loop0 rw\n";
    }
    return r;
  }
  std::vector<std::vector<std::string>> calls;
  bool fail_mkfs = false, busy = false, fail_cp = false;
  std::string mountinfo;
};

class LoopVolumeHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "ink-vol-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    runner_.mountinfo = root_ + "/mountinfo";
    std::ofstream(runner_.mountinfo) << "1 0 8:0 / / rw - ext4 /dev/vda rw\n";
    host_ =
        MakeLoopVolumeHost({.dir = root_ + "/volumes", .mountinfo = runner_.mountinfo}, runner_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string root_;
  FakeRunner runner_;
  std::unique_ptr<VolumeHost> host_;
};

TEST_F(LoopVolumeHostTest, CreateMakesASparseImageFormatsAndMountsIt) {
  ASSERT_TRUE(host_->Create("vol_abc123", 64 << 20).ok());
  const std::string image = root_ + "/volumes/vol_abc123.img";
  struct stat st {};
  ASSERT_EQ(::stat(image.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 64 << 20);
  EXPECT_LT(st.st_blocks * 512, 1 << 20);  // sparse
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(runner_.calls.size(), 2u);
  EXPECT_EQ(runner_.calls[0], (std::vector<std::string>{"mkfs.ext4", "-q", "-F", "-m", "0", "-L",
                                                        "vol_abc123", image}));
  EXPECT_EQ(runner_.calls[1],
            (std::vector<std::string>{"mount", "-t", "ext4", "-o", "loop,nodev,nosuid", image,
                                      root_ + "/volumes/vol_abc123"}));
  // Mounted already: Mount runs nothing and answers the directory replicas bind-mount.
  auto dir = host_->Mount("vol_abc123");
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  EXPECT_EQ(*dir, root_ + "/volumes/vol_abc123/data");
  EXPECT_EQ(runner_.calls.size(), 2u);
  EXPECT_TRUE(std::filesystem::is_directory(*dir));

  auto again = host_->Create("vol_abc123", 64 << 20);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
}

TEST_F(LoopVolumeHostTest, MountAfterARebootMountsAgainAndAMissingImageIsNotFound) {
  ASSERT_TRUE(host_->Create("vol_a", 16 << 20).ok());
  std::ofstream(runner_.mountinfo) << "1 0 8:0 / / rw - ext4 /dev/vda rw\n";  // nothing mounted
  runner_.calls.clear();
  ASSERT_TRUE(host_->Mount("vol_a").ok());
  ASSERT_EQ(runner_.calls.size(), 1u);
  EXPECT_EQ(runner_.calls[0][0], "mount");
  auto missing = host_->Mount("vol_gone");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(LoopVolumeHostTest, FailedFormatLeavesNothingBehind) {
  runner_.fail_mkfs = true;
  auto made = host_->Create("vol_b", 16 << 20);
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.error().message.find("mkfs: no"), std::string::npos) << made.error().message;
  EXPECT_FALSE(std::filesystem::exists(root_ + "/volumes/vol_b.img"));
  EXPECT_FALSE(std::filesystem::exists(root_ + "/volumes/vol_b"));
}

TEST_F(LoopVolumeHostTest, RefusesBadIdsAndSizesAboveTheFreeDisk) {
  for (std::string id : {"../etc", "vol_", "vol_A", "vol_a/b", "x_abc"}) {
    EXPECT_EQ(host_->Create(id, 1 << 20).error().code, ErrorCode::kInvalidArgument) << id;
    EXPECT_EQ(host_->Mount(id).error().code, ErrorCode::kInvalidArgument) << id;
    EXPECT_EQ(host_->Remove(id).error().code, ErrorCode::kInvalidArgument) << id;
  }
  auto huge = host_->Create("vol_c", int64_t{1} << 60);
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(huge.error().message.find("free"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(root_ + "/volumes/vol_c.img"));
  EXPECT_TRUE(runner_.calls.empty());
}

TEST_F(LoopVolumeHostTest, RemoveUnmountsDeletesAndIsIdempotentButRefusedWhileBusy) {
  ASSERT_TRUE(host_->Create("vol_d", 16 << 20).ok());
  runner_.busy = true;
  auto busy = host_->Remove("vol_d");
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(std::filesystem::exists(root_ + "/volumes/vol_d.img"));  // nothing changed

  runner_.busy = false;
  ASSERT_TRUE(host_->Remove("vol_d").ok());
  EXPECT_EQ(runner_.calls.back(), (std::vector<std::string>{"umount", root_ + "/volumes/vol_d"}));
  EXPECT_FALSE(std::filesystem::exists(root_ + "/volumes/vol_d.img"));
  std::ofstream(runner_.mountinfo) << "1 0 8:0 / / rw - ext4 /dev/vda rw\n";
  EXPECT_TRUE(host_->Remove("vol_d").ok());  // again: nothing to do
}

}  // namespace
}  // namespace ink

namespace ink {
namespace {

TEST_F(LoopVolumeHostTest, SnapshotCopiesTheImageWhileFrozenAndRestoreMakesANewVolume) {
  ASSERT_TRUE(host_->Create("vol_abc123", 64 << 20).ok());
  runner_.calls.clear();
  auto copy = host_->CopyToSnapshot("vol_abc123", "snap_x1");
  ASSERT_TRUE(copy.ok()) << copy.error().message;
  const std::string point = root_ + "/volumes/vol_abc123";
  const std::string snapshot = root_ + "/snapshots/snap_x1.img";
  ASSERT_EQ(runner_.calls.size(), 3u);
  EXPECT_EQ(runner_.calls[0], (std::vector<std::string>{"fsfreeze", "-f", point}));
  EXPECT_EQ(runner_.calls[1], (std::vector<std::string>{"cp", "--sparse=always", point + ".img",
                                                        snapshot + ".partial"}));
  EXPECT_EQ(runner_.calls[2], (std::vector<std::string>{"fsfreeze", "-u", point}));
  EXPECT_TRUE(std::filesystem::exists(snapshot));
  EXPECT_FALSE(std::filesystem::exists(snapshot + ".partial"));
  EXPECT_EQ(host_->CopyToSnapshot("vol_abc123", "snap_x1").error().code, ErrorCode::kAlreadyExists);

  runner_.calls.clear();
  ASSERT_TRUE(host_->RestoreSnapshot("snap_x1", "vol_new1").ok());
  EXPECT_EQ(std::filesystem::file_size(root_ + "/volumes/vol_new1.img"), 64u << 20);
  EXPECT_EQ(runner_.calls.back()[0], "mount");
  EXPECT_TRUE(std::filesystem::exists(snapshot));  // a restore copies; the snapshot stays
  EXPECT_EQ(host_->RestoreSnapshot("snap_x1", "vol_new1").error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(host_->RestoreSnapshot("snap_nope", "vol_new2").error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(host_->RemoveSnapshot("snap_x1").ok());
  EXPECT_FALSE(std::filesystem::exists(snapshot));
  EXPECT_TRUE(host_->RemoveSnapshot("snap_x1").ok());  // idempotent
  EXPECT_FALSE(host_->RemoveSnapshot("../etc").ok());
}

TEST_F(LoopVolumeHostTest, AFailedCopyThawsAndLeavesNothing) {
  ASSERT_TRUE(host_->Create("vol_abc123", 64 << 20).ok());
  runner_.fail_cp = true;
  runner_.calls.clear();
  auto copy = host_->CopyToSnapshot("vol_abc123", "snap_x1");
  ASSERT_FALSE(copy.ok());
  EXPECT_NE(copy.error().message.find("No space left"), std::string::npos);
  ASSERT_EQ(runner_.calls.size(), 3u);
  EXPECT_EQ(runner_.calls[2][0], "fsfreeze");
  EXPECT_EQ(runner_.calls[2][1], "-u");
  EXPECT_TRUE(std::filesystem::is_empty(root_ + "/snapshots"));
}

TEST_F(LoopVolumeHostTest, AVolumeFoundMountedAtStartIsThawed) {
  // Mounted by an earlier inkd (which may have died mid-snapshot): the first Mount thaws it.
  std::ofstream(runner_.mountinfo, std::ios::app)
      << "98 1 7:1 / " << root_ << "/volumes/vol_old1 rw - ext4 /dev/loop1 rw\n";
  std::filesystem::create_directories(root_ + "/volumes/vol_old1");
  ASSERT_TRUE(host_->Mount("vol_old1").ok());
  ASSERT_EQ(runner_.calls.size(), 1u);
  EXPECT_EQ(runner_.calls[0],
            (std::vector<std::string>{"fsfreeze", "-u", root_ + "/volumes/vol_old1"}));
  ASSERT_TRUE(host_->Mount("vol_old1").ok());
  EXPECT_EQ(runner_.calls.size(), 1u);  // once
}

}  // namespace
}  // namespace ink
