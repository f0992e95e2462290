// Backup encryption: round trips of every size around the chunk boundary in any split; a flipped
// byte, a dropped or added tail, another workspace's key are refused; the key id names the key.
#include "ink/storage/backup_cipher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>

namespace ink::storage {
namespace {

class BackupCipherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ink-cipher-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    auto box = SecretBox::LoadOrCreate(dir_ + "/secret.key");
    ASSERT_TRUE(box.ok());
    box_ = std::make_unique<SecretBox>(*box);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Encrypt(const BackupCipherKey& key, const std::string& plain, size_t piece) {
    BackupEncryptor e(key);
    std::string out = e.Header();
    for (size_t at = 0; at < plain.size(); at += piece) out += e.Push(plain.substr(at, piece));
    return out + e.Finish();
  }
  Result<std::string> Decrypt(const BackupCipherKey& key, const std::string& sealed, size_t piece) {
    BackupDecryptor d(key);
    std::string out;
    for (size_t at = 0; at < sealed.size(); at += piece) {
      INK_RETURN_IF_ERROR(d.Push(std::string_view(sealed).substr(at, piece), out));
    }
    INK_RETURN_IF_ERROR(d.Finish(out));
    return out;
  }
  static std::string Random(size_t n) {
    std::mt19937 r(static_cast<unsigned>(n));
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(r());
    return s;
  }
  std::string dir_;
  std::unique_ptr<SecretBox> box_;
};

TEST_F(BackupCipherTest, RoundTripsAroundChunkBoundariesInAnySplit) {
  BackupCipherKey key = DeriveBackupKey(*box_, "wsp_a");
  for (size_t n : {size_t{0}, size_t{1}, kBackupChunkBytes - 1, kBackupChunkBytes,
                   kBackupChunkBytes + 1, 3 * kBackupChunkBytes, 3 * kBackupChunkBytes + 7}) {
    std::string plain = Random(n);
    for (size_t piece : {size_t{1000}, size_t{65536}, size_t{1} << 20}) {
      std::string sealed = Encrypt(key, plain, piece);
      if (n >= 64) {
        EXPECT_EQ(sealed.find(plain.substr(0, 64)), std::string::npos);
      }
      auto opened = Decrypt(key, sealed, piece == 1000 ? 4097 : piece);
      ASSERT_TRUE(opened.ok()) << n << ": " << opened.error().message;
      EXPECT_TRUE(*opened == plain) << n;
    }
  }
}

TEST_F(BackupCipherTest, RefusesChangedCutExtendedOrForeignData) {
  BackupCipherKey key = DeriveBackupKey(*box_, "wsp_a");
  std::string sealed = Encrypt(key, Random(2 * kBackupChunkBytes + 100), 1 << 20);
  auto refused = [&](const std::string& data, const BackupCipherKey& k, const std::string& says) {
    auto r = Decrypt(k, data, 10000);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
  };
  std::string flipped = sealed;
  flipped[flipped.size() / 2] ^= 1;
  refused(flipped, key, "failed authentication");
  // Cut at a chunk boundary: every chunk left authenticates, but the final one is missing.
  refused(sealed.substr(0, crypto_secretstream_xchacha20poly1305_HEADERBYTES +
                               kBackupChunkBytes + crypto_secretstream_xchacha20poly1305_ABYTES),
          key, "final chunk is missing");
  refused(sealed.substr(0, sealed.size() - 5), key, "failed authentication");
  refused(sealed + "x", key, "does not decrypt");
  refused(sealed + sealed.substr(crypto_secretstream_xchacha20poly1305_HEADERBYTES), key,
          "does not decrypt");
  refused(sealed.substr(0, 10), key, "shorter than its header");
  refused(sealed, DeriveBackupKey(*box_, "wsp_b"), "another key");
}

TEST_F(BackupCipherTest, KeysArePerWorkspaceAndStable) {
  BackupCipherKey a = DeriveBackupKey(*box_, "wsp_a");
  EXPECT_EQ(a.id.size(), 16u);
  EXPECT_EQ(DeriveBackupKey(*box_, "wsp_a").id, a.id);
  EXPECT_NE(DeriveBackupKey(*box_, "wsp_b").id, a.id);
  EXPECT_NE(a.bytes, BackupCipherKey{}.bytes);
}

}  // namespace
}  // namespace ink::storage
