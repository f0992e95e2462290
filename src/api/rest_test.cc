// REST binding regressions found by rest_fuzzer: answers stay valid JSON whatever bytes the
// client sent, and a value sent to the wrong place is never quoted back.
#include "ink/api/rest.h"

#include <sstream>
#include <thread>

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
               std::map<std::string, std::string> query = {}, std::string body = "",
               std::map<std::string, std::string> headers = {}) {
    http::ServerRequest request;
    request.headers = std::move(headers);
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

// `ink deploy --wait` asks for the wait as NDJSON: each progress report is a line as it
// happens, the answer the last line; nothing polls (the store's watch wakes the wait).
TEST_F(RestTest, AWaitAskedForAsNdjsonStreamsProgressThenTheResult) {
  Json out = MustCall("deploy", {{"service", "web"}, {"image", "localhost/ink/echo:test"}});
  std::string id = out["deployment"]["id"];
  std::string service = out["service"]["id"];
  const std::map<std::string, std::string> ndjson = {{"accept", "application/x-ndjson"}};
  Answer answer;
  std::thread waiter([&] {
    answer = Serve("GET", "/v1/deployments/" + id, {{"wait", "600"}}, "", ndjson);
  });
  ASSERT_TRUE(store_->UpdateDeploymentStatus(id, DeploymentStatus::kDeploying, "pulling").ok());
  ASSERT_TRUE(store_->ActivateDeployment(service, id).ok());
  waiter.join();
  EXPECT_EQ(answer.status, 200);
  std::vector<Json> lines;
  std::istringstream in(answer.body);
  for (std::string line; std::getline(in, line);) {
    auto parsed = ParseJson(line);
    ASSERT_TRUE(parsed.ok()) << line;
    lines.push_back(*parsed);
  }
  ASSERT_GE(lines.size(), 2u) << answer.body;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    EXPECT_TRUE(lines[i]["progress"].get<std::string>().starts_with(id + ": ")) << lines[i];
  }
  EXPECT_EQ(lines.back()["result"]["deployment"]["status"], "active") << answer.body;
  EXPECT_TRUE(lines.back()["result"]["finished"].get<bool>());

  // An error before any progress is an ordinary error; without the Accept header or without
  // wait the answer is the usual JSON.
  Answer missing = Serve("GET", "/v1/deployments/dep_nope", {{"wait", "5"}}, "", ndjson);
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(ParseJson(missing.body)->contains("error")) << missing.body;
  Answer plain = Serve("GET", "/v1/deployments/" + id, {{"wait", "5"}});
  EXPECT_EQ((*ParseJson(plain.body))["deployment"]["status"], "active") << plain.body;
  Answer now = Serve("GET", "/v1/deployments/" + id, {}, "", ndjson);
  EXPECT_EQ((*ParseJson(now.body))["deployment"]["status"], "active") << now.body;
}

}  // namespace
}  // namespace ink::api_test
