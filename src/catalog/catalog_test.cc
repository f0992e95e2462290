// The catalog on its own (what the ink CLI links): every entry would be accepted by an
// OperationTable once given a handler, so its REST bindings are consistent.
#include "ink/catalog/catalog.h"

#include <gtest/gtest.h>

#include "ink/ops/schema_types.h"

namespace ink {
namespace {

TEST(Catalog, EveryEntryJoinsATableOnceImplemented) {
  OperationTable table;
  ASSERT_GT(OperationCatalog().size(), 30u);
  for (const Operation& declared : OperationCatalog()) {
    EXPECT_FALSE(declared.handler || declared.stream || declared.with_progress) << declared.name;
    Operation op = Implement(
        declared.name,
        {.handler = [](const Caller&, const Json&) -> Result<Json> { return Json::object(); }});
    auto accepted = table.CheckNew(op);
    EXPECT_TRUE(accepted.ok()) << accepted.error().message;
    if (accepted.ok()) table.Add(std::move(op));
    auto types = CheckSchemaTypes(declared.input_schema, declared.name + " input");
    EXPECT_TRUE(types.ok()) << types.error().message;
  }
}

// One rule each (ink/common/resources.h): deploy and update_service accept and refuse the same
// port, cpu, memory and replicas; plan the same port. Only the descriptions may differ.
TEST(Catalog, DeployAndUpdateShareOneRulePerSetting) {
  auto rule = [](const char* operation, const char* field) {
    const Operation* op = FindDeclared(operation);
    EXPECT_NE(op, nullptr) << operation;
    if (op == nullptr) return Json();
    Json schema = op->input_schema["properties"].value(field, Json());
    schema.erase("description");
    return schema;
  };
  for (const char* field : {"port", "cpu", "memory", "replicas"}) {
    EXPECT_FALSE(rule("deploy", field).is_null()) << field;
    EXPECT_EQ(rule("deploy", field), rule("update_service", field)) << field;
  }
  EXPECT_EQ(rule("deploy", "port"), rule("plan", "port"));
  const Json cpu = FindDeclared("deploy")->input_schema["properties"]["cpu"];
  EXPECT_TRUE(ValidateAgainstSchema(cpu, 0, "cpu").ok());  // inkd's default
  EXPECT_TRUE(ValidateAgainstSchema(cpu, 0.01, "cpu").ok());
  EXPECT_FALSE(ValidateAgainstSchema(cpu, 0.005, "cpu").ok());
  EXPECT_FALSE(ValidateAgainstSchema(cpu, 64.5, "cpu").ok());
}

TEST(Catalog, ImplementKeepsTheDeclarationAndTakesTheHandlers) {
  Operation op = Implement(
      "deploy", {.with_progress = [](const Caller&, const Json&, const Progress&) -> Result<Json> {
        return Json::object();
      }});
  EXPECT_EQ(op.name, "deploy");
  EXPECT_TRUE(op.input_schema["properties"].contains("wait"));
  ASSERT_EQ(op.rest.size(), 1u);
  EXPECT_EQ(op.rest[0].path, "/v1/projects/{project}/deploy");
  EXPECT_TRUE(op.with_progress);
  EXPECT_EQ(FindDeclared("no_such_operation"), nullptr);
}

}  // namespace
}  // namespace ink
