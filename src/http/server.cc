// HttpServer: the event loop that owns connections between requests and while requests arrive,
// and the pool jobs that admit and serve them. See include/ink/http/server.h for the rules and
// src/http/connection.h for who owns a connection when.
#include "ink/http/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio.hpp>
#include <future>
#include <limits>
#include <list>
#include <mutex>
#include <set>
#include <thread>

#include "ink/common/log.h"
#include "src/http/connection.h"
#include "src/http/request_parser.h"
#include "src/http/worker_pool.h"

namespace ink::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using internal::Connection;
using internal::SteadyClock;
using internal::WorkerPool;
using Phase = Connection::Phase;
using ConnectionPtr = std::shared_ptr<Connection>;

constexpr std::chrono::milliseconds kSweepInterval{100};
// An error answer is sent, then what the client still sends is read and dropped for this long
// (at most kMaxDrainBytes), so that the close does not reset the answer away.
constexpr std::chrono::milliseconds kLingerTime{2000};
constexpr size_t kMaxDrainBytes = 256 << 10;
constexpr int kReadsPerTurn = 4;  // then other connections get the loop

// "10 s", "1.5 s".
std::string Seconds(std::chrono::milliseconds d) {
  std::string out = std::to_string(d.count() / 1000);
  if (d.count() % 1000 != 0) out += "." + std::to_string(d.count() % 1000 / 100);
  return out + " s";
}

class ServerImpl : public HttpServer {
 public:
  ServerImpl(ServerOptions options, Handler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        acceptor_(io_),
        sweep_(io_),
        accept_retry_(io_),
        work_(asio::make_work_guard(io_)),
        pool_(WorkerPool::Limits{.max_short = options_.max_requests,
                                 .max_long = options_.max_long_requests,
                                 .long_after = options_.long_request_after,
                                 .max_queued = options_.max_queued_requests}) {}

  ~ServerImpl() override { Stop(); }

  Status Bind();

  int port() const override { return bound_.port(); }
  std::string host() const override { return bound_.address().to_string(); }
  void Stop() override;
  Stats stats() const override {
    auto counts = pool_.counts();
    return {pending_count_.load(), authenticated_count_.load(),
            counts.short_running,  counts.long_running,
            counts.queued,         evicted_.load(),
            timed_out_.load()};
  }

 private:
  // ---- On the loop thread ----
  void StartAccept();
  void OnAccepted(tcp::socket socket);
  void ReadMore(const ConnectionPtr& c);
  bool Process(const ConnectionPtr& c);  // false once `c` left the loop (handed off, closing)
  bool ProcessHead(const ConnectionPtr& c);
  bool ProcessBody(const ConnectionPtr& c);
  void Dispatch(const ConnectionPtr& c,
                void (ServerImpl::*job)(const ConnectionPtr&, WorkerPool::Job&));
  void Resume(const ConnectionPtr& c);
  void Reject(const ConnectionPtr& c, int status, const std::string& message);
  void StartClosing(const ConnectionPtr& c, std::shared_ptr<std::string> response);
  void CloseNow(const ConnectionPtr& c);
  void MakeRoom(bool authenticated);
  void EvictOne(bool authenticated);
  void Sweep();
  void List(const ConnectionPtr& c, Phase phase, SteadyClock::time_point deadline);
  void Unlist(const ConnectionPtr& c);

  // ---- On pool threads ----
  void AdmitAndServe(const ConnectionPtr& c, WorkerPool::Job& job);
  void Serve(const ConnectionPtr& c, WorkerPool::Job& job);
  void RespondAndClose(const ConnectionPtr& c, const std::string& response);
  void HandBack(const ConnectionPtr& c, bool keep_alive);

  const ServerOptions options_;
  const Handler handler_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::steady_timer sweep_;
  asio::steady_timer accept_retry_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  tcp::endpoint bound_;
  std::thread loop_;
  mutable WorkerPool pool_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<int> pending_count_{0};
  std::atomic<int> authenticated_count_{0};
  std::atomic<uint64_t> evicted_{0}, timed_out_{0};

  // Loop thread only: connections the loop owns, oldest listed first, and how many of them
  // have not authenticated (the rest: authenticated_count_).
  std::list<ConnectionPtr> pending_;
  int strangers_ = 0;
  char scratch_[65536];

  std::mutex handlers_mu_;             // guards in_handlers_
  std::set<Connection*> in_handlers_;  // connections a pool thread owns (Stop shuts them down)
};

Status ServerImpl::Bind() {
  std::string host = options_.listen;
  size_t colon = host.rfind(':');
  if (colon == std::string::npos) {
    return InvalidArgument("listen address '" + options_.listen + "' needs a port: HOST:PORT");
  }
  std::string port_text = host.substr(colon + 1);
  host = host.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = -1;
  try {
    port = std::stoi(port_text);
  } catch (...) {
  }
  if (port < 0 || port > 65535) {
    return InvalidArgument("listen port '" + port_text + "' is not a number in 0-65535");
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return InvalidArgument("listen host '" + host + "' is not an IP address");
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Unavailable("cannot listen on " + options_.listen + ": " + ec.message());
  bound_ = acceptor_.local_endpoint();
  StartAccept();
  Sweep();
  loop_ = std::thread([this] { io_.run(); });
  return {};
}

void ServerImpl::Stop() {
  if (stopped_.exchange(true)) return;
  stopping_ = true;
  if (!loop_.joinable()) return;  // never started
  std::promise<void> closed;
  asio::post(io_, [this, &closed] {
    boost::system::error_code ec;
    acceptor_.close(ec);
    sweep_.cancel();
    accept_retry_.cancel();
    // A copy: CloseNow erases the list's element, which a reference to it would not outlive
    // (as in Sweep and EvictOne, callers never pass pending_'s own element).
    while (!pending_.empty()) CloseNow(ConnectionPtr(pending_.front()));
    closed.set_value();
  });
  closed.get_future().wait();
  {
    // Blocked reads and writes of running handlers fail now; the handlers return.
    std::lock_guard lock(handlers_mu_);
    for (Connection* c : in_handlers_) ::shutdown(c->fd(), SHUT_RDWR);
  }
  pool_.Stop();
  // Connections handed back meanwhile are closed by the loop (stopping_); then it ends.
  asio::post(io_, [this] {
    // A copy: CloseNow erases the list's element, which a reference to it would not outlive
    // (as in Sweep and EvictOne, callers never pass pending_'s own element).
    while (!pending_.empty()) CloseNow(ConnectionPtr(pending_.front()));
    work_.reset();
    io_.stop();
  });
  loop_.join();
}

void ServerImpl::StartAccept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopping_) return;
    if (ec) {
      // Out of descriptors (or another accept failure): free a pending slot and pause, so that
      // a full descriptor table never makes the loop spin.
      if (ec.value() == EMFILE || ec.value() == ENFILE) {
        LogWarn("http", "out of file descriptors accepting a connection; closing the oldest");
        EvictOne(strangers_ == 0);
      }
      accept_retry_.expires_after(std::chrono::milliseconds(50));
      accept_retry_.async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec && !stopping_) StartAccept();
      });
      return;
    }
    OnAccepted(std::move(socket));
    StartAccept();
  });
}

void ServerImpl::OnAccepted(tcp::socket socket) {
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  socket.set_option(tcp::no_delay(true), ec);
  auto c = std::make_shared<Connection>(std::move(socket));
  c->remote_address = c->socket.remote_endpoint(ec).address().to_string();
  MakeRoom(false);
  auto now = SteadyClock::now();
  c->phase_start = now;
  List(c, Phase::kIdle, now + options_.head_timeout);  // a fresh connection: its first head
  ReadMore(c);
}

void ServerImpl::List(const ConnectionPtr& c, Phase phase, SteadyClock::time_point deadline) {
  Unlist(c);
  c->phase = phase;
  c->deadline = deadline;
  c->where = pending_.insert(pending_.end(), c);
  c->listed = true;
  ++pending_count_;
  if (c->authenticated) {
    ++authenticated_count_;
  } else {
    ++strangers_;
  }
}

void ServerImpl::Unlist(const ConnectionPtr& c) {
  if (!c->listed) return;
  pending_.erase(c->where);
  c->listed = false;
  --pending_count_;
  if (c->authenticated) {
    --authenticated_count_;
  } else {
    --strangers_;
  }
}

// Reads what the socket holds (a few reads per turn), then waits for more. Always reads before
// waiting: bytes that arrived while a handler owned the connection raised no readiness event.
void ServerImpl::ReadMore(const ConnectionPtr& c) {
  for (int round = 0; round < kReadsPerTurn; ++round) {
    if (!c->socket.is_open() || !c->listed) return;
    ssize_t n = ::recv(c->fd(), scratch_, sizeof scratch_, 0);
    if (n > 0) {
      if (c->phase == Phase::kClosing) {
        c->drained += static_cast<size_t>(n);
        if (c->drained > kMaxDrainBytes) return CloseNow(c);
        continue;
      }
      c->in.append(scratch_, static_cast<size_t>(n));
      if (!Process(c)) return;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (c->waiting) return;  // a wait is armed already (e.g. before an error answer)
      c->waiting = true;
      c->socket.async_wait(tcp::socket::wait_read, [this, c](boost::system::error_code ec) {
        c->waiting = false;
        if (!ec) ReadMore(c);
      });
      return;
    }
    return CloseNow(c);  // the client closed (or reset) the connection
  }
  asio::post(io_, [this, c] { ReadMore(c); });
}

bool ServerImpl::Process(const ConnectionPtr& c) {
  if (c->phase == Phase::kIdle) {
    if (c->in.empty()) return true;
    auto now = SteadyClock::now();
    // The head deadline runs from the first byte, or for a fresh connection from its start.
    List(c, Phase::kHead, c->fresh ? c->deadline : now + options_.head_timeout);
    c->phase_start = now;
  }
  if (c->phase == Phase::kHead) return ProcessHead(c);
  if (c->phase == Phase::kBody) return ProcessBody(c);
  return true;
}

bool ServerImpl::ProcessHead(const ConnectionPtr& c) {
  // Parse only once a line end arrived: a head that dribbles in byte by byte costs one parse
  // per line, not one per byte.
  if (c->in.find('\n', c->scanned) == std::string::npos &&
      c->in.size() <= options_.max_header_bytes) {
    c->scanned = c->in.size();
    return true;
  }
  auto parsed = internal::ParseRequestHead(c->in, {.max_bytes = options_.max_header_bytes});
  if (parsed.state == internal::HeadParse::State::kIncomplete) {
    c->scanned = c->in.size();
    return true;
  }
  if (parsed.state == internal::HeadParse::State::kFailed) {
    Reject(c, parsed.failure.status, parsed.failure.message);
    return false;
  }
  c->in.erase(0, parsed.size);
  c->scanned = 0;
  c->fresh = false;
  c->head = std::move(parsed.head);
  ServerRequest& r = c->request;
  r = ServerRequest{};
  r.method = c->head.method;
  r.target = c->head.target;
  std::string_view target = r.target;
  size_t query = target.find('?');
  r.path = internal::UrlDecode(target.substr(0, query), false);
  if (query != std::string_view::npos) internal::ParseQuery(target.substr(query + 1), r.query);
  for (auto& [name, value] : c->head.fields) {
    auto [it, fresh] = r.headers.emplace(name, value);
    if (!fresh) it->second += ", " + value;  // a repeated field is one comma-separated list
  }
  r.remote_address = c->remote_address;
  Dispatch(c, &ServerImpl::AdmitAndServe);
  return false;
}

bool ServerImpl::ProcessBody(const ConnectionPtr& c) {
  size_t used = c->decoder.DecodeAppend(c->in, &c->request.body);
  c->in.erase(0, used);
  if (c->decoder.state() == internal::BodyDecoder::State::kFailed) {
    Reject(c, c->decoder.failure().status, c->decoder.failure().message);
    return false;
  }
  if (c->decoder.state() == internal::BodyDecoder::State::kDone) {
    Dispatch(c, &ServerImpl::Serve);
    return false;
  }
  return true;
}

void ServerImpl::Dispatch(const ConnectionPtr& c,
                          void (ServerImpl::*job)(const ConnectionPtr&, WorkerPool::Job&)) {
  Unlist(c);
  c->phase = Phase::kHandler;
  {
    std::lock_guard lock(handlers_mu_);
    in_handlers_.insert(c.get());
  }
  bool queued = pool_.Submit([this, c, job](WorkerPool::Job& j) { (this->*job)(c, j); });
  if (!queued) {
    {
      std::lock_guard lock(handlers_mu_);
      in_handlers_.erase(c.get());
    }
    Reject(c, 503, "inkd is busy (too many requests waiting for a handler); retry shortly");
  }
}

// A handler is done and the connection may carry another request.
void ServerImpl::Resume(const ConnectionPtr& c) {
  MakeRoom(c->authenticated);
  auto now = SteadyClock::now();
  c->phase_start = now;
  c->scanned = 0;
  List(c, Phase::kIdle, now + options_.idle_timeout);
  if (!c->in.empty() && !Process(c)) return;  // a pipelined request was already here
  ReadMore(c);
}

void ServerImpl::Reject(const ConnectionPtr& c, int status, const std::string& message) {
  StartClosing(c, std::make_shared<std::string>(internal::ErrorResponse(status, message)));
}

// Sends `response` (if any), stops sending, and reads what the client still sends for a short
// while before closing: closing with unread bytes would reset the connection, and a reset can
// destroy the answer before the client reads it.
void ServerImpl::StartClosing(const ConnectionPtr& c, std::shared_ptr<std::string> response) {
  c->drained = 0;
  c->in.clear();
  c->in.shrink_to_fit();
  c->request = ServerRequest{};
  List(c, Phase::kClosing, SteadyClock::now() + kLingerTime);
  auto linger = [this, c] {
    boost::system::error_code ec;
    c->socket.shutdown(tcp::socket::shutdown_send, ec);
    ReadMore(c);
  };
  if (!response) return linger();
  asio::async_write(c->socket, asio::buffer(*response),
                    [this, c, response, linger](boost::system::error_code ec, size_t) {
                      if (ec) return CloseNow(c);
                      linger();
                    });
}

void ServerImpl::CloseNow(const ConnectionPtr& c) {
  Unlist(c);
  boost::system::error_code ec;
  c->socket.close(ec);
}

// Called before a connection (not listed) joins the pending list: keeps its class (strangers or
// authenticated connections) under its cap.
void ServerImpl::MakeRoom(bool authenticated) {
  if (authenticated ? authenticated_count_.load() >= options_.max_authenticated_connections
                    : strangers_ >= options_.max_pending_connections) {
    EvictOne(authenticated);
  }
}

// Closes one connection of a class (authenticated or not; the other if the class has none):
// the oldest closing one, else the oldest idle one, else the request that has been arriving the
// longest (the slowest client).
void ServerImpl::EvictOne(bool authenticated) {
  if (pending_.empty()) return;
  if (authenticated ? authenticated_count_.load() == 0 : strangers_ == 0) {
    authenticated = !authenticated;
  }
  ConnectionPtr closing, idle, oldest;
  for (const auto& c : pending_) {
    if (c->authenticated != authenticated) continue;
    if (!oldest) oldest = c;
    if (c->phase == Phase::kClosing) {
      closing = c;
      break;
    }
    if (!idle && c->phase == Phase::kIdle) idle = c;
  }
  ConnectionPtr victim = closing ? closing : idle;
  if (!victim) {
    victim = oldest;
    std::string busy = internal::ErrorResponse(
        503, "inkd has too many connections sending requests; this one was the slowest");
    (void)::send(victim->fd(), busy.data(), busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  ++evicted_;
  CloseNow(victim);
}

void ServerImpl::Sweep() {
  auto now = SteadyClock::now();
  for (auto it = pending_.begin(); it != pending_.end();) {
    ConnectionPtr c = *it++;  // Reject and CloseNow move or remove `c`
    auto deadline = c->phase == Phase::kBody
                        ? internal::BodyDeadline(c->phase_start, c->decoder.payload_bytes(),
                                                 options_.body_timeout, options_.min_body_rate)
                        : c->deadline;
    if (now < deadline) continue;
    if (c->phase == Phase::kHead) {
      ++timed_out_;
      Reject(c, 408,
             "the request head did not arrive within " + Seconds(options_.head_timeout) +
                 "; send the whole head at once");
    } else if (c->phase == Phase::kBody) {
      ++timed_out_;
      Reject(c, 408,
             "the request body arrived too slowly (it must arrive within " +
                 Seconds(options_.body_timeout) + " plus 1 s per " +
                 std::to_string(options_.min_body_rate >> 10) + " KiB)");
    } else {
      if (c->phase == Phase::kIdle && c->fresh) ++timed_out_;
      CloseNow(c);  // idle past its time, or done lingering
    }
  }
  pool_.Promote(now);
  sweep_.expires_after(kSweepInterval);
  sweep_.async_wait([this](boost::system::error_code ec) {
    if (!ec) Sweep();
  });
}

void ServerImpl::AdmitAndServe(const ConnectionPtr& c, WorkerPool::Job& job) {
  if (job.waited() > options_.queue_timeout) {
    return RespondAndClose(
        c, internal::ErrorResponse(503, "inkd is busy: the request waited more than " +
                                            Seconds(options_.queue_timeout) +
                                            " for a handler; retry shortly"));
  }
  Admission admission;
  try {
    admission =
        options_.admit ? options_.admit(c->request) : Admission::Read(options_.max_body_bytes);
  } catch (const std::exception& e) {
    LogError("http", std::string("admission threw: ") + e.what());
    return RespondAndClose(c, internal::ErrorResponse(500, "internal error; see inkd's log"));
  }
  if (admission.reject_status != 0) {
    // The body (if any) is never read; the connection closes after the answer.
    std::string out =
        internal::ResponseHead(admission.reject_status, admission.reject_headers, false) +
        "Content-Length: " + std::to_string(admission.reject_body.size()) + "\r\n\r\n";
    if (c->head.method != "HEAD") out += admission.reject_body;
    return RespondAndClose(c, out);
  }
  c->request.context = std::move(admission.context);
  c->authenticated = c->authenticated || admission.authenticated;
  c->stream_body = admission.body == Admission::Body::kStream;
  c->decoder = internal::BodyDecoder(
      c->head, c->stream_body ? std::numeric_limits<uint64_t>::max() : admission.max_body_bytes);
  if (c->decoder.state() == internal::BodyDecoder::State::kFailed) {
    return RespondAndClose(
        c, internal::ErrorResponse(c->decoder.failure().status, c->decoder.failure().message));
  }
  if (c->head.expect_continue && c->head.has_body()) {
    (void)internal::SendAll(c->fd(), "HTTP/1.1 100 Continue\r\n\r\n", options_.write_timeout);
  }
  if (c->stream_body) return Serve(c, job);
  if (c->head.has_body()) {
    size_t used = c->decoder.DecodeAppend(c->in, &c->request.body);
    c->in.erase(0, used);
    if (c->decoder.state() == internal::BodyDecoder::State::kFailed) {
      return RespondAndClose(
          c, internal::ErrorResponse(c->decoder.failure().status, c->decoder.failure().message));
    }
    if (c->decoder.state() != internal::BodyDecoder::State::kDone) {
      // The rest of the body arrives on the loop, under its deadline, holding no thread.
      asio::post(io_, [this, c] {
        {
          std::lock_guard lock(handlers_mu_);
          in_handlers_.erase(c.get());
        }
        if (stopping_) return CloseNow(c);
        MakeRoom(c->authenticated);
        c->phase_start = SteadyClock::now();
        List(c, Phase::kBody, c->phase_start);
        if (ProcessBody(c)) ReadMore(c);
      });
      return;
    }
  }
  Serve(c, job);
}

void ServerImpl::Serve(const ConnectionPtr& c, WorkerPool::Job& job) {
  internal::BodyReader reader(*c, options_.body_timeout, options_.min_body_rate);
  if (c->stream_body) {
    c->request.read_body = [&reader](char* buffer, size_t size) {
      return reader.Read(buffer, size);
    };
  }
  bool keep_alive = c->head.keep_alive && !c->stream_body && !stopping_;
  internal::ConnectionWriter writer(c->fd(), keep_alive, c->head.method == "HEAD",
                                    options_.write_timeout, [&job] { return job.BecomeLong(); });
  // A handler bug must cost one request, not the process: an exception that escapes (e.g.
  // nlohmann's type_error for invalid UTF-8, which once ended inkd on `GET /v1/health?%FF=1`)
  // is logged and answered with a 500, and the connection closes.
  bool threw = false;
  try {
    handler_(c->request, writer);
  } catch (const std::exception& e) {
    threw = true;
    LogError("http", std::string("handler of ") + c->request.method + " " +
                         c->request.path.substr(0, 200) + " threw: " + e.what());
  } catch (...) {
    threw = true;
    LogError("http", "handler of " + c->request.method + " " + c->request.path.substr(0, 200) +
                         " threw a non-standard exception");
  }
  writer.Finish();
  c->request = ServerRequest{};  // drops read_body (it points at `reader`) and the body
  HandBack(c, !threw && writer.keep_alive() &&
                  c->decoder.state() == internal::BodyDecoder::State::kDone);
}

void ServerImpl::RespondAndClose(const ConnectionPtr& c, const std::string& response) {
  (void)internal::SendAll(c->fd(), response, options_.write_timeout);
  HandBack(c, false);
}

// Gives the connection back to the loop: to wait for the next request, or to close.
void ServerImpl::HandBack(const ConnectionPtr& c, bool keep_alive) {
  asio::post(io_, [this, c, keep_alive] {
    {
      std::lock_guard lock(handlers_mu_);
      in_handlers_.erase(c.get());
    }
    if (stopping_ || !c->socket.is_open()) return CloseNow(c);
    if (keep_alive) return Resume(c);
    StartClosing(c, nullptr);
  });
}

}  // namespace

std::string ServerRequest::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

Admission Admission::Read(size_t max_body_bytes, std::any context) {
  Admission a;
  a.max_body_bytes = max_body_bytes;
  a.authenticated = context.has_value();
  a.context = std::move(context);
  return a;
}

Admission Admission::Stream(std::any context) {
  Admission a;
  a.body = Body::kStream;
  a.authenticated = context.has_value();
  a.context = std::move(context);
  return a;
}

Admission Admission::Reject(int status, std::map<std::string, std::string> headers,
                            std::string body) {
  Admission a;
  a.reject_status = status;
  a.reject_headers = std::move(headers);
  a.reject_body = std::move(body);
  return a;
}

std::string UrlDecode(std::string_view s, bool plus_is_space) {
  return internal::UrlDecode(s, plus_is_space);
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const ServerOptions& options,
                                                      Handler handler) {
  auto server = std::make_unique<ServerImpl>(options, std::move(handler));
  auto status = server->Bind();
  if (!status.ok()) return status.error();
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace ink::http
