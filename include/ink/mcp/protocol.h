// JSON-RPC 2.0 and MCP message basics shared by the MCP server (inkd's /mcp) and the stdio
// bridge (`ink mcp`): protocol revisions, error codes, message classification and builders.
//
// Pure functions over Json values; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ink/common/json.h"
#include "ink/common/result.h"

namespace ink::mcp {

// The newest MCP revision Ink speaks, and every revision it accepts (newest first).
inline constexpr std::string_view kLatestProtocolVersion = "2025-11-25";
const std::vector<std::string>& SupportedProtocolVersions();
bool IsSupportedProtocolVersion(std::string_view version);
// The version to answer an initialize with: the client's if supported, else the latest.
std::string NegotiateProtocolVersion(const Json& requested);

// JSON-RPC error codes.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
// Server-defined codes.
inline constexpr int kServerError = -32000;       // e.g. missing or wrong API token
inline constexpr int kSessionNotFound = -32001;   // unknown or ended Mcp-Session-Id
inline constexpr int kResourceNotFound = -32002;  // MCP: resources/read of an unknown URI

struct Message {
  enum class Kind { kRequest, kNotification, kResponse };
  Kind kind = Kind::kRequest;
  Json id;             // string or integer (requests and responses)
  std::string method;  // requests and notifications
  Json params;         // object or null
};

// Classifies one JSON-RPC message. InvalidArgument (→ kInvalidRequest) says what is wrong: not
// an object, jsonrpc not "2.0", id not a string/integer, params not an object, ...
Result<Message> ParseMessage(const Json& value);

Json ResultResponse(const Json& id, Json result);
Json ErrorResponse(const Json& id, int code, const std::string& message, Json data = nullptr);
Json Notification(const std::string& method, Json params);

// Serialises a message as one line of JSON; invalid UTF-8 (e.g. from container logs) is
// replaced rather than failing.
std::string Serialize(const Json& message);

// Log levels of logging/setLevel, least severe first; -1 for an unknown name.
int LogLevelRank(std::string_view level);

}  // namespace ink::mcp
