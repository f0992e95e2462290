// Store tests: webhook deliveries (replay protection) and deploy keys.
#include "store_test_util.h"

namespace ink::store_test {
namespace {

using std::chrono::milliseconds;

class SourcesTest : public StoreTest {};

TEST_F(SourcesTest, ARepeatedDeliveryIsRefusedUntilItAgesOut) {
  const milliseconds keep(60'000);
  EXPECT_TRUE(*store_->RecordWebhookDelivery("svc_a", "guid-1", keep, 100));
  EXPECT_FALSE(*store_->RecordWebhookDelivery("svc_a", "guid-1", keep, 100));
  EXPECT_TRUE(*store_->RecordWebhookDelivery("svc_b", "guid-1", keep, 100));  // per service
  Reopen();                                                                   // survives a restart
  EXPECT_FALSE(*store_->RecordWebhookDelivery("svc_a", "guid-1", keep, 100));
  clock_.Advance(60'001);
  EXPECT_TRUE(*store_->RecordWebhookDelivery("svc_a", "guid-1", keep, 100));
  ASSERT_TRUE(store_->ForgetWebhookDelivery("svc_a", "guid-1").ok());
  EXPECT_TRUE(*store_->RecordWebhookDelivery("svc_a", "guid-1", keep, 100));
}

TEST_F(SourcesTest, DeliveriesAreBoundedPerService) {
  const milliseconds keep(1'000'000'000);
  for (int i = 0; i < 25; ++i) {
    clock_.Advance(1);
    ASSERT_TRUE(*store_->RecordWebhookDelivery("svc_a", "d" + std::to_string(i), keep, 20));
  }
  EXPECT_EQ(RawSql(path_, "SELECT COUNT(*) FROM webhook_deliveries"), "20");
  EXPECT_FALSE(*store_->RecordWebhookDelivery("svc_a", "d24", keep, 20));  // the newest stay
  EXPECT_FALSE(*store_->RecordWebhookDelivery("svc_a", "d5", keep, 20));
  EXPECT_TRUE(*store_->RecordWebhookDelivery("svc_a", "d4", keep, 20));  // evicted
}

TEST_F(SourcesTest, OneDeployKeyPerWorkspace) {
  auto ws = store_->CreateWorkspace("default");
  ASSERT_TRUE(ws.ok());
  EXPECT_EQ(store_->GetDeployKey(ws->id).error().code, ErrorCode::kNotFound);
  DeployKey key{ws->id, "ssh-ed25519 AAAA one", "SHA256:one", "sealed-one", 0};
  ASSERT_TRUE(store_->PutDeployKey(key).ok());
  key.public_key = "ssh-ed25519 AAAA two";
  key.sealed_private_key = "sealed-two";
  clock_.Advance(10);
  ASSERT_TRUE(store_->PutDeployKey(key).ok());
  auto got = store_->GetDeployKey(ws->id);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->public_key, "ssh-ed25519 AAAA two");
  EXPECT_EQ(got->sealed_private_key, "sealed-two");
  EXPECT_EQ(got->created_at, clock_.NowMillis());
  EXPECT_EQ(store_->GetDeployKey("wsp_other").error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(store_->PutDeployKey({"wsp_missing", "k", "f", "s", 0}).ok());
  ASSERT_TRUE(store_->DeleteDeployKey(ws->id).ok());
  EXPECT_EQ(store_->DeleteDeployKey(ws->id).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace ink::store_test
