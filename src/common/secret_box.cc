#include "ink/common/secret_box.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ink/common/names.h"

namespace ink {

Result<SecretBox> SecretBox::LoadOrCreate(const std::string& path) {
  RandomToken(1);  // initialises libsodium
  SecretBox box;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    box.key_.resize(crypto_secretbox_KEYBYTES);
    ssize_t n = ::read(fd, box.key_.data(), box.key_.size());
    ::close(fd);
    if (n != static_cast<ssize_t>(crypto_secretbox_KEYBYTES)) {
      return Internal(
          "secret key file " + path + " is damaged (expected " +
          std::to_string(crypto_secretbox_KEYBYTES) +
          " bytes); restore it from a backup — sealed secrets cannot be read without it");
    }
    return box;
  }
  if (errno != ENOENT) return Internal("cannot read " + path + ": " + std::strerror(errno));
  box.key_.resize(crypto_secretbox_KEYBYTES);
  crypto_secretbox_keygen(reinterpret_cast<unsigned char*>(box.key_.data()));
  fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Internal("cannot create " + path + ": " + std::strerror(errno));
  ssize_t n = ::write(fd, box.key_.data(), box.key_.size());
  ::fsync(fd);
  ::close(fd);
  if (n != static_cast<ssize_t>(box.key_.size())) return Internal("cannot write " + path);
  return box;
}

std::string SecretBox::Seal(std::string_view plaintext) const {
  std::string raw(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  randombytes_buf(out, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        out, reinterpret_cast<const unsigned char*>(key_.data()));
  std::string b64(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), out, raw.size(), sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  return b64;
}

std::string SecretBox::DeriveKey(std::string_view purpose) const {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key_.data()),
                              key_.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(purpose.data()),
                                purpose.size());
  crypto_auth_hmacsha256_final(&state, mac);
  std::string hex(sizeof mac * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), mac, sizeof mac);
  hex.pop_back();
  return hex;
}

Result<std::string> SecretBox::Open(std::string_view sealed) const {
  std::string raw(sealed.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), sealed.data(),
                        sealed.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return Internal("sealed secret is malformed");
  }
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  std::string plain(len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 in + crypto_secretbox_NONCEBYTES,
                                 len - crypto_secretbox_NONCEBYTES, in,
                                 reinterpret_cast<const unsigned char*>(key_.data())) != 0) {
    return Internal("sealed secret failed authentication (tampered, or sealed with another key)");
  }
  return plain;
}

}  // namespace ink
