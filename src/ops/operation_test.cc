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

}  // namespace
}  // namespace ink
