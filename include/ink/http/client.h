// HttpClient: a small blocking HTTP/1.1 client over TCP, TLS (https) or a unix socket.
//
// Used by the podman runtime (libpod REST API on a unix socket), the ink CLI (inkd's REST API),
// the DNS provider and the ACME client (https only: every CA speaks TLS). One HttpClient holds
// one keep-alive connection and reconnects when the server closed it; it is NOT thread-safe: use
// one per thread (or guard it). Bodies are bounded by `max_body_bytes` unless streamed through
// `Stream`. Errors (connect refused, timeout, a certificate refused, malformed response) are
// Unavailable/DeadlineExceeded errors naming the endpoint.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ink/common/result.h"

namespace ink::http {

// Where to connect: "unix:///path/to.sock", "http://host:port", "https://host:port" (host may
// be an IPv4/IPv6 literal or a name). The path part of an http(s) URL is a prefix for every
// request target.
struct Endpoint {
  static Result<Endpoint> Parse(std::string_view url);
  bool is_unix = false;
  std::string unix_path;         // when is_unix
  bool tls = false;              // https
  std::string host;              // when !is_unix
  int port = 80;                 // 443 for https when the URL names none
  std::string path_prefix;       // "/api" from "http://host/api/" (no trailing slash); "" if none
  std::string describe() const;  // for error messages
};

struct ClientRequest {
  std::string method = "GET";
  std::string target = "/";                    // path + query, already percent-encoded
  std::map<std::string, std::string> headers;  // Host and Content-Length are set for you
  std::string body;
  // If set, the body is this file's content, streamed from disk (uploads); `body` is ignored.
  std::string body_file;
  std::chrono::milliseconds timeout{30000};  // whole request; 0 = no limit (streams)
};

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // header names lowercased
  std::string body;
  // Value of a header (name lowercase) or "" if absent.
  std::string header(const std::string& name) const;
};

// How an https endpoint is trusted. The server's certificate must chain to a root of the bundle
// and name the endpoint's host (a DNS name SAN, or an IP address SAN for an IP literal); there is
// deliberately no switch to turn verification off. TLS 1.2 or later.
struct TlsOptions {
  std::string ca_file;  // PEM file of trusted roots; "" = the system's bundle (OpenSSL's default)
};

class HttpClient {
 public:
  // `tls` is used only when `endpoint.tls`. A CA bundle that cannot be loaded is reported by
  // every request (the constructor cannot fail).
  explicit HttpClient(Endpoint endpoint, TlsOptions tls = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` and reads the whole response (body capped at max_body_bytes).
  Result<ClientResponse> Do(const ClientRequest& request, size_t max_body_bytes = 64 << 20);

  // Sends `request`; on_head gets status + headers; then on_body gets body chunks as they arrive
  // (chunked encoding already decoded). Either callback returning false stops and closes the
  // connection. Returns when the body ends, a callback stops, or an error happens.
  Status Stream(const ClientRequest& request,
                const std::function<bool(const ClientResponse& head)>& on_head,
                const std::function<bool(std::string_view chunk)>& on_body);

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  struct Connection;
  // Shared by Do (bounded body) and Stream (unbounded: max_body_bytes = nullopt).
  Status Exchange(const ClientRequest& request, std::optional<size_t> max_body_bytes,
                  const std::function<bool(const ClientResponse& head)>& on_head,
                  const std::function<bool(std::string_view chunk)>& on_body);
  Endpoint endpoint_;
  std::unique_ptr<Connection> connection_;
};

// Percent-encodes a query parameter value or path segment.
std::string UrlEncode(std::string_view s);

}  // namespace ink::http
