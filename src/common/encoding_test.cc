#include "ink/common/encoding.h"

#include <gtest/gtest.h>

namespace ink {
namespace {

TEST(Base64, IsTheStandardAlphabetWithPadding) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("me:p\xff\xfe?"), "bWU6cP/+Pw==");  // '+' and '/', not the URL alphabet
}

TEST(Base64, DecodesEveryByteBack) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n : {0, 1, 2, 3, 255, 256}) {
    auto back = Base64Decode(Base64Encode(all.substr(0, n)));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, all.substr(0, n));
    EXPECT_GE(Base64DecodedSize(Base64Encode(all.substr(0, n)).size()), n);
  }
}

TEST(Base64, RefusesWhatIsNotStandardBase64) {
  for (const char* bad : {"Zg=", "Zm9v!", "Zm 9v", "Zm9v\n", "-_-_", "Z"}) {
    auto r = Base64Decode(bad, "content_base64");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("content_base64 is not valid base64"), std::string::npos)
        << r.error().message;
  }
}

TEST(Utf8, FindsTheFirstInvalidByte) {
  EXPECT_EQ(FirstInvalidUtf8(""), std::string_view::npos);
  EXPECT_EQ(FirstInvalidUtf8("héllo ✓ 😀"), std::string_view::npos);
  EXPECT_EQ(FirstInvalidUtf8("ab\xff"), 2u);
  EXPECT_EQ(FirstInvalidUtf8("a\xc0\xaf"), 1u);     // overlong '/'
  EXPECT_EQ(FirstInvalidUtf8("\xed\xa0\x80"), 0u);  // a surrogate
  EXPECT_EQ(FirstInvalidUtf8("ok\xe2\x9c"), 2u);    // cut short
}

}  // namespace
}  // namespace ink
