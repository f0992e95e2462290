#include "ink/storage/backup_cipher.h"

#include "ink/common/names.h"

namespace ink::storage {
namespace {

constexpr size_t kHeaderBytes = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
constexpr size_t kSealedChunkBytes = kBackupChunkBytes + crypto_secretstream_xchacha20poly1305_ABYTES;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return 0;
}

Error Damaged(const std::string& why) {
  return InvalidArgument("the backup's data does not decrypt: " + why +
                         " (it was changed or cut short, or another key encrypted it)");
}

}  // namespace

BackupCipherKey DeriveBackupKey(const SecretBox& secrets, std::string_view workspace_id) {
  const std::string hex = secrets.DeriveKey("backup-key:" + std::string(workspace_id));
  BackupCipherKey key;
  for (size_t i = 0; i < key.bytes.size() && 2 * i + 1 < hex.size(); ++i) {
    key.bytes[i] = static_cast<unsigned char>(HexValue(hex[2 * i]) * 16 + HexValue(hex[2 * i + 1]));
  }
  key.id = Sha256Hex(std::string_view(reinterpret_cast<const char*>(key.bytes.data()),
                                      key.bytes.size()))
               .substr(0, 16);
  return key;
}

BackupEncryptor::BackupEncryptor(const BackupCipherKey& key) : header_(kHeaderBytes, '\0') {
  crypto_secretstream_xchacha20poly1305_init_push(
      &state_, reinterpret_cast<unsigned char*>(header_.data()), key.bytes.data());
}

std::string BackupEncryptor::Header() const { return header_; }

std::string BackupEncryptor::Seal(std::string_view chunk, unsigned char tag) {
  std::string out(chunk.size() + crypto_secretstream_xchacha20poly1305_ABYTES, '\0');
  unsigned long long written = 0;
  crypto_secretstream_xchacha20poly1305_push(
      &state_, reinterpret_cast<unsigned char*>(out.data()), &written,
      reinterpret_cast<const unsigned char*>(chunk.data()), chunk.size(), nullptr, 0, tag);
  out.resize(written);
  return out;
}

std::string BackupEncryptor::Push(std::string_view plaintext) {
  std::string out;
  buffer_.append(plaintext);
  size_t done = 0;
  // A chunk is sealed only once more follows it: the last one must carry the FINAL tag.
  while (buffer_.size() - done > kBackupChunkBytes) {
    out += Seal(std::string_view(buffer_).substr(done, kBackupChunkBytes),
                crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    done += kBackupChunkBytes;
  }
  buffer_.erase(0, done);
  return out;
}

std::string BackupEncryptor::Finish() {
  std::string out = Seal(buffer_, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
  buffer_.clear();
  return out;
}

Status BackupDecryptor::Open(std::string_view chunk, std::string& out) {
  if (final_) return Damaged("data follows its final chunk");
  if (chunk.size() < crypto_secretstream_xchacha20poly1305_ABYTES) {
    return Damaged("a chunk is too short");
  }
  size_t at = out.size();
  out.resize(at + chunk.size() - crypto_secretstream_xchacha20poly1305_ABYTES);
  unsigned long long written = 0;
  unsigned char tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(
          &state_, reinterpret_cast<unsigned char*>(out.data() + at), &written, &tag,
          reinterpret_cast<const unsigned char*>(chunk.data()), chunk.size(), nullptr, 0) != 0) {
    out.resize(at);
    return Damaged("a chunk failed authentication");
  }
  out.resize(at + written);
  final_ = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  return {};
}

Status BackupDecryptor::Push(std::string_view ciphertext, std::string& out) {
  buffer_.append(ciphertext);
  size_t done = 0;
  if (!started_) {
    if (buffer_.size() < kHeaderBytes) return {};
    if (crypto_secretstream_xchacha20poly1305_init_pull(
            &state_, reinterpret_cast<const unsigned char*>(buffer_.data()), key_.bytes.data()) !=
        0) {
      return Damaged("its header is invalid");
    }
    started_ = true;
    done = kHeaderBytes;
  }
  // A full sealed chunk is opened only once more follows it: the shorter last one is FINAL.
  while (buffer_.size() - done > kSealedChunkBytes) {
    INK_RETURN_IF_ERROR(Open(std::string_view(buffer_).substr(done, kSealedChunkBytes), out));
    done += kSealedChunkBytes;
  }
  buffer_.erase(0, done);
  return {};
}

Status BackupDecryptor::Finish(std::string& out) {
  if (!started_) return Damaged("it is shorter than its header");
  if (!buffer_.empty()) INK_RETURN_IF_ERROR(Open(buffer_, out));
  buffer_.clear();
  if (!final_) return Damaged("its final chunk is missing (cut short)");
  return {};
}

}  // namespace ink::storage
