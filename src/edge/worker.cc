#include "worker.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ink/common/log.h"
#include "tls.h"

namespace ink::edge::internal {

int64_t MonotonicMillis() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

int64_t MonotonicMicros() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

void Buffer::Allocate(size_t bytes) {
  data = std::make_unique<char[]>(bytes);
  capacity = static_cast<uint32_t>(bytes);
  Reset();
}

void Buffer::Compact() {
  if (begin == 0) return;
  if (begin < end) std::memmove(data.get(), data.get() + begin, end - begin);
  parsed = parsed > begin ? parsed - begin : 0;
  end -= begin;
  begin = 0;
}

namespace {

constexpr uint32_t kEvents = EPOLLIN | EPOLLRDHUP | EPOLLET;

void SetNoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// A pooled upstream connection idle longer than this is not used for a non-idempotent request:
// it might be closed by the backend at the same moment, and such a request cannot be retried.
constexpr int64_t kFreshPooledMs = 2000;

}  // namespace

Worker::Worker(const EdgeOptions& options, const SharedPolicy& policy, RouteTableHolder& routes,
               WorkerTraffic& traffic, int listen_fd, int max_sessions, TlsListen tls)
    : options_(options),
      policy_(policy),
      routes_(routes),
      traffic_(traffic),
      tls_(tls),
      max_sessions_(max_sessions) {
  reserve_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  BuildErrorResponse(503, "too_many_connections",
                     "too many connections from your address to ink-edge; close some and retry",
                     false, true, false, &too_many_from_client_);
  BuildErrorResponse(503, "edge_full", "ink-edge is at its connection limit; retry shortly", false,
                     true, false, &edge_full_);
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  listener_.fd = listen_fd;
  waker_.fd = wake_fd_;
  live_.prev = live_.next = &live_;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.ptr = &listener_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd, &ev);
  if (tls_.fd >= 0) {
    tls_listener_.fd = tls_.fd;
    ev.data.ptr = &tls_listener_;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, tls_.fd, &ev);
  }
  ev.events = EPOLLIN;
  ev.data.ptr = &waker_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
}

Worker::~Worker() {
  if (listener_.fd >= 0) close(listener_.fd);
  if (tls_listener_.fd >= 0) close(tls_listener_.fd);
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (reserve_fd_ >= 0) close(reserve_fd_);
}

void Worker::RequestStop(int64_t drain_ms) {
  stop_drain_ms_.store(drain_ms, std::memory_order_release);
  uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof one);
  (void)ignored;
}

void Worker::RefreshRoutes() {
  if (tls_.certificates != nullptr &&
      tls_.certificates->generation() != certificates_generation_) {
    // Handshakes already past their SNI callback keep the SSL_CTX they chose (OpenSSL holds a
    // reference), so swapping the snapshot never disturbs a connection.
    certificates_generation_ = tls_.certificates->generation();
    certificates_ = tls_.certificates->Get();
  }
  uint64_t generation = routes_.generation();
  if (generation == table_generation_) return;
  table_generation_ = generation;
  table_ = routes_.Get();
  round_robin_.assign(table_->routes().size(), 0);
  route_counters_.clear();
  route_counters_.reserve(table_->routes().size());
  for (const Route& r : table_->routes()) route_counters_.push_back(traffic_.For(r.service_id));
}

void Worker::Run() {
  epoll_event events[256];
  now_us_ = MonotonicMicros();
  now_ms_ = now_us_ / 1000;
  next_sweep_ms_ = now_ms_ + 250;
  for (;;) {
    int wait_ms = 250;
    if (accept_paused_until_ms_ != 0) {
      int64_t left = accept_paused_until_ms_ - now_ms_;
      wait_ms = left <= 0 ? 0 : (left < 250 ? static_cast<int>(left) : 250);
    }
    int n = epoll_wait(epoll_fd_, events, 256, wait_ms);
    // One precise read per wakeup (vDSO): request latencies need better than the coarse
    // clock's 4 ms ticks, and every request handled in this batch shares the reading.
    now_us_ = MonotonicMicros();
    now_ms_ = now_us_ / 1000;
    RefreshRoutes();
    if (accept_paused_until_ms_ != 0 && now_ms_ >= accept_paused_until_ms_ && !stopping_) {
      accept_paused_until_ms_ = 0;
      AcceptAll();  // the listeners are edge-triggered: pending connections raise no new event
    }
    for (int i = 0; i < n; ++i) {
      auto* c = static_cast<Connection*>(events[i].data.ptr);
      uint32_t e = events[i].events;
      if (c->fd < 0) continue;  // closed earlier in this batch
      switch (c->kind) {
        case Connection::Kind::kListener:
        case Connection::Kind::kTlsListener:
          if (accept_paused_until_ms_ == 0) Accept(c);
          break;
        case Connection::Kind::kWake:
          OnWake();
          break;
        case Connection::Kind::kClient: {
          auto* s = static_cast<Session*>(c);
          if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) s->readable = true;
          if (e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) s->peer_hup = true;
          if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR)) s->writable = true;
          Drive(s);
          break;
        }
        case Connection::Kind::kUpstream: {
          auto* up = static_cast<Upstream*>(c);
          if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) up->readable = true;
          if (e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) up->peer_hup = true;
          if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR)) up->writable = true;
          if (up->session == nullptr) {
            // Idle in the pool: data or EOF from the backend means it is no longer usable.
            if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) CloseUpstream(up);
          } else {
            Drive(up->session);
          }
          break;
        }
      }
    }
    if (now_ms_ >= next_sweep_ms_) {
      Sweep();
      next_sweep_ms_ = now_ms_ + 250;
    }
    for (Connection* c : graveyard_) {
      if (c->kind == Connection::Kind::kClient) {
        free_sessions_.push_back(static_cast<Session*>(c));
      } else {
        free_upstreams_.push_back(static_cast<Upstream*>(c));
      }
    }
    graveyard_.clear();
    if (stopping_ && (sessions_ == 0 || now_ms_ >= drain_deadline_ms_)) break;
  }
  // Close whatever is left (drain deadline passed).
  while (live_.next != &live_) {
    Connection* c = live_.next;
    if (c->kind == Connection::Kind::kClient) {
      CloseSession(static_cast<Session*>(c));
    } else {
      CloseUpstream(static_cast<Upstream*>(c));
    }
  }
}

void Worker::OnWake() {
  uint64_t value;
  ssize_t ignored = read(wake_fd_, &value, sizeof value);
  (void)ignored;
  int64_t drain = stop_drain_ms_.load(std::memory_order_acquire);
  if (drain < 0 || stopping_) return;
  stopping_ = true;
  drain_deadline_ms_ = now_ms_ + drain;
  CloseListeners();
  // Idle keep-alive clients and pooled upstreams go now; in-flight exchanges finish.
  for (Connection* c = live_.next; c != &live_;) {
    Connection* next = c->next;
    if (c->kind == Connection::Kind::kClient) {
      auto* s = static_cast<Session*>(c);
      if ((s->phase == Phase::kReadHead && s->in.end == 0) || s->phase == Phase::kHandshake) {
        CloseSession(s);
      }
    } else if (static_cast<Upstream*>(c)->session == nullptr) {
      CloseUpstream(static_cast<Upstream*>(c));
    }
    c = next;
  }
}

void Worker::CloseListeners() {
  for (Connection* l : {&listener_, &tls_listener_}) {
    if (l->fd < 0) continue;
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, l->fd, nullptr);
    close(l->fd);
    l->fd = -1;
  }
}

void Worker::AcceptAll() {
  Accept(&listener_);
  if (tls_listener_.fd >= 0 && accept_paused_until_ms_ == 0) Accept(&tls_listener_);
}

void Worker::Refuse(int fd, std::string_view response, bool tls) {
  if (tls) {
    close(fd);  // a plaintext answer would be garbage to a TLS client
    return;
  }
  // Read what the client already sent so the close is a FIN, not a reset that would destroy
  // the answer; then answer and close. Neither call blocks.
  char sink[4096];
  ssize_t ignored = recv(fd, sink, sizeof sink, MSG_DONTWAIT);
  ignored = send(fd, response.data(), response.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  (void)ignored;
  close(fd);
}

void Worker::OnAcceptExhausted(Connection* listener) {
  if (now_ms_ - last_fd_warning_ms_ >= 10000) {
    last_fd_warning_ms_ = now_ms_;
    LogWarn("edge", "accept: out of file descriptors (" + std::string(std::strerror(errno)) +
                        "); refusing connections until some close. Raise the nofile limit or lower "
                        "--max-connections");
  }
  while (EvictIdleUpstream()) {
  }
  if (reserve_fd_ >= 0) {
    // The classic reserve descriptor: give it up, take one pending connection, answer it with
    // a 503 and close it, then take the reserve back.
    close(reserve_fd_);
    reserve_fd_ = -1;
    int fd = accept4(listener->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) Refuse(fd, edge_full_, listener->kind == Connection::Kind::kTlsListener);
    reserve_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && reserve_fd_ >= 0) return;  // the caller's loop accepts (or sheds) the next
  }
  accept_paused_until_ms_ = now_ms_ + 100;  // nothing to shed with: try again in 100 ms
}

void Worker::Accept(Connection* listener) {
  bool tls = listener->kind == Connection::Kind::kTlsListener;
  while (listener->fd >= 0) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int fd = accept4(listener->fd, reinterpret_cast<sockaddr*>(&addr), &len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        OnAcceptExhausted(listener);
        if (accept_paused_until_ms_ != 0) return;
        continue;
      }
      return;
    }
    if (sessions_ >= max_sessions_ || stopping_) {
      Refuse(fd, edge_full_, tls);  // over the connection limit: refuse cheaply
      continue;
    }
    uint32_t slot = ClientConnectionLimiter::kNoSlot;
    if (policy_.per_client && !policy_.per_client->TryAcquire(addr, &slot)) {
      Refuse(fd, too_many_from_client_, tls);
      continue;
    }
    SetNoDelay(fd);
    Session* s = NewSession();
    s->fd = fd;
    SSL* ssl = nullptr;
    if (tls) {
      ssl = tls_.context->NewConnection(s, &certificates_);
      if (ssl == nullptr) {
        ERR_clear_error();
        if (policy_.per_client) policy_.per_client->Release(slot);
        close(fd);
        s->fd = -1;
        free_sessions_.push_back(s);
        continue;
      }
    }
    s->out_armed = false;
    s->client_slot = slot;
    s->peer_trusted = policy_.trusted_proxies && policy_.trusted_proxies->Contains(addr);
    if (addr.ss_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&addr)->sin_addr, s->client_ip,
                sizeof s->client_ip);
    } else if (addr.ss_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&addr)->sin6_addr, s->client_ip,
                sizeof s->client_ip);
    } else {
      std::strcpy(s->client_ip, "unknown");
    }
    epoll_event ev{};
    ev.events = kEvents;
    ev.data.ptr = s;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    ++sessions_;
    Link(s);
    ResetForNextRequest(s);
    s->ssl = ssl;
    if (ssl != nullptr) s->phase = Phase::kHandshake;
    s->deadline_ms = now_ms_ + options_.header_timeout.count();  // slowloris: from accept
    s->readable = true;  // data may already be waiting; the first read tells
    s->writable = true;
    Drive(s);
  }
}

Session* Worker::NewSession() {
  Session* s;
  if (!free_sessions_.empty()) {
    s = free_sessions_.back();
    free_sessions_.pop_back();
  } else {
    all_sessions_.push_back(std::make_unique<Session>());
    s = all_sessions_.back().get();
    s->in.Allocate(options_.max_header_bytes);
  }
  s->in.Reset();
  s->readable = s->writable = s->peer_hup = false;
  s->up = nullptr;
  s->client_eof = false;
  return s;
}

Upstream* Worker::NewUpstream() {
  Upstream* up;
  if (!free_upstreams_.empty()) {
    up = free_upstreams_.back();
    free_upstreams_.pop_back();
  } else {
    all_upstreams_.push_back(std::make_unique<Upstream>());
    up = all_upstreams_.back().get();
    up->in.Allocate(options_.max_header_bytes);
  }
  up->in.Reset();
  up->readable = up->writable = up->peer_hup = false;
  up->session = nullptr;
  up->backend = nullptr;
  up->reused = up->connecting = up->keepalive = up->head_done = false;
  up->bytes_read = 0;
  up->deadline_ms = 0;
  return up;
}

void Worker::UpdateWriteInterest(Connection* c) {
  bool want = !c->writable;
  if (c->fd < 0 || want == c->out_armed) return;
  epoll_event ev{};
  ev.events = kEvents | (want ? static_cast<uint32_t>(EPOLLOUT) : 0u);
  ev.data.ptr = c;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c->fd, &ev);
  c->out_armed = want;
}

void Worker::Link(Connection* c) {
  c->next = &live_;
  c->prev = live_.prev;
  live_.prev->next = c;
  live_.prev = c;
}

void Worker::Unlink(Connection* c) {
  c->prev->next = c->next;
  c->next->prev = c->prev;
  c->prev = c->next = nullptr;
}

void Worker::CloseSession(Session* s) {
  if (s->fd < 0) return;
  CountRequest(s);  // cut short: counted with the status it was given, if any
  if (s->up) {
    CloseUpstream(s->up);
    s->up = nullptr;
  }
  if (s->ssl != nullptr) {
    // close_notify (one non-blocking write, skipped when it cannot go out): a client that sees
    // the connection end without it treats that as an error and will not resume the session.
    if (SSL_is_init_finished(s->ssl) && SSL_shutdown(s->ssl) < 0) ERR_clear_error();
    SSL_free(s->ssl);
    s->ssl = nullptr;
    ERR_clear_error();
  }
  close(s->fd);  // also removes it from epoll
  s->fd = -1;
  if (policy_.per_client) policy_.per_client->Release(s->client_slot);
  s->client_slot = ClientConnectionLimiter::kNoSlot;
  s->phase = Phase::kClosed;
  s->table.reset();
  Unlink(s);
  --sessions_;
  graveyard_.push_back(s);
}

void Worker::CloseUpstream(Upstream* up) {
  if (up->fd < 0) return;
  if (up->session == nullptr && up->backend != nullptr) {
    auto& idle = up->backend->idle;
    for (size_t i = 0; i < idle.size(); ++i) {
      if (idle[i] == up) {
        idle.erase(idle.begin() + static_cast<long>(i));
        break;
      }
    }
  }
  close(up->fd);
  up->fd = -1;
  up->session = nullptr;
  Unlink(up);
  graveyard_.push_back(up);
}

void Worker::ReleaseUpstream(Upstream* up, bool reuse) {
  BackendState* backend = up->backend;
  if (!reuse || backend == nullptr ||
      static_cast<int>(backend->idle.size()) >= options_.max_idle_upstreams_per_backend) {
    CloseUpstream(up);
    return;
  }
  up->session = nullptr;
  up->in.Reset();
  up->deadline_ms = now_ms_ + options_.upstream_idle_timeout.count();
  up->idle_since_ms = now_ms_;
  backend->idle.push_back(up);
}

BackendState& Worker::StateFor(const Backend& b) {
  auto it = backends_.find(std::string_view(b.key));
  if (it != backends_.end()) return it->second;
  return backends_.emplace(b.key, BackendState{}).first->second;
}

const Backend* Worker::NextBackend(Session* s) {
  const auto& backends = s->route->backends;
  size_t n = backends.size();
  if (n == 0 || s->attempts >= static_cast<int>(n) || s->attempts >= 64) return nullptr;
  for (size_t i = 0; i < n && i < 64; ++i) {
    size_t idx = (s->rr_start + i) % n;
    if (s->tried & (1ull << idx)) continue;
    if (StateFor(backends[idx]).down_until_ms > now_ms_) continue;
    s->tried |= 1ull << idx;
    ++s->attempts;
    return &backends[idx];
  }
  if (s->attempts == 0) {
    // Every backend is marked down: try one anyway rather than fail without trying.
    size_t idx = s->rr_start % n;
    s->tried |= 1ull << idx;
    ++s->attempts;
    return &backends[idx];
  }
  return nullptr;
}

void Worker::ConnectUpstream(Session* s) {
  for (;;) {
    const Backend* b = NextBackend(s);
    if (b == nullptr) {
      LocalError(s, 502, "bad_gateway",
                 "upstream down: no replica of service " + s->route->service + " in project " +
                     s->route->project + " accepted the connection; try again shortly");
      return;
    }
    if (StartConnect(s, *b, true)) return;
  }
}

namespace {

void BeginExchange(Session* s, Upstream* up) {
  s->up = up;
  up->head_done = false;
  up->bytes_read = 0;
  up->headers.Clear();
  up->in.Reset();
  up->scan.Reset(0);
}

}  // namespace

// Starts an exchange on `b`: a pooled connection when there is one, else a new connect().
// Returns false when the connect failed at once (the backend is marked down).
bool Worker::StartConnect(Session* s, const Backend& b, bool use_pool) {
  BackendState& state = StateFor(b);
  s->backend = &b;
  s->upstream_head_sent = 0;
  if (use_pool && !state.idle.empty() &&
      (s->idempotent || now_ms_ - state.idle.back()->idle_since_ms < kFreshPooledMs)) {
    Upstream* up = state.idle.back();
    state.idle.pop_back();
    up->session = s;
    up->reused = true;
    BeginExchange(s, up);
    s->phase = Phase::kProxy;
    s->deadline_ms = now_ms_ + options_.upstream_timeout.count();
    return true;
  }
  int fd = socket(b.sockaddr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 && (errno == EMFILE || errno == ENFILE) && EvictIdleUpstream()) {
    fd = socket(b.sockaddr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  }
  if (fd < 0) {
    if (now_ms_ - last_fd_warning_ms_ >= 10000) {
      last_fd_warning_ms_ = now_ms_;
      LogError("edge", std::string("socket: ") + std::strerror(errno));
    }
    return false;
  }
  SetNoDelay(fd);
  int rc = connect(fd, reinterpret_cast<const sockaddr*>(&b.sockaddr), b.sockaddr_len);
  if (rc < 0 && errno != EINPROGRESS) {
    close(fd);
    state.down_until_ms = now_ms_ + options_.backend_down.count();
    return false;
  }
  Upstream* up = NewUpstream();
  up->fd = fd;
  up->backend = &state;
  up->session = s;
  up->connecting = rc < 0;
  up->writable = rc == 0;
  up->out_armed = up->connecting;
  epoll_event ev{};
  ev.events = kEvents | (up->connecting ? static_cast<uint32_t>(EPOLLOUT) : 0u);
  ev.data.ptr = up;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  Link(up);
  BeginExchange(s, up);
  s->phase = up->connecting ? Phase::kConnect : Phase::kProxy;
  s->deadline_ms = now_ms_ + (up->connecting ? options_.connect_timeout.count()
                                             : options_.upstream_timeout.count());
  return true;
}

void Worker::ConnectFailed(Session* s) {
  if (s->up) {
    s->up->backend->down_until_ms = now_ms_ + options_.backend_down.count();
    CloseUpstream(s->up);
    s->up = nullptr;
  }
  ConnectUpstream(s);
}

bool Worker::EvictIdleUpstream() {
  Upstream* oldest = nullptr;
  for (auto& [key, state] : backends_) {
    if (!state.idle.empty() &&
        (oldest == nullptr || state.idle.front()->idle_since_ms < oldest->idle_since_ms)) {
      oldest = state.idle.front();
    }
  }
  if (oldest == nullptr) return false;
  CloseUpstream(oldest);
  return true;
}

void Worker::Sweep() {
  // Collect first, then time out: a timeout may close other connections too (a session closes
  // its upstream, often the next one in the list), and Unlink() clears their links, so walking
  // on from a saved `next` followed a null pointer (ink-edge crashed whenever a backend died
  // under a slow request). A connection closed meanwhile has no links and waits in graveyard_.
  std::vector<Connection*> expired;
  for (Connection* c = live_.next; c != &live_; c = c->next) {
    if (c->deadline_ms != 0 && c->deadline_ms <= now_ms_) expired.push_back(c);
  }
  for (Connection* c : expired) {
    if (c->next != nullptr) OnTimeout(c);
  }
}

void Worker::OnTimeout(Connection* c) {
  if (c->kind == Connection::Kind::kUpstream) {
    auto* up = static_cast<Upstream*>(c);
    if (up->session == nullptr) CloseUpstream(up);  // idle too long in the pool
    return;  // in-flight upstreams are timed by their session
  }
  auto* s = static_cast<Session*>(c);
  switch (s->phase) {
    case Phase::kReadHead:
      if (s->in.end == 0) {
        CloseSession(s);
      } else {
        LocalError(s, 408, "request_timeout", "the request head did not arrive in time");
        s->close_after = true;
        Drive(s);
      }
      break;
    case Phase::kConnect:
      ConnectFailed(s);
      Drive(s);
      break;
    case Phase::kProxy:
      if (s->response_started || !s->out.empty() || (s->up != nullptr && s->up->head_done)) {
        CloseSession(s);  // a response is under way: all we can do is cut it short
      } else if (WaitingForRequestBody(s)) {
        LocalError(s, 408, "request_timeout",
                   "the request body stopped arriving (nothing for " +
                       std::to_string(options_.body_timeout.count() / 1000) + " s)");
        Drive(s);
      } else {
        LocalError(s, 504, "upstream_timeout",
                   "the upstream of service " + s->route->service + " did not answer in time");
        Drive(s);
      }
      break;
    default:
      CloseSession(s);
  }
}

}  // namespace ink::edge::internal
