// The per-connection state machine of a Worker: read a request head, route it, forward it,
// stream both bodies, return the upstream connection to the pool, repeat (keep-alive and
// pipelining), or turn into a byte tunnel after a 101 (WebSocket).
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "worker.h"

namespace ink::edge::internal {

namespace {

// What an SSL call's failure means for the loop; the error queue is left empty.
IoResult TlsFailure(Connection* c, int rc) {
  switch (SSL_get_error(c->ssl, rc)) {
    case SSL_ERROR_WANT_READ:
      c->readable = false;
      return IoResult::kAgain;
    case SSL_ERROR_WANT_WRITE:
      c->writable = false;
      return IoResult::kAgain;
    case SSL_ERROR_ZERO_RETURN:
      return IoResult::kEof;
    default:
      ERR_clear_error();
      return IoResult::kError;
  }
}

// TLS: SSL_read of what fits. The connection stays readable until OpenSSL asks for more bytes
// from the socket (it may hold decrypted bytes no epoll event will announce).
IoResult TlsReadInto(Connection* c, Buffer& b) {
  size_t n = 0;
  c->tls_drained = false;
  int rc = SSL_read_ex(c->ssl, b.data.get() + b.end, b.capacity - b.end, &n);
  if (rc == 1) {
    b.end += static_cast<uint32_t>(n);
    // Nothing buffered in OpenSSL and the socket was emptied by the last recv: the next
    // arrival raises an epoll event (as ReadInto's short read for plain sockets).
    if (c->tls_drained && !c->peer_hup && SSL_has_pending(c->ssl) == 0) c->readable = false;
    return IoResult::kDone;
  }
  return TlsFailure(c, rc);
}

// TLS: one SSL_write. A small head and the body bytes after it are copied into one record (as
// writev does for plain sockets) rather than sent as two.
IoResult TlsWriteOut(Connection* c, const std::string& head, size_t* head_sent, Buffer* body,
                     size_t* body_written) {
  thread_local char scratch[16384];
  size_t head_left = head.size() - *head_sent;
  size_t body_left = body ? body->Forwardable() : 0;
  const char* data = nullptr;
  size_t length = 0;
  if (head_left > 0 && body_left > 0 && head_left < sizeof scratch) {
    size_t take = body_left < sizeof scratch - head_left ? body_left : sizeof scratch - head_left;
    std::memcpy(scratch, head.data() + *head_sent, head_left);
    std::memcpy(scratch + head_left, body->data.get() + body->begin, take);
    data = scratch;
    length = head_left + take;
  } else if (head_left > 0) {
    data = head.data() + *head_sent;
    length = head_left;
  } else if (body_left > 0) {
    data = body->data.get() + body->begin;
    length = body_left;
  } else {
    return IoResult::kDone;
  }
  // A write retried after WANT_WRITE starts at the same byte with at least as many bytes (the
  // head and body only grow until they are sent), as OpenSSL requires.
  size_t n = 0;
  int rc = SSL_write_ex(c->ssl, data, length, &n);
  if (rc != 1) return TlsFailure(c, rc);
  size_t from_head = n < head_left ? n : head_left;
  *head_sent += from_head;
  n -= from_head;
  if (body) body->begin += static_cast<uint32_t>(n);
  if (body_written) *body_written = n;
  return IoResult::kDone;
}

}  // namespace

void ShutdownWrite(Connection* c) {
  if (c->ssl != nullptr && SSL_is_init_finished(c->ssl)) {
    if (SSL_shutdown(c->ssl) < 0) ERR_clear_error();  // close_notify, best effort
  }
  shutdown(c->fd, SHUT_WR);
}

// Reads into [end, capacity) of `b`.
IoResult ReadInto(Connection* c, Buffer& b) {
  if (c->ssl != nullptr) return TlsReadInto(c, b);
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
IoResult WriteOut(Connection* c, const std::string& head, size_t* head_sent, Buffer* body,
                  size_t* body_written) {
  if (c->ssl != nullptr) return TlsWriteOut(c, head, head_sent, body, body_written);
  int fd = c->fd;
  bool* writable = &c->writable;
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

bool WaitingForRequestBody(const Session* s) {
  return !s->req_done && s->in.Forwardable() == 0 && s->in.parsed == s->in.end &&
         s->upstream_head_sent == s->upstream_head.size();
}

void Worker::Drive(Session* s) {
  bool any = false;
  for (int round = 0; round < 1000; ++round) {
    bool progress = false;
    switch (s->phase) {
      case Phase::kHandshake:
        progress = StepHandshake(s);
        break;
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
      s->deadline_ms = now_ms_ + (WaitingForRequestBody(s) ? options_.body_timeout.count()
                                                           : options_.upstream_timeout.count());
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
  s->scan.Reset(0);
  s->headers.Clear();
  s->upstream_head.clear();
  s->upstream_head_sent = 0;
  s->out.clear();
  s->out_sent = 0;
  s->route = nullptr;
  s->backend = nullptr;
  s->tried = 0;
  s->attempts = 0;
  s->idempotent = s->retried_stale = false;
  s->req_done = s->req_body_sent = s->resp_done = false;
  s->keepalive = s->close_after = s->is_head = s->upgrade = s->http10 = false;
  s->json_errors = s->to_tunnel = s->upstream_eof = false;
  s->response_started = s->lingering = s->shut_client = s->shut_upstream = false;
  s->status = 0;
  s->hsts = false;
  s->counters = nullptr;
  s->deadline_ms = now_ms_ + (s->in.end == 0 ? options_.keepalive_timeout.count()
                                             : options_.header_timeout.count());
}

bool Worker::StepHandshake(Session* s) {
  int rc = SSL_do_handshake(s->ssl);
  if (rc == 1) {
    s->phase = Phase::kReadHead;  // the head deadline from accept still runs
    return true;
  }
  switch (TlsFailure(s, rc)) {
    case IoResult::kAgain:
      return false;
    default:
      // No certificate for the name (the alert went out), a protocol error, or the client left.
      CloseSession(s);
      return true;
  }
}

bool Worker::StepReadHead(Session* s) {
  if (s->scan.scanned() < s->in.end) {
    uint32_t head_end = 0;
    switch (s->scan.Scan(s->in.data.get(), s->in.end, &head_end)) {
      case HeadScanner::Result::kBareLf:
        RejectRequest(s, ParseError::kBareLf);
        return true;
      case HeadScanner::Result::kComplete: {
        ParseError error =
            ParseRequestHead(s->in.data.get(), s->scan.start(), head_end, &s->head, &s->headers);
        if (error != ParseError::kNone) {
          RejectRequest(s, error);
          return true;
        }
        s->in.begin = s->in.parsed = head_end;
        StartRequest(s);
        return true;
      }
      case HeadScanner::Result::kNeedMore:
        break;
    }
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

void Worker::RejectRequest(Session* s, ParseError error) {
  int status = 400;
  const char* code = "bad_request";
  if (error == ParseError::kTooManyHeaders) {
    status = 431;
    code = "header_too_large";
  } else if (error == ParseError::kUnsupportedVersion) {
    status = 505;
    code = "http_version_not_supported";
  } else if (error == ParseError::kBodyTooLarge) {
    status = 413;
    code = "body_too_large";
  }
  std::string message = "malformed HTTP request: " + std::string(DescribeParseError(error));
  if (error == ParseError::kBodyTooLarge) {
    message = "the request body is larger than this edge accepts (" +
              std::to_string(options_.max_body_bytes) + " bytes; ink-edge --max-body-bytes)";
  }
  // The framing of whatever follows cannot be trusted: close after the error page.
  s->keepalive = false;
  LocalError(s, status, code, message);
}

void Worker::StartRequest(Session* s) {
  const HeadInfo& h = s->head;
  const char* base = s->in.data.get();
  s->started_us = now_us_;
  s->http10 = h.minor_version == 0;
  s->keepalive = h.keep_alive;
  s->upgrade = h.upgrade;
  std::string_view method = h.Method(base);
  s->is_head = method == "HEAD";
  s->idempotent = IsIdempotentMethod(method);
  std::string_view accept = s->headers.Find(base, "accept");
  s->json_errors = accept.find("application/json") != std::string_view::npos;
  std::string_view host = s->headers.Value(base, h.host_index);
  std::string_view target = h.Target(base);
  s->body.Start(h.body, h.content_length, options_.max_body_bytes);
  s->req_done = s->body.done();
  if (options_.access_log) {
    std::snprintf(s->log_line, sizeof s->log_line, "%.*s %.*s %.*s", static_cast<int>(host.size()),
                  host.data(), static_cast<int>(method.size()), method.data(),
                  static_cast<int>(target.size() > 180 ? 180 : target.size()), target.data());
  }
  if (s->body.error() != ParseError::kNone) {
    RejectRequest(s, s->body.error());  // Content-Length over the body limit: 413 up front
    return;
  }
  if (method == "CONNECT") {
    LocalError(s, 400, "bad_request", "CONNECT is not supported by ink-edge");
    return;
  }
  char normalized_buf[256];
  std::string_view normalized = NormalizeHost(host, normalized_buf, sizeof normalized_buf);
  if (normalized.empty()) {
    LocalError(s, 400, "bad_request", "the Host header is not a valid host name");
    return;
  }
  s->hsts = s->ssl != nullptr && certificates_ != nullptr && certificates_->Covers(normalized);
  if (AnswerAcmeChallenge(s, method, target)) return;
  if (RedirectToHttps(s, normalized, target)) return;
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
  size_t index = table_->IndexOf(s->route);
  s->counters = route_counters_[index];  // from here on the request is the service's
  if (s->route->backends.empty()) {
    LocalError(
        s, 503, "unavailable",
        "no healthy replica of service " + s->route->service + " in project " + s->route->project);
    return;
  }
  RequestHeadInput in{method,       target,          s->http10,           s->upgrade,
                      s->client_ip, s->peer_trusted, h.target_needs_slash, s->ssl != nullptr};
  BuildUpstreamRequestHead(base, s->headers, in, &s->upstream_head);
  s->rr_start = round_robin_[index]++;
  ConnectUpstream(s);
}

// ACME tokens are base64url (RFC 8555 section 8.1: at least 128 bits of entropy); anything else
// cannot name a file here, so "..", "/" and NUL never reach open().
static bool IsAcmeToken(std::string_view token) {
  if (token.empty() || token.size() > 128) return false;
  for (char c : token) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool Worker::AnswerAcmeChallenge(Session* s, std::string_view method, std::string_view target) {
  constexpr std::string_view kPrefix = "/.well-known/acme-challenge/";
  if (options_.acme_challenge_dir.empty() || (method != "GET" && method != "HEAD") ||
      !target.starts_with(kPrefix)) {
    return false;
  }
  std::string_view token = target.substr(kPrefix.size());
  if (!IsAcmeToken(token)) return false;
  // A blocking read on the worker's loop: a file of ~90 bytes in the page cache, asked for a few
  // times per certificate by the CA's validators, costs less than a thread hop would.
  std::string path = options_.acme_challenge_dir + "/" + std::string(token);
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[512];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n <= 0 || static_cast<size_t>(n) == sizeof buf) return false;
  LocalResponse(s, 200, "text/plain", std::string_view(buf, static_cast<size_t>(n)));
  return true;
}

bool Worker::RedirectToHttps(Session* s, std::string_view host, std::string_view target) {
  if (s->ssl != nullptr || tls_.context == nullptr) return false;
  if (certificates_ == nullptr || !certificates_->Covers(host)) return false;
  // The path and query as sent; an absolute-form target ("http://host/p?q") keeps its path.
  std::string_view path = target;
  if (!path.starts_with("/")) {
    size_t scheme = path.find("://");
    size_t slash = scheme == std::string_view::npos ? std::string_view::npos
                                                    : path.find('/', scheme + 3);
    path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
  }
  std::string location = "Location: https://" + std::string(host);
  if (tls_.port != 443) location += ":" + std::to_string(tls_.port);
  location.append(path);
  location += "\r\n";
  bool close = false;
  if (!BeginLocal(s, 308, &close)) return true;
  BuildLocalResponse(308, "text/plain", "this host is served over https\n", close, s->is_head,
                     &s->out, location);
  FinishLocal(s, close);
  return true;
}

std::string_view Worker::HstsHeader(const Session* s) const {
  return s->hsts ? "Strict-Transport-Security: max-age=31536000\r\n" : std::string_view();
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

// Parses buffered request body bytes; stops at the end of the message. False when the framing
// is broken or the body too large (the session then answers with an error and closes).
bool Worker::ParseRequestBody(Session* s) {
  size_t n = s->body.Consume(s->in.data.get() + s->in.parsed, s->in.end - s->in.parsed);
  s->in.parsed += static_cast<uint32_t>(n);
  if (s->body.error() != ParseError::kNone) {
    RejectRequest(s, s->body.error());
    return false;
  }
  if (s->body.done()) s->req_done = true;
  return true;
}

bool MayRetryRequest(bool request_bytes_sent, bool idempotent, bool response_bytes_received,
                     bool body_bytes_forwarded) {
  if (!request_bytes_sent) return true;
  return idempotent && !response_bytes_received && !body_bytes_forwarded;
}

void Worker::UpstreamFailed(Session* s, const char* why) {
  Upstream* up = s->up;
  bool nothing_received = up->bytes_read == 0 && !s->response_started;
  bool sent = s->upstream_head_sent > 0;
  if (nothing_received && MayRetryRequest(sent, s->idempotent, false, s->req_body_sent)) {
    const Backend* b = s->backend;
    bool stale = up->reused && !s->retried_stale;
    if (!up->reused) up->backend->down_until_ms = now_ms_ + options_.backend_down.count();
    CloseUpstream(up);
    s->up = nullptr;
    if (stale) {
      // A pooled connection the backend had already closed: once more on a fresh one.
      s->retried_stale = true;
      if (StartConnect(s, *b, false)) return;
    }
    ConnectUpstream(s);  // the next backend, or a 502 when none is left
    return;
  }
  if (!s->response_started) {
    if (nothing_received && !up->reused) {
      up->backend->down_until_ms = now_ms_ + options_.backend_down.count();
    }
    LocalError(s, 502, "bad_gateway",
               std::string("upstream down: the replica of service ") + s->route->service +
                   " in project " + s->route->project + " " + why);
    return;
  }
  CloseSession(s);  // the response already started: all we can do is cut it short
}

}  // namespace ink::edge::internal
