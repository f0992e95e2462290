#include "ink/mcp/protocol.h"

#include <gtest/gtest.h>

namespace ink::mcp {
namespace {

TEST(Protocol, NegotiatesTheClientsVersionIfSupportedElseTheLatest) {
  EXPECT_EQ(NegotiateProtocolVersion("2025-06-18"), "2025-06-18");
  EXPECT_EQ(NegotiateProtocolVersion("2025-03-26"), "2025-03-26");
  EXPECT_EQ(NegotiateProtocolVersion("2025-11-25"), "2025-11-25");
  EXPECT_EQ(NegotiateProtocolVersion("2024-11-05"), "2025-11-25");
  EXPECT_EQ(NegotiateProtocolVersion(Json(7)), "2025-11-25");
  EXPECT_EQ(NegotiateProtocolVersion(Json()), "2025-11-25");
}

TEST(Protocol, ClassifiesMessages) {
  auto request = ParseMessage(Json::parse(R"({"jsonrpc":"2.0","id":1,"method":"ping"})"));
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->kind, Message::Kind::kRequest);
  EXPECT_EQ(request->id, 1);
  EXPECT_TRUE(request->params.is_object());

  auto note = ParseMessage(
      Json::parse(R"({"jsonrpc":"2.0","method":"notifications/initialized","params":{}})"));
  ASSERT_TRUE(note.ok());
  EXPECT_EQ(note->kind, Message::Kind::kNotification);

  auto response = ParseMessage(Json::parse(R"({"jsonrpc":"2.0","id":"a","result":{}})"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->kind, Message::Kind::kResponse);
}

TEST(Protocol, RejectsMalformedMessagesWithAReason) {
  for (const char* text :
       {R"([1])", R"("x")", R"({"id":1,"method":"ping"})",
        R"({"jsonrpc":"1.0","id":1,"method":"ping"})",
        R"({"jsonrpc":"2.0","id":null,"method":"ping"})",
        R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", R"({"jsonrpc":"2.0","id":1,"method":""})",
        R"({"jsonrpc":"2.0","id":1,"method":"ping","params":[1]})",
        R"({"jsonrpc":"2.0","result":{}})", R"({"jsonrpc":"2.0","id":1})"}) {
    auto m = ParseMessage(Json::parse(text));
    EXPECT_FALSE(m.ok()) << text;
    if (!m.ok()) {
      EXPECT_FALSE(m.error().message.empty());
    }
  }
}

TEST(Protocol, BuildsResponses) {
  Json ok = ResultResponse("x", {{"a", 1}});
  EXPECT_EQ(ok["jsonrpc"], "2.0");
  EXPECT_EQ(ok["id"], "x");
  EXPECT_EQ(ok["result"]["a"], 1);
  Json error = ErrorResponse(3, kInvalidParams, "bad", {{"field", "name"}});
  EXPECT_EQ(error["error"]["code"], -32602);
  EXPECT_EQ(error["error"]["message"], "bad");
  EXPECT_EQ(error["error"]["data"]["field"], "name");
  EXPECT_FALSE(ErrorResponse(3, kInvalidParams, "bad")["error"].contains("data"));
}

TEST(Protocol, SerializesInvalidUtf8WithoutThrowing) {
  Json message = {{"text", std::string("ok \xff\xfe end")}};
  std::string line = Serialize(message);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("ok "), std::string::npos);
  EXPECT_TRUE(Json::accept(line));
}

TEST(Protocol, RanksLogLevels) {
  EXPECT_EQ(LogLevelRank("debug"), 0);
  EXPECT_LT(LogLevelRank("info"), LogLevelRank("warning"));
  EXPECT_EQ(LogLevelRank("emergency"), 7);
  EXPECT_EQ(LogLevelRank("verbose"), -1);
}

}  // namespace
}  // namespace ink::mcp
