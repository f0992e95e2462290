// The whole operation table inkd serves (RegisterOperations plus the git remote's operations)
// tells a client the JSON type of every input and output field: models build their arguments
// from these types (CheckSchemaTypes refuses a property without one).
#include "ink/api/git_http.h"
#include "ink/catalog/catalog.h"
#include "ink/ops/schema_types.h"
#include "src/api/operations_test_fixture.h"

namespace ink {
namespace {

class OperationSchemasTest : public api_test::OperationsTest {
 protected:
  void SetUp() override {
    OperationsTest::SetUp();
    git_remote_ = std::make_unique<GitRemote>(
        *store_, table_, GitRemoteOptions{.data_dir = dir_, .webhook_key = "k"});
    git_remote_->RegisterOperations(table_);
  }
  std::unique_ptr<GitRemote> git_remote_;
};

TEST_F(OperationSchemasTest, EveryPropertyOfEveryOperationDeclaresAType) {
  ASSERT_GT(table_.All().size(), 20u);
  for (const auto& op : table_.All()) {
    auto input = CheckSchemaTypes(op.input_schema, op.name + " input");
    EXPECT_TRUE(input.ok()) << input.error().message;
    auto output = CheckSchemaTypes(op.output_schema, op.name + " output");
    EXPECT_TRUE(output.ok()) << output.error().message;
  }
}

// inkd implements every operation the catalog declares (the ink CLI offers what the catalog
// says, so a declared operation without a handler would be a command that always fails).
TEST_F(OperationSchemasTest, InkdImplementsTheWholeCatalog) {
  EXPECT_EQ(table_.All().size(), OperationCatalog().size());
  for (const auto& declared : OperationCatalog()) {
    EXPECT_NE(table_.Find(declared.name), nullptr) << declared.name << " has no handler";
  }
}

}  // namespace
}  // namespace ink
