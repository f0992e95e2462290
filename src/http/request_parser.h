// Internal to ink_http: strict HTTP/1.1 request parsing for inkd's server (RFC 9112), free of
// I/O so that unit tests and the fuzzer (request_parser_fuzzer.cc) drive it with plain bytes.
//
// - ParseRequestHead looks at the bytes received so far and says whether they hold a complete,
//   valid head (and how long it is), need more bytes, or can never become a valid head (with
//   the status to answer: 400, 413, 417, 431, 501, 505). It rejects what RFC 9112 calls
//   ambiguous or invalid: bare LF or CR, obs-fold, whitespace before a colon, control bytes in
//   values, duplicate or malformed Content-Length, Content-Length with Transfer-Encoding,
//   transfer codings other than chunked, a missing or repeated Host in HTTP/1.1.
// - BodyDecoder turns a Content-Length or chunked body into its payload, bounded by a limit
//   that is checked before the bytes arrive (a chunk size past it fails at once).
// - UrlDecode / ParseQuery split a target into path and query parameters.
//
// inkd is not a proxy, so the parser need not be byte-compatible with any backend's; it is
// strict because every lenient rule is one more way for two parsers to disagree, and because
// the error message tells a client's developer exactly what to fix (no input bytes quoted).
// Everything here is a value type or a pure function: thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ink::http::internal {

// Why a request cannot be served: the HTTP status and a message for the client.
struct ParseFailure {
  int status = 400;
  std::string message;
};

struct RequestHead {
  std::string method;                                       // "GET"
  std::string target;                                       // origin-form ("/a?b") or "*"
  int minor_version = 1;                                    // HTTP/1.<minor>
  std::vector<std::pair<std::string, std::string>> fields;  // names lowercased, in order
  bool keep_alive = true;        // the connection may carry another request afterwards
  bool chunked = false;          // Transfer-Encoding: chunked
  uint64_t content_length = 0;   // when !chunked
  bool expect_continue = false;  // Expect: 100-continue
  bool has_body() const { return chunked || content_length > 0; }
};

struct HeadLimits {
  size_t max_bytes = 16 << 10;  // the whole head, request line included (431 past it)
  size_t max_fields = 100;      // header fields (431 past it)
};

struct HeadParse {
  enum class State { kIncomplete, kComplete, kFailed };
  State state = State::kIncomplete;
  size_t size = 0;  // kComplete: bytes of the head, up to and including the blank line
  RequestHead head;
  ParseFailure failure;  // kFailed
};

// Parses the head at the start of `data` (the bytes received so far on a connection). Empty
// lines before the request line are skipped (RFC 9112 2.2) and counted in `size`. Lines are
// checked as soon as they are complete, so garbage fails before the head is whole.
HeadParse ParseRequestHead(std::string_view data, const HeadLimits& limits = {});

// Decodes one request body, as described by its head.
class BodyDecoder {
 public:
  static constexpr size_t kMaxChunkLine = 4096;      // chunk size plus extensions
  static constexpr size_t kMaxTrailerBytes = 16384;  // the whole trailer section

  BodyDecoder() = default;
  // A body of head.content_length bytes, or chunked; at most `limit` payload bytes (a larger
  // one fails with 413 as soon as its size is known).
  BodyDecoder(const RequestHead& head, uint64_t limit);

  enum class State { kNeedMore, kDone, kFailed };
  struct Step {
    size_t consumed = 0;  // bytes of `in` used (framing and payload)
    size_t produced = 0;  // payload bytes written to `out`
  };
  // Decodes from `in` into `out` (up to `capacity` bytes). Stops at the end of the body, when
  // `out` is full, or at the first byte that breaks the framing (state() then says kFailed).
  Step Decode(std::string_view in, char* out, size_t capacity);
  // Decodes all of `in` it can, appending the payload to `out`.
  size_t DecodeAppend(std::string_view in, std::string* out);

  State state() const { return state_; }
  const ParseFailure& failure() const { return failure_; }
  uint64_t payload_bytes() const { return payload_; }
  bool chunked() const { return chunked_; }

 private:
  enum class Chunk { kSize, kExtension, kSizeLf, kData, kDataCr, kDataLf, kTrailer, kTrailerLf };
  void Fail(int status, std::string message);

  State state_ = State::kDone;
  ParseFailure failure_;
  bool chunked_ = false;
  Chunk chunk_ = Chunk::kSize;
  uint64_t remaining_ = 0;  // Content-Length: bytes left; chunked: bytes left of this chunk
  uint64_t payload_ = 0;
  uint64_t limit_ = 0;
  size_t line_bytes_ = 0;  // of the current chunk-size line
  size_t trailer_bytes_ = 0;
  size_t trailer_line_ = 0;  // bytes of the current trailer line
  int digits_ = 0;
};

// Decodes %XX and, when `plus_is_space` (queries), '+'.
std::string UrlDecode(std::string_view s, bool plus_is_space);
// Splits "a=1&b=x+y" into decoded parameters (the last of a repeated name wins).
void ParseQuery(std::string_view query, std::map<std::string, std::string>& out);

}  // namespace ink::http::internal
