// The second half of a Worker's exchange: request body and response streaming, the end of an
// exchange (pool or close), local error responses and the WebSocket tunnel.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "worker.h"

namespace ink::edge::internal {

bool Worker::StepProxy(Session* s) {
  bool progress = false;
  Upstream* up = s->up;
  // 1. Request head and body bytes to the upstream.
  if (up->writable &&
      (s->upstream_head_sent < s->upstream_head.size() || s->in.Forwardable() > 0)) {
    size_t body = 0;
    IoResult r = WriteOut(up, s->upstream_head, &s->upstream_head_sent, &s->in, &body);
    if (r == IoResult::kError) {
      UpstreamFailed(s, "closed the connection while the request was sent");
      return true;
    }
    if (r == IoResult::kDone) {
      progress = true;
      if (body > 0) s->req_body_sent = true;
    }
  }
  // 2. More request body from the client (only while there is room: back-pressure).
  if (!s->req_done) {
    if (s->in.parsed < s->in.end) {
      if (!ParseRequestBody(s)) return true;  // answered 400/413 (or cut short) and closes
      progress = true;
    } else if (s->readable) {
      if (s->in.begin == s->in.end) {
        s->in.Reset();
      } else if (s->in.end == s->in.capacity) {
        s->in.Compact();
      }
      if (s->in.end < s->in.capacity) {
        IoResult r = ReadInto(s, s->in);
        if (r == IoResult::kDone) progress = true;
        if (r == IoResult::kEof || r == IoResult::kError) {
          CloseSession(s);  // the client went away mid-request
          return true;
        }
      }
    }
  }
  // 3. Response bytes from the upstream.
  if (!s->resp_done) {
    if (ReadResponse(s)) progress = true;
    if (s->phase != Phase::kProxy) return true;
  }
  // 4. Response head and body bytes to the client.
  if (s->writable && (s->out_sent < s->out.size() || up->in.Forwardable() > 0)) {
    IoResult r = WriteOut(s, s->out, &s->out_sent, &up->in, nullptr);
    if (r == IoResult::kError) {
      CloseSession(s);
      return true;
    }
    if (r == IoResult::kDone) {
      progress = true;
      s->response_started = true;
      if (s->out_sent == s->out.size()) {
        s->out.clear();
        s->out_sent = 0;
      }
    }
  }
  // 5. The exchange is over once the whole response went out.
  if (s->resp_done && s->out.empty() && up->in.Forwardable() == 0) {
    FinishExchange(s);
    return true;
  }
  return progress;
}

bool Worker::ReadResponse(Session* s) {
  Upstream* up = s->up;
  bool unparsed = up->head_done ? up->in.parsed < up->in.end : up->scan.scanned() < up->in.end;
  if (unparsed) return ParseResponse(s);
  if (!up->readable) return false;
  if (up->head_done) {
    if (up->in.begin == up->in.end) {
      up->in.Reset();
    } else if (up->in.end == up->in.capacity) {
      up->in.Compact();
    }
  } else if (up->in.end == up->in.capacity) {
    UpstreamFailed(s, "sent a response head larger than the edge's buffer");
    return true;
  }
  if (up->in.end == up->in.capacity) return false;  // wait for the client to take some
  uint32_t before = up->in.end;
  IoResult r = ReadInto(up, up->in);
  if (r == IoResult::kDone) {
    up->bytes_read += up->in.end - before;
    return true;
  }
  if (r == IoResult::kAgain) return false;
  if (r == IoResult::kEof && up->head_done) {
    up->body.OnEof();  // a body delimited by the end of the connection ends here
    if (up->body.done()) {
      up->keepalive = false;
      s->close_after = true;
      s->resp_done = true;
      return true;
    }
  }
  UpstreamFailed(s, "closed the connection before the response was complete");
  return true;
}

// Parses buffered response bytes: the head (once complete), then the body's framing.
bool Worker::ParseResponse(Session* s) {
  Upstream* up = s->up;
  char* base = up->in.data.get();
  if (!up->head_done) {
    uint32_t head_end = 0;
    HeadScanner::Result scanned = up->scan.Scan(base, up->in.end, &head_end);
    if (scanned == HeadScanner::Result::kNeedMore) return true;
    ParseError error = scanned == HeadScanner::Result::kBareLf
                           ? ParseError::kBareLf
                           : ParseResponseHead(base, up->scan.start(), head_end, s->is_head,
                                               &up->head, &up->headers);
    if (error == ParseError::kNone && up->head.status == 101 && !s->upgrade) {
      error = ParseError::kBadStatusLine;  // 101 to a request that asked for no upgrade
    }
    if (error != ParseError::kNone) {
      // Whatever the backend meant, the client's connection must not be framed by it: 502,
      // and the upstream connection is closed (never pooled).
      up->keepalive = false;
      std::string why = "sent a malformed response: " + std::string(DescribeParseError(error));
      UpstreamFailed(s, why.c_str());
      return true;
    }
    up->head_done = true;
    up->in.begin = up->in.parsed = head_end;
    up->body.Start(up->head.body, up->head.content_length, 0);
    OnResponseHead(s);
    if (up->body.done()) OnResponseComplete(s);
    return true;
  }
  size_t n = up->body.Consume(base + up->in.parsed, up->in.end - up->in.parsed);
  up->in.parsed += static_cast<uint32_t>(n);
  if (up->body.error() != ParseError::kNone) {
    up->keepalive = false;
    std::string why =
        "sent a malformed response body: " + std::string(DescribeParseError(up->body.error()));
    UpstreamFailed(s, why.c_str());
    return true;
  }
  if (up->body.done()) OnResponseComplete(s);
  return true;
}

void Worker::OnResponseHead(Session* s) {
  Upstream* up = s->up;
  int status = up->head.status;
  if (status >= 200 || status == 101) {
    s->status = status;
    up->keepalive = up->head.keep_alive;
    if (up->head.body == BodyKind::kUntilClose) s->close_after = true;
    // A refused upgrade: the client may already be sending the other protocol.
    if (s->upgrade && status != 101) s->close_after = true;
  } else if (s->http10) {
    return;  // no interim responses to HTTP/1.0 clients
  }
  ResponseHeadInput in{status, up->head.Reason(up->in.data.get()), s->http10,
                       s->close_after || !s->keepalive || stopping_, HstsHeader(s)};
  if (s->hsts && !up->headers.Find(up->in.data.get(), "strict-transport-security").empty()) {
    in.extra_headers = {};  // the service sets its own policy
  }
  BuildClientResponseHead(up->in.data.get(), up->headers, in, &s->out);
}

void Worker::OnResponseComplete(Session* s) {
  Upstream* up = s->up;
  int status = up->head.status;
  if (status / 100 == 1 && status != 101) {
    // Interim response (100 Continue, 103): forwarded; the final response follows.
    up->head_done = false;
    up->headers.Clear();
    up->in.begin = up->in.parsed;
    up->in.Compact();
    up->scan.Reset(0);
    return;
  }
  s->resp_done = true;
  if (status == 101) s->to_tunnel = true;
}

void Worker::FinishExchange(Session* s) {
  Upstream* up = s->up;
  CountRequest(s);
  if (s->to_tunnel) {
    s->phase = Phase::kTunnel;
    s->in.begin = s->in.parsed;  // bytes after the request head are already the new protocol
    s->in.parsed = s->in.end;
    up->in.parsed = up->in.end;
    s->deadline_ms = now_ms_ + options_.tunnel_timeout.count();
    return;
  }
  bool reuse = up->keepalive && s->req_done && s->in.Forwardable() == 0 &&
               s->upstream_head_sent == s->upstream_head.size() && up->in.parsed == up->in.end &&
               !stopping_;
  s->up = nullptr;
  ReleaseUpstream(up, reuse);
  if (options_.access_log) WriteAccessLog(s);
  s->table.reset();
  if (s->close_after || !s->keepalive || !s->req_done || stopping_) {
    CloseSession(s);
    return;
  }
  ResetForNextRequest(s);
}

bool Worker::BeginLocal(Session* s, int status, bool* close) {
  if (s->up) {
    CloseUpstream(s->up);
    s->up = nullptr;
  }
  if (s->response_started) {
    CloseSession(s);
    return false;
  }
  s->status = status;
  s->out.clear();
  s->out_sent = 0;
  *close = !s->req_done || !s->keepalive || stopping_ || s->upgrade || status == 400 ||
           status == 408 || status == 431;
  return true;
}

void Worker::FinishLocal(Session* s, bool close) {
  s->close_after = close;
  s->phase = Phase::kLocal;
  s->deadline_ms = now_ms_ + options_.upstream_timeout.count();
}

void Worker::LocalError(Session* s, int status, const char* code, const std::string& message) {
  bool close = false;
  if (!BeginLocal(s, status, &close)) return;
  BuildErrorResponse(status, code, message, s->json_errors, close, s->is_head, &s->out,
                     HstsHeader(s));
  FinishLocal(s, close);
}

void Worker::LocalResponse(Session* s, int status, std::string_view content_type,
                           std::string_view body) {
  bool close = false;
  if (!BeginLocal(s, status, &close)) return;
  BuildLocalResponse(status, content_type, body, close, s->is_head, &s->out, HstsHeader(s));
  FinishLocal(s, close);
}

bool Worker::StepLocal(Session* s) {
  if (s->out_sent < s->out.size()) {
    if (!s->writable) return false;
    IoResult r = WriteOut(s, s->out, &s->out_sent, nullptr, nullptr);
    if (r == IoResult::kError) {
      CloseSession(s);
      return true;
    }
    return r == IoResult::kDone;
  }
  if (!s->lingering) {
    CountRequest(s);
    if (options_.access_log) WriteAccessLog(s);
  }
  if (!s->close_after) {
    s->table.reset();
    ResetForNextRequest(s);
    return true;
  }
  if (!s->lingering) {
    // Shut our side and read what the client still sends, so closing does not reset the
    // connection (and destroy the error page) while its request is unread.
    ShutdownWrite(s);
    s->lingering = true;
    s->deadline_ms = now_ms_ + 2000;
  }
  if (!s->readable) return false;
  char sink[4096];
  ssize_t n = recv(s->fd, sink, sizeof sink, 0);
  if (n > 0) return true;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    s->readable = false;
    return false;
  }
  CloseSession(s);
  return true;
}

namespace {

// Moves bytes from `from` (into `b`) to `to`; returns -1 on a socket error, else 1 on progress.
int PumpTunnel(Connection* from, Buffer& b, Connection* to, bool* from_eof, bool* shut_to) {
  static const std::string kNoHead;
  int progress = 0;
  size_t none = 0;
  if (b.Forwardable() > 0 && to->writable) {
    IoResult r = WriteOut(to, kNoHead, &none, &b, nullptr);
    if (r == IoResult::kError) return -1;
    if (r == IoResult::kDone) progress = 1;
  }
  if (b.Forwardable() == 0) {
    b.Reset();
    if (*from_eof && !*shut_to) {
      ShutdownWrite(to);
      *shut_to = true;
    }
  }
  if (!*from_eof && from->readable && b.end < b.capacity) {
    IoResult r = ReadInto(from, b);
    if (r == IoResult::kError) return -1;
    if (r == IoResult::kDone) b.parsed = b.end;
    if (r == IoResult::kEof) *from_eof = true;
    if (r != IoResult::kAgain) progress = 1;
  }
  return progress;
}

}  // namespace

bool Worker::StepTunnel(Session* s) {
  Upstream* up = s->up;
  int a = PumpTunnel(s, s->in, up, &s->client_eof, &s->shut_upstream);
  int b = PumpTunnel(up, up->in, s, &s->upstream_eof, &s->shut_client);
  if (a < 0 || b < 0 || (s->shut_upstream && s->shut_client)) {
    if (options_.access_log) WriteAccessLog(s);
    CloseSession(s);
    return true;
  }
  return a > 0 || b > 0;
}

void Worker::WriteAccessLog(Session* s) {
  char line[512];
  int n = std::snprintf(line, sizeof line, "%s %s %d %lldms %s\n", s->client_ip, s->log_line,
                        s->status, static_cast<long long>((now_us_ - s->started_us) / 1000),
                        s->backend ? s->backend->key.c_str() : "-");
  if (n > 0) {
    ssize_t ignored = write(1, line, static_cast<size_t>(n) < sizeof line ? n : sizeof line - 1);
    (void)ignored;
  }
}

}  // namespace ink::edge::internal
