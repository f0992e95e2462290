// tools/list and tools/call: the operation table as MCP tools.
#include <cctype>

#include "ink/common/log.h"
#include "src/mcp/internal.h"

namespace ink::mcp {
namespace {

// "list_projects" → "List projects".
std::string TitleFromName(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    if (c == '_') c = ' ';
  }
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

// Schemas of operation outputs close their top level (additionalProperties: false) to document
// the fields; published to clients that validate results, outputs must stay free to grow.
Json OpenOutputSchema(Json schema) {
  if (!schema.is_object()) return Json{{"type", "object"}};
  schema.erase("additionalProperties");
  if (!schema.contains("type")) schema["type"] = "object";
  return schema;
}

// The operation's input schema as a tool's: the switch that selects a REST streaming form
// (get_logs `follow`) means nothing over MCP, so it is left out.
Json ToolInputSchema(const Operation& op) {
  Json schema = op.input_schema.is_object() ? op.input_schema : Json{{"type", "object"}};
  if (op.stream && schema.contains("properties")) schema["properties"].erase("follow");
  if (!schema.contains("properties")) schema["properties"] = Json::object();
  return schema;
}

std::string ErrorText(const std::string& tool, const Error& e) {
  return "Error from " + tool + " (" + ErrorCodeName(e.code) + "): " + e.message;
}

}  // namespace

Json ToolDefinition(const Operation& op) {
  Json annotations = {{"readOnlyHint", op.read_only}, {"openWorldHint", op.open_world}};
  // destructiveHint and idempotentHint mean something only for tools that change things.
  if (!op.read_only) {
    annotations["destructiveHint"] = op.destructive;
    annotations["idempotentHint"] = op.idempotent;
  }
  return {{"name", op.name},
          {"title", TitleFromName(op.name)},
          {"description", op.description},
          {"inputSchema", ToolInputSchema(op)},
          {"outputSchema", OpenOutputSchema(op.output_schema)},
          {"annotations", annotations}};
}

namespace internal {

Json ToolErrorResult(const std::string& text) {
  return {{"content", Json::array({{{"type", "text"}, {"text", text}}})}, {"isError", true}};
}

}  // namespace internal

Json Dispatcher::ListTools(const Message& request) const {
  auto offset = internal::ParseCursor(request.params);
  if (!offset.ok()) return ErrorResponse(request.id, kInvalidParams, offset.error().message);
  Json page = Json::array();
  size_t end = std::min(tools_.size(), *offset + info_.tools_page_size);
  for (size_t i = *offset; i < end; ++i) page.push_back(tools_[i]);
  Json result = {{"tools", page}};
  if (end < tools_.size()) result["nextCursor"] = internal::MakeCursor(end);
  return ResultResponse(request.id, result);
}

Json Dispatcher::CallTool(Session& session, const Message& request, RequestContext& context,
                          Cancellation& cancellation) const {
  const Json& params = request.params;
  auto name_it = params.find("name");
  if (name_it == params.end() || !name_it->is_string()) {
    return ErrorResponse(request.id, kInvalidParams,
                         "tools/call needs params.name: the tool to call (see tools/list)");
  }
  const std::string name = name_it->get<std::string>();
  const Operation* op = FindTool(name);
  if (op == nullptr) {
    std::string known;
    for (const auto& [tool, unused] : tool_operations_) known += (known.empty() ? "" : ", ") + tool;
    return ErrorResponse(request.id, kInvalidParams,
                         "Unknown tool '" + name.substr(0, 64) + "'; the tools are: " + known);
  }
  Json arguments = Json::object();
  if (auto it = params.find("arguments"); it != params.end() && !it->is_null()) {
    if (!it->is_object()) {
      return ResultResponse(
          request.id, internal::ToolErrorResult("Invalid arguments for " + name +
                                                ": arguments must be a JSON object of the fields "
                                                "in the tool's inputSchema"));
    }
    arguments = *it;
  }
  // Input validation errors are tool results (isError) so the model can correct itself.
  if (auto valid = ValidateAgainstSchema(op->input_schema, arguments); !valid.ok()) {
    return ResultResponse(
        request.id,
        internal::ToolErrorResult("Invalid arguments for " + name + ": " + valid.error().message +
                                  ". Fix the arguments and call the tool again."));
  }

  Json token;
  if (auto meta = params.find("_meta"); meta != params.end() && meta->is_object()) {
    if (auto t = meta->find("progressToken");
        t != meta->end() && (t->is_string() || t->is_number_integer())) {
      token = *t;  // echoed with its original JSON type
    }
  }
  int step = 0;
  Progress progress;
  progress.report = [&](const std::string& message) {
    ++step;
    if (!token.is_null()) {
      context.Notify(
          Notification("notifications/progress",
                       {{"progressToken", token}, {"progress", step}, {"message", message}}));
    }
    // Without a progress token the same steps go out as log messages (if the level allows).
    if (token.is_null() && session.log_level() <= LogLevelRank("info")) {
      context.Notify(Notification("notifications/message",
                                  {{"level", "info"}, {"logger", name}, {"data", message}}));
    }
  };
  progress.cancelled = [&cancellation] { return cancellation.cancelled(); };
  progress.on_cancel = [&cancellation](std::function<void()> wake) {
    cancellation.OnCancel(std::move(wake));
  };

  auto result = table_.Invoke(*op, session.caller(), arguments, &progress);
  if (cancellation.cancelled()) return nullptr;
  if (!result.ok()) {
    if (result.error().code == ErrorCode::kInternal) {
      LogError("mcp", name + ": " + result.error().message);
      if (session.log_level() <= LogLevelRank("error")) {
        context.Notify(
            Notification("notifications/message",
                         {{"level", "error"}, {"logger", name}, {"data", result.error().message}}));
      }
    }
    return ResultResponse(request.id, internal::ToolErrorResult(ErrorText(name, result.error())));
  }
  Json structured = result->is_object() ? std::move(*result) : Json{{"result", *result}};
  std::string text = Serialize(structured);
  const size_t limit =
      op->max_result_bytes > 0 ? op->max_result_bytes : info_.max_tool_result_bytes;
  if (text.size() > limit) {
    return ResultResponse(
        request.id,
        internal::ToolErrorResult("The result of " + name + " is " + std::to_string(text.size()) +
                                  " bytes, over the limit of " + std::to_string(limit) +
                                  "; ask for less (e.g. a smaller tail for get_logs)."));
  }
  return ResultResponse(request.id, {{"content", Json::array({{{"type", "text"}, {"text", text}}})},
                                     {"structuredContent", std::move(structured)},
                                     {"isError", false}});
}

}  // namespace ink::mcp
