#include "ink/common/names.h"

#include <openssl/sha.h>
#include <sodium.h>

#include <cstdio>
#include <mutex>

namespace ink {
namespace {

void EnsureSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();  // no CSPRNG: nothing safe can be done
  });
}

}  // namespace

Status ValidateName(std::string_view what, std::string_view name, size_t max_length) {
  std::string shown(name.substr(0, 64));
  if (name.empty()) {
    return InvalidArgument(std::string(what) + " is empty: use 1-" + std::to_string(max_length) +
                           " characters of a-z, 0-9 and '-', starting with a letter");
  }
  if (name.size() > max_length) {
    return InvalidArgument(std::string(what) + " '" + shown + "' is " +
                           std::to_string(name.size()) + " characters long; the limit is " +
                           std::to_string(max_length));
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) {
      std::string hint = (c >= 'A' && c <= 'Z') ? " (uppercase is not allowed: use lowercase)" : "";
      return InvalidArgument(std::string(what) + " '" + shown +
                             "' contains a character that is not allowed" + hint +
                             ": use only a-z, 0-9 and '-', starting with a letter");
    }
  }
  if (!(name[0] >= 'a' && name[0] <= 'z')) {
    return InvalidArgument(std::string(what) + " '" + shown + "' must start with a letter a-z");
  }
  if (name.back() == '-') {
    return InvalidArgument(std::string(what) + " '" + shown + "' must not end with '-'");
  }
  return {};
}

Status ValidateServiceName(std::string_view name) {
  INK_RETURN_IF_ERROR(ValidateName("service name", name));
  if (name == "shared") {
    return InvalidArgument(
        "service name 'shared' is reserved: ${{shared.NAME}} names the project's shared "
        "variables; choose another service name");
  }
  return {};
}

std::string ServiceHostLabel(std::string_view service, std::string_view project) {
  return std::string(service) + "-" + std::string(project);
}

std::string RandomToken(size_t bytes) {
  EnsureSodium();
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : raw) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

std::string NewId(std::string_view prefix) { return std::string(prefix) + "_" + RandomToken(10); }

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  std::string out;
  char hex[3];
  for (unsigned char b : digest) {
    std::snprintf(hex, sizeof hex, "%02x", b);
    out += hex;
  }
  return out;
}

}  // namespace ink
