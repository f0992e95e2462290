#include "ink/mcp/dispatcher.h"

#include <gtest/gtest.h>

#include <thread>

namespace ink::mcp {
namespace {

Json Schema(Json properties, std::vector<std::string> required = {}) {
  Json s = {{"type", "object"}, {"properties", properties}, {"additionalProperties", false}};
  if (!required.empty()) s["required"] = required;
  return s;
}

// A small operation table standing in for Ink's: the dispatcher only sees the table.
class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() {
    table_.Add({.name = "echo_things",
                .description = "Echo the input.",
                .input_schema = Schema({{"name", {{"type", "string"}, {"maxLength", 10}}},
                                        {"count", {{"type", "integer"}, {"minimum", 1}}}},
                                       {"name"}),
                .output_schema = Schema({{"echo", {{"type", "object"}}}}),
                .read_only = true,
                .idempotent = true,
                .handler = [this](const Caller& c, const Json& in) -> Result<Json> {
                  last_caller_ = c.workspace_id;
                  return Json{{"echo", in}, {"extra", "outputs may grow"}};
                }});
    table_.Add({.name = "remove_thing",
                .description = "Remove a thing.",
                .input_schema = Schema({{"name", {{"type", "string"}}}}, {"name"}),
                .output_schema = Schema({{"deleted", {{"type", "boolean"}}}}),
                .destructive = true,
                .handler = [](const Caller&, const Json& in) -> Result<Json> {
                  return NotFound("thing '" + in["name"].get<std::string>() +
                                  "' does not exist; list things first");
                }});
    table_.Add(
        {.name = "wait_thing",
         .description = "Wait, reporting progress.",
         .input_schema = Schema({{"steps", {{"type", "integer"}}}}),
         .output_schema = Schema({{"steps", {{"type", "integer"}}}}),
         .open_world = true,
         .with_progress = [this](const Caller&, const Json& in, const Progress& p) -> Result<Json> {
           int steps = in.value("steps", 3);
           for (int i = 0; i < steps; ++i) {
             if (p.cancelled && p.cancelled()) return Json{{"steps", i}};
             if (p.report) p.report("step " + std::to_string(i));
             if (block_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
           }
           return Json{{"steps", steps}};
         }});
    table_.Add(
        {.name = "get_logs",
         .description = "Logs.",
         .input_schema = Schema({{"project", {{"type", "string"}}},
                                 {"service", {{"type", "string"}}},
                                 {"tail", {{"type", "integer"}}},
                                 {"follow", {{"type", "boolean"}}}},
                                {"project", "service"}),
         .output_schema = Schema({{"lines", {{"type", "array"}}}}),
         .read_only = true,
         .handler = [](const Caller&, const Json& in) -> Result<Json> {
           if (in["service"] != "web") return NotFound("no service " + in["service"].dump());
           return Json{{"lines", {{{"replica", "0"}, {"stream", "stdout"}, {"text", "hi"}}}},
                       {"truncated", false}};
         },
         .stream = [](const Caller&, const Json&, const StreamSink&) -> Status { return {}; }});
    table_.Add({.name = "rest_only",
                .description = "Not a tool.",
                .input_schema = Schema(Json::object()),
                .output_schema = Schema(Json::object()),
                .handler = [](const Caller&, const Json&) -> Result<Json> { return Json{}; },
                .mcp = false});
  }

  Json Call(const std::string& method, Json params, Json id = 1) {
    Message m{Message::Kind::kRequest, id, method, params};
    return dispatcher().HandleRequest(session_, m, context_);
  }
  Json CallTool(const std::string& name, Json arguments) {
    return Call("tools/call", {{"name", name}, {"arguments", arguments}});
  }
  Dispatcher& dispatcher() {
    if (!dispatcher_) dispatcher_ = std::make_unique<Dispatcher>(table_, info_);
    return *dispatcher_;
  }

  struct Recorder : RequestContext {
    void Notify(const Json& n) override {
      std::lock_guard lock(mu);
      sent.push_back(n);
    }
    std::mutex mu;
    std::vector<Json> sent;
  };

  OperationTable table_;
  ServerInfo info_{.version = "1.2.3"};
  std::unique_ptr<Dispatcher> dispatcher_;
  Session session_{Caller{"ws_1", "tok_1", "admin"}};
  Recorder context_;
  std::string last_caller_;
  bool block_ = false;
};

TEST_F(DispatcherTest, InitializeNegotiatesAndDescribesTheServer) {
  Json r = Call("initialize", {{"protocolVersion", "2025-06-18"},
                               {"capabilities", Json::object()},
                               {"clientInfo", {{"name", "t"}, {"version", "1"}}}});
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-06-18");
  EXPECT_EQ(r["result"]["serverInfo"]["name"], "ink");
  EXPECT_EQ(r["result"]["serverInfo"]["version"], "1.2.3");
  EXPECT_TRUE(r["result"]["capabilities"].contains("tools"));
  EXPECT_TRUE(r["result"]["capabilities"].contains("resources"));
  EXPECT_TRUE(r["result"]["capabilities"].contains("logging"));
  EXPECT_NE(r["result"]["instructions"].get<std::string>().find("deploy"), std::string::npos);
  // A second initialize on the same session is refused.
  EXPECT_EQ(Call("initialize", {{"protocolVersion", "2025-06-18"}})["error"]["code"], -32600);

  Session other{Caller{}};
  Message m{Message::Kind::kRequest, 2, "initialize", {{"protocolVersion", "2030-01-01"}}};
  EXPECT_EQ(dispatcher().HandleRequest(other, m, context_)["result"]["protocolVersion"],
            "2025-11-25");
}

TEST_F(DispatcherTest, ListsEveryMcpOperationAsAToolWithAnnotations) {
  Json r = Call("tools/list", Json::object());
  std::vector<std::string> names;
  for (const auto& t : r["result"]["tools"]) names.push_back(t["name"]);
  EXPECT_EQ(names,
            (std::vector<std::string>{"echo_things", "remove_thing", "wait_thing", "get_logs"}));
  EXPECT_FALSE(r["result"].contains("nextCursor"));
  const Json& echo = r["result"]["tools"][0];
  EXPECT_EQ(echo["title"], "Echo things");
  EXPECT_EQ(echo["inputSchema"]["type"], "object");
  EXPECT_EQ(echo["annotations"]["readOnlyHint"], true);
  EXPECT_EQ(echo["annotations"]["openWorldHint"], false);
  EXPECT_FALSE(echo["outputSchema"].contains("additionalProperties"));
  const Json& remove = r["result"]["tools"][1];
  EXPECT_EQ(remove["annotations"]["readOnlyHint"], false);
  EXPECT_EQ(remove["annotations"]["destructiveHint"], true);
  EXPECT_EQ(remove["annotations"]["idempotentHint"], false);
  EXPECT_EQ(r["result"]["tools"][2]["annotations"]["openWorldHint"], true);
  // The REST streaming switch is not part of the tool.
  EXPECT_FALSE(r["result"]["tools"][3]["inputSchema"]["properties"].contains("follow"));
  EXPECT_TRUE(r["result"]["tools"][3]["inputSchema"]["properties"].contains("tail"));
}

TEST_F(DispatcherTest, PaginatesToolsWithACursor) {
  info_.tools_page_size = 3;
  Json first = Call("tools/list", Json::object());
  ASSERT_EQ(first["result"]["tools"].size(), 3u);
  ASSERT_TRUE(first["result"]["nextCursor"].is_string());
  Json second = Call("tools/list", {{"cursor", first["result"]["nextCursor"]}});
  ASSERT_EQ(second["result"]["tools"].size(), 1u);
  EXPECT_EQ(second["result"]["tools"][0]["name"], "get_logs");
  EXPECT_FALSE(second["result"].contains("nextCursor"));
  EXPECT_EQ(Call("tools/list", {{"cursor", "garbage"}})["error"]["code"], -32602);
  EXPECT_EQ(Call("tools/list", {{"cursor", 5}})["error"]["code"], -32602);
}

TEST_F(DispatcherTest, CallReturnsStructuredContentAndTheSameJsonAsText) {
  Json r = CallTool("echo_things", {{"name", "a"}, {"count", 2}});
  const Json& result = r["result"];
  EXPECT_EQ(result["isError"], false);
  EXPECT_EQ(result["structuredContent"]["echo"]["name"], "a");
  EXPECT_EQ(result["structuredContent"]["echo"]["count"], 2);
  ASSERT_EQ(result["content"].size(), 1u);
  EXPECT_EQ(result["content"][0]["type"], "text");
  EXPECT_EQ(Json::parse(result["content"][0]["text"].get<std::string>()),
            result["structuredContent"]);
  EXPECT_EQ(last_caller_, "ws_1");  // the session's caller is the operation's caller
}

TEST_F(DispatcherTest, ResultsOverTheLimitAreToolErrorsUnlessTheOperationRaisesIt) {
  info_.max_tool_result_bytes = 1000;
  auto big = [](size_t limit) {
    return Operation{.name = "big_" + std::to_string(limit),
                     .description = "A large answer.",
                     .input_schema = Schema(Json::object()),
                     .output_schema = Schema({{"data", {{"type", "string"}}}}),
                     .read_only = true,
                     .handler = [](const Caller&, const Json&) -> Result<Json> {
                       return Json{{"data", std::string(5000, 'x')}};
                     },
                     .max_result_bytes = limit};
  };
  table_.Add(big(0));       // the server's limit (1000 here)
  table_.Add(big(10'000));  // its own, larger one
  Json refused = CallTool("big_0", Json::object());
  EXPECT_EQ(refused["result"]["isError"], true);
  EXPECT_NE(
      refused["result"]["content"][0]["text"].get<std::string>().find("over the limit of 1000"),
      std::string::npos);
  Json allowed = CallTool("big_10000", Json::object());
  EXPECT_EQ(allowed["result"]["isError"], false);
  EXPECT_EQ(allowed["result"]["structuredContent"]["data"].get<std::string>().size(), 5000u);
}

TEST_F(DispatcherTest, UnknownToolIsAProtocolError) {
  Json r = CallTool("deploy_everything", Json::object());
  EXPECT_EQ(r["error"]["code"], -32602);
  EXPECT_NE(r["error"]["message"].get<std::string>().find("echo_things"), std::string::npos);
  EXPECT_EQ(Call("tools/call", {{"arguments", Json::object()}})["error"]["code"], -32602);
  EXPECT_EQ(CallTool("rest_only", Json::object())["error"]["code"], -32602);
}

TEST_F(DispatcherTest, BadArgumentsAreToolErrorsThatSayWhatToChange) {
  last_caller_.clear();
  auto text = [](const Json& r) { return r["result"]["content"][0]["text"].get<std::string>(); };
  Json missing = CallTool("echo_things", Json::object());
  EXPECT_EQ(missing["result"]["isError"], true);
  EXPECT_NE(text(missing).find("missing required field 'name'"), std::string::npos);
  Json extra = CallTool("echo_things", {{"name", "a"}, {"nmae", "b"}});
  EXPECT_EQ(extra["result"]["isError"], true);
  EXPECT_NE(text(extra).find("unknown field 'nmae'"), std::string::npos);
  Json wrong = CallTool("echo_things", {{"name", 5}});
  EXPECT_EQ(wrong["result"]["isError"], true);
  EXPECT_NE(text(wrong).find("name must be a string"), std::string::npos);
  Json range = CallTool("echo_things", {{"name", "a"}, {"count", 0}});
  EXPECT_EQ(range["result"]["isError"], true);
  Json not_object = Call("tools/call", {{"name", "echo_things"}, {"arguments", {1, 2}}});
  EXPECT_EQ(not_object["result"]["isError"], true);
  EXPECT_TRUE(last_caller_.empty());  // the handler never ran
}

TEST_F(DispatcherTest, OperationErrorsAreToolErrors) {
  Json r = CallTool("remove_thing", {{"name", "x"}});
  EXPECT_EQ(r["result"]["isError"], true);
  std::string text = r["result"]["content"][0]["text"];
  EXPECT_NE(text.find("not_found"), std::string::npos);
  EXPECT_NE(text.find("thing 'x' does not exist"), std::string::npos);
}

TEST_F(DispatcherTest, ProgressEchoesTheTokenWithItsType) {
  for (Json token : {Json("tok-1"), Json(42)}) {
    context_.sent.clear();
    Json r = Call("tools/call", {{"name", "wait_thing"},
                                 {"arguments", {{"steps", 3}}},
                                 {"_meta", {{"progressToken", token}}}});
    EXPECT_EQ(r["result"]["structuredContent"]["steps"], 3);
    std::vector<Json> progress;
    for (const auto& n : context_.sent) {
      if (n["method"] == "notifications/progress") progress.push_back(n["params"]);
    }
    ASSERT_EQ(progress.size(), 3u);
    for (size_t i = 0; i < progress.size(); ++i) {
      EXPECT_EQ(progress[i]["progressToken"], token);
      EXPECT_EQ(progress[i]["progressToken"].type(), token.type());
      EXPECT_EQ(progress[i]["progress"], i + 1);  // increasing
      EXPECT_EQ(progress[i]["message"], "step " + std::to_string(i));
    }
  }
}

TEST_F(DispatcherTest, LogLevelFiltersMessages) {
  Call("tools/call", {{"name", "wait_thing"}, {"arguments", {{"steps", 2}}}});
  size_t info_messages = 0;
  for (const auto& n : context_.sent) info_messages += n["method"] == "notifications/message";
  EXPECT_EQ(info_messages, 2u);  // default level info; no progress without a token
  EXPECT_EQ(Call("logging/setLevel", {{"level", "warning"}})["result"], Json::object());
  context_.sent.clear();
  Call("tools/call", {{"name", "wait_thing"}, {"arguments", {{"steps", 2}}}});
  EXPECT_TRUE(context_.sent.empty());
  EXPECT_EQ(Call("logging/setLevel", {{"level", "loud"}})["error"]["code"], -32602);
}

TEST_F(DispatcherTest, CancelledCallsGetNoResponse) {
  block_ = true;
  Json response = "unset";
  std::thread call([&] {
    response = Call("tools/call", {{"name", "wait_thing"}, {"arguments", {{"steps", 500}}}}, 77);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  dispatcher().HandleNotification(session_, {Message::Kind::kNotification,
                                             nullptr,
                                             "notifications/cancelled",
                                             {{"requestId", 77}, {"reason", "user"}}});
  call.join();
  EXPECT_TRUE(response.is_null()) << response;
}

TEST(Cancellation, RunsTheRegisteredWakeUpOnCancelOrAtOnceIfCancelled) {
  int woken = 0;
  Cancellation c;
  c.OnCancel([&] { ++woken; });
  EXPECT_EQ(woken, 0);
  c.Cancel();
  EXPECT_TRUE(c.cancelled());
  EXPECT_EQ(woken, 1);
  c.OnCancel(nullptr);
  c.Cancel();
  EXPECT_EQ(woken, 1) << "an unregistered wake-up never runs";
  c.OnCancel([&] { ++woken; });  // a wait that starts after the cancel ends at once
  EXPECT_EQ(woken, 2);
}

TEST_F(DispatcherTest, PingAndUnknownMethods) {
  EXPECT_EQ(Call("ping", Json::object())["result"], Json::object());
  EXPECT_EQ(Call("prompts/list", Json::object())["error"]["code"], -32601);
}

TEST_F(DispatcherTest, ResourcesExposeLogsThroughTheOperation) {
  Json templates = Call("resources/templates/list", Json::object());
  ASSERT_EQ(templates["result"]["resourceTemplates"].size(), 1u);
  EXPECT_EQ(templates["result"]["resourceTemplates"][0]["uriTemplate"],
            "ink://projects/{project}/services/{service}/logs");
  Json read = Call("resources/read", {{"uri", "ink://projects/demo/services/web/logs"}});
  ASSERT_TRUE(read.contains("result")) << read;
  EXPECT_EQ(read["result"]["contents"][0]["text"], "[0 stdout] hi\n");
  EXPECT_EQ(read["result"]["contents"][0]["mimeType"], "text/plain");
  Json missing = Call("resources/read", {{"uri", "ink://projects/demo/services/api/logs"}});
  EXPECT_EQ(missing["error"]["code"], -32002);
  Json unknown = Call("resources/read", {{"uri", "ink://nothing/here"}});
  EXPECT_EQ(unknown["error"]["code"], -32002);
  // No list_projects operation in this table: nothing to enumerate, still a valid answer.
  EXPECT_TRUE(Call("resources/list", Json::object())["result"]["resources"].empty());
}

}  // namespace
}  // namespace ink::mcp
