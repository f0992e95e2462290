// Internal to ink-edge: a strict HTTP/1.1 message parser (RFC 9112) for both directions.
//
// Why not http-parser: Debian builds libhttp-parser with HTTP_PARSER_STRICT=0, which accepts bare
// LF line ends, "Content-Length : 5" (space before the colon), obs-fold, bytes after a chunk that
// are not CRLF, LF inside chunk extensions and bare LF in trailers. The edge forwards bodies with
// their framing unchanged, so every byte sequence that the edge and a backend could frame
// differently is a request-smuggling hole. This parser accepts only what RFC 9112 allows and
// rejects everything ambiguous (a 400 towards clients, a 502 for backends), so the bytes the edge
// forwards frame the same way for any conforming recipient.
//
// Three pieces, all allocation-free and single-threaded (one per connection):
//  - HeadScanner finds the end of a message head incrementally as bytes arrive (each byte is
//    looked at once) and rejects a bare LF as soon as it arrives.
//  - ParseRequestHead / ParseResponseHead validate a complete head and decide its framing
//    (RFC 9112 6.3), recording header spans as offsets into the caller's buffer.
//  - BodyFramer follows a body (Content-Length, chunked, until close) byte by byte through the
//    framing and in bulk through the data, and says where the message ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http_head.h"

namespace ink::edge::internal {

enum class ParseError : uint8_t {
  kNone = 0,
  kBareLf,
  kLoneCr,
  kBadRequestLine,
  kBadMethod,
  kBadTarget,
  kBadVersion,
  kUnsupportedVersion,
  kBadStatusLine,
  kBadHeaderName,
  kSpaceBeforeColon,
  kBadHeaderValue,
  kObsFold,
  kTooManyHeaders,
  kBadContentLength,
  kDuplicateContentLength,
  kContentLengthAndTransferEncoding,
  kBadTransferEncoding,
  kTransferEncodingInHttp10,
  kMissingHost,
  kMultipleHost,
  kHostMismatch,
  kBadChunkSize,
  kChunkSizeTooLarge,
  kBadChunkExtension,
  kChunkLineTooLong,
  kMissingChunkCrlf,
  kBadTrailer,
  kTrailersTooLarge,
  kBodyTooLarge,
};

// What was wrong, in words a client's developer can act on (no input bytes are quoted).
std::string_view DescribeParseError(ParseError error);

// How the body of a message is delimited (RFC 9112 6.3).
enum class BodyKind : uint8_t { kNone, kLength, kChunked, kUntilClose };

// A parsed head. Offsets point into the buffer the head was parsed from.
struct HeadInfo {
  uint32_t method_offset = 0, method_length = 0;  // requests
  // Requests: the target to forward. For absolute-form ("http://host/p?q") the path and query;
  // `target_needs_slash` when that path is empty ("http://host" or "http://host?q").
  uint32_t target_offset = 0, target_length = 0;
  bool target_needs_slash = false;
  int status = 0;                                 // responses
  uint32_t reason_offset = 0, reason_length = 0;  // responses
  int minor_version = 1;                          // HTTP/1.<minor>
  BodyKind body = BodyKind::kNone;
  uint64_t content_length = 0;  // for BodyKind::kLength
  bool keep_alive = false;      // the connection persists after this message (RFC 9112 9.3)
  bool upgrade = false;         // requests: Upgrade listed in Connection
  int host_index = -1;          // requests: the Host header in the HeaderList

  std::string_view Method(const char* base) const { return {base + method_offset, method_length}; }
  std::string_view Target(const char* base) const { return {base + target_offset, target_length}; }
  std::string_view Reason(const char* base) const { return {base + reason_offset, reason_length}; }
};

// Finds where a head ends. Leading empty lines before a request line are skipped (RFC 9112 2.2).
class HeadScanner {
 public:
  enum class Result : uint8_t { kNeedMore, kComplete, kBareLf };
  // Starts a new head at offset `at`.
  void Reset(uint32_t at) { start_ = line_ = scanned_ = at; }
  // Looks at data[scanned(), end). On kComplete the head is [start(), *head_end), which ends with
  // CRLF CRLF.
  Result Scan(const char* data, uint32_t end, uint32_t* head_end);
  uint32_t start() const { return start_; }
  uint32_t scanned() const { return scanned_; }

 private:
  uint32_t start_ = 0, line_ = 0, scanned_ = 0;
};

// Parses a complete request head [start, end) of `base` (as found by HeadScanner). Also checks
// what the edge relies on to route: exactly one Host, and an absolute-form target that agrees
// with it. Fills `headers` (cleared first) and `info`.
ParseError ParseRequestHead(const char* base, uint32_t start, uint32_t end, HeadInfo* info,
                            HeaderList* headers);

// Parses a complete response head. `request_was_head`: the response to a HEAD has no body.
ParseError ParseResponseHead(const char* base, uint32_t start, uint32_t end, bool request_was_head,
                             HeadInfo* info, HeaderList* headers);

// True for the methods RFC 9110 9.2.2 calls idempotent (a retry cannot change the outcome).
bool IsIdempotentMethod(std::string_view method);

// Follows one message body through its framing.
class BodyFramer {
 public:
  static constexpr uint32_t kMaxChunkLine = 4096;      // chunk size + extensions
  static constexpr uint32_t kMaxTrailerBytes = 16384;  // the whole trailer section

  // `limit`: largest payload accepted (0: no limit); a larger one fails with kBodyTooLarge.
  void Start(BodyKind kind, uint64_t content_length, uint64_t limit);
  // Consumes the bytes of `data` that belong to this message and returns how many. Stops at the
  // end of the message (done()) or before the first byte that breaks the framing (error()).
  size_t Consume(const char* data, size_t size);
  // The peer closed the connection: a body delimited by the close ends here.
  void OnEof();
  bool done() const { return state_ == State::kDone; }
  ParseError error() const { return error_; }
  BodyKind kind() const { return kind_; }
  uint64_t payload_bytes() const { return payload_; }

 private:
  enum class State : uint8_t {
    kSize,
    kSizeMore,
    kSizeSpace,
    kExtension,
    kSizeLf,
    kData,
    kDataCr,
    kDataLf,
    kTrailerStart,
    kTrailerName,
    kTrailerValue,
    kTrailerLf,
    kFinalLf,
    kBody,  // kLength and kUntilClose
    kDone,
    kFailed,
  };
  size_t Fail(ParseError error, size_t consumed);
  size_t ConsumeChunked(const char* data, size_t size);

  BodyKind kind_ = BodyKind::kNone;
  State state_ = State::kDone;
  ParseError error_ = ParseError::kNone;
  uint64_t remaining_ = 0;  // kLength: bytes left; chunked: bytes left of the current chunk
  uint64_t payload_ = 0;
  uint64_t limit_ = 0;
  uint32_t line_bytes_ = 0;  // of the current chunk-size line, or of the trailer section
  uint8_t digits_ = 0;
};

}  // namespace ink::edge::internal
