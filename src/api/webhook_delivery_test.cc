#include "src/api/webhook_delivery.h"

#include <gtest/gtest.h>

namespace ink {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;  // ms

TEST(WebhookDelivery, NeedsAnIdOrASignedTimestamp) {
  auto none = WebhookDelivery{}.CheckFresh(kNow, nullptr);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(none.error().message.find("X-GitHub-Delivery"), std::string::npos);
  EXPECT_TRUE((WebhookDelivery{"72d3162e-cc78-11e3-81ab-4c9367dc0958", ""}.Validate().ok()));
  EXPECT_FALSE((WebhookDelivery{"a b", ""}.Validate().ok()));
  EXPECT_FALSE((WebhookDelivery{std::string(101, 'a'), ""}.Validate().ok()));
  EXPECT_FALSE((WebhookDelivery{"", "17e8"}.Validate().ok()));
  EXPECT_FALSE((WebhookDelivery{"", "-5"}.Validate().ok()));
  EXPECT_FALSE((WebhookDelivery{"", "1234567890123"}.Validate().ok()));
}

TEST(WebhookDelivery, TimestampWindow) {
  for (int64_t offset : {0, 299, -299}) {
    WebhookDelivery d{"", std::to_string(kNow / 1000 + offset)};
    EXPECT_TRUE(d.Validate().ok());
    EXPECT_TRUE(d.CheckFresh(kNow, nullptr).ok()) << offset;
  }
  for (int64_t offset : {301, -301, -86400}) {
    auto r = WebhookDelivery{"", std::to_string(kNow / 1000 + offset)}.CheckFresh(kNow, nullptr);
    ASSERT_FALSE(r.ok()) << offset;
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  }
}

TEST(WebhookDelivery, AGitHubPushOlderThanTheMemoryIsRefused) {
  WebhookDelivery d{"guid", ""};
  Json recent = {{"repository", {{"pushed_at", kNow / 1000 - 3600}}}};
  EXPECT_TRUE(d.CheckFresh(kNow, &recent).ok());
  Json old = {{"repository", {{"pushed_at", kNow / 1000 - 8 * 86400}}}};
  auto r = d.CheckFresh(kNow, &old);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("8 days old"), std::string::npos) << r.error().message;
  Json odd = {{"repository", {{"pushed_at", "2020-01-01T00:00:00Z"}}}};  // other events
  EXPECT_TRUE(d.CheckFresh(kNow, &odd).ok());
  Json not_object = Json::array();
  EXPECT_TRUE(d.CheckFresh(kNow, &not_object).ok());
}

TEST(WebhookDelivery, KeysTellDeliveriesApart) {
  EXPECT_EQ((WebhookDelivery{"guid", "1"}.Key("sha256=ab")), "id:guid");
  EXPECT_EQ((WebhookDelivery{"", "1"}.Key("sha256=ab")), "sig:sha256=ab");
}

}  // namespace
}  // namespace ink
