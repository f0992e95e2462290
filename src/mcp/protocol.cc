#include "ink/mcp/protocol.h"

#include <array>

namespace ink::mcp {

const std::vector<std::string>& SupportedProtocolVersions() {
  static const std::vector<std::string> versions = {"2025-11-25", "2025-06-18", "2025-03-26"};
  return versions;
}

bool IsSupportedProtocolVersion(std::string_view version) {
  for (const auto& v : SupportedProtocolVersions()) {
    if (v == version) return true;
  }
  return false;
}

std::string NegotiateProtocolVersion(const Json& requested) {
  if (requested.is_string() && IsSupportedProtocolVersion(requested.get<std::string>())) {
    return requested.get<std::string>();
  }
  return std::string(kLatestProtocolVersion);
}

Result<Message> ParseMessage(const Json& value) {
  if (!value.is_object()) {
    return InvalidArgument("a JSON-RPC message must be an object, got " +
                           std::string(value.is_array() ? "an array" : value.type_name()));
  }
  auto version = value.find("jsonrpc");
  if (version == value.end() || *version != "2.0") {
    return InvalidArgument("the message needs \"jsonrpc\": \"2.0\"");
  }
  Message m;
  auto id = value.find("id");
  bool has_id = id != value.end();
  if (has_id) {
    // MCP forbids null ids; JSON-RPC ids are strings or numbers (MCP: integers in practice).
    if (!id->is_string() && !id->is_number_integer()) {
      return InvalidArgument("\"id\" must be a string or an integer");
    }
    m.id = *id;
  }
  auto method = value.find("method");
  if (method != value.end()) {
    if (!method->is_string() || method->get_ref<const std::string&>().empty()) {
      return InvalidArgument("\"method\" must be a non-empty string");
    }
    m.method = method->get<std::string>();
    m.kind = has_id ? Message::Kind::kRequest : Message::Kind::kNotification;
    auto params = value.find("params");
    if (params != value.end() && !params->is_null()) {
      if (!params->is_object()) return InvalidArgument("\"params\" must be an object");
      m.params = *params;
    } else {
      m.params = Json::object();
    }
    return m;
  }
  if (value.contains("result") || value.contains("error")) {
    if (!has_id) return InvalidArgument("a response needs an \"id\"");
    m.kind = Message::Kind::kResponse;
    return m;
  }
  return InvalidArgument("the message has no \"method\" (request) nor \"result\"/\"error\"");
}

Json ResultResponse(const Json& id, Json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

Json ErrorResponse(const Json& id, int code, const std::string& message, Json data) {
  Json error = {{"code", code}, {"message", message}};
  if (!data.is_null()) error["data"] = std::move(data);
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}};
}

Json Notification(const std::string& method, Json params) {
  return {{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

std::string Serialize(const Json& message) {
  return message.dump(-1, ' ', false, Json::error_handler_t::replace);
}

int LogLevelRank(std::string_view level) {
  static constexpr std::array<std::string_view, 8> kLevels = {
      "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};
  for (size_t i = 0; i < kLevels.size(); ++i) {
    if (kLevels[i] == level) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace ink::mcp
