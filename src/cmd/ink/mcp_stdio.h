// `ink mcp`: an MCP server on stdin/stdout for agents that launch tools as processes
// ({"command": "ink", "args": ["mcp"]}). It forwards every JSON-RPC message to inkd's Streamable
// HTTP endpoint (/mcp) with the CLI's stored credentials and writes what comes back (JSON
// responses, and SSE events: progress, log messages, the response) to stdout, one message per
// line. Nothing else goes to stdout; diagnostics go to stderr.
//
// Requests run concurrently (a long deploy wait does not hold up a ping or a cancellation);
// initialize and notifications are forwarded in order. The bridge keeps the session id and
// protocol version from initialize, resumes a cut SSE stream with Last-Event-ID, re-initializes
// transparently if inkd forgot the session (restart), turns transport failures into JSON-RPC
// errors that say what to do, and ends the session (DELETE) when stdin closes. One bridge per
// process; its threads share the output stream under a lock.
#pragma once

#include <iosfwd>

#include "config.h"

namespace ink::cli {

// Runs the bridge until `in` reaches its end; returns the process exit code (0).
int RunMcpBridge(const Config& config, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace ink::cli
