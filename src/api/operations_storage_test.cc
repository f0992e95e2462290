// Storage destinations through the operation table: set (checked against the bucket first,
// secrets sealed, kept on a replace that leaves them out), list (names of the secret fields,
// never values), delete; bad input and a refused check change nothing.
#include "ink/storage/fake_object_store.h"
#include "src/api/operations_internal.h"
#include "src/api/operations_test_fixture.h"

namespace ink {
namespace {

class StorageOperationsTest : public api_test::OperationsTest {
 protected:
  void SetUp() override {
    OperationsTest::SetUp();
    deps_->object_stores = &stores_;
  }
  Result<Json> Op(const std::string& operation, const Json& input) {
    return table_.Invoke(*table_.Find(operation), caller_, input);
  }
  Json MustOp(const std::string& operation, const Json& input) {
    auto r = Op(operation, input);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : Json();
  }
  static Json S3Input() {
    return {{"name", "offsite"},
            {"provider", "s3"},
            {"bucket", "bk1"},
            {"prefix", "/ink//prod/"},
            {"endpoint", "http://127.0.0.1:4569"},
            {"path_style", true},
            {"secrets", {{"access_key_id", "AKID"}, {"secret_access_key", "hunter2-secret"}}}};
  }
  storage::FakeObjectStoreFactory stores_;
};

TEST_F(StorageOperationsTest, SetListDeleteNeverShowsSecrets) {
  Json set = MustOp("set_storage", S3Input());
  EXPECT_TRUE(set["created"].get<bool>());
  EXPECT_EQ(set["storage"]["prefix"], "ink/prod");
  EXPECT_EQ(set.dump().find("hunter2"), std::string::npos);
  ASSERT_EQ(stores_.bucket().opened.size(), 1u);  // checked before saving
  EXPECT_EQ(stores_.bucket().opened[0].secrets.at("secret_access_key"), "hunter2-secret");

  Json list = MustOp("list_storages", Json::object());
  ASSERT_EQ(list["storages"].size(), 1u);
  const Json& s = list["storages"][0];
  EXPECT_EQ(s["name"], "offsite");
  EXPECT_EQ(s["provider"], "s3");
  EXPECT_EQ(s["bucket"], "bk1");
  EXPECT_EQ(s["endpoint"], "http://127.0.0.1:4569");
  EXPECT_TRUE(s["path_style"].get<bool>());
  EXPECT_EQ(s["secrets_set"], (Json{"access_key_id", "secret_access_key"}));
  EXPECT_EQ(list.dump().find("hunter2"), std::string::npos);
  EXPECT_EQ(list.dump().find("AKID"), std::string::npos);
  // Sealed at rest: the row holds no plaintext.
  auto row = store_->GetObjectStorage(caller_.workspace_id, "offsite");
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->sealed_secrets.find("hunter2"), std::string::npos);

  // A replace of the same provider without secrets keeps them.
  Json again = S3Input();
  again.erase("secrets");
  again["prefix"] = "ink/staging";
  Json replaced = MustOp("set_storage", again);
  EXPECT_FALSE(replaced["created"].get<bool>());
  EXPECT_EQ(stores_.bucket().opened.back().secrets.at("secret_access_key"), "hunter2-secret");
  auto opened = api_internal::OpenStorage(*deps_, caller_, "offsite");
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->prefix, "ink/staging");
  EXPECT_EQ(opened->secrets.at("access_key_id"), "AKID");

  MustOp("delete_storage", {{"name", "offsite"}});
  EXPECT_TRUE(MustOp("list_storages", Json::object())["storages"].empty());
  EXPECT_EQ(Op("delete_storage", {{"name", "offsite"}}).error().code, ErrorCode::kNotFound);
}

TEST_F(StorageOperationsTest, BadInputAndARefusedCheckChangeNothing) {
  auto expect_refused = [&](Json input, const std::string& says) {
    auto r = Op("set_storage", input);
    ASSERT_FALSE(r.ok()) << input.dump();
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("hunter2"), std::string::npos);
    EXPECT_TRUE(store_->ListObjectStorages(caller_.workspace_id)->empty());
  };
  Json input = S3Input();
  input["prefix"] = "a/../b";
  expect_refused(input, "'..'");
  input = S3Input();
  input["bucket"] = "Bad_Bucket";
  expect_refused(input, "bucket");
  input = S3Input();
  input["secrets"].erase("secret_access_key");
  expect_refused(input, "needs the secret 'secret_access_key'");
  input = S3Input();
  input["secrets"]["secret_access_key"] = 42;
  expect_refused(input, "must be a string");
  input = S3Input();
  input["name"] = "Bad Name";
  expect_refused(input, "storage name");
  input = S3Input();
  input["account"] = "acct";
  expect_refused(input, "azureblob setting");

  stores_.bucket().check_error =
      PermissionDenied("the storage refused the credentials for bucket 'bk1'");
  expect_refused(S3Input(), "storage 'offsite' was not saved: the storage refused");
  stores_.bucket().check_error = NotFound("bucket 'bk1' does not exist");
  auto r = Op("set_storage", S3Input());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  // check: false saves without listing.
  Json unchecked = S3Input();
  unchecked["check"] = false;
  MustOp("set_storage", unchecked);
  EXPECT_EQ(MustOp("list_storages", Json::object())["storages"].size(), 1u);
}

TEST_F(StorageOperationsTest, AnotherWorkspaceSeesNothing) {
  MustOp("set_storage", S3Input());
  auto other = store_->CreateWorkspace("other");
  ASSERT_TRUE(other.ok());
  Caller them{.workspace_id = other->id};
  auto list = table_.Invoke(*table_.Find("list_storages"), them, Json::object());
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE((*list)["storages"].empty());
  EXPECT_FALSE(api_internal::OpenStorage(*deps_, them, "offsite").ok());
  auto gone = table_.Invoke(*table_.Find("delete_storage"), them, {{"name", "offsite"}});
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace ink
