// MCP's Streamable HTTP transport on inkd: POST/GET/DELETE /mcp plus the OAuth protected-resource
// metadata (RFC 9728) that a 401 points to.
//
// POST carries one JSON-RPC message (batches are rejected, as in MCP 2025-06-18+). Requests get
// a JSON response, except tool calls that may run long (operations with a progress form, or a
// request carrying a progressToken) when the client accepts SSE: those get an SSE stream that
// opens with a priming event, carries progress and log notifications and ends with the
// response. The tool runs on its own thread, so a dropped connection does not stop it; the
// client resumes with GET + Last-Event-ID (event ids "<stream>-<seq>", a bounded replay buffer
// per stream). GET without Last-Event-ID opens the session's one standalone stream. DELETE ends
// a session. Sessions (Mcp-Session-Id: 32 random bytes from libsodium) are bound to the API
// token that created them; unknown ones get 404. Every request needs `Authorization: Bearer`
// (401 + WWW-Authenticate otherwise); a foreign Origin gets 403 (absent and loopback origins
// are allowed); an unsupported MCP-Protocol-Version header gets 400. SSE streams send keep-alive
// comments and `X-Accel-Buffering: no`.
//
// Thread contract: Admit and Handle are called concurrently from the HTTP server's connection
// threads. Shutdown (before the HTTP server stops) ends every stream and waits for running tools.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ink/http/server.h"
#include "ink/mcp/dispatcher.h"
#include "ink/store/store.h"

namespace ink::mcp {

// Resolves an Authorization header to its caller; Unauthenticated (with a hint) if it does not
// carry a valid bearer token.
using Authenticator = std::function<Result<Caller>(std::string_view authorization)>;

// ink::Authenticate against the Store's hashed API tokens (as REST and git use).
Authenticator StoreAuthenticator(Store& store);

struct HttpEndpointOptions {
  std::string path = "/mcp";
  std::vector<std::string> allowed_origins;  // exact "scheme://host[:port]" besides loopback
  std::chrono::milliseconds keepalive{15000};
  size_t replay_events = 256;  // events kept per stream for Last-Event-ID
  size_t max_sessions = 1000;
  std::chrono::seconds session_idle{3600};  // sessions unused this long are dropped
  int max_streams_per_session = 32;
  size_t max_message_bytes = 1 << 20;  // a POSTed JSON-RPC message (413 past it)
};

class McpHttpEndpoint {
 public:
  McpHttpEndpoint(const Dispatcher& dispatcher, Authenticator authenticator,
                  HttpEndpointOptions options = {});
  ~McpHttpEndpoint();
  McpHttpEndpoint(const McpHttpEndpoint&) = delete;
  McpHttpEndpoint& operator=(const McpHttpEndpoint&) = delete;

  // Serves the request if its path is the MCP endpoint or the protected-resource metadata and
  // returns true; returns false (writing nothing) for any other path.
  bool Handle(const http::ServerRequest& request, http::ResponseWriter& writer);

  // The HTTP server's admission step for the MCP paths (nullopt for any other path): a request
  // without a valid token is refused (401) before its body is read; an admitted one carries
  // its caller to Handle as the request's context.
  std::optional<http::Admission> Admit(const http::ServerRequest& head) const;

  // Ends every session and stream, cancels running tools and waits for them to return.
  void Shutdown();

  size_t session_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Wraps `fallback` (the REST handler) so that MCP paths go to `endpoint`.
http::Handler WithMcp(McpHttpEndpoint& endpoint, http::Handler fallback);

}  // namespace ink::mcp
