// Store tests: object-storage destinations (insert, replace keeping created_at, list by name,
// workspace scope, delete).
#include "store_test_util.h"

namespace ink::store_test {
namespace {

class StoragesTest : public StoreTest {
 protected:
  ObjectStorage Make(const std::string& workspace, const std::string& name,
                     const std::string& bucket = "bk1") {
    return {.workspace_id = workspace,
            .name = name,
            .provider = "s3",
            .bucket = bucket,
            .prefix = "ink/prod",
            .settings = R"({"endpoint":"http://127.0.0.1:4569"})",
            .sealed_secrets = std::string("sealed\0bytes", 12),
            .secret_fields = {"access_key_id", "secret_access_key"}};
  }
};

TEST_F(StoragesTest, PutReplacesKeepingCreatedListsGetsDeletes) {
  std::string ws = NewWorkspace("default");
  clock_.Set(1000);
  auto put = store_->PutObjectStorage(Make(ws, "offsite"));
  ASSERT_TRUE(put.ok()) << put.error().message;
  EXPECT_EQ(put->created_at, 1000);
  ASSERT_TRUE(store_->PutObjectStorage(Make(ws, "archive")).ok());
  clock_.Set(2000);
  auto replaced = store_->PutObjectStorage(Make(ws, "offsite", "bk2"));
  ASSERT_TRUE(replaced.ok()) << replaced.error().message;
  EXPECT_EQ(replaced->created_at, 1000);
  EXPECT_EQ(replaced->updated_at, 2000);

  auto got = store_->GetObjectStorage(ws, "offsite");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->bucket, "bk2");
  EXPECT_EQ(got->prefix, "ink/prod");
  EXPECT_EQ(got->sealed_secrets, std::string("sealed\0bytes", 12));
  EXPECT_EQ(got->secret_fields, (std::vector<std::string>{"access_key_id", "secret_access_key"}));
  EXPECT_EQ(got->settings, R"({"endpoint":"http://127.0.0.1:4569"})");
  EXPECT_EQ(got->created_at, 1000);

  auto list = store_->ListObjectStorages(ws);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "archive");
  EXPECT_EQ((*list)[1].name, "offsite");

  ASSERT_TRUE(store_->DeleteObjectStorage(ws, "offsite").ok());
  EXPECT_EQ(store_->GetObjectStorage(ws, "offsite").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->DeleteObjectStorage(ws, "offsite").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->ListObjectStorages(ws)->size(), 1u);
}

TEST_F(StoragesTest, ScopedToTheWorkspace) {
  std::string mine = NewWorkspace("mine");
  std::string theirs = NewWorkspace("theirs");
  ASSERT_TRUE(store_->PutObjectStorage(Make(mine, "offsite")).ok());
  EXPECT_EQ(store_->GetObjectStorage(theirs, "offsite").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->DeleteObjectStorage(theirs, "offsite").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->ListObjectStorages(theirs)->empty());
  // The same name in another workspace is another destination.
  ASSERT_TRUE(store_->PutObjectStorage(Make(theirs, "offsite", "other")).ok());
  EXPECT_EQ(store_->GetObjectStorage(mine, "offsite")->bucket, "bk1");
  EXPECT_EQ(store_->PutObjectStorage(Make("wsp_nope", "x")).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace ink::store_test
