#include "ink/api/prometheus_endpoint.h"

#include "ink/auth/authenticate.h"
#include "ink/metrics/metric_rules.h"

namespace ink {
namespace {

constexpr const char* kPath = "/metrics";
constexpr const char* kPlain = "text/plain; charset=utf-8";
const std::map<std::string, std::string> kText = {
    {"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}};

}  // namespace

PrometheusEndpoint::PrometheusEndpoint(Store& store, const metrics::MetricsStore& metrics,
                                       std::function<metrics::ProcessFigures()> process)
    : store_(store), metrics_(metrics), process_(std::move(process)) {}

bool PrometheusEndpoint::Handles(const http::ServerRequest& request) const {
  return request.path == kPath;
}

std::optional<http::Admission> PrometheusEndpoint::Admit(const http::ServerRequest& head) const {
  if (!Handles(head)) return std::nullopt;
  if (head.method != "GET" && head.method != "HEAD") {
    return http::Admission::Reject(405, {{"Allow", "GET, HEAD"}, {"Content-Type", kPlain}},
                                   "/metrics answers GET\n");
  }
  auto caller = Authenticate(store_, head.header("authorization"));
  if (!caller.ok()) {
    int status = caller.error().code == ErrorCode::kUnauthenticated ? 401 : 503;
    return http::Admission::Reject(
        status, {{"Content-Type", kPlain}, {"WWW-Authenticate", "Bearer realm=\"ink\""}},
        caller.error().message + "\n");
  }
  return http::Admission::Read(0, *caller);
}

void PrometheusEndpoint::Serve(const http::ServerRequest& request,
                               http::ResponseWriter& writer) const {
  const Caller* caller = std::any_cast<Caller>(&request.context);
  std::optional<Caller> checked;
  if (caller == nullptr) {  // no admission step ran (tests)
    auto authenticated = Authenticate(store_, request.header("authorization"));
    if (!authenticated.ok()) {
      writer.Send(401, {{"Content-Type", kPlain}}, authenticated.error().message + "\n");
      return;
    }
    checked = *authenticated;
    caller = &*checked;
  }
  auto latest = metrics_.Latest();
  std::vector<metrics::LabeledSample> services;
  auto projects = store_.ListProjects(caller->workspace_id);
  if (!projects.ok()) {
    writer.Send(503, {{"Content-Type", kPlain}}, projects.error().message + "\n");
    return;
  }
  for (const auto& project : *projects) {
    auto list = store_.ListServices(caller->workspace_id, project.id);
    if (!list.ok()) continue;
    for (const auto& service : *list) {
      auto sample = latest.find(service.id);
      if (sample == latest.end()) continue;
      services.push_back({project.name, service.name, sample->second});
    }
  }
  metrics::ProcessFigures self = process_ ? process_() : metrics::ProcessFigures{};
  std::string text = metrics::PrometheusText(services, self.resident_bytes, self.cpu_seconds,
                                             static_cast<double>(metrics_.BytesUsed()));
  writer.Send(200, kText, request.method == "HEAD" ? "" : text);
}

}  // namespace ink
