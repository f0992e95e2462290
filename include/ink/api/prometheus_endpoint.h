// GET /metrics: Prometheus text (exposition format 0.0.4) of every service's newest sample and
// of inkd itself (resident memory, CPU seconds, the metrics rings' bytes), for a scraper.
//
// Auth: `Authorization: Bearer ink_...`, any valid API token (the admin token in a Prometheus
// `authorization: {credentials_file: DATA/admin-token}` block); the answer lists the services of
// the token's workspace only, so one workspace's token never sees another's. Without a valid
// token: 401 before anything is read. Thread-safe (the stores are); one per inkd.
#pragma once

#include <functional>
#include <optional>

#include "ink/http/server.h"
#include "ink/metrics/metrics_store.h"
#include "ink/metrics/process_figures.h"
#include "ink/store/store.h"

namespace ink {

class PrometheusEndpoint {
 public:
  // `process` reads inkd's own figures at each scrape (metrics::ReadProcessFigures in inkd).
  PrometheusEndpoint(Store& store, const metrics::MetricsStore& metrics,
                     std::function<metrics::ProcessFigures()> process);
  // The admission of a request for /metrics (a 401 without a valid token; 405 for a method
  // other than GET or HEAD); nullopt for any other path.
  std::optional<http::Admission> Admit(const http::ServerRequest& head) const;
  // True for a request this endpoint answers (the path is /metrics).
  bool Handles(const http::ServerRequest& request) const;
  // Answers an admitted request.
  void Serve(const http::ServerRequest& request, http::ResponseWriter& writer) const;

 private:
  Store& store_;
  const metrics::MetricsStore& metrics_;
  std::function<metrics::ProcessFigures()> process_;
};

}  // namespace ink
