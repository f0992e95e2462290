// GET /metrics: a valid token gets Prometheus text of its workspace's services and inkd's own
// figures; no token, a wrong one or another method is refused before anything is read.
#include "ink/api/prometheus_endpoint.h"

#include "ink/common/names.h"
#include "src/api/operations_test_fixture.h"

namespace ink {
namespace {

struct CapturedResponse : http::ResponseWriter {
  void Send(int s, const std::map<std::string, std::string>& h, std::string_view b) override {
    status = s;
    headers = h;
    body = b;
  }
  bool StartStream(int, const std::map<std::string, std::string>&) override { return false; }
  bool Write(std::string_view) override { return false; }
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

class PrometheusEndpointTest : public api_test::OperationsTest {
 protected:
  std::string Token(const std::string& workspace_id) {
    std::string token = "ink_" + RandomToken(30);
    ApiToken row;
    row.workspace_id = workspace_id;
    row.name = "scraper";
    row.hash = Sha256Hex(token);
    EXPECT_TRUE(store_->CreateToken(row).ok());
    return token;
  }
  http::ServerRequest Request(const std::string& token, const std::string& method = "GET") {
    http::ServerRequest r;
    r.method = method;
    r.path = r.target = "/metrics";
    if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
    return r;
  }
  void SetUp() override {
    OperationsTest::SetUp();
    endpoint_ = std::make_unique<PrometheusEndpoint>(*store_, metrics_, [] {
      return metrics::ProcessFigures{.resident_bytes = 5e6, .cpu_seconds = 1.5};
    });
  }
  metrics::MetricsStore metrics_;
  std::unique_ptr<PrometheusEndpoint> endpoint_;
};

TEST_F(PrometheusEndpointTest, ServesTheWorkspacesServicesAndInkdItself) {
  DeployWeb();
  metrics::Sample s{.at_ms = 1000, .interval_s = 10, .replicas = 1, .cpu_cores = 0.5f};
  metrics_.Record(ServiceId(), s);
  metrics_.Record("svc_of_another_workspace", s);
  auto other = store_->CreateWorkspace("other");
  ASSERT_TRUE(other.ok());

  http::ServerRequest request = Request(Token(caller_.workspace_id));
  auto admission = endpoint_->Admit(request);
  ASSERT_TRUE(admission.has_value());
  EXPECT_EQ(admission->reject_status, 0);
  request.context = admission->context;
  CapturedResponse response;
  endpoint_->Serve(request, response);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(response.body.find("ink_service_cpu_cores{project=\"demo\",service=\"web\"} 0.5\n"),
            std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("ink_process_resident_memory_bytes 5000000\n"), std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("ink_process_cpu_seconds_total 1.5\n"), std::string::npos);
  EXPECT_EQ(response.body.find("another"), std::string::npos);

  // Another workspace's token sees none of demo's services, only inkd's own figures.
  CapturedResponse theirs;
  endpoint_->Serve(Request(Token(other->id)), theirs);
  EXPECT_EQ(theirs.status, 200);
  EXPECT_EQ(theirs.body.find("service=\"web\""), std::string::npos) << theirs.body;
  EXPECT_NE(theirs.body.find("ink_process_resident_memory_bytes"), std::string::npos);
}

TEST_F(PrometheusEndpointTest, RefusesWithoutAValidTokenOrAnotherMethod) {
  auto none = endpoint_->Admit(Request(""));
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->reject_status, 401);
  EXPECT_NE(none->reject_body.find("Bearer"), std::string::npos) << none->reject_body;
  auto wrong = endpoint_->Admit(Request("ink_" + std::string(40, 'x')));
  ASSERT_TRUE(wrong.has_value());
  EXPECT_EQ(wrong->reject_status, 401);
  auto post = endpoint_->Admit(Request(Token(caller_.workspace_id), "POST"));
  ASSERT_TRUE(post.has_value());
  EXPECT_EQ(post->reject_status, 405);
  http::ServerRequest other = Request("");
  other.path = "/v1/health";
  EXPECT_FALSE(endpoint_->Admit(other).has_value());
  CapturedResponse unadmitted;
  endpoint_->Serve(Request(""), unadmitted);
  EXPECT_EQ(unadmitted.status, 401);
}

}  // namespace
}  // namespace ink
