// SecretBox: seals small secrets (registry passwords, later env values) for storage at rest
// with libsodium's secretbox (XSalsa20-Poly1305). The key lives in a file outside the
// database, created at first start with mode 0600. Immutable after load: thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "ink/common/result.h"

namespace ink {

class SecretBox {
 public:
  // Reads the key at `path`, or creates it (mode 0600) if the file does not exist.
  static Result<SecretBox> LoadOrCreate(const std::string& path);
  // Returns nonce || ciphertext, base64-encoded.
  std::string Seal(std::string_view plaintext) const;
  // Reverses Seal; fails if the data was tampered with or sealed with another key.
  Result<std::string> Open(std::string_view sealed) const;
  // A key for another purpose (e.g. "webhooks"), derived from this one: hex HMAC-SHA256.
  std::string DeriveKey(std::string_view purpose) const;

 private:
  std::string key_;
};

}  // namespace ink
