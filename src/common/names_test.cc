#include "ink/common/names.h"

#include <gtest/gtest.h>

namespace ink {
namespace {

TEST(ValidateName, AcceptsDnsLabels) {
  EXPECT_TRUE(ValidateName("service name", "web").ok());
  EXPECT_TRUE(ValidateName("service name", "api-2").ok());
}

TEST(ValidateServiceName, ReservesSharedForSharedVariables) {
  EXPECT_TRUE(ValidateServiceName("web").ok());
  EXPECT_TRUE(ValidateServiceName("shared-cache").ok());
  auto reserved = ValidateServiceName("shared");
  ASSERT_FALSE(reserved.ok());
  EXPECT_NE(reserved.error().message.find("reserved"), std::string::npos);
  EXPECT_FALSE(ValidateServiceName("Web").ok());
}

TEST(ValidateName, RejectsWithActionableMessages) {
  auto upper = ValidateName("project name", "Demo");
  ASSERT_FALSE(upper.ok());
  EXPECT_EQ(upper.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(upper.error().message.find("lowercase"), std::string::npos);
  EXPECT_FALSE(ValidateName("n", "../etc").ok());
  EXPECT_FALSE(ValidateName("n", "").ok());
  EXPECT_FALSE(ValidateName("n", "9lives").ok());
  EXPECT_FALSE(ValidateName("n", "trailing-").ok());
  EXPECT_FALSE(ValidateName("n", std::string(31, 'a')).ok());
}

TEST(NewId, HasPrefixAndIsUnique) {
  auto a = NewId("svc"), b = NewId("svc");
  EXPECT_EQ(a.rfind("svc_", 0), 0u);
  EXPECT_NE(a, b);
}

TEST(Sha256Hex, KnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace ink
