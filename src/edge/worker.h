// Internal to ink-edge: one worker thread's event loop and its connection state machines.
//
// A Worker owns an epoll instance, its own SO_REUSEPORT listening socket, every client
// connection (Session) it accepted, and a pool of upstream connections per backend with passive
// health marks. All of it is touched only by the worker's thread; the only cross-thread inputs
// are the RouteTableHolder (polled lock-free, fetched under its mutex only when the generation
// changes) and RequestStop (an eventfd write); the only cross-thread output is its
// WorkerTraffic (traffic.h): per-service request counts that only this thread writes and the
// stats writer reads, one relaxed load+store per counter and no lock per request.
//
// Sockets are non-blocking and edge-triggered; each connection remembers whether it is
// readable/writable until a call returns EAGAIN, and Drive() makes all the progress it can.
// EPOLLOUT is in the interest set only while a write is blocked (or a connect is pending):
// leaving it on would wake the loop for every ACK. Bodies are forwarded raw from the input buffer
// they were read into (the framing, Content-Length or chunked, is passed through unchanged while
// the strict parser of http1.h checks it and tracks where each message ends), so a large body
// never needs more than one buffer per direction: when the peer cannot take more, we stop reading
// (back-pressure). Only bytes the parser has accepted are ever forwarded.
//
// Deadlines (one per connection, checked by a sweep every 250 ms): the whole request head from
// accept or from its first byte (header_timeout), the idle time between keep-alive requests,
// progress of the request body (body_timeout) and of the upstream's answer (upstream_timeout).
//
// TLS (tls.h): a worker may own a second listener whose connections start in Phase::kHandshake
// with a non-blocking SSL on the same socket and the same loop; once the handshake is done the
// session runs the very same exchange code, reading and writing through ReadInto/WriteOut, which
// go through SSL_read/SSL_write when the connection has an SSL. OpenSSL may hold decrypted bytes
// the socket no longer signals, so a TLS connection stays `readable` until SSL_read says
// WANT_READ. The SNI callback reads the worker's CertificateSet snapshot, refreshed like the
// route table (generation polled each loop iteration).
#pragma once

#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "client_policy.h"
#include "http1.h"
#include "http_head.h"
#include "ink/edge/edge_server.h"
#include "ink/edge/route_table.h"
#include "ink/edge/certificates.h"
#include "traffic.h"

struct ssl_st;  // OpenSSL's SSL

namespace ink::edge::internal {

// A fixed-capacity byte buffer. [begin, parsed) holds parsed bytes waiting to be forwarded,
// [parsed, end) bytes not parsed yet. While a message head is parsed, begin is the head start.
struct Buffer {
  std::unique_ptr<char[]> data;
  uint32_t capacity = 0, begin = 0, parsed = 0, end = 0;
  void Allocate(size_t bytes);
  void Reset() { begin = parsed = end = 0; }
  uint32_t Forwardable() const { return parsed > begin ? parsed - begin : 0; }
  // Moves [begin, end) to the front. Only between heads (header offsets would move).
  void Compact();
};

// Read-only state every worker of one EdgeServer shares.
struct SharedPolicy {
  const CidrSet* trusted_proxies = nullptr;
  ClientConnectionLimiter* per_client = nullptr;
};

struct Session;
struct Upstream;
struct BackendState;

// Anything registered with epoll.
struct Connection {
  enum class Kind : uint8_t { kListener, kTlsListener, kWake, kClient, kUpstream };
  explicit Connection(Kind k) : kind(k) {}
  Kind kind;
  int fd = -1;
  bool readable = false;
  bool writable = false;
  bool peer_hup = false;       // epoll reported RDHUP/HUP/ERR: read until 0 or an error
  bool out_armed = false;      // EPOLLOUT in the epoll interest set (only while waiting for room)
  ssl_st* ssl = nullptr;       // a TLS client connection (owned; freed by CloseSession)
  bool tls_drained = false;    // TLS: the last recv() left the socket empty (tls.h)
  int64_t deadline_ms = 0;     // 0: none
  Connection* prev = nullptr;  // intrusive list of live connections, for the timeout sweep
  Connection* next = nullptr;
};

struct Upstream : Connection {
  Upstream() : Connection(Kind::kUpstream) {}
  BackendState* backend = nullptr;
  Session* session = nullptr;  // null while idle in the pool
  Buffer in;
  HeadScanner scan;
  HeadInfo head;
  HeaderList headers;
  BodyFramer body;
  bool connecting = false;
  bool reused = false;
  bool keepalive = false;
  bool head_done = false;
  uint64_t bytes_read = 0;  // in the current exchange
  int64_t idle_since_ms = 0;
};

struct BackendState {
  int64_t down_until_ms = 0;
  std::vector<Upstream*> idle;  // LIFO
};

enum class Phase : uint8_t { kHandshake, kReadHead, kConnect, kProxy, kLocal, kTunnel, kClosed };

struct Session : Connection {
  Session() : Connection(Kind::kClient) {}
  Phase phase = Phase::kReadHead;
  Buffer in;
  HeadScanner scan;
  HeadInfo head;
  HeaderList headers;
  BodyFramer body;
  std::string upstream_head;  // rewritten request head (kept until the response starts: retries)
  size_t upstream_head_sent = 0;
  std::string out;  // response head(s) or an error page for the client
  size_t out_sent = 0;
  Upstream* up = nullptr;
  std::shared_ptr<const RouteTable> table;
  const Route* route = nullptr;
  const Backend* backend = nullptr;
  uint32_t rr_start = 0;
  uint64_t tried = 0;  // bit i: backend i tried for this request
  int attempts = 0;
  bool idempotent = false;     // the method may be retried after it reached a backend
  bool retried_stale = false;  // a pooled connection failed and was replaced once
  bool peer_trusted = false;   // the socket peer is in --trusted-proxies
  uint32_t client_slot = ClientConnectionLimiter::kNoSlot;
  bool req_done = false, req_body_sent = false, resp_done = false;
  bool keepalive = false, close_after = false, is_head = false, upgrade = false, http10 = false;
  bool json_errors = false, to_tunnel = false, client_eof = false, upstream_eof = false;
  bool response_started = false;  // bytes of this response went to the client
  bool hsts = false;              // over TLS to a host with its own certificate: send HSTS
  bool lingering = false;         // error sent, write side shut, draining input before close
  bool shut_client = false, shut_upstream = false;  // tunnel half-closes done
  int status = 0;
  int64_t started_us = 0;              // loop clock when the request head was parsed
  ServiceCounters* counters = nullptr;  // the route's service until the request is counted
  char client_ip[48] = {};
  char log_line[256] = {};  // "host METHOD target" when access logging
};

class TlsServerContext;

// The TLS listener of one worker (fd -1: none).
struct TlsListen {
  int fd = -1;
  const TlsServerContext* context = nullptr;
  CertificateSetHolder* certificates = nullptr;
  uint16_t port = 0;  // the bound TLS port, for redirects from plain HTTP
};

class Worker {
 public:
  // `traffic` receives this worker's request counts and must outlive it.
  Worker(const EdgeOptions& options, const SharedPolicy& policy, RouteTableHolder& routes,
         WorkerTraffic& traffic, int listen_fd, int max_sessions, TlsListen tls = {});
  ~Worker();
  // Runs the loop until RequestStop's drain finishes. Call on the worker's own thread.
  void Run();
  // Thread-safe: stop accepting and drain for `drain_ms`.
  void RequestStop(int64_t drain_ms);

 private:
  // worker.cc: loop, accept, timers, pools, backends.
  void OnWake();
  void Accept(Connection* listener);
  void AcceptAll();  // both listeners (after an accept pause)
  // Out of file descriptors: shed one pending connection with the reserve descriptor, or pause
  // accepting briefly, so a full table never spins the loop.
  void OnAcceptExhausted(Connection* listener);
  // Answers `response` and closes; a TLS connection is only closed (no plaintext on it).
  void Refuse(int fd, std::string_view response, bool tls);
  void RefreshRoutes();
  void CloseListeners();
  void Sweep();
  void OnTimeout(Connection* c);
  void Link(Connection* c);
  void Unlink(Connection* c);
  Session* NewSession();
  Upstream* NewUpstream();
  void CloseSession(Session* s);
  void CloseUpstream(Upstream* up);
  void ReleaseUpstream(Upstream* up, bool reuse);
  BackendState& StateFor(const Backend& b);
  const Backend* NextBackend(Session* s);
  void ConnectUpstream(Session* s);  // picks a backend and connects or fails with 502
  bool StartConnect(Session* s, const Backend& b, bool use_pool);
  void ConnectFailed(Session* s);
  bool EvictIdleUpstream();  // closes the longest-idle pooled connection, if any

  // exchange.cc: per-session state machine.
  void Drive(Session* s);
  void UpdateWriteInterest(Connection* c);
  bool StepHandshake(Session* s);
  // Plain HTTP to a host that has a certificate: 308 to https (true). Otherwise false.
  bool RedirectToHttps(Session* s, std::string_view host, std::string_view target);
  // The HSTS header line for this request's responses (s->hsts), else "".
  std::string_view HstsHeader(const Session* s) const;
  bool StepReadHead(Session* s);
  void StartRequest(Session* s);
  bool StepConnect(Session* s);
  bool StepProxy(Session* s);
  bool ParseRequestBody(Session* s);
  void RejectRequest(Session* s, ParseError error);
  bool ReadResponse(Session* s);
  bool ParseResponse(Session* s);
  void OnResponseHead(Session* s);
  void OnResponseComplete(Session* s);
  void UpstreamFailed(Session* s, const char* why);
  void FinishExchange(Session* s);
  void ResetForNextRequest(Session* s);
  bool StepLocal(Session* s);
  bool StepTunnel(Session* s);
  void LocalError(Session* s, int status, const char* code, const std::string& message);
  // Answers `s` with `body` from the edge itself (status 200 etc.).
  void LocalResponse(Session* s, int status, std::string_view content_type, std::string_view body);
  // Starts a local answer (false if the session had to close instead); `close` says whether the
  // connection ends after it. FinishLocal hands the built s->out to StepLocal.
  bool BeginLocal(Session* s, int status, bool* close);
  void FinishLocal(Session* s, bool close);
  // GET/HEAD /.well-known/acme-challenge/<token> with a file of that name in
  // options_.acme_challenge_dir: answered with its content (true). Otherwise false.
  bool AnswerAcmeChallenge(Session* s, std::string_view method, std::string_view target);
  void WriteAccessLog(Session* s);
  // Counts the request in its service's counters (once; nothing without a route or a status).
  void CountRequest(Session* s) {
    if (s->counters == nullptr || s->status == 0) return;
    s->counters->Count(s->status, now_us_ - s->started_us);
    s->counters = nullptr;
  }

  const EdgeOptions& options_;
  SharedPolicy policy_;
  RouteTableHolder& routes_;
  WorkerTraffic& traffic_;
  int reserve_fd_ = -1;  // spare descriptor, closed to shed a connection on EMFILE
  int64_t accept_paused_until_ms_ = 0;
  int64_t last_fd_warning_ms_ = -1000000;
  std::string edge_full_, too_many_from_client_;  // 503 pages sent to refused connections
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  Connection listener_{Connection::Kind::kListener};
  Connection tls_listener_{Connection::Kind::kTlsListener};
  TlsListen tls_;
  uint64_t certificates_generation_ = 0;
  // The snapshot the SNI callback reads (SSL app data points at this member).
  std::shared_ptr<const CertificateSet> certificates_;
  Connection waker_{Connection::Kind::kWake};
  int max_sessions_;
  int sessions_ = 0;
  int64_t now_ms_ = 0;
  int64_t now_us_ = 0;  // the same instant as now_ms_, in microseconds (request latencies)
  int64_t next_sweep_ms_ = 0;
  std::atomic<int64_t> stop_drain_ms_{-1};
  bool stopping_ = false;
  int64_t drain_deadline_ms_ = 0;

  uint64_t table_generation_ = 0;
  std::shared_ptr<const RouteTable> table_;
  std::vector<uint32_t> round_robin_;  // per route index of table_
  std::vector<ServiceCounters*> route_counters_;  // per route index of table_ (null: no id)
  std::unordered_map<std::string, BackendState, StringHash, std::equal_to<>> backends_;

  Connection live_{
      Connection::Kind::kWake};  // sentinel of the intrusive list of live sessions and upstreams
  std::vector<std::unique_ptr<Session>> all_sessions_;
  std::vector<std::unique_ptr<Upstream>> all_upstreams_;
  std::vector<Session*> free_sessions_;
  std::vector<Upstream*> free_upstreams_;
  // Closed this loop iteration; recycled after the epoll batch so stale events find fd == -1.
  std::vector<Connection*> graveyard_;
};

int64_t MonotonicMillis();
// CLOCK_MONOTONIC in microseconds (the worker loop reads it once per wakeup).
int64_t MonotonicMicros();

// The retry rule (RFC 9110 9.2.2): after a failure, may the request go to a backend again?
// Always when none of its bytes reached the backend; otherwise only for an idempotent method,
// when no response byte came back and the request body can still be replayed (none of it has
// been forwarded yet).
// True while a proxied exchange waits on the client for more of its request body (and not on
// the upstream): the body timeout applies then, the upstream timeout otherwise.
bool WaitingForRequestBody(const Session* s);

bool MayRetryRequest(bool request_bytes_sent, bool idempotent, bool response_bytes_received,
                     bool body_bytes_forwarded);

enum class IoResult { kDone, kAgain, kEof, kError };
// recv into [end, capacity) of `c`'s buffer `b`. Clears c->readable on EAGAIN, and also after a
// short read (the socket is drained; edge-triggered epoll reports the next arrival) unless the
// peer hung up, which saves the EAGAIN round trip per message.
IoResult ReadInto(Connection* c, Buffer& b);
// sendmsg (or SSL_write) of head[*head_sent..] then body's forwardable bytes (body may be null)
// to `c`; advances *head_sent and body->begin; clears c->writable on EAGAIN.
IoResult WriteOut(Connection* c, const std::string& head, size_t* head_sent, Buffer* body,
                  size_t* body_written);
// Ends the write side of `c` (close_notify first for TLS).
void ShutdownWrite(Connection* c);

}  // namespace ink::edge::internal
