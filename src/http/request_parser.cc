#include "src/http/request_parser.h"

#include <algorithm>
#include <cstring>

namespace ink::http::internal {
namespace {

bool IsTokenChar(unsigned char c) {
  // RFC 9110 5.6.2 tchar.
  return std::isalnum(c) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (c == 0 || !IsTokenChar(c)) return false;
  }
  return true;
}

// field-vchar, SP and HTAB (RFC 9110 5.5), obs-text included.
bool IsFieldValueChar(unsigned char c) { return c == '\t' || c == ' ' || (c > 0x20 && c != 0x7f); }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int HexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

HeadParse Failed(int status, std::string message) {
  HeadParse p;
  p.state = HeadParse::State::kFailed;
  p.failure = {status, std::move(message)};
  return p;
}

// "/path?q" from a target in origin-form, asterisk-form or absolute-form (RFC 9112 3.2); empty
// if it is none of them.
std::string OriginForm(std::string_view target, std::string_view method) {
  if (target.front() == '/') return std::string(target);
  if (target == "*") return method == "OPTIONS" ? "*" : "";
  size_t scheme = target.find("://");
  if (scheme == std::string_view::npos) return "";
  if (!EqualsIgnoreCase(target.substr(0, scheme), "http") &&
      !EqualsIgnoreCase(target.substr(0, scheme), "https")) {
    return "";
  }
  std::string_view rest = target.substr(scheme + 3);
  size_t path = rest.find_first_of("/?");
  if (path == 0) return "";  // no authority
  if (path == std::string_view::npos) return "/";
  std::string out = rest[path] == '?' ? "/" : "";
  out.append(rest.substr(path));
  return out;
}

// Checks the request line; fills method, target and version.
std::optional<ParseFailure> ParseRequestLine(std::string_view line, RequestHead& head) {
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return ParseFailure{400,
                        "malformed request line: send 'METHOD /path HTTP/1.1' separated by "
                        "single spaces"};
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method) || method.size() > 32) {
    return ParseFailure{400, "malformed request method: it must be a token such as GET or POST"};
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !std::isdigit(version[5]) ||
      version[6] != '.' || !std::isdigit(version[7])) {
    return ParseFailure{400, "malformed HTTP version: use HTTP/1.1"};
  }
  if (version[5] != '1') {
    return ParseFailure{
        505, "HTTP version " + std::string(version.substr(5)) + " is not supported: use HTTP/1.1"};
  }
  if (target.empty()) return ParseFailure{400, "empty request target"};
  for (unsigned char c : target) {
    if (c <= 0x20 || c >= 0x7f) {
      return ParseFailure{400, "the request target holds a byte that must be percent-encoded"};
    }
  }
  head.method = std::string(method);
  head.target = OriginForm(target, method);
  if (head.target.empty()) {
    return ParseFailure{400, "the request target must be a path such as /v1/health"};
  }
  head.minor_version = version[7] - '0';
  head.keep_alive = head.minor_version >= 1;
  return std::nullopt;
}

// Applies the fields that frame the message and control the connection (RFC 9112 6, 9.3).
std::optional<ParseFailure> ApplyFraming(RequestHead& head) {
  int hosts = 0, lengths = 0, encodings = 0;
  bool close = false, keep_alive = false;
  for (const auto& [name, value] : head.fields) {
    if (name == "host") {
      ++hosts;
    } else if (name == "content-length") {
      ++lengths;
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return ParseFailure{400, "Content-Length must be one decimal number of bytes"};
      }
      head.content_length = std::stoull(value);
    } else if (name == "transfer-encoding") {
      ++encodings;
      if (!EqualsIgnoreCase(value, "chunked")) {
        return ParseFailure{501, "the only Transfer-Encoding supported is 'chunked'"};
      }
      head.chunked = true;
    } else if (name == "connection") {
      std::string_view list = value;
      while (!list.empty()) {
        size_t comma = list.find(',');
        std::string_view option = TrimOws(list.substr(0, comma));
        close = close || EqualsIgnoreCase(option, "close");
        keep_alive = keep_alive || EqualsIgnoreCase(option, "keep-alive");
        list = comma == std::string_view::npos ? "" : list.substr(comma + 1);
      }
    } else if (name == "expect") {
      if (!EqualsIgnoreCase(value, "100-continue")) {
        return ParseFailure{417, "the only expectation supported is Expect: 100-continue"};
      }
      head.expect_continue = true;
    }
  }
  if (lengths > 1) return ParseFailure{400, "more than one Content-Length header"};
  if (encodings > 1) return ParseFailure{400, "more than one Transfer-Encoding header"};
  if (lengths > 0 && encodings > 0) {
    return ParseFailure{400, "Content-Length and Transfer-Encoding together: send one of them"};
  }
  if (encodings > 0 && head.minor_version == 0) {
    return ParseFailure{400, "Transfer-Encoding is not allowed in HTTP/1.0"};
  }
  if (hosts > 1) return ParseFailure{400, "more than one Host header"};
  if (hosts == 0 && head.minor_version >= 1) {
    return ParseFailure{400, "an HTTP/1.1 request needs a Host header"};
  }
  head.keep_alive = !close && (head.minor_version >= 1 || keep_alive);
  return std::nullopt;
}

}  // namespace

HeadParse ParseRequestHead(std::string_view data, const HeadLimits& limits) {
  HeadParse result;
  size_t pos = 0;
  bool request_line = true;
  while (true) {
    size_t lf = data.find('\n', pos);
    size_t limit = std::min(data.size(), limits.max_bytes);
    if (lf == std::string_view::npos || lf >= limit) {
      if (lf != std::string_view::npos || data.size() > limits.max_bytes) {
        return Failed(
            431, "the request head is larger than " + std::to_string(limits.max_bytes) + " bytes");
      }
      if (data.find('\r', pos) != std::string_view::npos &&
          data.find('\r', pos) + 1 < data.size()) {
        return Failed(400, "a CR in the request head that does not end a line");
      }
      return result;  // kIncomplete
    }
    if (lf == pos || data[lf - 1] != '\r') {
      return Failed(400, "a request head line ends with a bare LF: end lines with CRLF");
    }
    std::string_view line = data.substr(pos, lf - 1 - pos);
    pos = lf + 1;
    if (line.find('\r') != std::string_view::npos) {
      return Failed(400, "a CR in the request head that does not end a line");
    }
    if (request_line) {
      if (line.empty()) continue;  // empty lines before the request line are ignored
      if (auto failure = ParseRequestLine(line, result.head)) {
        return Failed(failure->status, failure->message);
      }
      request_line = false;
      continue;
    }
    if (line.empty()) break;  // end of the head
    if (line.front() == ' ' || line.front() == '\t') {
      return Failed(400, "obsolete line folding in a header: send each header on one line");
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Failed(400, "a header line without a colon");
    std::string_view name = line.substr(0, colon);
    if (!name.empty() && (name.back() == ' ' || name.back() == '\t')) {
      return Failed(400, "whitespace between a header name and its colon");
    }
    if (!IsToken(name)) return Failed(400, "malformed header name");
    std::string_view value = TrimOws(line.substr(colon + 1));
    if (!std::all_of(value.begin(), value.end(),
                     [](char c) { return IsFieldValueChar(static_cast<unsigned char>(c)); })) {
      return Failed(400, "a control character in the value of header " + Lower(name));
    }
    if (result.head.fields.size() >= limits.max_fields) {
      return Failed(431, "more than " + std::to_string(limits.max_fields) + " header fields");
    }
    result.head.fields.emplace_back(Lower(name), std::string(value));
  }
  if (auto failure = ApplyFraming(result.head)) return Failed(failure->status, failure->message);
  result.state = HeadParse::State::kComplete;
  result.size = pos;
  return result;
}

BodyDecoder::BodyDecoder(const RequestHead& head, uint64_t limit)
    : state_(head.has_body() ? State::kNeedMore : State::kDone),
      chunked_(head.chunked),
      remaining_(head.chunked ? 0 : head.content_length),
      limit_(limit) {
  if (!chunked_ && remaining_ > limit_) {
    Fail(413, "the request body is larger than the limit of " + std::to_string(limit_) +
                  " bytes for this route");
  }
}

void BodyDecoder::Fail(int status, std::string message) {
  state_ = State::kFailed;
  failure_ = {status, std::move(message)};
}

BodyDecoder::Step BodyDecoder::Decode(std::string_view in, char* out, size_t capacity) {
  Step step;
  auto take_data = [&] {
    size_t n = static_cast<size_t>(std::min<uint64_t>(
        remaining_, std::min(in.size() - step.consumed, capacity - step.produced)));
    std::memcpy(out + step.produced, in.data() + step.consumed, n);
    step.consumed += n;
    step.produced += n;
    remaining_ -= n;
    payload_ += n;
  };
  if (!chunked_) {
    if (state_ != State::kNeedMore) return step;
    take_data();
    if (remaining_ == 0) state_ = State::kDone;
    return step;
  }
  while (state_ == State::kNeedMore && step.consumed < in.size()) {
    if (chunk_ == Chunk::kData) {
      if (step.produced == capacity) break;
      take_data();
      if (remaining_ == 0) chunk_ = Chunk::kDataCr;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(in[step.consumed++]);
    switch (chunk_) {
      case Chunk::kSize: {
        ++line_bytes_;
        int hex = HexValue(c);
        if (hex >= 0) {
          if (++digits_ > 15) return Fail(400, "a chunk size with more than 15 hex digits"), step;
          remaining_ = remaining_ * 16 + static_cast<uint64_t>(hex);
          break;
        }
        if (digits_ == 0) return Fail(400, "a chunk does not start with its size in hex"), step;
        if (c == '\r') {
          chunk_ = Chunk::kSizeLf;
        } else if (c == ';' || c == ' ' || c == '\t') {
          chunk_ = Chunk::kExtension;
        } else {
          return Fail(400, "malformed chunk size line"), step;
        }
        break;
      }
      case Chunk::kExtension:
        if (++line_bytes_ > kMaxChunkLine) {
          return Fail(400, "a chunk size line longer than 4096 bytes"), step;
        }
        if (c == '\r') {
          chunk_ = Chunk::kSizeLf;
        } else if (!IsFieldValueChar(c)) {
          return Fail(400, "a control character in a chunk extension"), step;
        }
        break;
      case Chunk::kSizeLf:
        if (c != '\n') return Fail(400, "a chunk size line not ended by CRLF"), step;
        if (remaining_ > limit_ - payload_) {
          return Fail(413, "the request body is larger than the limit of " +
                               std::to_string(limit_) + " bytes for this route"),
                 step;
        }
        chunk_ = remaining_ == 0 ? Chunk::kTrailer : Chunk::kData;
        line_bytes_ = 0;
        digits_ = 0;
        break;
      case Chunk::kDataCr:
        if (c != '\r') return Fail(400, "chunk data longer than its size"), step;
        chunk_ = Chunk::kDataLf;
        break;
      case Chunk::kDataLf:
        if (c != '\n') return Fail(400, "chunk data not followed by CRLF"), step;
        chunk_ = Chunk::kSize;
        break;
      case Chunk::kTrailer:
        if (++trailer_bytes_ > kMaxTrailerBytes) {
          return Fail(431, "the trailer section is larger than 16384 bytes"), step;
        }
        if (c == '\r') {
          chunk_ = Chunk::kTrailerLf;
        } else if (c == '\n') {
          return Fail(400, "a trailer line ends with a bare LF"), step;
        } else if (!IsFieldValueChar(c) || (trailer_line_ == 0 && (c == ' ' || c == '\t'))) {
          return Fail(400, "malformed trailer field"), step;
        } else {
          ++trailer_line_;
        }
        break;
      case Chunk::kTrailerLf:
        if (c != '\n') return Fail(400, "a trailer line with a CR not followed by LF"), step;
        if (trailer_line_ == 0) {
          state_ = State::kDone;  // the empty line ends the message
        } else {
          trailer_line_ = 0;
          chunk_ = Chunk::kTrailer;
        }
        break;
      case Chunk::kData:
        break;
    }
  }
  return step;
}

size_t BodyDecoder::DecodeAppend(std::string_view in, std::string* out) {
  size_t used = 0;
  while (state_ == State::kNeedMore && used < in.size()) {
    size_t before = out->size();
    size_t room = std::max<size_t>(4096, in.size() - used);
    out->resize(before + room);
    Step step = Decode(in.substr(used), out->data() + before, room);
    out->resize(before + step.produced);
    used += step.consumed;
    if (step.consumed == 0) break;
  }
  return used;
}

std::string UrlDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    int high = c == '%' && i + 2 < s.size() ? HexValue(static_cast<unsigned char>(s[i + 1])) : -1;
    int low = high >= 0 ? HexValue(static_cast<unsigned char>(s[i + 2])) : -1;
    if (low >= 0) {
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void ParseQuery(std::string_view q, std::map<std::string, std::string>& out) {
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    size_t eq = pair.find('=');
    std::string key = UrlDecode(pair.substr(0, eq), true);
    std::string value = eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1), true);
    if (!key.empty()) out[key] = value;
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
}

}  // namespace ink::http::internal
