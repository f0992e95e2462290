// HttpServer: inkd's blocking HTTP/1.1 server for the control plane (REST, later MCP/SSE).
//
// One acceptor thread and one thread per connection (bounded by max_connections; the control
// plane serves few clients, so simplicity beats an event loop here — the data plane is
// ink-edge). Keep-alive, request body limit (413), header limit (431), idle timeout. The
// handler runs on the connection's thread and may stream (chunked) responses for logs/SSE.
// Start/Stop from one owner thread; the handler must be thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "ink/common/result.h"

namespace ink::http {

struct ServerRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // raw request target
  std::string path;                            // percent-decoded path without the query
  std::map<std::string, std::string> query;    // decoded query parameters (last one wins)
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  std::string remote_address;
  // Set only for requests ServerOptions::stream_body chose: reads the next part of the body
  // into `buffer` (0 at its end). `body` stays empty; the server sets no size limit, the
  // handler bounds what it reads. Valid during the handler call, on its thread.
  std::function<Result<size_t>(char* buffer, size_t size)> read_body;
  // Value of a header (name lowercase) or "".
  std::string header(const std::string& name) const;
};

// How a handler answers: exactly one Send, or StartStream followed by Write calls.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  virtual void Send(int status, const std::map<std::string, std::string>& headers,
                    std::string_view body) = 0;
  // Sends the head of a chunked response; false if the client is gone.
  virtual bool StartStream(int status, const std::map<std::string, std::string>& headers) = 0;
  // Sends one chunk and flushes it; false if the client is gone (stop producing then).
  virtual bool Write(std::string_view chunk) = 0;
};

using Handler = std::function<void(const ServerRequest&, ResponseWriter&)>;

struct ServerOptions {
  std::string listen = "127.0.0.1:0";  // host:port; IPv6 as [::1]:port
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  int max_connections = 256;
  int idle_timeout_seconds = 60;
  // Called with each request's head (no body yet). True: the handler reads the body itself
  // through ServerRequest::read_body (uploads larger than max_body_bytes, streamed to disk);
  // the connection closes after such an exchange. Unset: every body is read whole, bounded.
  std::function<bool(const ServerRequest& head)> stream_body;
};

class HttpServer {
 public:
  // Binds and starts serving; the bound port is known on return (port 0 allowed).
  static Result<std::unique_ptr<HttpServer>> Start(const ServerOptions& options, Handler handler);
  virtual ~HttpServer() = default;
  virtual int port() const = 0;
  virtual std::string host() const = 0;
  // Stops accepting and closes connections; returns once no handler runs.
  virtual void Stop() = 0;
};

// Decodes %XX and (in queries) '+'.
std::string UrlDecode(std::string_view s, bool plus_is_space);

}  // namespace ink::http
