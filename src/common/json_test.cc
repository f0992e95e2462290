#include "ink/common/json.h"

#include <gtest/gtest.h>

namespace ink {
namespace {

TEST(ParseJson, ParsesAndNamesWhatIsMalformed) {
  auto ok = ParseJson(R"({"a": [1, {"b": "[[[{"}]})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["a"][1]["b"], "[[[{");
  auto bad = ParseJson("{\"a\": ");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("malformed JSON"), std::string::npos);
}

TEST(ParseJson, RefusesNestingThatWouldOverflowTheStack) {
  // A 1 MB body of '[' used to overflow the stack of the thread copying the parsed value.
  const std::string deep = std::string(500000, '[') + std::string(500000, ']');
  auto refused = ParseJson("{\"name\": " + deep + "}");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("nest deeper than 128"), std::string::npos);

  const std::string limit = std::string(128, '[') + std::string(128, ']');
  EXPECT_TRUE(ParseJson(limit).ok());
  EXPECT_FALSE(ParseJson("[" + limit + "]").ok());
  // Brackets inside strings (escaped quotes included) do not count.
  EXPECT_TRUE(ParseJson("[\"\\\"" + std::string(1000, '[') + "\"]").ok());
}

}  // namespace
}  // namespace ink
