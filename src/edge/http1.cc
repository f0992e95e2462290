#include "http1.h"

#include <cstring>

namespace ink::edge::internal {
namespace {

constexpr uint64_t kMaxContentLength = 1ull << 62;

// tchar (RFC 9110 5.6.2).
struct TokenTable {
  bool token[256] = {};
  constexpr TokenTable() {
    for (int c = '0'; c <= '9'; ++c) token[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) token[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) token[c] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) token[static_cast<unsigned char>(c)] = true;
  }
};
constexpr TokenTable kTokens;

inline bool IsToken(char c) { return kTokens.token[static_cast<unsigned char>(c)]; }
// field-vchar / SP / HTAB / obs-text: what a field value, reason phrase, chunk extension or
// trailer value may contain. Everything else below 0x20, and DEL, is refused.
inline bool IsFieldByte(char c) {
  auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}
inline bool IsSpace(char c) { return c == ' ' || c == '\t'; }
inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// "HTTP/1.x" at base[pos..pos+8). Returns the minor version, -2 for another major version, -1
// when it is not an HTTP-version at all.
int ParseVersion(const char* base, uint32_t pos, uint32_t end) {
  if (end - pos < 8 || std::memcmp(base + pos, "HTTP/", 5) != 0) return -1;
  char major = base[pos + 5], dot = base[pos + 6], minor = base[pos + 7];
  if (major < '0' || major > '9' || dot != '.' || minor < '0' || minor > '9') return -1;
  if (major != '1') return -2;
  return minor - '0';
}

// Header field lines from `pos` to the empty line that ends the head at end - 2.
ParseError ParseFields(const char* base, uint32_t pos, uint32_t end, HeaderList* headers) {
  for (;;) {
    if (pos >= end) return ParseError::kBadHeaderName;
    char c = base[pos];
    if (c == '\r') {
      return pos + 2 == end && base[pos + 1] == '\n' ? ParseError::kNone : ParseError::kLoneCr;
    }
    if (IsSpace(c)) return ParseError::kObsFold;  // a continuation line (RFC 9112 5.2)
    uint32_t name = pos;
    while (pos < end && IsToken(base[pos])) ++pos;
    if (pos == name) return ParseError::kBadHeaderName;
    if (pos >= end) return ParseError::kBadHeaderName;
    if (IsSpace(base[pos])) return ParseError::kSpaceBeforeColon;  // RFC 9112 5.1
    if (base[pos] != ':') return ParseError::kBadHeaderName;
    uint32_t name_length = pos - name;
    ++pos;
    while (pos < end && IsSpace(base[pos])) ++pos;
    uint32_t value = pos, value_end = pos;
    while (pos < end && base[pos] != '\r') {
      char v = base[pos];
      if (!IsFieldByte(v)) return v == '\n' ? ParseError::kBareLf : ParseError::kBadHeaderValue;
      ++pos;
      if (!IsSpace(v)) value_end = pos;
    }
    if (pos + 1 >= end || base[pos + 1] != '\n') return ParseError::kLoneCr;
    pos += 2;
    if (headers->count == HeaderList::kMaxHeaders) return ParseError::kTooManyHeaders;
    headers->items[headers->count++] = HeaderSpan{name, name_length, value, value_end - value};
  }
}

// What the framing and connection headers of a message say.
struct FieldSummary {
  int content_lengths = 0;
  bool content_length_valid = true;
  uint64_t content_length = 0;
  int transfer_encodings = 0;
  bool transfer_encoding_valid = true;
  int chunked_count = 0;
  bool chunked_last = false;
  bool close = false, keep_alive = false, upgrade_token = false, has_upgrade = false;
  int hosts = 0;
  int host_index = -1;
};

bool ParseContentLength(std::string_view v, uint64_t* out) {
  if (v.empty() || v.size() > 19) return false;
  uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n > kMaxContentLength) return false;
  *out = n;
  return true;
}

// One Transfer-Encoding field value: a list of transfer-codings, the last of which must be
// chunked for the message to be chunked; chunked may appear once only (RFC 9112 6.1, 7).
void ParseTransferEncoding(std::string_view v, FieldSummary* f) {
  for (;;) {
    size_t comma = v.find(',');
    std::string_view item = Trim(v.substr(0, comma));
    std::string_view coding = Trim(item.substr(0, item.find(';')));
    bool ok = !coding.empty();
    for (char c : coding) ok = ok && IsToken(c);
    if (!ok) f->transfer_encoding_valid = false;
    bool chunked = EqualsIgnoreCase(coding, "chunked");
    if (chunked && coding.size() != item.size()) f->transfer_encoding_valid = false;  // params
    if (chunked) ++f->chunked_count;
    f->chunked_last = chunked;
    if (comma == std::string_view::npos) return;
    v.remove_prefix(comma + 1);
  }
}

void ParseConnection(std::string_view v, FieldSummary* f) {
  for (;;) {
    size_t comma = v.find(',');
    std::string_view item = Trim(v.substr(0, comma));
    if (EqualsIgnoreCase(item, "close")) f->close = true;
    if (EqualsIgnoreCase(item, "keep-alive")) f->keep_alive = true;
    if (EqualsIgnoreCase(item, "upgrade")) f->upgrade_token = true;
    if (comma == std::string_view::npos) return;
    v.remove_prefix(comma + 1);
  }
}

FieldSummary Summarize(const char* base, const HeaderList& headers) {
  FieldSummary f;
  for (int i = 0; i < headers.count; ++i) {
    std::string_view name = headers.Name(base, i);
    std::string_view value = headers.Value(base, i);
    switch (name.size()) {
      case 4:
        if (EqualsIgnoreCase(name, "host")) {
          ++f.hosts;
          f.host_index = i;
        }
        break;
      case 7:
        if (EqualsIgnoreCase(name, "upgrade")) f.has_upgrade = true;
        break;
      case 10:
        if (EqualsIgnoreCase(name, "connection")) ParseConnection(value, &f);
        break;
      case 14:
        if (EqualsIgnoreCase(name, "content-length")) {
          ++f.content_lengths;
          if (!ParseContentLength(value, &f.content_length)) f.content_length_valid = false;
        }
        break;
      case 17:
        if (EqualsIgnoreCase(name, "transfer-encoding")) {
          ++f.transfer_encodings;
          ParseTransferEncoding(value, &f);
        }
        break;
      default:
        break;
    }
  }
  return f;
}

// Errors that make the framing of any message ambiguous.
ParseError CheckFraming(const FieldSummary& f) {
  if (f.content_lengths > 0 && f.transfer_encodings > 0) {
    return ParseError::kContentLengthAndTransferEncoding;
  }
  if (f.content_lengths > 1) return ParseError::kDuplicateContentLength;
  if (!f.content_length_valid) return ParseError::kBadContentLength;
  if (!f.transfer_encoding_valid || f.chunked_count > 1) return ParseError::kBadTransferEncoding;
  return ParseError::kNone;
}

bool KeepAlive(int minor_version, const FieldSummary& f) {
  if (f.close) return false;
  return minor_version >= 1 || f.keep_alive;
}

// Checks the request target's form (RFC 9112 3.2) and, for absolute-form, that its authority is
// the Host header's value; points info's target at what is forwarded.
ParseError CheckTarget(const char* base, const HeaderList& headers, HeadInfo* info) {
  std::string_view method = info->Method(base);
  std::string_view target = info->Target(base);
  if (target.front() == '/') return ParseError::kNone;
  if (method == "CONNECT") return ParseError::kNone;  // authority-form; the edge refuses CONNECT
  if (target == "*") return method == "OPTIONS" ? ParseError::kNone : ParseError::kBadTarget;
  size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return ParseError::kBadTarget;
  std::string_view scheme = target.substr(0, scheme_end);
  if (!EqualsIgnoreCase(scheme, "http") && !EqualsIgnoreCase(scheme, "https")) {
    return ParseError::kBadTarget;
  }
  std::string_view rest = target.substr(scheme_end + 3);
  size_t path = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path);
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    return ParseError::kBadTarget;
  }
  if (info->host_index < 0 || !EqualsIgnoreCase(authority, headers.Value(base, info->host_index))) {
    return ParseError::kHostMismatch;
  }
  uint32_t path_offset = info->target_offset + static_cast<uint32_t>(scheme_end + 3) +
                         static_cast<uint32_t>(authority.size());
  info->target_length = info->target_offset + info->target_length - path_offset;
  info->target_offset = path_offset;
  info->target_needs_slash = info->target_length == 0 || base[path_offset] != '/';
  return ParseError::kNone;
}

}  // namespace

std::string_view DescribeParseError(ParseError error) {
  switch (error) {
    case ParseError::kNone:
      return "no error";
    case ParseError::kBareLf:
      return "a line ends with LF alone; HTTP/1.1 lines end with CRLF";
    case ParseError::kLoneCr:
      return "a CR is not followed by LF";
    case ParseError::kBadRequestLine:
      return "the request line is not 'METHOD SP target SP HTTP/1.1' with single spaces";
    case ParseError::kBadMethod:
      return "the method is not a token";
    case ParseError::kBadTarget:
      return "the request target is not a path starting with '/', an http(s):// URL, or '*' "
             "for OPTIONS";
    case ParseError::kBadVersion:
      return "the HTTP version is malformed";
    case ParseError::kUnsupportedVersion:
      return "only HTTP/1.0 and HTTP/1.1 are supported";
    case ParseError::kBadStatusLine:
      return "the status line is not 'HTTP/1.1 SP 3-digit status SP reason'";
    case ParseError::kBadHeaderName:
      return "a header name is empty or has a character that is not allowed in a token";
    case ParseError::kSpaceBeforeColon:
      return "a header name is followed by whitespace before the colon";
    case ParseError::kBadHeaderValue:
      return "a header value contains a control character";
    case ParseError::kObsFold:
      return "a header line starts with whitespace (obsolete line folding is not accepted)";
    case ParseError::kTooManyHeaders:
      return "the message has more than 100 header fields";
    case ParseError::kBadContentLength:
      return "Content-Length is not a single decimal number";
    case ParseError::kDuplicateContentLength:
      return "the message has more than one Content-Length header";
    case ParseError::kContentLengthAndTransferEncoding:
      return "the message has both Content-Length and Transfer-Encoding; send only one";
    case ParseError::kBadTransferEncoding:
      return "Transfer-Encoding must end with chunked, once, and list only transfer-coding "
             "tokens";
    case ParseError::kTransferEncodingInHttp10:
      return "Transfer-Encoding is not allowed in an HTTP/1.0 request";
    case ParseError::kMissingHost:
      return "the request has no Host header";
    case ParseError::kMultipleHost:
      return "the request has more than one Host header";
    case ParseError::kHostMismatch:
      return "the authority of the absolute request target differs from the Host header";
    case ParseError::kBadChunkSize:
      return "a chunk size is not a hexadecimal number followed by CRLF or ';'";
    case ParseError::kChunkSizeTooLarge:
      return "a chunk size has more than 15 hexadecimal digits";
    case ParseError::kBadChunkExtension:
      return "a chunk extension contains a control character";
    case ParseError::kChunkLineTooLong:
      return "a chunk-size line is longer than 4096 bytes";
    case ParseError::kMissingChunkCrlf:
      return "chunk data or a chunk line is not followed by CRLF";
    case ParseError::kBadTrailer:
      return "a trailer field is malformed";
    case ParseError::kTrailersTooLarge:
      return "the trailer section is larger than 16384 bytes";
    case ParseError::kBodyTooLarge:
      return "the body is larger than the edge accepts";
  }
  return "malformed message";
}

HeadScanner::Result HeadScanner::Scan(const char* data, uint32_t end, uint32_t* head_end) {
  while (scanned_ < end) {
    const void* found = std::memchr(data + scanned_, '\n', end - scanned_);
    if (found == nullptr) {
      scanned_ = end;
      return Result::kNeedMore;
    }
    auto lf = static_cast<uint32_t>(static_cast<const char*>(found) - data);
    if (lf == line_ || data[lf - 1] != '\r') return Result::kBareLf;
    scanned_ = lf + 1;
    if (lf - 1 == line_) {  // an empty line
      if (line_ == start_) {
        start_ = line_ = lf + 1;  // before the start line: ignored (RFC 9112 2.2)
        continue;
      }
      *head_end = lf + 1;
      return Result::kComplete;
    }
    line_ = lf + 1;
  }
  return Result::kNeedMore;
}

ParseError ParseRequestHead(const char* base, uint32_t start, uint32_t end, HeadInfo* info,
                            HeaderList* headers) {
  *info = HeadInfo{};
  headers->Clear();
  uint32_t pos = start;
  while (pos < end && IsToken(base[pos])) ++pos;
  if (pos == start || pos >= end) return ParseError::kBadMethod;
  if (base[pos] != ' ') {
    return IsSpace(base[pos]) || base[pos] == '\r' ? ParseError::kBadRequestLine
                                                   : ParseError::kBadMethod;
  }
  info->method_offset = start;
  info->method_length = pos - start;
  uint32_t target = ++pos;
  while (pos < end && base[pos] > 0x20 && base[pos] < 0x7f) ++pos;
  if (pos >= end) return ParseError::kBadRequestLine;
  if (pos == target || base[pos] != ' ') {
    return pos == target || IsSpace(base[pos]) || base[pos] == '\r' ? ParseError::kBadRequestLine
                                                                    : ParseError::kBadTarget;
  }
  info->target_offset = target;
  info->target_length = pos - target;
  ++pos;
  if (IsSpace(base[pos])) return ParseError::kBadRequestLine;
  int minor = ParseVersion(base, pos, end);
  if (minor == -1) return ParseError::kBadVersion;
  if (minor == -2) return ParseError::kUnsupportedVersion;
  info->minor_version = minor;
  pos += 8;
  if (pos + 1 >= end || base[pos] != '\r' || base[pos + 1] != '\n') {
    return ParseError::kBadRequestLine;
  }
  ParseError error = ParseFields(base, pos + 2, end, headers);
  if (error != ParseError::kNone) return error;

  FieldSummary f = Summarize(base, *headers);
  error = CheckFraming(f);
  if (error != ParseError::kNone) return error;
  if (f.transfer_encodings > 0) {
    // RFC 9112 6.1: HTTP/1.0 has no chunked coding; 6.3: a request whose final coding is not
    // chunked cannot be framed.
    if (minor == 0) return ParseError::kTransferEncodingInHttp10;
    if (!f.chunked_last) return ParseError::kBadTransferEncoding;
    info->body = BodyKind::kChunked;
  } else if (f.content_lengths == 1 && f.content_length > 0) {
    info->body = BodyKind::kLength;
    info->content_length = f.content_length;
  }
  if (f.hosts == 0) return ParseError::kMissingHost;
  if (f.hosts > 1) return ParseError::kMultipleHost;
  info->host_index = f.host_index;
  info->keep_alive = KeepAlive(minor, f);
  info->upgrade = f.has_upgrade && f.upgrade_token;
  return CheckTarget(base, *headers, info);
}

ParseError ParseResponseHead(const char* base, uint32_t start, uint32_t end, bool request_was_head,
                             HeadInfo* info, HeaderList* headers) {
  *info = HeadInfo{};
  headers->Clear();
  int minor = ParseVersion(base, start, end);
  if (minor == -1) return ParseError::kBadStatusLine;
  if (minor == -2) return ParseError::kUnsupportedVersion;
  info->minor_version = minor;
  uint32_t pos = start + 8;
  if (end - pos < 6 || base[pos] != ' ') return ParseError::kBadStatusLine;
  int status = 0;
  for (uint32_t i = pos + 1; i < pos + 4; ++i) {
    if (base[i] < '0' || base[i] > '9') return ParseError::kBadStatusLine;
    status = status * 10 + (base[i] - '0');
  }
  if (status < 100 || status > 599) return ParseError::kBadStatusLine;
  info->status = status;
  pos += 4;
  if (base[pos] == ' ') {
    uint32_t reason = ++pos;
    while (pos < end && base[pos] != '\r') {
      if (!IsFieldByte(base[pos])) {
        return base[pos] == '\n' ? ParseError::kBareLf : ParseError::kBadStatusLine;
      }
      ++pos;
    }
    info->reason_offset = reason;
    info->reason_length = pos - reason;
  }
  if (pos + 1 >= end || base[pos] != '\r' || base[pos + 1] != '\n') {
    return ParseError::kBadStatusLine;
  }
  ParseError error = ParseFields(base, pos + 2, end, headers);
  if (error != ParseError::kNone) return error;

  FieldSummary f = Summarize(base, *headers);
  error = CheckFraming(f);
  if (error != ParseError::kNone) return error;
  info->keep_alive = KeepAlive(minor, f);
  info->upgrade = f.has_upgrade && f.upgrade_token;
  if (request_was_head || status / 100 == 1 || status == 204 || status == 304) {
    info->body = BodyKind::kNone;
  } else if (f.transfer_encodings > 0) {
    // A final coding other than chunked: the body runs until the backend closes (RFC 9112 6.3).
    info->body = f.chunked_last ? BodyKind::kChunked : BodyKind::kUntilClose;
  } else if (f.content_lengths == 1) {
    info->body = f.content_length > 0 ? BodyKind::kLength : BodyKind::kNone;
    info->content_length = f.content_length;
  } else {
    info->body = BodyKind::kUntilClose;
  }
  if (info->body == BodyKind::kUntilClose) info->keep_alive = false;
  return ParseError::kNone;
}

bool IsIdempotentMethod(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
         method == "DELETE" || method == "TRACE";
}

void BodyFramer::Start(BodyKind kind, uint64_t content_length, uint64_t limit) {
  kind_ = kind;
  error_ = ParseError::kNone;
  payload_ = 0;
  limit_ = limit;
  line_bytes_ = 0;
  digits_ = 0;
  remaining_ = kind == BodyKind::kLength ? content_length : 0;
  switch (kind) {
    case BodyKind::kNone:
      state_ = State::kDone;
      break;
    case BodyKind::kLength:
      state_ = content_length == 0 ? State::kDone : State::kBody;
      if (limit_ != 0 && content_length > limit_) Fail(ParseError::kBodyTooLarge, 0);
      break;
    case BodyKind::kUntilClose:
      state_ = State::kBody;
      break;
    case BodyKind::kChunked:
      state_ = State::kSize;
      break;
  }
}

size_t BodyFramer::Fail(ParseError error, size_t consumed) {
  error_ = error;
  state_ = State::kFailed;
  return consumed;
}

void BodyFramer::OnEof() {
  if (kind_ == BodyKind::kUntilClose && state_ == State::kBody) state_ = State::kDone;
}

size_t BodyFramer::Consume(const char* data, size_t size) {
  if (state_ == State::kDone || state_ == State::kFailed) return 0;
  if (kind_ == BodyKind::kChunked) return ConsumeChunked(data, size);
  size_t take = size;
  if (kind_ == BodyKind::kLength && take > remaining_) take = static_cast<size_t>(remaining_);
  if (limit_ != 0 && payload_ + take > limit_) {
    // Stop at the first byte over the limit, however the bytes were split into reads.
    auto allowed = static_cast<size_t>(limit_ - payload_);
    payload_ += allowed;
    return Fail(ParseError::kBodyTooLarge, allowed);
  }
  if (kind_ == BodyKind::kLength) {
    remaining_ -= take;
    if (remaining_ == 0) state_ = State::kDone;
  }
  payload_ += take;
  return take;
}

size_t BodyFramer::ConsumeChunked(const char* data, size_t size) {
  size_t i = 0;
  while (i < size) {
    char c = data[i];
    switch (state_) {
      case State::kSize: {
        int hex = HexValue(c);
        if (hex < 0) return Fail(c == '\n' ? ParseError::kBareLf : ParseError::kBadChunkSize, i);
        remaining_ = static_cast<uint64_t>(hex);
        digits_ = 1;
        line_bytes_ = 0;
        state_ = State::kSizeMore;
        break;
      }
      case State::kSizeMore: {
        int hex = HexValue(c);
        if (hex >= 0) {
          if (++digits_ > 15) return Fail(ParseError::kChunkSizeTooLarge, i);
          remaining_ = remaining_ * 16 + static_cast<uint64_t>(hex);
        } else if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == ';') {
          state_ = State::kExtension;
        } else if (IsSpace(c)) {
          state_ = State::kSizeSpace;  // BWS, allowed only before ';' (RFC 9112 7.1.1)
        } else {
          return Fail(c == '\n' ? ParseError::kBareLf : ParseError::kBadChunkSize, i);
        }
        break;
      }
      case State::kSizeSpace:
        if (c == ';') {
          state_ = State::kExtension;
        } else if (!IsSpace(c)) {
          return Fail(c == '\n' ? ParseError::kBareLf : ParseError::kBadChunkSize, i);
        }
        break;
      case State::kExtension:
        if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (!IsFieldByte(c)) {
          return Fail(c == '\n' ? ParseError::kBareLf : ParseError::kBadChunkExtension, i);
        }
        break;
      case State::kSizeLf:
        if (c != '\n') return Fail(ParseError::kLoneCr, i);
        if (remaining_ == 0) {
          state_ = State::kTrailerStart;
          line_bytes_ = 0;
        } else {
          if (limit_ != 0 && payload_ + remaining_ > limit_) {
            return Fail(ParseError::kBodyTooLarge, i);
          }
          state_ = State::kData;
        }
        ++i;
        continue;
      case State::kData: {
        size_t take = size - i;
        if (take > remaining_) take = static_cast<size_t>(remaining_);
        i += take;
        remaining_ -= take;
        payload_ += take;
        if (remaining_ == 0) state_ = State::kDataCr;
        continue;
      }
      case State::kDataCr:
        if (c != '\r') {
          return Fail(c == '\n' ? ParseError::kBareLf : ParseError::kMissingChunkCrlf, i);
        }
        state_ = State::kDataLf;
        break;
      case State::kDataLf:
        if (c != '\n') return Fail(ParseError::kMissingChunkCrlf, i);
        state_ = State::kSize;
        break;
      case State::kTrailerStart:
        if (c == '\r') {
          state_ = State::kFinalLf;
        } else if (IsToken(c)) {
          state_ = State::kTrailerName;
        } else if (IsSpace(c)) {
          return Fail(ParseError::kObsFold, i);
        } else {
          return Fail(c == '\n' ? ParseError::kBareLf : ParseError::kBadTrailer, i);
        }
        break;
      case State::kTrailerName:
        if (c == ':') {
          state_ = State::kTrailerValue;
        } else if (IsSpace(c)) {
          return Fail(ParseError::kSpaceBeforeColon, i);
        } else if (!IsToken(c)) {
          return Fail(c == '\n' ? ParseError::kBareLf : ParseError::kBadTrailer, i);
        }
        break;
      case State::kTrailerValue:
        if (c == '\r') {
          state_ = State::kTrailerLf;
        } else if (!IsFieldByte(c)) {
          return Fail(c == '\n' ? ParseError::kBareLf : ParseError::kBadTrailer, i);
        }
        break;
      case State::kTrailerLf:
        if (c != '\n') return Fail(ParseError::kLoneCr, i);
        state_ = State::kTrailerStart;
        break;
      case State::kFinalLf:
        if (c != '\n') return Fail(ParseError::kLoneCr, i);
        state_ = State::kDone;
        return i + 1;
      default:
        return i;
    }
    // Only framing bytes get here (chunk data and the final LF return or continue above).
    ++i;
    ++line_bytes_;
    if (state_ >= State::kTrailerStart) {
      if (line_bytes_ > kMaxTrailerBytes) return Fail(ParseError::kTrailersTooLarge, i);
    } else if (line_bytes_ > kMaxChunkLine) {
      return Fail(ParseError::kChunkLineTooLong, i);
    }
    if (state_ == State::kSize) line_bytes_ = 0;
  }
  return i;
}

}  // namespace ink::edge::internal
