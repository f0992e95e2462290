// Client-side encryption of backups (issue 14): libsodium's secretstream
// (XChaCha20-Poly1305) over fixed 64 KiB plaintext chunks, so a backup is encrypted as it streams
// and a reader detects any change, reordering or truncation (the last chunk carries the FINAL
// tag, and nothing may follow it). The key is per workspace, derived from inkd's secret key; its
// id (a fingerprint) goes in the manifest so a restore with another key says so instead of
// failing on the first chunk. Pure byte transforms: one object per stream, one thread at a time.
#pragma once

#include <sodium.h>

#include <array>
#include <string>
#include <string_view>

#include "ink/common/result.h"
#include "ink/common/secret_box.h"

namespace ink::storage {

inline constexpr size_t kBackupChunkBytes = 64 << 10;

struct BackupCipherKey {
  std::array<unsigned char, crypto_secretstream_xchacha20poly1305_KEYBYTES> bytes{};
  std::string id;  // 16 hex digits of SHA-256 over the key: names it, reveals nothing
};

// Workspace `workspace_id`'s backup key, derived from inkd's secret (SecretBox::DeriveKey).
BackupCipherKey DeriveBackupKey(const SecretBox& secrets, std::string_view workspace_id);

class BackupEncryptor {
 public:
  explicit BackupEncryptor(const BackupCipherKey& key);
  // The stream header; send it first.
  std::string Header() const;
  // Encrypts `plaintext`, answering the ciphertext of each chunk it completed.
  std::string Push(std::string_view plaintext);
  // Encrypts what is buffered as the FINAL chunk (possibly empty); call once, at the end.
  std::string Finish();

 private:
  crypto_secretstream_xchacha20poly1305_state state_;
  std::string header_;
  std::string buffer_;
  std::string Seal(std::string_view chunk, unsigned char tag);
};

class BackupDecryptor {
 public:
  explicit BackupDecryptor(const BackupCipherKey& key) : key_(key) {}
  // Decrypts `ciphertext` (any split), appending the plaintext of every whole chunk to `out`.
  // InvalidArgument when a chunk fails authentication or data follows the FINAL chunk.
  Status Push(std::string_view ciphertext, std::string& out);
  // At the end of the stream: InvalidArgument unless the FINAL chunk was seen (a cut-short
  // stream), after decrypting what remains into `out`.
  Status Finish(std::string& out);

 private:
  Status Open(std::string_view chunk, std::string& out);
  const BackupCipherKey key_;
  crypto_secretstream_xchacha20poly1305_state state_;
  bool started_ = false;
  bool final_ = false;
  std::string buffer_;
};

}  // namespace ink::storage
