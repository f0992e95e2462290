#include "ink/common/encoding.h"

#include <sodium.h>

#include <cstdint>

namespace ink {

std::string Base64Encode(std::string_view data) {
  std::string out(sodium_base64_encoded_len(data.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()),
                    data.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL sodium writes
  return out;
}

Result<std::string> Base64Decode(std::string_view text, std::string_view what) {
  std::string out(Base64DecodedSize(text.size()), '\0');
  size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &length, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    size_t at = end != nullptr ? static_cast<size_t>(end - text.data()) : 0;
    return InvalidArgument(std::string(what) + " is not valid base64 (standard alphabet A-Z a-z " +
                           "0-9 + /, '=' padding, no whitespace; first bad character at offset " +
                           std::to_string(at) + ")");
  }
  out.resize(length);
  return out;
}

size_t Base64DecodedSize(size_t length) { return (length + 3) / 4 * 3; }

size_t Utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n = 0;
  uint32_t code = 0;
  if ((c & 0xe0) == 0xc0) {
    n = 2, code = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3, code = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4, code = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3f);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kMin[n] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
  return n;
}

size_t FirstInvalidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t n = Utf8SequenceLength(text, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

}  // namespace ink
