// The real ApiTransport: inkd's REST API over ink::http::HttpClient.
#include <chrono>

#include "api.h"
#include "ink/http/client.h"

namespace ink::cli {
namespace {

class HttpTransport : public ApiTransport {
 public:
  HttpTransport(http::Endpoint endpoint, Config config)
      : client_(std::move(endpoint)), config_(std::move(config)) {}

  Result<ApiReply> Send(std::string_view method, const std::string& target,
                        const std::optional<Json>& body) override {
    http::ClientRequest request = NewRequest(target);
    request.method = std::string(method);
    if (body) {
      request.headers["Content-Type"] = "application/json";
      request.body = body->dump();
    }
    auto response = client_.Do(request);
    if (!response.ok()) return response.error();
    return ApiReply{response->status, std::move(response->body)};
  }

  Result<ApiReply> Stream(const std::string& target,
                          const std::function<bool(std::string_view chunk)>& sink) override {
    http::ClientRequest request = NewRequest(target);
    request.timeout = std::chrono::milliseconds(0);
    // A wait answers with progress lines then its result (rest.h); a log follow with text.
    request.headers["Accept"] = "application/x-ndjson, text/plain, application/json";
    ApiReply reply;
    Status status = client_.Stream(
        request,
        [&](const http::ClientResponse& head) {
          reply.status = head.status;
          return true;
        },
        [&](std::string_view chunk) {
          if (reply.status >= 200 && reply.status < 300) return sink(chunk);
          if (reply.body.size() < (1 << 20)) reply.body.append(chunk);
          return true;
        });
    // A stream that started and was then cut (inkd restarted) still counts as reached.
    if (!status.ok() && reply.status == 0) return status.error();
    return reply;
  }

  Result<ApiReply> Upload(const std::string& target, const std::string& path,
                          const std::string& content_type) override {
    http::ClientRequest request = NewRequest(target);
    request.method = "POST";
    request.headers["Content-Type"] = content_type;
    request.body_file = path;
    request.timeout = std::chrono::minutes(30);
    auto response = client_.Do(request);
    if (!response.ok()) return response.error();
    return ApiReply{response->status, std::move(response->body)};
  }

  std::string url() const override { return config_.api_url; }

 private:
  http::ClientRequest NewRequest(const std::string& target) {
    http::ClientRequest request;
    request.target = target;
    request.headers["Authorization"] = "Bearer " + config_.token;
    request.headers["Accept"] = "application/json";
    request.headers["User-Agent"] = "ink-cli";
    return request;
  }

  http::HttpClient client_;
  Config config_;
};

}  // namespace

Result<std::unique_ptr<ApiTransport>> NewHttpTransport(const Config& config) {
  auto endpoint = http::Endpoint::Parse(config.api_url);
  if (!endpoint.ok()) {
    return InvalidArgument("cannot use API URL '" + config.api_url +
                           "': " + endpoint.error().message);
  }
  return std::unique_ptr<ApiTransport>(new HttpTransport(std::move(*endpoint), config));
}

std::string EncodeSegment(std::string_view text) { return http::UrlEncode(text); }

}  // namespace ink::cli
