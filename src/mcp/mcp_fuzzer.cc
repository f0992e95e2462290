// libFuzzer target for the MCP server's message handling: JSON-RPC parsing (protocol.cc), the
// dispatcher (lifecycle, tools, resources, logging) and the Streamable HTTP endpoint's POST
// path, fed arbitrary bytes as JSON-RPC messages of one session. The operation table is a small
// stand-in (the dispatcher sees only the table); the real one is fuzzed through REST
// (src/api/rest_fuzzer.cc).
//
// Input: the first byte picks the transport flags (bit 0: the client also accepts SSE, so
// progress tools stream; bit 1: no initialize first, so every message lacks a session), the
// rest is split at '\n' into at most 16 messages, each POSTed in turn.
//
// Beyond "no crash", every answer is checked against the rules a client relies on:
// - the handler answers exactly once (one Send, or one stream), with a known HTTP status;
// - every JSON answer is a JSON-RPC 2.0 response: exactly one of result/error, an error is an
//   object with an integer code and a non-empty message;
// - a request with an id, inside a session, gets exactly one response and it carries that id
//   (on an SSE stream: after any notifications, as its last event); a transport failure before
//   the message was read answers with a null id;
// - a notification or a response gets 202 with no body and never a JSON-RPC response;
// - a batch (a JSON array) is refused with -32600, malformed JSON with -32700;
// - a tools/call of a known tool is a result (invalid arguments are isError results the model
//   can act on), never a JSON-RPC error; an unknown method is -32601.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/fuzz_check.h"
#include "ink/mcp/dispatcher.h"
#include "ink/mcp/http_endpoint.h"

namespace {

using ink::Caller;
using ink::Json;
using ink::Operation;
using ink::OperationTable;
using ink::Progress;
using ink::Result;

// Records what the endpoint answers to one POST.
class CapturingWriter : public ink::http::ResponseWriter {
 public:
  void Send(int status, const std::map<std::string, std::string>& headers,
            std::string_view body) override {
    ++answers;
    this->status = status;
    this->headers = headers;
    this->body.assign(body);
  }
  bool StartStream(int status, const std::map<std::string, std::string>& headers) override {
    ++answers;
    streamed = true;
    this->status = status;
    this->headers = headers;
    return true;
  }
  bool Write(std::string_view chunk) override {
    CHECK_PROPERTY(streamed);
    body.append(chunk);
    return true;
  }

  int answers = 0;
  bool streamed = false;
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

Json Schema(Json properties) {
  return {{"type", "object"}, {"properties", properties}, {"additionalProperties", false}};
}

OperationTable& Table() {
  static OperationTable* table = [] {
    auto* t = new OperationTable;
    Json name = {{"type", "string"}, {"minLength", 1}, {"maxLength", 20}};
    t->Add(
        {.name = "echo",
         .description = "Echo the input.",
         .input_schema = Schema({{"name", name},
                                 {"count", {{"type", "integer"}, {"minimum", 1}, {"maximum", 5}}},
                                 {"tags", {{"type", "array"}, {"items", {{"type", "string"}}}}}}),
         .output_schema = Schema({{"echo", {{"type", "object"}}}}),
         .read_only = true,
         .handler = [](const Caller&, const Json& in) -> Result<Json> {
           return Json{{"echo", in}};
         }});
    t->Add(
        {.name = "fail",
         .description = "Fail with a code.",
         .input_schema = Schema({{"code", {{"type", "integer"}, {"minimum", 0}, {"maximum", 9}}}}),
         .output_schema = Schema(Json::object()),
         .handler = [](const Caller&, const Json& in) -> Result<Json> {
           switch (in.value("code", 0)) {
             case 0:
               return ink::NotFound("no such thing");
             case 1:
               return ink::Internal("the store failed");
             case 2:
               return Json("not an object");
             default:
               return ink::InvalidArgument("bad thing");
           }
         }});
    t->Add({.name = "big",
            .description = "A result of n bytes.",
            .input_schema =
                Schema({{"n", {{"type", "integer"}, {"minimum", 0}, {"maximum", 100000}}}}),
            .output_schema = Schema(Json::object()),
            .read_only = true,
            .handler = [](const Caller&, const Json& in) -> Result<Json> {
              return Json{{"text", std::string(in.value("n", 0), 'x')}};
            }});
    t->Add(
        {.name = "wait_thing",
         .description = "Report progress.",
         .input_schema = Schema({{"steps", {{"type", "integer"}, {"minimum", 0}, {"maximum", 4}}}}),
         .output_schema = Schema(Json::object()),
         .with_progress = [](const Caller&, const Json& in, const Progress& p) -> Result<Json> {
           int steps = in.value("steps", 2);
           for (int i = 0; i < steps; ++i) {
             if (p.cancelled && p.cancelled()) break;
             if (p.report) p.report("step " + std::to_string(i));
           }
           return Json{{"steps", steps}};
         }});
    // What resources/list and resources/read use.
    t->Add({.name = "list_projects",
            .description = "Projects.",
            .input_schema = Schema(Json::object()),
            .output_schema = Schema(Json::object()),
            .read_only = true,
            .handler = [](const Caller&, const Json&) -> Result<Json> {
              return Json{{"projects", {{{"name", "demo"}}, {{"name", "other"}}}}};
            }});
    t->Add({.name = "list_services",
            .description = "Services.",
            .input_schema = Schema({{"project", name}}),
            .output_schema = Schema(Json::object()),
            .read_only = true,
            .handler = [](const Caller&, const Json& in) -> Result<Json> {
              if (in.value("project", "") != "demo") return ink::NotFound("no such project");
              return Json{{"services", {{{"name", "web"}}, {{"name", "a b/c%"}}}}};
            }});
    t->Add(
        {.name = "get_logs",
         .description = "Logs.",
         .input_schema = Schema({{"project", name},
                                 {"service", name},
                                 {"tail", {{"type", "integer"}}},
                                 {"follow", {{"type", "boolean"}}}}),
         .output_schema = Schema(Json::object()),
         .read_only = true,
         .handler = [](const Caller&, const Json& in) -> Result<Json> {
           if (in.value("service", "") != "web") return ink::NotFound("no such service");
           return Json{{"lines", {{{"replica", "0"}, {"stream", "stdout"}, {"text", "hi\xff"}}}}};
         },
         .stream = [](const Caller&, const Json&, const ink::StreamSink&) -> ink::Status {
           return {};
         }});
    t->Add({.name = "get_build_logs",
            .description = "Build logs.",
            .input_schema = Schema({{"deployment", name}, {"tail", {{"type", "integer"}}}}),
            .output_schema = Schema(Json::object()),
            .read_only = true,
            .handler = [](const Caller&, const Json&) -> Result<Json> {
              return ink::Unavailable("builds are off");
            }});
    t->Add({.name = "plan",
            .description = "Plan.",
            .input_schema = Schema({{"project", name}, {"service", name}}),
            .output_schema = Schema(Json::object()),
            .read_only = true,
            .handler = [](const Caller&, const Json& in) -> Result<Json> {
              return Json{{"plan", in}};
            }});
    t->Add({.name = "rest_only",
            .description = "Not a tool.",
            .input_schema = Schema(Json::object()),
            .output_schema = Schema(Json::object()),
            .handler = [](const Caller&, const Json&) -> Result<Json> { return Json::object(); },
            .mcp = false});
    return t;
  }();
  return *table;
}

const ink::mcp::Dispatcher& TheDispatcher() {
  static auto* dispatcher = new ink::mcp::Dispatcher(Table(), {.version = "fuzz",
                                                               .tools_page_size = 3,
                                                               .resources_page_size = 2,
                                                               .max_tool_result_bytes = 4096});
  return *dispatcher;
}

// The JSON-RPC response rules every answer body must meet; returns the response.
Json CheckResponse(std::string_view text) {
  Json response = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  CHECK_PROPERTY(!response.is_discarded());
  CHECK_PROPERTY(response.is_object());
  CHECK_PROPERTY(response.value("jsonrpc", "") == "2.0");
  CHECK_PROPERTY(response.contains("id"));
  CHECK_PROPERTY(response.contains("result") != response.contains("error"));
  CHECK_PROPERTY(!response.contains("method"));
  if (response.contains("error")) {
    const Json& error = response["error"];
    CHECK_PROPERTY(error.is_object());
    CHECK_PROPERTY(error.contains("code") && error["code"].is_number_integer());
    CHECK_PROPERTY(error.contains("message") && error["message"].is_string());
    CHECK_PROPERTY(!error["message"].get_ref<const std::string&>().empty());
  } else {
    CHECK_PROPERTY(response["result"].is_object());
  }
  return response;
}

// The messages of an SSE stream body, in order (the priming event's empty data is skipped).
std::vector<Json> StreamMessages(const std::string& body) {
  std::vector<Json> out;
  size_t at = 0;
  while (at < body.size()) {
    size_t end = body.find('\n', at);
    if (end == std::string::npos) end = body.size();
    std::string_view line(body.data() + at, end - at);
    if (line.substr(0, 6) == "data: " && line.size() > 6) {
      Json message = Json::parse(line.substr(6), nullptr, false);
      CHECK_PROPERTY(!message.is_discarded());
      out.push_back(std::move(message));
    }
    at = end + 1;
  }
  return out;
}

// What the harness itself parses of a message, to know which answer it must get.
struct Expectation {
  bool json = false;  // parses as JSON
  bool batch = false;
  std::optional<ink::mcp::Message> message;  // a valid JSON-RPC message
  Json id;                                   // a usable id, even of an invalid message
};

Expectation Classify(const std::string& text) {
  Expectation e;
  auto parsed = ink::ParseJson(text);
  if (!parsed.ok()) return e;
  e.json = true;
  e.batch = parsed->is_array();
  if (parsed->is_object() && parsed->contains("id") &&
      ((*parsed)["id"].is_string() || (*parsed)["id"].is_number_integer())) {
    e.id = (*parsed)["id"];
  }
  if (auto m = ink::mcp::ParseMessage(*parsed); m.ok()) e.message = *m;
  return e;
}

void CheckAnswer(const Expectation& e, const CapturingWriter& w, bool in_session) {
  using Kind = ink::mcp::Message::Kind;
  CHECK_PROPERTY(w.answers == 1);
  if (!e.json) {
    CHECK_PROPERTY(w.status == 400);
    Json r = CheckResponse(w.body);
    CHECK_PROPERTY(r["id"].is_null() && r["error"]["code"] == ink::mcp::kParseError);
    return;
  }
  if (e.batch) {
    CHECK_PROPERTY(w.status == 400);
    Json r = CheckResponse(w.body);
    CHECK_PROPERTY(r["id"].is_null() && r["error"]["code"] == ink::mcp::kInvalidRequest);
    return;
  }
  if (!e.message) {
    CHECK_PROPERTY(w.status == 400);
    Json r = CheckResponse(w.body);
    CHECK_PROPERTY(r["id"] == e.id && r["error"]["code"] == ink::mcp::kInvalidRequest);
    return;
  }
  const ink::mcp::Message& m = *e.message;
  bool initialize = m.kind == Kind::kRequest && m.method == "initialize";
  if (!in_session && !initialize) {
    // No session: refused before the message is looked at, so no id can be echoed.
    CHECK_PROPERTY(w.status == 400 && !w.streamed);
    Json r = CheckResponse(w.body);
    CHECK_PROPERTY(r["id"].is_null() && r.contains("error"));
    return;
  }
  if (m.kind != Kind::kRequest) {
    CHECK_PROPERTY(w.status == 202 && w.body.empty() && !w.streamed);
    return;
  }
  if (initialize && in_session) {
    CHECK_PROPERTY(w.status == 400);  // a new session must not carry the old one's id
    CHECK_PROPERTY(CheckResponse(w.body).contains("error"));
    return;
  }
  CHECK_PROPERTY(w.status == 200);
  Json response;
  if (w.streamed) {
    std::vector<Json> messages = StreamMessages(w.body);
    int responses = 0;
    for (size_t i = 0; i < messages.size(); ++i) {
      if (messages[i].contains("method")) {
        CHECK_PROPERTY(!messages[i].contains("id"));  // notifications only
        CHECK_PROPERTY(responses == 0);               // nothing after the response
        continue;
      }
      ++responses;
      response = CheckResponse(messages[i].dump());
    }
    CHECK_PROPERTY(responses == 1);
  } else {
    response = CheckResponse(w.body);
  }
  CHECK_PROPERTY(response["id"] == m.id);
  const std::string& method = m.method;
  if (method == "tools/call") {
    std::string name = m.params.value("name", Json()).is_string() ? m.params["name"] : "";
    if (TheDispatcher().FindTool(name) != nullptr) {
      CHECK_PROPERTY(response.contains("result"));
      CHECK_PROPERTY(response["result"]["isError"].is_boolean());
      CHECK_PROPERTY(response["result"]["content"].is_array());
    } else {
      CHECK_PROPERTY(response["error"]["code"] == ink::mcp::kInvalidParams);
    }
  }
  static const char* kKnown[] = {"initialize",     "ping",
                                 "tools/list",     "tools/call",
                                 "resources/list", "resources/templates/list",
                                 "resources/read", "logging/setLevel"};
  bool known = false;
  for (const char* k : kKnown) known = known || method == k;
  if (!known) CHECK_PROPERTY(response["error"]["code"] == ink::mcp::kMethodNotFound);
}

ink::http::ServerRequest Post(std::string body, const std::string& session, bool sse) {
  ink::http::ServerRequest r;
  r.method = "POST";
  r.target = r.path = "/mcp";
  r.headers = {{"content-type", "application/json"},
               {"accept", sse ? "application/json, text/event-stream" : "application/json"},
               {"authorization", "Bearer ink_fuzz"}};
  if (!session.empty()) r.headers["mcp-session-id"] = session;
  r.body = std::move(body);
  r.context = Caller{"ws_fuzz", "tok_fuzz", "fuzz"};
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 65536) return 0;
  const uint8_t flags = data[0];
  const bool sse = flags & 1;
  const bool initialize_first = !(flags & 2);
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);

  ink::mcp::McpHttpEndpoint endpoint(TheDispatcher(), [](std::string_view) -> Result<Caller> {
    return Caller{"ws_fuzz", "tok_fuzz", "fuzz"};
  });
  std::string session;
  if (initialize_first) {
    CapturingWriter w;
    CHECK_PROPERTY(endpoint.Handle(
        Post(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":)"
             R"("2025-06-18","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}})",
             "", sse),
        w));
    CHECK_PROPERTY(w.status == 200 && w.headers.count("Mcp-Session-Id") == 1);
    session = w.headers["Mcp-Session-Id"];
  }
  int messages = 0;
  while (!rest.empty() && messages++ < 16) {
    size_t end = rest.find('\n');
    std::string text(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    Expectation e = Classify(text);
    bool initialize = e.message && e.message->kind == ink::mcp::Message::Kind::kRequest &&
                      e.message->method == "initialize";
    // An initialize goes without a session id (as a client starting over would send it) every
    // other time, so both the new-session path and the refusal are reached.
    bool fresh = initialize && (messages % 2 == 1);
    CapturingWriter w;
    CHECK_PROPERTY(endpoint.Handle(Post(text, fresh ? "" : session, sse), w));
    CheckAnswer(e, w, !session.empty() && !fresh);
    if (fresh && w.status == 200 && w.headers.count("Mcp-Session-Id")) {
      CHECK_PROPERTY(CheckResponse(w.body)["id"] == e.message->id);
      session = w.headers["Mcp-Session-Id"];
    }
  }
  endpoint.Shutdown();
  return 0;
}
