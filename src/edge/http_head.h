// Internal to ink-edge: the header list of a parsed message (see http1.h) and the rewriting of
// message heads that a proxy must do (hop-by-hop headers, X-Forwarded-*, Via) plus the edge's
// own error pages.
//
// Header names and values are kept as offsets into the connection's input buffer (no copies);
// the buffer must not move while a head is being parsed. Everything here is single-threaded
// (one worker's connection) and does not allocate except by growing the caller's std::string,
// whose capacity is reused across requests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ink::edge::internal {

struct HeaderSpan {
  uint32_t name_offset = 0, name_length = 0;
  uint32_t value_offset = 0, value_length = 0;
};

// Header fields of one message, in the order received (values without surrounding whitespace).
struct HeaderList {
  static constexpr int kMaxHeaders = 100;
  HeaderSpan items[kMaxHeaders];
  int count = 0;

  void Clear() { count = 0; }

  std::string_view Name(const char* base, int i) const {
    return {base + items[i].name_offset, items[i].name_length};
  }
  std::string_view Value(const char* base, int i) const {
    return {base + items[i].value_offset, items[i].value_length};
  }
  // Value of the first header named `name` (case-insensitive); `found` counts occurrences.
  std::string_view Find(const char* base, std::string_view name, int* found = nullptr) const;
};

// ASCII case-insensitive equality.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// True when the comma-separated `list` contains `token` (case-insensitive).
bool ListContainsToken(std::string_view list, std::string_view token);

struct RequestHeadInput {
  std::string_view method;
  std::string_view target;
  bool http10 = false;
  bool upgrade = false;
  std::string_view client_ip;       // the socket peer
  bool trusted_peer = false;        // the peer is a proxy listed in --trusted-proxies
  bool target_needs_slash = false;  // absolute-form target with an empty path: prepend '/'
  bool tls = false;                 // the client connection is TLS: X-Forwarded-Proto https
};

// Writes the request head sent upstream: hop-by-hop and Connection-listed headers dropped
// (never Content-Length, Transfer-Encoding or Host), Via added. Upgrade requests keep
// "Connection: upgrade" and their Upgrade header. HTTP/1.0 clients are forwarded as HTTP/1.0.
// X-Forwarded-For, X-Real-IP, X-Forwarded-Proto and X-Forwarded-Host describe the socket peer:
// a client's own values (and Forwarded) are dropped, unless the peer is a trusted proxy, whose
// X-Forwarded-For chain is kept and extended and whose other values are kept when present.
void BuildUpstreamRequestHead(const char* base, const HeaderList& headers,
                              const RequestHeadInput& in, std::string* out);

struct ResponseHeadInput {
  int status = 200;
  std::string_view reason;
  bool client_http10 = false;
  bool close = false;  // the client connection closes after this response
  std::string_view extra_headers;  // complete header lines ("Name: value\r\n") to add
};

// Appends the response head sent to the client: hop-by-hop headers dropped; for 101 the
// Upgrade header and "Connection: upgrade" are kept; "Connection: close/keep-alive" as needed.
void BuildClientResponseHead(const char* base, const HeaderList& headers,
                             const ResponseHeadInput& in, std::string* out);

// Appends a complete error response: small HTML page, or {"error":{"code","message"}} when
// `json`. `head_only` omits the body (HEAD requests) but keeps Content-Length.
void BuildErrorResponse(int status, std::string_view code, std::string_view message, bool json,
                        bool close, bool head_only, std::string* out,
                        std::string_view extra_headers = {});
// Appends a complete response the edge answers itself: `body` as `content_type`, not cached.
// `extra_headers`: complete header lines to add (Location, Strict-Transport-Security).
void BuildLocalResponse(int status, std::string_view content_type, std::string_view body,
                        bool close, bool head_only, std::string* out,
                        std::string_view extra_headers = {});

// Reason phrase for the statuses the edge produces itself.
std::string_view ReasonPhrase(int status);

}  // namespace ink::edge::internal
