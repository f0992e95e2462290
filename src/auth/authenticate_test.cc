#include "ink/auth/authenticate.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <unistd.h>

#include <filesystem>

#include "ink/common/names.h"

namespace ink {
namespace {

std::string Base64(const std::string& s) {
  std::string out(sodium_base64_encoded_len(s.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(s.data()),
                    s.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

class AuthenticateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ink-auth-test-" + std::to_string(::getpid()) + "-" + RandomToken(4));
    std::filesystem::create_directories(dir_);
    auto opened = OpenSqliteStore((dir_ / "ink.db").string(), SystemClock());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    alice_ = AddToken("alice", "ink_alicesecret");
    bob_ = AddToken("bob", "ink_bobsecret");
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  // A workspace with one token; returns the workspace id.
  std::string AddToken(const std::string& workspace, const std::string& secret) {
    auto ws = store_->CreateWorkspace(workspace);
    EXPECT_TRUE(ws.ok());
    ApiToken token;
    token.workspace_id = ws->id;
    token.name = workspace + "-admin";
    token.hash = Sha256Hex(secret);
    EXPECT_TRUE(store_->CreateToken(token).ok());
    return ws->id;
  }
  std::string Message(std::string_view header, AuthScheme scheme = AuthScheme::kBearer) {
    auto r = Authenticate(*store_, header, scheme);
    EXPECT_FALSE(r.ok()) << header;
    if (r.ok()) return "";
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
    return r.error().message;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  std::string alice_, bob_;
};

TEST_F(AuthenticateTest, ABearerTokenResolvesToItsWorkspace) {
  auto alice = Authenticate(*store_, "Bearer ink_alicesecret");
  ASSERT_TRUE(alice.ok()) << alice.error().message;
  EXPECT_EQ(alice->workspace_id, alice_);
  EXPECT_EQ(alice->token_name, "alice-admin");
  EXPECT_FALSE(alice->token_id.empty());
  auto bob = Authenticate(*store_, "bearer ink_bobsecret");  // the scheme is case-insensitive
  ASSERT_TRUE(bob.ok());
  EXPECT_EQ(bob->workspace_id, bob_);
  EXPECT_NE(bob->token_id, alice->token_id);
}

TEST_F(AuthenticateTest, GitSendsTheTokenAsTheBasicPassword) {
  for (std::string pair :
       {"ink:ink_alicesecret", "anyone:ink_alicesecret", "ink_alicesecret:", "ink_alicesecret"}) {
    auto r = Authenticate(*store_, "Basic " + Base64(pair), AuthScheme::kBearerOrBasic);
    ASSERT_TRUE(r.ok()) << pair << ": " << r.error().message;
    EXPECT_EQ(r->workspace_id, alice_);
  }
  auto bearer = Authenticate(*store_, "Bearer ink_bobsecret", AuthScheme::kBearerOrBasic);
  ASSERT_TRUE(bearer.ok());
  EXPECT_EQ(bearer->workspace_id, bob_);
  // REST and MCP take Bearer only.
  EXPECT_NE(Message("Basic " + Base64("ink:ink_alicesecret")).find("Bearer"), std::string::npos);
}

TEST_F(AuthenticateTest, MissingMalformedAndUnknownTokensSayWhatToDo) {
  EXPECT_NE(Message("").find("missing API token"), std::string::npos);
  EXPECT_NE(Message("", AuthScheme::kBearerOrBasic).find("password"), std::string::npos);
  EXPECT_NE(Message("Token ink_alicesecret").find("malformed Authorization"), std::string::npos);
  EXPECT_NE(Message("Bearer ").find("malformed API token"), std::string::npos);
  EXPECT_NE(Message("Bearer ink_alice secret").find("malformed API token"), std::string::npos);
  EXPECT_NE(Message("Bearer " + std::string(600, 'a')).find("too long"), std::string::npos);
  EXPECT_NE(Message("Basic !!!notbase64", AuthScheme::kBearerOrBasic).find("malformed"),
            std::string::npos);
  std::string wrong = Message("Bearer ink_wrongsecret");
  EXPECT_NE(wrong.find("not valid"), std::string::npos);
  EXPECT_EQ(wrong.find("ink_wrongsecret"), std::string::npos);  // never quoted
  // A stored hash is not a token: sending it does not authenticate.
  EXPECT_NE(Message("Bearer " + Sha256Hex("ink_alicesecret")).find("not valid"), std::string::npos);
}

}  // namespace
}  // namespace ink
