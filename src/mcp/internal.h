// Pieces of the MCP dispatcher shared between its source files (not a public interface).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ink/mcp/dispatcher.h"

namespace ink::mcp::internal {

// A kind of resource Ink serves, bound to the operation that produces it. Adding a kind (build
// logs, plans) is one entry in ResourceKinds(); a kind whose operation is not in the table is
// not offered.
struct ResourceKind {
  std::string uri_template;  // RFC 6570 level 1: "ink://projects/{project}/services/{service}/logs"
  std::string name;          // short id: "runtime-logs"
  std::string title;
  std::string description;
  std::string mime_type;
  std::string operation;  // invoked with the URI's variables plus `arguments`
  Json arguments;         // fixed extra arguments, e.g. {"tail": 500}
  bool per_service;       // resources/list shows one per service of every project
  std::function<std::string(const Json& output)> render;  // operation output → resource text
};

const std::vector<ResourceKind>& ResourceKinds();

// Matches `uri` against a template with {name} segments; fills `variables` ({"project": ...}).
// Variables match one path segment (no '/'), percent-decoded.
bool MatchUriTemplate(const std::string& uri_template, const std::string& uri, Json& variables);
// Fills a template's {name} segments from `variables` (percent-encoding them).
std::string ExpandUriTemplate(const std::string& uri_template, const Json& variables);

// Opaque pagination cursors: an offset into a list. Error (kInvalidParams) if malformed.
Result<size_t> ParseCursor(const Json& params);
std::string MakeCursor(size_t offset);

// A tools/call result for an error: isError with a text the agent can act on.
Json ToolErrorResult(const std::string& text);

}  // namespace ink::mcp::internal
