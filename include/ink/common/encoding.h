// Byte encodings shared across modules: base64 (the standard alphabet, with padding) for binary
// data carried in JSON or HTTP headers, and UTF-8 validity (JSON text must be UTF-8).
// Pure functions: thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ink/common/result.h"

namespace ink {

// Base64 of `data` (RFC 4648 alphabet, '=' padding).
std::string Base64Encode(std::string_view data);
// The bytes `text` encodes; InvalidArgument naming `what` when it is not padded standard base64
// (whitespace is not allowed either).
Result<std::string> Base64Decode(std::string_view text, std::string_view what = "the value");
// The decoded size of base64 text of `length` characters (an upper bound when it is invalid).
size_t Base64DecodedSize(size_t length);

// Length of the UTF-8 sequence starting at text[i] (i < text.size()), or 0 if none is valid
// there (overlong forms, surrogates and code points past U+10FFFF are invalid).
size_t Utf8SequenceLength(std::string_view text, size_t i);
// The offset of the first byte of `text` that is not valid UTF-8, or npos if it all is.
size_t FirstInvalidUtf8(std::string_view text);

}  // namespace ink
