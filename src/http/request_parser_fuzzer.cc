// libFuzzer target for inkd's request parser (request_parser.h), the first code every byte from
// an unauthenticated client reaches. Beyond "no crash", it checks the properties the server
// relies on:
// - the head parse is monotonic: a prefix of a complete head is incomplete, never failed, and a
//   failure on a prefix stays a failure on more bytes (a connection is judged as bytes arrive);
// - a complete head frames its body one way: never chunked and a Content-Length at once;
// - the body decoder gives the same payload, state and byte counts whether the body arrives in
//   one read or a few bytes at a time into a small buffer, and never produces more than its
//   limit or consumes more than it was given;
// - UrlDecode and ParseQuery take any target.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "ink/common/fuzz_check.h"
#include "src/http/request_parser.h"

namespace {

using ink::http::internal::BodyDecoder;
using ink::http::internal::HeadParse;
using ink::http::internal::ParseRequestHead;

// Feeds `in` to `decoder` `piece` bytes at a time into a buffer of `capacity` bytes.
std::string DecodeInPieces(BodyDecoder* decoder, std::string_view in, size_t piece, size_t capacity,
                           size_t* consumed) {
  std::string out;
  std::string buffer(capacity, '\0');
  size_t offset = 0;
  size_t available = std::min(piece, in.size());
  while (decoder->state() == BodyDecoder::State::kNeedMore) {
    BodyDecoder::Step step =
        decoder->Decode(in.substr(offset, available - offset), buffer.data(), capacity);
    CHECK_PROPERTY(step.consumed <= available - offset);
    CHECK_PROPERTY(step.produced <= capacity);
    out.append(buffer.data(), step.produced);
    offset += step.consumed;
    if (step.consumed == 0 && step.produced == 0) {
      if (available == in.size()) break;  // needs bytes the input does not have
      available = std::min(in.size(), available + piece);
    }
  }
  *consumed = offset;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 65536) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  HeadParse whole = ParseRequestHead(text);
  // Monotonic over prefixes: checked at a few cut points rather than every length.
  for (size_t cut : {size / 3, size / 2, size > 0 ? size - 1 : 0}) {
    HeadParse prefix = ParseRequestHead(text.substr(0, cut));
    if (prefix.state == HeadParse::State::kFailed) {
      CHECK_PROPERTY(whole.state == HeadParse::State::kFailed);
    }
    if (whole.state == HeadParse::State::kComplete && cut < whole.size) {
      CHECK_PROPERTY(prefix.state == HeadParse::State::kIncomplete);
    }
    if (whole.state == HeadParse::State::kComplete && cut >= whole.size) {
      CHECK_PROPERTY(prefix.state == HeadParse::State::kComplete && prefix.size == whole.size);
    }
  }
  if (whole.state == HeadParse::State::kFailed) {
    CHECK_PROPERTY(whole.failure.status >= 400 && whole.failure.status < 600);
    CHECK_PROPERTY(!whole.failure.message.empty());
    return 0;
  }
  if (whole.state != HeadParse::State::kComplete) return 0;
  CHECK_PROPERTY(whole.size <= size);
  CHECK_PROPERTY(!(whole.head.chunked && whole.head.content_length > 0));

  std::map<std::string, std::string> query;
  std::string_view target = whole.head.target;
  size_t q = target.find('?');
  std::string path = ink::http::internal::UrlDecode(target.substr(0, q), false);
  if (q != std::string_view::npos) ink::http::internal::ParseQuery(target.substr(q + 1), query);

  std::string_view body = text.substr(whole.size);
  uint64_t limit = 1 + (size % 512);  // varies with the input without spending bytes on it
  BodyDecoder one(whole.head, limit);
  std::string payload_one;
  size_t consumed_one = 0;
  if (one.state() == BodyDecoder::State::kNeedMore) {
    consumed_one = one.DecodeAppend(body, &payload_one);
  }
  CHECK_PROPERTY(consumed_one <= body.size());
  CHECK_PROPERTY(payload_one.size() <= limit);
  CHECK_PROPERTY(one.payload_bytes() == payload_one.size());
  if (one.state() == BodyDecoder::State::kFailed) CHECK_PROPERTY(!one.failure().message.empty());

  BodyDecoder pieces(whole.head, limit);
  size_t consumed_pieces = 0;
  std::string payload_pieces;
  if (pieces.state() == BodyDecoder::State::kNeedMore) {
    payload_pieces = DecodeInPieces(&pieces, body, 1 + size % 7, 1 + size % 5, &consumed_pieces);
  }
  CHECK_PROPERTY(pieces.state() == one.state());
  CHECK_PROPERTY(payload_pieces == payload_one);
  if (one.state() == BodyDecoder::State::kDone) CHECK_PROPERTY(consumed_pieces == consumed_one);
  if (one.state() == BodyDecoder::State::kFailed) {
    CHECK_PROPERTY(pieces.failure().status == one.failure().status);
  }
  return 0;
}
