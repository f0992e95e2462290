// The per-connection state machine of a Worker: read a request head, route it, forward it,
// stream both bodies, return the upstream connection to the pool, repeat (keep-alive and
// pipelining), or turn into a byte tunnel after a 101 (WebSocket).
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "worker.h"

namespace ink::edge::internal {
namespace {

ParseContext* Ctx(http_parser* p) { return static_cast<ParseContext*>(p->data); }

int OnUrl(http_parser* p, const char* at, size_t length) {
  HeaderList* h = Ctx(p)->headers;
  if (h->url_length == 0) h->url_offset = static_cast<uint32_t>(at - Ctx(p)->base);
  h->url_length += static_cast<uint32_t>(length);
  return 0;
}
int OnStatus(http_parser* p, const char* at, size_t length) {
  HeaderList* h = Ctx(p)->headers;
  if (h->status_length == 0) h->status_offset = static_cast<uint32_t>(at - Ctx(p)->base);
  h->status_length += static_cast<uint32_t>(length);
  return 0;
}
int OnHeaderField(http_parser* p, const char* at, size_t length) {
  Ctx(p)->headers->OnField(Ctx(p)->base, at, length);
  return 0;
}
int OnHeaderValue(http_parser* p, const char* at, size_t length) {
  Ctx(p)->headers->OnValue(Ctx(p)->base, at, length);
  return 0;
}
int OnHeadersComplete(http_parser* p) {
  Ctx(p)->head_done = true;
  http_parser_pause(p, 1);
  if (p->type == HTTP_RESPONSE) {
    int status = static_cast<int>(p->status_code);
    if (Ctx(p)->response_has_no_body || status / 100 == 1 || status == 204 || status == 304) {
      return 1;  // no body whatever Content-Length says
    }
  }
  return 0;
}
int OnMessageComplete(http_parser* p) {
  Ctx(p)->message_done = true;
  http_parser_pause(p, 1);
  return 0;
}

http_parser_settings MakeSettings(bool request) {
  http_parser_settings s;
  http_parser_settings_init(&s);
  if (request) s.on_url = OnUrl;
  if (!request) s.on_status = OnStatus;
  s.on_header_field = OnHeaderField;
  s.on_header_value = OnHeaderValue;
  s.on_headers_complete = OnHeadersComplete;
  s.on_message_complete = OnMessageComplete;
  return s;
}

}  // namespace

const http_parser_settings kRequestSettings = MakeSettings(true);
const http_parser_settings kResponseSettings = MakeSettings(false);

// Reads into [end, capacity) of `b`.
IoResult ReadInto(Connection* c, Buffer& b) {
  for (;;) {
    size_t room = b.capacity - b.end;
    ssize_t n = recv(c->fd, b.data.get() + b.end, room, 0);
    if (n > 0) {
      b.end += static_cast<uint32_t>(n);
      if (static_cast<size_t>(n) < room && !c->peer_hup) c->readable = false;
      return IoResult::kDone;
    }
    if (n == 0) return IoResult::kEof;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      c->readable = false;
      return IoResult::kAgain;
    }
    return IoResult::kError;
  }
}

// Writes head[*head_sent..] then the forwardable bytes of `body` (may be null).
IoResult WriteOut(int fd, const std::string& head, size_t* head_sent, Buffer* body, bool* writable,
                  size_t* body_written) {
  iovec iov[2];
  int count = 0;
  size_t head_left = head.size() - *head_sent;
  if (head_left > 0) iov[count++] = {const_cast<char*>(head.data()) + *head_sent, head_left};
  if (body && body->Forwardable() > 0) {
    iov[count++] = {body->data.get() + body->begin, body->Forwardable()};
  }
  if (count == 0) return IoResult::kDone;
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = static_cast<size_t>(count);
  for (;;) {
    ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      size_t left = static_cast<size_t>(n);
      size_t from_head = left < head_left ? left : head_left;
      *head_sent += from_head;
      left -= from_head;
      if (body) body->begin += static_cast<uint32_t>(left);
      if (body_written) *body_written = left;
      return IoResult::kDone;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      *writable = false;
      return IoResult::kAgain;
    }
    return IoResult::kError;
  }
}

void Worker::Drive(Session* s) {
  bool any = false;
  for (int round = 0; round < 1000; ++round) {
    bool progress = false;
    switch (s->phase) {
      case Phase::kReadHead:
        progress = StepReadHead(s);
        break;
      case Phase::kConnect:
        progress = StepConnect(s);
        break;
      case Phase::kProxy:
        progress = StepProxy(s);
        break;
      case Phase::kLocal:
        progress = StepLocal(s);
        break;
      case Phase::kTunnel:
        progress = StepTunnel(s);
        break;
      case Phase::kClosed:
        return;
    }
    if (s->phase == Phase::kClosed) return;
    if (!progress) break;
    any = true;
  }
  UpdateWriteInterest(s);
  if (s->up) UpdateWriteInterest(s->up);
  if (!any) return;
  switch (s->phase) {
    case Phase::kLocal:
      if (s->lingering) break;
      [[fallthrough]];
    case Phase::kProxy:
      s->deadline_ms = now_ms_ + options_.upstream_timeout.count();
      break;
    case Phase::kTunnel:
      s->deadline_ms = now_ms_ + options_.tunnel_timeout.count();
      break;
    default:
      break;  // head and connect deadlines are set when those phases start
  }
}

void Worker::ResetForNextRequest(Session* s) {
  s->phase = Phase::kReadHead;
  s->in.begin = s->in.parsed;
  s->in.Compact();
  s->in.parsed = 0;  // re-parse pipelined bytes from the start of the next head
  http_parser_init(&s->parser, HTTP_REQUEST);
  s->parser.data = &s->parse;
  s->parse.head_done = s->parse.message_done = false;
  s->headers.Clear();
  s->upstream_head.clear();
  s->upstream_head_sent = 0;
  s->out.clear();
  s->out_sent = 0;
  s->route = nullptr;
  s->backend = nullptr;
  s->tried = 0;
  s->attempts = 0;
  s->req_done = s->req_body_sent = s->resp_done = false;
  s->keepalive = s->close_after = s->is_head = s->upgrade = s->http10 = false;
  s->json_errors = s->to_tunnel = s->upstream_eof = false;
  s->response_started = s->lingering = s->shut_client = s->shut_upstream = false;
  s->status = 0;
  s->deadline_ms = now_ms_ + (s->in.end == 0 ? options_.keepalive_timeout.count()
                                             : options_.header_timeout.count());
}

bool Worker::StepReadHead(Session* s) {
  if (s->in.parsed < s->in.end) {
    size_t n = http_parser_execute(&s->parser, &kRequestSettings, s->in.data.get() + s->in.parsed,
                                   s->in.end - s->in.parsed);
    http_errno err = HTTP_PARSER_ERRNO(&s->parser);
    if (s->headers.too_many) {
      LocalError(s, 431, "header_too_large", "the request has more than 100 header fields");
      return true;
    }
    if (err == HPE_PAUSED) {
      s->in.parsed += static_cast<uint32_t>(n);
      StartRequest(s);
      return true;
    }
    if (err != HPE_OK) {
      LocalError(s, 400, "bad_request",
                 std::string("malformed HTTP request: ") + http_errno_description(err));
      return true;
    }
    s->in.parsed += static_cast<uint32_t>(n);
  }
  if (stopping_ && s->in.end == 0) {
    CloseSession(s);
    return true;
  }
  if (s->in.end == s->in.capacity) {
    LocalError(
        s, 431, "header_too_large",
        "the request head is larger than " + std::to_string(options_.max_header_bytes) + " bytes");
    return true;
  }
  if (!s->readable) return false;
  bool first = s->in.end == 0;
  switch (ReadInto(s, s->in)) {
    case IoResult::kDone:
      if (first) s->deadline_ms = now_ms_ + options_.header_timeout.count();
      return true;
    case IoResult::kAgain:
      return false;
    default:
      CloseSession(s);
      return true;
  }
}

void Worker::StartRequest(Session* s) {
  http_parser& p = s->parser;
  http_parser_pause(&p, 0);
  s->started_ms = now_ms_;
  s->http10 = p.http_major == 0 || (p.http_major == 1 && p.http_minor == 0);
  s->keepalive = http_should_keep_alive(&p) != 0;
  s->upgrade = p.upgrade != 0;
  s->is_head = p.method == HTTP_HEAD;
  const char* base = s->in.data.get();
  std::string_view accept = s->headers.Find(base, "accept");
  s->json_errors = accept.find("application/json") != std::string_view::npos;
  int host_count = 0;
  std::string_view host = s->headers.Find(base, "host", &host_count);
  std::string_view method = http_method_str(static_cast<http_method>(p.method));
  std::string_view target(base + s->headers.url_offset, s->headers.url_length);
  // Consume the LF that ends the head (the parser paused on it).
  uint32_t lf = s->in.parsed;
  s->parse.message_done = false;
  http_parser_execute(&p, &kRequestSettings, base + lf, 1);
  http_errno err = HTTP_PARSER_ERRNO(&p);
  if (err != HPE_OK && err != HPE_PAUSED) {
    LocalError(s, 400, "bad_request",
               std::string("malformed HTTP request: ") + http_errno_description(err));
    return;
  }
  http_parser_pause(&p, 0);
  s->in.begin = s->in.parsed = lf + 1;
  s->req_done = s->parse.message_done;
  if (options_.access_log) {
    std::snprintf(s->log_line, sizeof s->log_line, "%.*s %.*s %.*s", static_cast<int>(host.size()),
                  host.data(), static_cast<int>(method.size()), method.data(),
                  static_cast<int>(target.size() > 180 ? 180 : target.size()), target.data());
  }
  if (p.method == HTTP_CONNECT) {
    LocalError(s, 400, "bad_request", "CONNECT is not supported by ink-edge");
    return;
  }
  if (host_count != 1) {
    LocalError(s, 400, "bad_request",
               host_count == 0 ? "the request has no Host header; send Host: <service>-<project>." +
                                     options_.platform_domain
                               : "the request has more than one Host header");
    return;
  }
  char normalized_buf[256];
  std::string_view normalized = NormalizeHost(host, normalized_buf, sizeof normalized_buf);
  if (normalized.empty()) {
    LocalError(s, 400, "bad_request", "the Host header is not a valid host name");
    return;
  }
  s->table = table_;
  s->route = table_->Find(normalized);
  if (s->route == nullptr) {
    const std::string& d = options_.platform_domain;
    LocalError(s, 404, "not_found",
               "no service is routed for host " + std::string(normalized) +
                   ". Service URLs look like <service>-<project>." + d + " (for example web-demo." +
                   d + "); check the service name, the project name and that it is deployed");
    return;
  }
  if (s->route->backends.empty()) {
    LocalError(
        s, 503, "unavailable",
        "no healthy replica of service " + s->route->service + " in project " + s->route->project);
    return;
  }
  RequestHeadInput in{method, target, s->http10, s->upgrade, s->client_ip};
  BuildUpstreamRequestHead(base, s->headers, in, &s->upstream_head);
  size_t index = table_->IndexOf(s->route);
  s->rr_start = round_robin_[index]++;
  ConnectUpstream(s);
}

bool Worker::StepConnect(Session* s) {
  Upstream* up = s->up;
  if (!up->writable) return false;
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(up->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    ConnectFailed(s);
    return true;
  }
  up->connecting = false;
  s->phase = Phase::kProxy;
  s->deadline_ms = now_ms_ + options_.upstream_timeout.count();
  return true;
}

// Parses buffered request body bytes; stops at the end of the message.
bool Worker::ParseRequestBody(Session* s) {
  size_t n = http_parser_execute(&s->parser, &kRequestSettings, s->in.data.get() + s->in.parsed,
                                 s->in.end - s->in.parsed);
  http_errno err = HTTP_PARSER_ERRNO(&s->parser);
  s->in.parsed += static_cast<uint32_t>(n);
  if (err == HPE_PAUSED) {
    http_parser_pause(&s->parser, 0);
    s->req_done = true;
  } else if (err != HPE_OK) {
    return false;
  }
  return true;
}

void Worker::UpstreamFailed(Session* s, const char* why) {
  Upstream* up = s->up;
  bool nothing_received = up->bytes_read == 0 && !s->response_started;
  if (nothing_received && up->reused && !s->req_body_sent) {
    // A pooled connection the backend had already closed: retry once on a fresh one.
    const Backend* b = s->backend;
    CloseUpstream(up);
    s->up = nullptr;
    if (!StartConnect(s, *b, false)) ConnectUpstream(s);
    return;
  }
  if (!s->response_started) {
    if (nothing_received) up->backend->down_until_ms = now_ms_ + options_.backend_down.count();
    LocalError(s, 502, "bad_gateway",
               std::string("upstream down: the replica of service ") + s->route->service +
                   " in project " + s->route->project + " " + why);
    return;
  }
  CloseSession(s);  // the response already started: all we can do is cut it short
}

}  // namespace ink::edge::internal
