#include "ink/mcp/http_endpoint.h"

#include <strings.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "ink/auth/authenticate.h"
#include "ink/common/log.h"
#include "ink/common/names.h"
#include "src/mcp/sse.h"

namespace ink::mcp {
namespace {

using SteadyClock = std::chrono::steady_clock;
using internal::Stream;

struct HttpSession {
  std::string id;
  std::string token_id;
  Session protocol;
  std::mutex mu;               // guards everything below
  std::condition_variable cv;  // a stream got an event or ended, or the session closed
  std::map<int, std::shared_ptr<Stream>> streams;
  int next_stream = 1;
  std::shared_ptr<Stream> standalone;  // the GET stream, once opened
  bool closed = false;
  int running = 0;  // tool threads in flight
  SteadyClock::time_point last_used = SteadyClock::now();

  HttpSession(std::string session_id, const Caller& caller)
      : id(std::move(session_id)), token_id(caller.token_id), protocol(caller) {}
};

const std::map<std::string, std::string> kJsonHeaders = {{"Content-Type", "application/json"}};
constexpr const char* kMetadataPath = "/.well-known/oauth-protected-resource";

bool ContainsToken(const std::string& header, const char* token) {
  return strcasestr(header.c_str(), token) != nullptr;
}

// "http://127.0.0.1:7070" from the Host header, keeping only characters a host may hold.
std::string BaseUrl(const http::ServerRequest& request) {
  std::string host = request.header("host");
  bool ok = !host.empty() && host.size() <= 255;
  for (char c : host) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
                c == '[' || c == ']');
  }
  return "http://" + (ok ? host : std::string("localhost"));
}

// True for origins of this machine: http(s)://localhost, 127.0.0.0/8 or [::1], any port.
bool IsLoopbackOrigin(const std::string& origin) {
  size_t scheme = origin.find("://");
  if (scheme == std::string::npos) return false;
  std::string s = origin.substr(0, scheme);
  if (strcasecmp(s.c_str(), "http") != 0 && strcasecmp(s.c_str(), "https") != 0) return false;
  std::string host = origin.substr(scheme + 3);
  if (host.find('/') != std::string::npos) return false;
  if (host.rfind("[::1]", 0) == 0) return host.size() == 5 || host[5] == ':';
  host = host.substr(0, host.find(':'));
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (host == "localhost") return true;
  if (host.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (!std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return dots == 3;
}

class DroppingContext : public RequestContext {
 public:
  void Notify(const Json&) override {}
};

}  // namespace

struct McpHttpEndpoint::Impl {
  const Dispatcher& dispatcher;
  Authenticator authenticate;
  HttpEndpointOptions options;

  mutable std::mutex mu;  // guards sessions, shutting_down, workers
  std::condition_variable workers_done;
  std::map<std::string, std::shared_ptr<HttpSession>> sessions;
  bool shutting_down = false;
  int workers = 0;

  Impl(const Dispatcher& d, Authenticator a, HttpEndpointOptions o)
      : dispatcher(d), authenticate(std::move(a)), options(std::move(o)) {}

  // Sends a JSON-RPC error with an HTTP status (transport-level failures have no request id).
  static void SendError(http::ResponseWriter& w, int status, int code, const std::string& message,
                        std::map<std::string, std::string> headers = kJsonHeaders) {
    w.Send(status, headers, Serialize(ErrorResponse(nullptr, code, message)) + "\n");
  }

  // The answer to a request whose token did not authenticate: 401 with the challenge that points
  // to the protected-resource metadata (503 if the token store failed).
  http::Admission Refusal(const http::ServerRequest& request, const Error& error) const {
    auto headers = kJsonHeaders;
    headers["WWW-Authenticate"] =
        "Bearer resource_metadata=\"" + BaseUrl(request) + kMetadataPath + options.path + "\"";
    int status = error.code == ErrorCode::kUnauthenticated ? 401 : 503;
    return http::Admission::Reject(
        status, headers, Serialize(ErrorResponse(nullptr, kServerError, error.message)) + "\n");
  }

  void ServeMetadata(const http::ServerRequest& request, http::ResponseWriter& w) {
    if (request.method != "GET" && request.method != "HEAD") {
      return SendError(w, 405, kInvalidRequest, "use GET", {{"Allow", "GET"}});
    }
    Json doc = {{"resource", BaseUrl(request) + options.path},
                {"resource_name", "Ink"},
                {"bearer_methods_supported", {"header"}}};
    w.Send(200, kJsonHeaders, doc.dump() + "\n");
  }

  std::shared_ptr<HttpSession> FindSession(const std::string& id, const Caller& caller) {
    std::lock_guard lock(mu);
    auto it = sessions.find(id);
    // A session belongs to the token that opened it; to any other token it does not exist.
    if (it == sessions.end() || it->second->token_id != caller.token_id) return nullptr;
    return it->second;
  }

  static void Close(HttpSession& session) {
    session.protocol.CancelAll();
    std::lock_guard lock(session.mu);
    session.closed = true;
    for (auto& [n, stream] : session.streams) stream->done = true;
    if (session.standalone) session.standalone->done = true;
    session.cv.notify_all();
  }

  // Drops sessions idle past the limit (nothing running or attached). Called with mu held.
  void SweepLocked() {
    auto now = SteadyClock::now();
    for (auto it = sessions.begin(); it != sessions.end();) {
      auto& s = *it->second;
      bool idle;
      {
        std::lock_guard lock(s.mu);
        bool attached = s.standalone && s.standalone->attached;
        for (auto& [n, stream] : s.streams) attached = attached || stream->attached;
        idle = s.running == 0 && !attached && now - s.last_used > options.session_idle;
      }
      if (idle) {
        Close(s);
        it = sessions.erase(it);
      } else {
        ++it;
      }
    }
  }

  void Touch(HttpSession& session) {
    std::lock_guard lock(session.mu);
    session.last_used = SteadyClock::now();
  }

  // Writes the stream's events after `after` to `w` as they come, with keep-alive comments,
  // until the stream ends (all delivered), the session closes or the client goes away.
  void Pump(HttpSession& session, Stream& stream, uint64_t after, http::ResponseWriter& w) {
    std::unique_lock lock(session.mu);
    const uint64_t me = stream.writer;
    while (stream.writer == me) {
      std::string out;
      for (const auto& event : stream.events) {
        if (event.seq <= after) continue;
        out += internal::FormatEvent(stream.number, event);
        after = event.seq;
      }
      if (!out.empty()) {
        lock.unlock();
        bool alive = w.Write(out);
        lock.lock();
        if (!alive) break;
        continue;
      }
      if (stream.done || session.closed) break;
      uint64_t seen = stream.next_seq;
      bool woke = session.cv.wait_for(lock, options.keepalive, [&] {
        return stream.next_seq != seen || stream.done || session.closed || stream.writer != me;
      });
      if (!woke) {
        lock.unlock();
        bool alive = w.Write(": keep-alive\n\n");
        lock.lock();
        if (!alive) break;
      }
    }
    if (stream.writer == me) stream.attached = false;  // else a resumed connection owns it
    session.last_used = SteadyClock::now();
  }

  static void Publish(HttpSession& session, Stream& stream, std::string data, size_t keep) {
    std::lock_guard lock(session.mu);
    if (stream.done) return;
    stream.events.push_back({stream.next_seq++, std::move(data)});
    while (stream.events.size() > keep) stream.events.pop_front();
    session.cv.notify_all();
  }

  // Opens a new stream (with its priming event) attached to the caller's connection.
  std::shared_ptr<Stream> NewStream(HttpSession& session, bool standalone) {
    std::lock_guard lock(session.mu);
    // Keep the newest streams for resumption; drop ended, unattached ones beyond the limit.
    for (auto it = session.streams.begin();
         it != session.streams.end() &&
         static_cast<int>(session.streams.size()) >= options.max_streams_per_session;) {
      if (it->second->done && !it->second->attached) {
        it = session.streams.erase(it);
      } else {
        ++it;
      }
    }
    if (static_cast<int>(session.streams.size()) >= options.max_streams_per_session) {
      return nullptr;
    }
    auto stream = std::make_shared<Stream>();
    stream->number = session.next_stream++;
    stream->standalone = standalone;
    stream->attached = true;
    stream->events.push_back({stream->next_seq++, ""});  // priming: lets the client resume
    session.streams[stream->number] = stream;
    if (standalone) session.standalone = stream;
    return stream;
  }

  std::map<std::string, std::string> SseHeaders(const HttpSession& session) {
    return {{"Content-Type", "text/event-stream"},
            {"Cache-Control", "no-cache"},
            {"X-Accel-Buffering", "no"},
            {"Mcp-Session-Id", session.id}};
  }

  // Runs `request` on its own thread and streams its notifications and response as SSE.
  void StreamRequest(std::shared_ptr<HttpSession> session, const Message& request,
                     http::ResponseWriter& w) {
    auto stream = NewStream(*session, false);
    if (!stream) {
      return SendError(w, 503, kServerError,
                       "this session has too many open streams; wait for some calls to finish");
    }
    {
      std::lock_guard lock(mu);
      if (shutting_down) {
        stream->done = true;
        return SendError(w, 503, kServerError, "inkd is shutting down; retry shortly");
      }
      ++workers;
    }
    {
      std::lock_guard lock(session->mu);
      ++session->running;
    }
    std::thread([this, session, stream, request] {
      class StreamContext : public RequestContext {
       public:
        StreamContext(Impl& impl, HttpSession& s, Stream& st) : impl_(impl), s_(s), st_(st) {}
        void Notify(const Json& n) override {
          Publish(s_, st_, Serialize(n), impl_.options.replay_events);
        }

       private:
        Impl& impl_;
        HttpSession& s_;
        Stream& st_;
      } context(*this, *session, *stream);
      Json response = dispatcher.HandleRequest(session->protocol, request, context);
      if (!response.is_null()) {
        Publish(*session, *stream, Serialize(response), options.replay_events);
      }
      {
        std::lock_guard lock(session->mu);
        stream->done = true;
        --session->running;
        session->cv.notify_all();
      }
      std::lock_guard lock(mu);
      --workers;
      workers_done.notify_all();
    }).detach();
    if (w.StartStream(200, SseHeaders(*session))) {
      Pump(*session, *stream, 0, w);
    } else {
      std::lock_guard lock(session->mu);
      stream->attached = false;
    }
  }

  void Post(const http::ServerRequest& request, const Caller& caller, http::ResponseWriter& w) {
    std::string content_type = request.header("content-type");
    if (strncasecmp(content_type.c_str(), "application/json", 16) != 0) {
      return SendError(w, 415, kInvalidRequest,
                       "send the JSON-RPC message with Content-Type: application/json");
    }
    std::string accept = request.header("accept");
    bool any = accept.empty() || ContainsToken(accept, "*/*");
    bool accepts_json = any || ContainsToken(accept, "application/json");
    bool accepts_sse = any || ContainsToken(accept, "text/event-stream");
    if (!accepts_json && !accepts_sse) {
      return SendError(w, 406, kInvalidRequest,
                       "Accept must include application/json and text/event-stream");
    }
    auto body = ParseJson(request.body);
    if (!body.ok()) {
      return SendError(w, 400, kParseError, "Parse error: " + body.error().message);
    }
    if (body->is_array()) {
      return SendError(w, 400, kInvalidRequest,
                       "JSON-RPC batches are not supported (MCP 2025-06-18 and later): send one "
                       "message per POST");
    }
    auto message = ParseMessage(*body);
    if (!message.ok()) {
      Json id = body->is_object() && body->contains("id") &&
                        ((*body)["id"].is_string() || (*body)["id"].is_number_integer())
                    ? (*body)["id"]
                    : Json();
      w.Send(400, kJsonHeaders,
             Serialize(ErrorResponse(id, kInvalidRequest,
                                     "Invalid Request: " + message.error().message)) +
                 "\n");
      return;
    }
    std::string session_id = request.header("mcp-session-id");
    if (message->kind == Message::Kind::kRequest && message->method == "initialize") {
      if (!session_id.empty()) {
        return SendError(w, 400, kInvalidRequest,
                         "initialize starts a new session: send it without Mcp-Session-Id");
      }
      return Initialize(*message, caller, w);
    }
    std::string version = request.header("mcp-protocol-version");
    if (!version.empty() && !IsSupportedProtocolVersion(version)) {
      return SendError(w, 400, kInvalidRequest,
                       "Unsupported MCP-Protocol-Version '" + version.substr(0, 32) +
                           "'; supported: 2025-11-25, 2025-06-18, 2025-03-26");
    }
    if (session_id.empty()) {
      return SendError(w, 400, kInvalidRequest,
                       "Mcp-Session-Id header is required: send initialize first and echo the "
                       "session id it returns");
    }
    auto session = FindSession(session_id, caller);
    if (!session) {
      return SendError(w, 404, kSessionNotFound,
                       "MCP session not found (ended, expired or inkd restarted): initialize a "
                       "new session");
    }
    Touch(*session);
    if (message->kind != Message::Kind::kRequest) {
      if (message->kind == Message::Kind::kNotification) {
        dispatcher.HandleNotification(session->protocol, *message);
      }
      return w.Send(202, {}, "");
    }
    if (accepts_sse && WantsStream(*message, accepts_json)) {
      return StreamRequest(session, *message, w);
    }
    DroppingContext context;
    Json response = dispatcher.HandleRequest(session->protocol, *message, context);
    if (response.is_null()) return w.Send(204, {}, "");  // cancelled: no JSON-RPC response
    w.Send(200, kJsonHeaders, Serialize(response) + "\n");
  }

  // SSE for tool calls that may take long or report progress (or when JSON is not accepted).
  bool WantsStream(const Message& request, bool accepts_json) {
    if (!accepts_json) return true;
    if (request.method != "tools/call") return false;
    // params is an object (ParseMessage), but "name" is the client's: any JSON type.
    auto name = request.params.find("name");
    if (name == request.params.end() || !name->is_string()) return false;  // an error at once
    const Operation* op = dispatcher.FindTool(name->get<std::string>());
    if (op == nullptr) return false;  // answered at once with an error
    if (op->with_progress) return true;
    auto meta = request.params.find("_meta");
    return meta != request.params.end() && meta->is_object() && meta->contains("progressToken");
  }

  void Initialize(const Message& request, const Caller& caller, http::ResponseWriter& w) {
    auto session = std::make_shared<HttpSession>(RandomToken(32), caller);
    {
      std::lock_guard lock(mu);
      if (shutting_down) return SendError(w, 503, kServerError, "inkd is shutting down");
      SweepLocked();
      if (sessions.size() >= options.max_sessions) {
        return SendError(w, 503, kServerError,
                         "too many MCP sessions are open; end unused ones (DELETE /mcp) or "
                         "retry later");
      }
    }
    DroppingContext context;
    Json response = dispatcher.HandleRequest(session->protocol, request, context);
    if (response.contains("error")) {
      return w.Send(200, kJsonHeaders, Serialize(response) + "\n");
    }
    {
      std::lock_guard lock(mu);
      sessions[session->id] = session;
    }
    auto headers = kJsonHeaders;
    headers["Mcp-Session-Id"] = session->id;
    w.Send(200, headers, Serialize(response) + "\n");
  }

  void Get(const http::ServerRequest& request, const Caller& caller, http::ResponseWriter& w) {
    std::string accept = request.header("accept");
    if (!ContainsToken(accept, "text/event-stream") && !ContainsToken(accept, "*/*")) {
      return SendError(w, 406, kInvalidRequest, "GET /mcp needs Accept: text/event-stream");
    }
    std::string session_id = request.header("mcp-session-id");
    if (session_id.empty()) {
      return SendError(w, 400, kInvalidRequest, "Mcp-Session-Id header is required");
    }
    auto session = FindSession(session_id, caller);
    if (!session) {
      return SendError(w, 404, kSessionNotFound,
                       "MCP session not found (ended, expired or inkd restarted): initialize a "
                       "new session");
    }
    std::string last = request.header("last-event-id");
    std::shared_ptr<Stream> stream;
    uint64_t after = 0;
    if (!last.empty()) {
      auto id = internal::ParseEventId(last);
      std::lock_guard lock(session->mu);
      auto it = id ? session->streams.find(id->first) : session->streams.end();
      if (it == session->streams.end()) {
        return SendError(
            w, 404, kInvalidRequest,
            "no stream holds event '" + last.substr(0, 32) + "' any more; retry the request");
      }
      // The client resumes because its connection broke; the server may not have noticed yet
      // (no write since), so the new connection takes the stream over.
      stream = it->second;
      stream->attached = true;
      ++stream->writer;
      session->cv.notify_all();
      after = id->second;
    } else {
      {
        std::lock_guard lock(session->mu);
        if (session->standalone && session->standalone->attached) {
          return SendError(w, 409, kInvalidRequest,
                           "this session already has a GET stream open; only one is allowed");
        }
        if (session->standalone) {
          stream = session->standalone;
          stream->attached = true;
        }
      }
      if (!stream) stream = NewStream(*session, true);
      if (!stream) return SendError(w, 503, kServerError, "too many open streams");
    }
    if (w.StartStream(200, SseHeaders(*session))) {
      Pump(*session, *stream, after, w);
    } else {
      std::lock_guard lock(session->mu);
      stream->attached = false;
    }
  }

  void Delete(const http::ServerRequest& request, const Caller& caller, http::ResponseWriter& w) {
    std::string session_id = request.header("mcp-session-id");
    if (session_id.empty()) {
      return SendError(w, 400, kInvalidRequest, "Mcp-Session-Id header is required");
    }
    std::shared_ptr<HttpSession> session;
    {
      std::lock_guard lock(mu);
      auto it = sessions.find(session_id);
      if (it != sessions.end() && it->second->token_id == caller.token_id) {
        session = it->second;
        sessions.erase(it);
      }
    }
    if (!session) return SendError(w, 404, kSessionNotFound, "MCP session not found");
    Close(*session);
    w.Send(200, {}, "");
  }
};

McpHttpEndpoint::McpHttpEndpoint(const Dispatcher& dispatcher, Authenticator authenticator,
                                 HttpEndpointOptions options)
    : impl_(std::make_unique<Impl>(dispatcher, std::move(authenticator), std::move(options))) {}

McpHttpEndpoint::~McpHttpEndpoint() { Shutdown(); }

bool McpHttpEndpoint::Handle(const http::ServerRequest& request, http::ResponseWriter& w) {
  Impl& impl = *impl_;
  const std::string metadata = kMetadataPath;
  if (request.path == metadata || request.path == metadata + impl.options.path) {
    impl.ServeMetadata(request, w);
    return true;
  }
  if (request.path != impl.options.path) return false;
  std::string origin = request.header("origin");
  if (!origin.empty() && !IsLoopbackOrigin(origin)) {
    bool allowed = false;
    for (const auto& o : impl.options.allowed_origins) allowed = allowed || o == origin;
    if (!allowed) {
      Impl::SendError(
          w, 403, kInvalidRequest,
          "Origin '" + origin.substr(0, 100) + "' is not allowed to use this MCP endpoint");
      return true;
    }
  }
  // Normally authenticated by Admit before the body was read.
  const Caller* admitted = std::any_cast<Caller>(&request.context);
  Result<Caller> caller = admitted != nullptr ? Result<Caller>(*admitted)
                                              : impl.authenticate(request.header("authorization"));
  if (!caller.ok()) {
    auto refusal = impl.Refusal(request, caller.error());
    w.Send(refusal.reject_status, refusal.reject_headers, refusal.reject_body);
    return true;
  }
  if (request.method == "POST") {
    impl.Post(request, *caller, w);
  } else if (request.method == "GET") {
    impl.Get(request, *caller, w);
  } else if (request.method == "DELETE") {
    impl.Delete(request, *caller, w);
  } else {
    auto headers = kJsonHeaders;
    headers["Allow"] = "GET, POST, DELETE";
    Impl::SendError(w, 405, kInvalidRequest,
                    "method " + request.method.substr(0, 16) + " is not allowed on /mcp", headers);
  }
  return true;
}

std::optional<http::Admission> McpHttpEndpoint::Admit(const http::ServerRequest& head) const {
  const Impl& impl = *impl_;
  const std::string metadata = kMetadataPath;
  if (head.path == metadata || head.path == metadata + impl.options.path) {
    return http::Admission::Read(0);
  }
  if (head.path != impl.options.path) return std::nullopt;
  auto caller = impl.authenticate(head.header("authorization"));
  if (!caller.ok()) return impl.Refusal(head, caller.error());
  return http::Admission::Read(head.method == "POST" ? impl.options.max_message_bytes : 0, *caller);
}

void McpHttpEndpoint::Shutdown() {
  Impl& impl = *impl_;
  std::map<std::string, std::shared_ptr<HttpSession>> sessions;
  {
    std::lock_guard lock(impl.mu);
    impl.shutting_down = true;
    sessions.swap(impl.sessions);
  }
  for (auto& [id, session] : sessions) Impl::Close(*session);
  std::unique_lock lock(impl.mu);
  // Tools notice cancellation between polls; one stuck in a slow call is not waited for long.
  if (!impl.workers_done.wait_for(lock, std::chrono::seconds(30),
                                  [&] { return impl.workers == 0; })) {
    LogWarn("mcp", "shutting down with tool calls still running");
  }
}

size_t McpHttpEndpoint::session_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->sessions.size();
}

Authenticator StoreAuthenticator(Store& store) {
  return [&store](std::string_view authorization) {
    return Authenticate(store, authorization, AuthScheme::kBearer);
  };
}

http::Handler WithMcp(McpHttpEndpoint& endpoint, http::Handler fallback) {
  return [&endpoint, fallback = std::move(fallback)](const http::ServerRequest& request,
                                                     http::ResponseWriter& w) {
    if (!endpoint.Handle(request, w)) fallback(request, w);
  };
}

}  // namespace ink::mcp
