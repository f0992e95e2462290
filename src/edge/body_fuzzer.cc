// libFuzzer target for the BodyFramer (chunked decoding, Content-Length, until-close) as the
// edge runs it on bytes that arrive in arbitrary pieces. The first input byte picks the body kind
// and a payload limit, the second seeds how the rest is cut into reads. Beyond "no crash", it
// checks that framing does not depend on how the bytes were split: the same end of message (or
// the same error at the same byte) and the same payload size whether the body arrives at once or
// in pieces, and that nothing is consumed after the end.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "ink/common/fuzz_check.h"
#include "http1.h"

namespace {

using ink::edge::internal::BodyFramer;
using ink::edge::internal::BodyKind;
using ink::edge::internal::ParseError;

struct Outcome {
  size_t consumed = 0;
  bool done = false;
  ParseError error = ParseError::kNone;
  uint64_t payload = 0;
};

Outcome Run(BodyKind kind, uint64_t length, uint64_t limit, const char* data, size_t size,
            uint32_t seed) {
  BodyFramer f;
  f.Start(kind, length, limit);
  Outcome o;
  size_t offset = 0;
  while (offset < size && !f.done() && f.error() == ParseError::kNone) {
    size_t piece = size - offset;
    if (seed != 0) {
      seed = seed * 1103515245u + 12345u;
      piece = 1 + (seed >> 16) % 7;
      if (piece > size - offset) piece = size - offset;
    }
    size_t n = f.Consume(data + offset, piece);
    CHECK_PROPERTY(n <= piece);
    o.consumed += n;
    offset += piece;
    if (n < piece) break;  // stopped: end of message or an error
  }
  if (f.done()) CHECK_PROPERTY(f.Consume(data, size) == 0);
  o.done = f.done();
  o.error = f.error();
  o.payload = f.payload_bytes();
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > 1 << 16) return 0;
  static constexpr BodyKind kKinds[] = {BodyKind::kChunked,    BodyKind::kChunked,
                                        BodyKind::kChunked,    BodyKind::kLength,
                                        BodyKind::kUntilClose, BodyKind::kNone};
  BodyKind kind = kKinds[data[0] % 6];
  uint64_t limit = (data[0] & 0x80) ? (data[0] & 0x3f) * 16u : 0;
  uint64_t length = data[1];
  uint32_t seed = data[1] | 1u;
  const char* body = reinterpret_cast<const char*>(data) + 2;
  size -= 2;
  Outcome whole = Run(kind, length, limit, body, size, 0);
  Outcome pieces = Run(kind, length, limit, body, size, seed);
  CHECK_PROPERTY(whole.consumed <= size);
  CHECK_PROPERTY(whole.done == pieces.done);
  CHECK_PROPERTY(whole.error == pieces.error);
  if (whole.done || whole.error != ParseError::kNone)
    CHECK_PROPERTY(whole.consumed == pieces.consumed);
  if (whole.done) CHECK_PROPERTY(whole.payload == pieces.payload);
  if (limit != 0 && whole.error == ParseError::kNone) CHECK_PROPERTY(whole.payload <= limit);
  return 0;
}
