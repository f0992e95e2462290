// libFuzzer target for the request-head path as a worker runs it: HeadScanner over bytes that
// arrive in two reads, ParseRequestHead with the strict checks, host normalization and the
// upstream head rewriting. Beyond "no crash", it checks the property that keeps the edge free of
// request smuggling: whatever the edge accepts and forwards, parsed again by the same strict
// parser, frames the same way (same body kind and length, same Host, method and target). The
// same bytes also go through ParseResponseHead and, after the head, through the BodyFramer.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ink/common/fuzz_check.h"
#include "http1.h"
#include "http_head.h"
#include "ink/edge/route_table.h"

namespace {

using ink::edge::internal::BodyFramer;
using ink::edge::internal::HeaderList;
using ink::edge::internal::HeadInfo;
using ink::edge::internal::HeadScanner;
using ink::edge::internal::ParseError;

// Scans `text` delivered in two reads split at `split`.
HeadScanner::Result ScanInTwo(const std::string& text, uint32_t split, HeadScanner* scan,
                              uint32_t* head_end) {
  scan->Reset(0);
  HeadScanner::Result r = scan->Scan(text.data(), split, head_end);
  if (r == HeadScanner::Result::kNeedMore) {
    r = scan->Scan(text.data(), static_cast<uint32_t>(text.size()), head_end);
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 65536) return 0;
  bool trusted = size & 1;  // no byte of the input is spent on flags, so seeds stay plain HTTP
  bool head_request = size & 2;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto split = static_cast<uint32_t>(text.size() / 2);

  HeadScanner whole, pieces;
  uint32_t end_whole = 0, end_pieces = 0;
  HeadScanner::Result r = ScanInTwo(text, static_cast<uint32_t>(text.size()), &whole, &end_whole);
  CHECK_PROPERTY(r == ScanInTwo(text, split, &pieces, &end_pieces));
  if (r != HeadScanner::Result::kComplete) return 0;
  CHECK_PROPERTY(end_whole == end_pieces && whole.start() == pieces.start());

  HeadInfo response_info;
  HeaderList response_headers;
  if (ParseResponseHead(text.data(), whole.start(), end_whole, head_request, &response_info,
                        &response_headers) == ParseError::kNone) {
    BodyFramer body;
    body.Start(response_info.body, response_info.content_length, 0);
    CHECK_PROPERTY(body.Consume(text.data() + end_whole, text.size() - end_whole) <=
                   text.size() - end_whole);
  }

  HeadInfo info;
  HeaderList headers;
  if (ParseRequestHead(text.data(), whole.start(), end_whole, &info, &headers) !=
      ParseError::kNone) {
    return 0;
  }
  const char* base = text.data();
  std::string_view host = headers.Value(base, info.host_index);
  char normalized[256];
  ink::edge::NormalizeHost(host, normalized, sizeof normalized);
  BodyFramer body;
  body.Start(info.body, info.content_length, 1 << 20);
  CHECK_PROPERTY(body.Consume(base + end_whole, text.size() - end_whole) <=
                 text.size() - end_whole);

  std::string out;
  ink::edge::internal::BuildUpstreamRequestHead(
      base, headers,
      {info.Method(base), info.Target(base), info.minor_version == 0, info.upgrade, "127.0.0.1",
       trusted, info.target_needs_slash},
      &out);
  // The forwarded head must parse, strictly, to the same message. (The edge adds up to seven
  // fields, so a head near the 100-field limit may exceed it when re-parsed: skipped.)
  if (headers.count > HeaderList::kMaxHeaders - 7) return 0;
  HeadScanner again;
  again.Reset(0);
  uint32_t out_end = 0;
  CHECK_PROPERTY(again.Scan(out.data(), static_cast<uint32_t>(out.size()), &out_end) ==
                 HeadScanner::Result::kComplete);
  CHECK_PROPERTY(out_end == out.size());
  HeadInfo forwarded;
  HeaderList forwarded_headers;
  CHECK_PROPERTY(ParseRequestHead(out.data(), again.start(), out_end, &forwarded,
                                  &forwarded_headers) == ParseError::kNone);
  CHECK_PROPERTY(forwarded.body == info.body);
  CHECK_PROPERTY(forwarded.content_length == info.content_length);
  CHECK_PROPERTY(forwarded.minor_version == (info.minor_version == 0 ? 0 : 1));
  CHECK_PROPERTY(forwarded.upgrade == info.upgrade);
  CHECK_PROPERTY(forwarded.Method(out.data()) == info.Method(base));
  CHECK_PROPERTY(forwarded_headers.Value(out.data(), forwarded.host_index) == host);
  std::string target = (info.target_needs_slash ? "/" : "") + std::string(info.Target(base));
  CHECK_PROPERTY(forwarded.Target(out.data()) == target);
  return 0;
}
