#include "ink/ops/schema_types.h"

#include <gtest/gtest.h>

namespace ink {
namespace {

TEST(SchemaTypes, AcceptsTypedPropertiesItemsAndMaps) {
  Json schema = Json::parse(R"({
    "type": "object", "additionalProperties": false,
    "properties": {
      "name": {"type": "string"},
      "names": {"type": "array", "items": {"type": "string"}},
      "env": {"type": "object", "additionalProperties": {"type": "string"}}
    }})");
  EXPECT_TRUE(CheckSchemaTypes(schema, "op").ok());
}

TEST(SchemaTypes, RefusesAPropertyWithoutAType) {
  Json schema = Json::parse(R"({"type": "object",
    "properties": {"port": {"type": "integer"}, "env": {"description": "NAME: value"}}})");
  auto status = CheckSchemaTypes(schema, "deploy");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("deploy: field 'env' declares no JSON type"),
            std::string::npos)
      << status.error().message;
}

TEST(SchemaTypes, RefusesUntypedNestedSchemas) {
  auto items = CheckSchemaTypes(Json::parse(R"({"type": "object", "properties":
      {"names": {"type": "array", "items": {"maxLength": 5}}}})"),
                                "op");
  ASSERT_FALSE(items.ok());
  EXPECT_NE(items.error().message.find("'names[]'"), std::string::npos);
  auto map = CheckSchemaTypes(Json::parse(R"({"type": "object", "properties":
      {"env": {"type": "object", "additionalProperties": {}}}})"),
                              "op");
  ASSERT_FALSE(map.ok());
  EXPECT_NE(map.error().message.find("'env.*'"), std::string::npos);
  EXPECT_FALSE(CheckSchemaTypes(Json::parse(R"({"properties": {}})"), "op").ok());
}

TEST(SchemaTypes, RefusesUnknownAndUnionTypes) {
  EXPECT_FALSE(CheckSchemaTypes(Json::parse(R"({"type": "object", "properties":
      {"memory": {"type": ["string", "integer"]}}})"),
                                "op")
                   .ok());
  EXPECT_FALSE(CheckSchemaTypes(Json::parse(R"({"type": "object", "properties":
      {"port": {"type": "int"}}})"),
                                "op")
                   .ok());
}

}  // namespace
}  // namespace ink
