#include "ink/ops/operation.h"

#include <gtest/gtest.h>

namespace ink {
namespace {

Json PortSchema() {
  return Json::parse(R"({
    "type": "object", "additionalProperties": false, "required": ["name"],
    "properties": {
      "name": {"type": "string", "minLength": 1, "description": "service name"},
      "port": {"type": "integer", "minimum": 1, "maximum": 65535},
      "mode": {"type": "string", "enum": ["a", "b"]},
      "follow": {"type": "boolean"},
      "env": {"type": "object", "additionalProperties": {"type": "string"}}
    }})");
}

TEST(Schema, AcceptsValidInput) {
  EXPECT_TRUE(ValidateAgainstSchema(PortSchema(), Json{{"name", "web"}, {"port", 8080}}).ok());
}

TEST(Schema, NamesTheFieldAndRange) {
  auto s = ValidateAgainstSchema(PortSchema(), Json{{"name", "web"}, {"port", 70000}});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("port 70000 is out of range"), std::string::npos);
  EXPECT_NE(s.error().message.find("1-65535"), std::string::npos);
}

TEST(Schema, MultipleOfAllowsWholeStepsOnly) {
  const Json cpu = {{"type", "number"}, {"minimum", 0}, {"maximum", 64}, {"multipleOf", 0.01}};
  for (double ok : {0.0, 0.01, 0.29, 0.5, 1.0, 2.57, 64.0}) {
    EXPECT_TRUE(ValidateAgainstSchema(cpu, ok, "cpu").ok()) << ok;
  }
  auto s = ValidateAgainstSchema(cpu, 0.005, "cpu");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "cpu 0.005 must be a multiple of 0.01");
  EXPECT_FALSE(ValidateAgainstSchema(cpu, 0.333, "cpu").ok());
}

TEST(Schema, RejectsMissingWrongTypeUnknownAndEnum) {
  auto missing = ValidateAgainstSchema(PortSchema(), Json::object());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("missing required field 'name'"), std::string::npos);
  auto wrong = ValidateAgainstSchema(PortSchema(), Json{{"name", "w"}, {"port", "80"}});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("port must be an integer, got string"), std::string::npos);
  auto unknown = ValidateAgainstSchema(PortSchema(), Json{{"name", "w"}, {"prot", 80}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("did you mean 'port'"), std::string::npos);
  EXPECT_FALSE(ValidateAgainstSchema(PortSchema(), Json{{"name", "w"}, {"mode", "c"}}).ok());
  EXPECT_FALSE(ValidateAgainstSchema(PortSchema(), Json{{"name", "w"}, {"env", {{"K", 1}}}}).ok());
}

TEST(Schema, CoercesQueryStrings) {
  Json v = CoerceQueryValues(PortSchema(), {{"port", "80"}, {"follow", "true"}, {"name", "x"}});
  EXPECT_EQ(v["port"], 80);
  EXPECT_EQ(v["follow"], true);
  EXPECT_EQ(v["name"], "x");
  Json bad = CoerceQueryValues(PortSchema(), {{"port", "eighty"}});
  EXPECT_FALSE(ValidateAgainstSchema(PortSchema(), bad).ok());
}

TEST(Table, InvokeValidatesBeforeHandler) {
  OperationTable table;
  int calls = 0;
  table.Add({.name = "make",
             .description = "d",
             .input_schema = PortSchema(),
             .handler = [&](const Caller&, const Json&) -> Result<Json> {
               ++calls;
               return Json{{"ok", true}};
             }});
  const Operation* op = table.Find("make");
  ASSERT_NE(op, nullptr);
  EXPECT_FALSE(table.Invoke(*op, Caller{}, Json{{"port", 1}}).ok());
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(table.Invoke(*op, Caller{}, Json{{"name", "a"}}).ok());
  EXPECT_EQ(calls, 1);
}

Operation Routed(std::string name, std::vector<RestBinding> rest) {
  return {.name = std::move(name),
          .description = "d",
          .input_schema = PortSchema(),
          .handler = [](const Caller&, const Json&) -> Result<Json> { return Json::object(); },
          .rest = std::move(rest)};
}

// The message CheckNew gives for `op` against a table holding one operation routed at
// POST /v1/things/{name}; "" if it is accepted.
std::string Refusal(Operation op) {
  OperationTable table;
  table.Add(Routed("make", {{"POST", "/v1/things/{name}"}}));
  auto status = table.CheckNew(op);
  return status.ok() ? "" : status.error().message;
}

TEST(Table, AcceptsConsistentRestBindings) {
  EXPECT_EQ(Refusal(Routed("get_thing", {{"GET", "/v1/things/{name}"}})), "");
  EXPECT_EQ(Refusal(Routed("list", {{"GET", "/v1/things"}, {"GET", "/v1/things/{name}/all"}})), "");
  EXPECT_EQ(Refusal(Routed("no_rest", {})), "");
}

TEST(Table, RefusesInconsistentEntries) {
  auto refused = [](Operation op, const std::string& words) {
    std::string message = Refusal(std::move(op));
    EXPECT_NE(message.find(words), std::string::npos) << "message: " << message;
  };
  refused(Routed("make", {}), "another operation has this name");
  refused(Routed("Bad-Name", {}), "must be snake_case");
  refused(Routed("a", {{"POST", "/v1/things/{name}"}}), "could match make's route");
  refused(Routed("b", {{"POST", "/v1/things/fixed"}}), "could match make's route");
  refused(Routed("c", {{"GET", "/v1/x/{nope}"}}), "path parameter {nope} is not an input field");
  refused(Routed("d", {{"GET", "/v1/x/{port}"}}), "must be a string input field");
  refused(Routed("e", {{"FETCH", "/v1/x"}}), "unknown method");
  refused(Routed("f", {{"GET", "/x"}}), "must start with /v1/");
  refused(Routed("g", {{"GET", "/v1/x//y"}}), "empty segment");
  refused(Routed("h", {{"GET", "/v1/x{name}"}}), "brace inside the literal segment");
  refused(Routed("i", {{"GET", "/v1/{name}/{name}"}}), "names parameter {name} twice");
  refused(Routed("j", {{"GET", "/v1/x"}, {"GET", "/v1/x"}}), "could match j's route");
  Operation no_handler = Routed("k", {});
  no_handler.handler = nullptr;
  refused(no_handler, "has no handler");
  Operation open_schema = Routed("l", {});
  open_schema.input_schema = Json{{"type", "object"}, {"properties", Json::object()}};
  refused(open_schema, "additionalProperties: false");
}

TEST(Table, ChecksCliShortcuts) {
  OperationTable table;
  Operation update = Routed("update", {});
  update.cli = {.command = {"things", "update"},
                .shortcuts = {{.command = {"scale"}, .positionals = {"name"}, .fields = {"port"}}}};
  table.Add(update);
  auto refusal = [&](CliBinding cli) {
    Operation op = Routed("other", {});
    op.cli = std::move(cli);
    auto status = table.CheckNew(op);
    return status.ok() ? std::string() : status.error().message;
  };
  EXPECT_NE(refusal({.command = {"scale"}}).find("update has the same command words"),
            std::string::npos);
  EXPECT_NE(refusal({.command = {"x"}, .shortcuts = {{.command = {"things", "update"}}}})
                .find("update has the same command words"),
            std::string::npos);
  EXPECT_NE(refusal({.command = {"x"}, .shortcuts = {{.command = {"y"}, .fields = {"nope"}}}})
                .find("'nope' is not an input field"),
            std::string::npos);
  EXPECT_NE(refusal({.command = {"x"}, .shortcuts = {{.command = {"x"}}}}).find("same words"),
            std::string::npos);
  EXPECT_EQ(refusal({.command = {"x"}, .shortcuts = {{.command = {"y"}, .fields = {"port"}}}}), "");
}

TEST(Table, DescribeListsRestBindings) {
  OperationTable table;
  table.Add(Routed("make", {{"POST", "/v1/things/{name}"}}));
  Json described = table.Describe();
  EXPECT_EQ(described[0]["rest"][0]["method"], "POST");
  EXPECT_EQ(described[0]["rest"][0]["path"], "/v1/things/{name}");
}

TEST(Table, MatchesPathTemplates) {
  Json params;
  EXPECT_TRUE(MatchPathTemplate("/v1/projects/{project}/services/{service}",
                                "/v1/projects/a/services/b/", params));
  EXPECT_EQ(params, (Json{{"project", "a"}, {"service", "b"}}));
  EXPECT_FALSE(MatchPathTemplate("/v1/projects/{project}", "/v1/projects/a/services", params));
  EXPECT_FALSE(MatchPathTemplate("/v1/projects", "/v1/project", params));
}

TEST(Table, PathParametersInOrder) {
  auto names = PathParameters("/v1/projects/{project}/services/{service}");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"project", "service"}));
}

}  // namespace
}  // namespace ink
