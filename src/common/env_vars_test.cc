#include "ink/common/env_vars.h"

#include <gtest/gtest.h>

#include <map>

#include "ink/common/json.h"

namespace ink {
namespace {

std::map<std::string, std::string> Parse(std::string_view text) {
  auto entries = ParseDotenv(text);
  EXPECT_TRUE(entries.ok()) << (entries.ok() ? "" : entries.error().message);
  std::map<std::string, std::string> out;
  if (entries.ok()) {
    for (const auto& e : *entries) out[e.name] = e.value;
  }
  return out;
}

std::string ErrorOf(std::string_view text) {
  auto entries = ParseDotenv(text);
  EXPECT_FALSE(entries.ok()) << text;
  return entries.ok() ? "" : entries.error().message;
}

TEST(VariableName, PosixRules) {
  for (const char* good : {"A", "_", "api_key", "API_KEY_2", "_9"}) {
    EXPECT_TRUE(ValidateVariableName(good).ok()) << good;
  }
  for (const char* bad : {"", "9LIVES", "MY-VAR", "A B", "A=B", "É", "A.B", "A\n"}) {
    auto status = ValidateVariableName(bad);
    EXPECT_FALSE(status.ok()) << bad;
    if (!status.ok() && *bad != '\0') {
      EXPECT_NE(status.error().message.find("letters, digits and '_'"), std::string::npos);
    }
  }
  EXPECT_FALSE(ValidateVariableName(std::string(257, 'A')).ok());
}

TEST(VariableValue, BoundsUtf8AndNulWithoutEchoingTheValue) {
  EXPECT_TRUE(ValidateVariableValue("K", "🚀 ünï $x #y \"q\"\n").ok());
  EXPECT_TRUE(ValidateVariableValue("K", std::string(64 * 1024, 'x')).ok());
  auto big = ValidateVariableValue("K", std::string(64 * 1024 + 1, 's'));
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message.find("65536"), std::string::npos);
  auto nul = ValidateVariableValue("TOKEN", std::string("sec\0ret", 7));
  ASSERT_FALSE(nul.ok());
  EXPECT_NE(nul.error().message.find("TOKEN"), std::string::npos);
  EXPECT_EQ(nul.error().message.find("sec"), std::string::npos);
  auto latin1 = ValidateVariableValue("K", "caf\xe9-secret");
  ASSERT_FALSE(latin1.ok());
  EXPECT_EQ(latin1.error().message.find("secret"), std::string::npos);
  EXPECT_FALSE(ValidateVariableValue("K", "\xed\xa0\x80").ok());  // a UTF-16 surrogate
  EXPECT_FALSE(ValidateVariableValue("K", "\xc0\xaf").ok());      // overlong '/'
}

TEST(Dotenv, UnquotedValuesKeepDollarHashEqualsAndInnerSpaces) {
  auto env = Parse(
      "A=plain\n"
      "B = spaced out value   \n"
      "C=$HOME ${PATH} $$\n"
      "D=a#not-a-comment\n"
      "E=value # a comment\n"
      "F=#starts-with-hash\n"
      "G=postgres://u:p@h/db?x=1&y=2\n"
      "H=\n"
      "I= # only a comment\n"
      "K=it's\n");
  EXPECT_EQ(env["A"], "plain");
  EXPECT_EQ(env["B"], "spaced out value");
  EXPECT_EQ(env["C"], "$HOME ${PATH} $$");
  EXPECT_EQ(env["D"], "a#not-a-comment");
  EXPECT_EQ(env["E"], "value");
  EXPECT_EQ(env["F"], "#starts-with-hash");
  EXPECT_EQ(env["G"], "postgres://u:p@h/db?x=1&y=2");
  EXPECT_EQ(env["H"], "");
  EXPECT_EQ(env["I"], "");
  EXPECT_EQ(env["K"], "it's");
  EXPECT_EQ(env.size(), 10u);
}

TEST(Dotenv, UnbalancedDoubleQuoteIsAnErrorNamingTheLine) {
  std::string error = ErrorOf("A=1\nJ=\"unbalanced\nB=2\n");
  EXPECT_NE(error.find("line 2"), std::string::npos) << error;
  EXPECT_NE(error.find("J"), std::string::npos) << error;
  EXPECT_EQ(error.find("unbalanced"), std::string::npos) << error;
}

TEST(Dotenv, SingleQuotesAreLiteral) {
  auto env = Parse("A='$HOME \\n \"x\" # not a comment'\nB='multi\nline'  # trailing\n");
  EXPECT_EQ(env["A"], "$HOME \\n \"x\" # not a comment");
  EXPECT_EQ(env["B"], "multi\nline");
}

TEST(Dotenv, DoubleQuotesHaveEscapesAndSpanLines) {
  auto env = Parse(
      "A=\"line1\\nline2\"\n"
      "B=\"say \\\"hi\\\" \\\\ back\"\n"
      "C=\"real\nnewline\"\n"
      "D=\"keep \\q and \\$HOME # not comment\"\n"
      "E=\"  padded  \"\n"
      "F=\"🚀 ünïcödé\"\n");
  EXPECT_EQ(env["A"], "line1\nline2");
  EXPECT_EQ(env["B"], "say \"hi\" \\ back");
  EXPECT_EQ(env["C"], "real\nnewline");
  EXPECT_EQ(env["D"], "keep \\q and $HOME # not comment");
  EXPECT_EQ(env["E"], "  padded  ");
  EXPECT_EQ(env["F"], "🚀 ünïcödé");
}

TEST(Dotenv, ExportCommentsBlankLinesAndCrlf) {
  auto entries = ParseDotenv(
      "# header\r\n"
      "\r\n"
      "   # indented comment\r\n"
      "export A=1\r\n"
      "export\tB=\"two\r\nlines\"\r\n"
      "exported=3\r\n"
      "C=trailing\r");
  ASSERT_TRUE(entries.ok()) << entries.error().message;
  ASSERT_EQ(entries->size(), 4u);
  EXPECT_EQ((*entries)[0].name, "A");
  EXPECT_EQ((*entries)[0].value, "1");
  EXPECT_EQ((*entries)[0].line, 4);
  EXPECT_EQ((*entries)[1].value, "two\nlines");
  EXPECT_EQ((*entries)[2].name, "exported");
  EXPECT_EQ((*entries)[2].line, 7);
  EXPECT_EQ((*entries)[3].value, "trailing\r");  // a lone CR is data, not a line ending
}

TEST(Dotenv, MalformedLinesSayWhichLineAndNeverEchoValues) {
  std::string error = ErrorOf("A=1\n\nsk_live_abcdef123456\n");
  EXPECT_NE(error.find("line 3"), std::string::npos) << error;
  EXPECT_EQ(error.find("sk_live"), std::string::npos) << error;

  error = ErrorOf("A=1\nMY-KEY=secretvalue\n");
  EXPECT_NE(error.find("line 2"), std::string::npos) << error;
  EXPECT_NE(error.find("MY-KEY"), std::string::npos) << error;
  EXPECT_EQ(error.find("secretvalue"), std::string::npos) << error;

  error = ErrorOf("A='open\nB=2\n");
  EXPECT_NE(error.find("line 1"), std::string::npos) << error;
  EXPECT_NE(error.find("single-quoted value of A"), std::string::npos) << error;

  error = ErrorOf("A=\"closed\" trailing-secret\n");
  EXPECT_NE(error.find("after the closing quote of A"), std::string::npos) << error;
  EXPECT_EQ(error.find("trailing-secret"), std::string::npos) << error;

  error = ErrorOf("A=1\nB=2\nA=3\n");
  EXPECT_NE(error.find("line 3"), std::string::npos) << error;
  EXPECT_NE(error.find("already set on line 1"), std::string::npos) << error;

  error = ErrorOf("=value\n");
  EXPECT_NE(error.find("line 1"), std::string::npos) << error;
  EXPECT_EQ(error.find("value\n"), std::string::npos) << error;

  error = ErrorOf("BIN=\"\\xff\xff\"\n");
  EXPECT_NE(error.find("UTF-8"), std::string::npos) << error;
}

TEST(Dotenv, EmptyInputHasNoEntries) {
  auto entries = ParseDotenv("");
  ASSERT_TRUE(entries.ok());
  EXPECT_TRUE(entries->empty());
  entries = ParseDotenv("# only comments\n\n");
  ASSERT_TRUE(entries.ok());
  EXPECT_TRUE(entries->empty());
}

// A request body that is not JSON must not have its content quoted back: it may carry secrets.
TEST(ParseJson, MalformedJsonErrorNeverQuotesTheInput) {
  for (const char* body :
       {"{\"variables\": {\"A\": \"sk_live_123\n\"}}", "{\"variables\": {\"A\": sk_live_123}}",
        "{\"variables\": {\"A\": \"sk_live_123"}) {
    auto parsed = ParseJson(body);
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_EQ(parsed.error().message.find("sk_live"), std::string::npos) << parsed.error().message;
    EXPECT_NE(parsed.error().message.find("at line "), std::string::npos) << parsed.error().message;
  }
}

// nlohmann throws out_of_range (not parse_error) for a number it cannot hold: still an error
// value, and the number is not quoted back either.
TEST(ParseJson, OverflowingNumberIsAnErrorNotAnException) {
  auto parsed = ParseJson("{\"version\": 1111111111111111111111e13111111111}");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(parsed.error().message.find("1111"), std::string::npos) << parsed.error().message;
}

}  // namespace
}  // namespace ink
