#include "http_head.h"

#include <cstdio>

namespace ink::edge::internal {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

bool ListContainsToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (EqualsIgnoreCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

std::string_view HeaderList::Find(const char* base, std::string_view name, int* found) const {
  std::string_view first;
  int n = 0;
  for (int i = 0; i < count; ++i) {
    if (EqualsIgnoreCase(Name(base, i), name)) {
      if (n++ == 0) first = Value(base, i);
    }
  }
  if (found) *found = n;
  return first;
}

namespace {

// Hop-by-hop fields (RFC 9110 7.6.1) that a proxy never forwards as received.
bool IsHopByHop(std::string_view name) {
  return EqualsIgnoreCase(name, "connection") || EqualsIgnoreCase(name, "keep-alive") ||
         EqualsIgnoreCase(name, "proxy-connection") || EqualsIgnoreCase(name, "te") ||
         EqualsIgnoreCase(name, "upgrade");
}

// Headers that frame the message or route it. The edge forwards bodies with their framing
// unchanged, so the framing headers must reach the next hop whatever `Connection` lists: a
// client sending "Connection: content-length" would otherwise strip the length of a body that
// is still forwarded, and the backend would read that body as a second request (smuggling).
bool NeverHopByHop(std::string_view name) {
  return EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "transfer-encoding") ||
         EqualsIgnoreCase(name, "host");
}

// True when a header named `name` is listed in any Connection header (so it is hop-by-hop).
bool ListedInConnection(const char* base, const HeaderList& headers, std::string_view name) {
  if (NeverHopByHop(name)) return false;
  for (int i = 0; i < headers.count; ++i) {
    if (EqualsIgnoreCase(headers.Name(base, i), "connection") &&
        ListContainsToken(headers.Value(base, i), name)) {
      return true;
    }
  }
  return false;
}

bool HasConnectionHeader(const char* base, const HeaderList& headers) {
  for (int i = 0; i < headers.count; ++i) {
    if (EqualsIgnoreCase(headers.Name(base, i), "connection")) return true;
  }
  return false;
}

void AppendHeader(std::string* out, std::string_view name, std::string_view value) {
  out->append(name);
  out->append(": ");
  out->append(value);
  out->append("\r\n");
}

}  // namespace

namespace {

enum class Forwarded : uint8_t { kNo, kFor, kRealIp, kProto, kHost, kForwarded };

Forwarded ForwardedKind(std::string_view name) {
  if (name.size() < 9) return Forwarded::kNo;
  if (EqualsIgnoreCase(name, "x-forwarded-for")) return Forwarded::kFor;
  if (EqualsIgnoreCase(name, "x-real-ip")) return Forwarded::kRealIp;
  if (EqualsIgnoreCase(name, "x-forwarded-proto")) return Forwarded::kProto;
  if (EqualsIgnoreCase(name, "x-forwarded-host")) return Forwarded::kHost;
  if (EqualsIgnoreCase(name, "forwarded")) return Forwarded::kForwarded;
  return Forwarded::kNo;
}

}  // namespace

void BuildUpstreamRequestHead(const char* base, const HeaderList& headers,
                              const RequestHeadInput& in, std::string* out) {
  out->append(in.method);
  out->push_back(' ');
  if (in.target_needs_slash) out->push_back('/');
  out->append(in.target);
  out->append(in.http10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  bool check_connection = HasConnectionHeader(base, headers);
  std::string_view upgrade_value, host, real_ip, proto, forwarded_host;
  int forwarded_for = 0;
  for (int i = 0; i < headers.count; ++i) {
    std::string_view name = headers.Name(base, i);
    std::string_view value = headers.Value(base, i);
    if (EqualsIgnoreCase(name, "upgrade")) upgrade_value = value;
    if (IsHopByHop(name)) continue;
    if (check_connection && ListedInConnection(base, headers, name)) continue;
    switch (ForwardedKind(name)) {
      case Forwarded::kNo:
        break;
      case Forwarded::kFor:
        ++forwarded_for;
        continue;  // written below, after the other fields
      case Forwarded::kRealIp:
        if (in.trusted_peer && real_ip.empty()) real_ip = value;
        continue;
      case Forwarded::kProto:
        if (in.trusted_peer && proto.empty()) proto = value;
        continue;
      case Forwarded::kHost:
        if (in.trusted_peer && forwarded_host.empty()) forwarded_host = value;
        continue;
      case Forwarded::kForwarded:
        if (!in.trusted_peer) continue;  // a client must not be able to name another origin
        break;
    }
    if (EqualsIgnoreCase(name, "via")) continue;
    if (EqualsIgnoreCase(name, "host") && host.empty()) host = value;
    AppendHeader(out, name, value);
  }
  // X-Forwarded-For: a trusted proxy's chain (all occurrences), then the socket peer.
  out->append("X-Forwarded-For: ");
  if (in.trusted_peer && forwarded_for > 0) {
    for (int i = 0; i < headers.count; ++i) {
      std::string_view value = headers.Value(base, i);
      if (ForwardedKind(headers.Name(base, i)) == Forwarded::kFor && !value.empty()) {
        out->append(value);
        out->append(", ");
      }
    }
  }
  out->append(in.client_ip);
  out->append("\r\n");
  AppendHeader(out, "X-Real-IP", real_ip.empty() ? in.client_ip : real_ip);
  AppendHeader(out, "X-Forwarded-Proto",
               !proto.empty() ? proto : std::string_view(in.tls ? "https" : "http"));
  if (!forwarded_host.empty()) {
    AppendHeader(out, "X-Forwarded-Host", forwarded_host);
  } else if (!host.empty()) {
    AppendHeader(out, "X-Forwarded-Host", host);
  }
  out->append("Via: ");
  for (int i = 0; i < headers.count; ++i) {
    if (EqualsIgnoreCase(headers.Name(base, i), "via") && !headers.Value(base, i).empty()) {
      out->append(headers.Value(base, i));
      out->append(", ");
    }
  }
  out->append(in.http10 ? "1.0 ink-edge\r\n" : "1.1 ink-edge\r\n");
  if (in.upgrade) {
    out->append("Connection: upgrade\r\n");
    AppendHeader(out, "Upgrade", upgrade_value);
  }
  out->append("\r\n");
}

void BuildClientResponseHead(const char* base, const HeaderList& headers,
                             const ResponseHeadInput& in, std::string* out) {
  char status_line[32];
  int n = std::snprintf(status_line, sizeof status_line, "HTTP/1.1 %03d ", in.status);
  out->append(status_line, static_cast<size_t>(n));
  out->append(in.reason);
  out->append("\r\n");
  bool check_connection = HasConnectionHeader(base, headers);
  std::string_view upgrade_value;
  for (int i = 0; i < headers.count; ++i) {
    std::string_view name = headers.Name(base, i);
    if (EqualsIgnoreCase(name, "upgrade")) upgrade_value = headers.Value(base, i);
    if (IsHopByHop(name)) continue;
    if (check_connection && ListedInConnection(base, headers, name)) continue;
    AppendHeader(out, name, headers.Value(base, i));
  }
  if (in.status == 101) {
    out->append("Connection: upgrade\r\n");
    AppendHeader(out, "Upgrade", upgrade_value);
  } else if (in.status >= 200) {
    if (in.close) {
      out->append("Connection: close\r\n");
    } else if (in.client_http10) {
      out->append("Connection: keep-alive\r\n");
    }
  }
  out->append(in.extra_headers);
  out->append("\r\n");
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Error";
  }
}

namespace {

void AppendEscaped(std::string* out, std::string_view text, bool json) {
  for (char c : text) {
    if (json) {
      if (c == '"' || c == '\\') {
        out->push_back('\\');
        out->push_back(c);
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char esc[8];
        std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned char>(c));
        out->append(esc);
      } else {
        out->push_back(c);
      }
    } else {
      switch (c) {
        case '<':
          out->append("&lt;");
          break;
        case '>':
          out->append("&gt;");
          break;
        case '&':
          out->append("&amp;");
          break;
        case '"':
          out->append("&quot;");
          break;
        default:
          out->push_back(c);
      }
    }
  }
}

}  // namespace

void BuildErrorResponse(int status, std::string_view code, std::string_view message, bool json,
                        bool close, bool head_only, std::string* out,
                        std::string_view extra_headers) {
  std::string body;
  std::string_view reason = ReasonPhrase(status);
  if (json) {
    body.append("{\"error\":{\"code\":\"");
    AppendEscaped(&body, code, true);
    body.append("\",\"message\":\"");
    AppendEscaped(&body, message, true);
    body.append("\"}}\n");
  } else {
    std::string title = std::to_string(status) + " " + std::string(reason);
    body.append("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>");
    body.append(title);
    body.append("</title></head>\n<body style=\"font-family:sans-serif\"><h1>");
    body.append(title);
    body.append("</h1>\n<p>");
    AppendEscaped(&body, message, false);
    body.append("</p>\n<hr><small>ink-edge</small></body></html>\n");
  }
  BuildLocalResponse(status, json ? "application/json" : "text/html; charset=utf-8", body, close,
                     head_only, out, extra_headers);
}

void BuildLocalResponse(int status, std::string_view content_type, std::string_view body,
                        bool close, bool head_only, std::string* out,
                        std::string_view extra_headers) {
  out->append("HTTP/1.1 " + std::to_string(status) + " ");
  out->append(ReasonPhrase(status));
  out->append("\r\nContent-Type: ");
  out->append(content_type);
  out->append("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n");
  out->append("Cache-Control: no-store\r\n");
  if (close) out->append("Connection: close\r\n");
  out->append(extra_headers);
  out->append("\r\n");
  if (!head_only) out->append(body);
}

}  // namespace ink::edge::internal
