// REST binding regressions found by rest_fuzzer: answers stay valid JSON whatever bytes the
// client sent, and a value sent to the wrong place is never quoted back.
#include "ink/api/rest.h"

#include "src/api/operations_test_fixture.h"

namespace ink::api_test {
namespace {

struct Answer : http::ResponseWriter {
  void Send(int s, const std::map<std::string, std::string>&, std::string_view b) override {
    status = s;
    body.assign(b);
  }
  bool StartStream(int s, const std::map<std::string, std::string>&) override {
    status = s;
    return true;
  }
  bool Write(std::string_view chunk) override {
    body.append(chunk);
    return true;
  }
  int status = 0;
  std::string body;
};

class RestTest : public OperationsTest {
 protected:
  Answer Serve(const std::string& method, const std::string& path,
               std::map<std::string, std::string> query = {}, std::string body = "") {
    http::ServerRequest request;
    request.method = method;
    request.target = request.path = path;
    request.query = std::move(query);
    request.body = std::move(body);
    request.context = caller_;
    Answer answer;
    MakeRestHandler(table_, *store_)(request, answer);
    return answer;
  }
};

TEST_F(RestTest, InvalidUtf8InAQueryNameOrPathIsAClearErrorNotACrash) {
  // `GET /v1/health?%FF=1` used to throw nlohmann's type_error out of the handler (inkd ended).
  for (const auto& answer :
       {Serve("GET", "/v1/health", {{"\xff", "1"}}), Serve("GET", "/v1/no\xfe\xff"),
        Serve("PUT", "/v1/health\xff"), Serve("GET", "/v1/projects/demo", {{"project", "\xff"}})}) {
    EXPECT_GE(answer.status, 400);
    auto json = ParseJson(answer.body);
    ASSERT_TRUE(json.ok()) << answer.body;
    EXPECT_TRUE((*json)["error"]["message"].is_string());
  }
}

TEST_F(RestTest, ABodyFieldThatDisagreesWithTheUrlIsNotQuoted) {
  Answer answer = Serve("POST", "/v1/projects/demo/deploy", {},
                        R"({"project": "hunter2-secret", "service": "web", "image": "x"})");
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.body.find("hunter2-secret"), std::string::npos) << answer.body;
  EXPECT_NE(answer.body.find("'demo'"), std::string::npos) << answer.body;
}

}  // namespace
}  // namespace ink::api_test
