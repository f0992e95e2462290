// HttpServer: inkd's HTTP/1.1 server for the control plane (REST, MCP, git smart HTTP).
//
// Built to survive slow and hostile clients (docs/ARCHITECTURE.md, "inkd's HTTP server"):
// - One event-loop thread owns every connection that is not inside a handler: idle keep-alive
//   connections and requests whose head or (read-whole) body is still arriving. Such a
//   connection costs a socket and its buffered bytes, never a thread, and is bounded by
//   deadlines: the whole head within head_timeout (408 then close), a body at a minimum average
//   rate after a grace period (body_timeout + bytes / min_body_rate), idle keep-alive for
//   idle_timeout. Connections that have not authenticated are capped (max_pending_connections):
//   a new connection evicts the oldest of them (closing ones first, then idle, then the slowest
//   request), so a flood of slow clients can delay nobody for longer than it takes to send a
//   request head. A connection that carried an authenticated request (its admission returned a
//   context) counts against max_authenticated_connections instead, so strangers never push an
//   authenticated keep-alive connection out; past that cap its own oldest idle ones go.
// - Right after the head, `admit` (on a handler thread) decides: reject (e.g. a 401 for a
//   missing token, sent without reading the body; the connection closes), read the body whole
//   up to a per-route limit (413 past it, decided from Content-Length before reading), or let the
//   handler stream it (uploads). `Expect: 100-continue` is answered only once admitted.
// - Handlers run on a pool (worker_pool.h): at most max_requests short ones; a handler that starts
//   a stream or runs past long_request_after moves to a separate budget of max_long_requests, so
//   SSE streams, log follows and waits never take the slots new requests need. With that budget
//   full, a new stream is refused (503) rather than held in a short slot.
// Heads are parsed strictly (RFC 9112: bare LF, obs-fold, CL with TE, duplicate CL are 400).
//
// Thread contract: Start and Stop from one owner thread. `admit` and the handler are called
// concurrently from pool threads; a handler may block (it holds only its own connection).
#pragma once

#include <any>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "ink/common/result.h"

namespace ink::http {

struct ServerRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // request target in origin-form
  std::string path;                            // percent-decoded path without the query
  std::map<std::string, std::string> query;    // decoded query parameters (last one wins)
  std::map<std::string, std::string> headers;  // names lowercased (a repeated one: last wins)
  std::string body;                            // empty for a streamed body or in `admit`
  std::string remote_address;
  // Set only for requests admitted with Admission::Stream(): reads the next part of the body
  // into `buffer` (0 at its end; an error if the client breaks off or is too slow). `body`
  // stays empty; the handler bounds what it reads. Valid during the handler call, on its thread.
  std::function<Result<size_t>(char* buffer, size_t size)> read_body;
  // What `admit` attached (e.g. the authenticated caller); empty without an admit callback.
  std::any context;
  // Value of a header (name lowercase) or "".
  std::string header(const std::string& name) const;
};

// How a handler answers: exactly one Send, or StartStream followed by Write calls. Writes block
// (at most ServerOptions::write_timeout without progress, then the client counts as gone).
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  virtual void Send(int status, const std::map<std::string, std::string>& headers,
                    std::string_view body) = 0;
  // Sends the head of a chunked response; false if the client is gone. The request then counts
  // as long-lived (it no longer takes a slot of max_requests). If max_long_requests are already
  // long-lived, it sends a 503 instead and returns false.
  virtual bool StartStream(int status, const std::map<std::string, std::string>& headers) = 0;
  // Sends one chunk and flushes it; false if the client is gone (stop producing then). An empty
  // chunk sends nothing and only checks that the client is still connected: a stream that has
  // nothing to say calls Write("") now and then, so an abandoned one ends (and frees its slot).
  virtual bool Write(std::string_view chunk) = 0;
};

using Handler = std::function<void(const ServerRequest&, ResponseWriter&)>;

// What the server does with a request whose head it has read, before any of its body.
struct Admission {
  enum class Body { kRead, kStream };
  Body body = Body::kRead;
  size_t max_body_bytes = 1 << 20;  // kRead: the body limit of this route (413 past it)
  int reject_status = 0;            // non-zero: send this answer instead; the body is not read
  std::map<std::string, std::string> reject_headers;
  std::string reject_body;
  std::any context;  // handed to the handler as ServerRequest::context
  // The head proved who sent it (e.g. a valid API token): the connection then counts against
  // max_authenticated_connections, not the cap on strangers. Read and Stream set it when they
  // are given a context.
  bool authenticated = false;

  static Admission Read(size_t max_body_bytes, std::any context = {});
  static Admission Stream(std::any context = {});
  static Admission Reject(int status, std::map<std::string, std::string> headers, std::string body);
};

// Decides on a request from its head (`body` empty). Called on a handler thread, concurrently.
using Admitter = std::function<Admission(const ServerRequest& head)>;

struct ServerOptions {
  std::string listen = "127.0.0.1:0";              // host:port; IPv6 as [::1]:port
  size_t max_body_bytes = 1 << 20;                 // body limit when there is no `admit`
  size_t max_header_bytes = 16 << 10;              // 431 past it
  std::chrono::milliseconds head_timeout{10000};   // the whole head, from the connection's start
                                                   // or the first byte after an idle wait
  std::chrono::milliseconds body_timeout{10000};   // grace before min_body_rate applies
  size_t min_body_rate = 64 << 10;                 // bytes per second, averaged over the body
  std::chrono::milliseconds idle_timeout{60000};   // keep-alive between requests
  std::chrono::milliseconds write_timeout{30000};  // a write making no progress this long fails
  // Connections not in a handler that have not authenticated (evicted oldest first).
  int max_pending_connections = 1024;
  // Connections not in a handler that carried an authenticated request (idle keep-alive ones
  // are evicted oldest first past it).
  int max_authenticated_connections = 1024;
  int max_requests = 128;        // handlers running short at once (more queue)
  int max_long_requests = 1024;  // handlers streaming or running long at once
  std::chrono::milliseconds long_request_after{500};
  size_t max_queued_requests = 1024;               // requests waiting for a handler (503 past it)
  std::chrono::milliseconds queue_timeout{10000};  // a request that waited longer gets a 503
  Admitter admit;  // unset: every body is read whole up to max_body_bytes
};

class HttpServer {
 public:
  // Binds and starts serving; the bound port is known on return (port 0 allowed).
  static Result<std::unique_ptr<HttpServer>> Start(const ServerOptions& options, Handler handler);
  virtual ~HttpServer() = default;
  virtual int port() const = 0;
  virtual std::string host() const = 0;
  // Stops accepting, closes connections and returns once no handler runs.
  virtual void Stop() = 0;

  // What the server holds right now (for tests and health).
  struct Stats {
    int pending_connections = 0;        // idle or reading a request, authenticated or not
    int authenticated_connections = 0;  // of those, the ones that authenticated before
    int short_requests = 0, long_requests = 0;
    size_t queued_requests = 0;
    uint64_t evicted = 0, timed_out = 0;  // since start
  };
  virtual Stats stats() const = 0;
};

// Decodes %XX and (in queries) '+'.
std::string UrlDecode(std::string_view s, bool plus_is_space);

}  // namespace ink::http
