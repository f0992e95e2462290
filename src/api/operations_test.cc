#include "ink/api/operations.h"

#include <gtest/gtest.h>

#include "ink/api/rest.h"

namespace ink {
namespace {

TEST(ImageReference, ValidAndInvalid) {
  EXPECT_TRUE(ValidateImageReference("127.0.0.1:5000/echo:1").ok());
  EXPECT_TRUE(ValidateImageReference("ghcr.io/acme/web@sha256:abcdef0123").ok());
  EXPECT_TRUE(ValidateImageReference("localhost/ink/base:bookworm").ok());
  EXPECT_FALSE(ValidateImageReference("").ok());
  EXPECT_FALSE(ValidateImageReference("ghcr.io/Acme/Web:1").ok());
  EXPECT_FALSE(ValidateImageReference("a b").ok());
  EXPECT_FALSE(ValidateImageReference("--upload-pack=x").ok());
  EXPECT_FALSE(ValidateImageReference("ghcr.io/../etc").ok());
}

TEST(RestRoutes, EveryStatusCodeMaps) {
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kAlreadyExists), 409);
}

}  // namespace
}  // namespace ink
