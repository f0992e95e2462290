// Push-to-deploy: a git remote served by inkd, and a GitHub-style webhook.
//
// GitRemote serves `git push` / `git fetch` over git's smart HTTP protocol by running
// `git http-backend` (CGI) for /git/<project>/<service>.git/...; it authenticates with the API
// token (HTTP Basic password, as git sends it, or Bearer). Each service has a bare repository
// under DATA/git/; after a push that moves a branch, the pushed commit is deployed through the
// `deploy` operation (source {"kind":"git","url":"file://<repo>","ref":"<commit>"}), keeping the
// service's settings. Webhook verifies `X-Hub-Signature-256` (HMAC-SHA256 of the body with the
// service's webhook secret) on POST /v1/hooks/git/<project>/<service> and deploys the service's
// configured git source when the pushed branch is the one it tracks; each delivery is acted on
// once (X-GitHub-Delivery, or a signed X-Ink-Timestamp within 5 minutes: webhook_delivery.h),
// a repeated one answers 200 {"deployed": false, "duplicate": true}. Both are thread-safe.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "ink/common/clock.h"
#include "ink/common/json.h"
#include "ink/http/server.h"
#include "ink/ops/operation.h"
#include "ink/store/store.h"

namespace ink {

struct GitRemoteOptions {
  std::string data_dir;  // repositories live in DATA/git/<project id>/<service>.git
  std::string git = "git";
  int64_t max_push_bytes = int64_t{512} << 20;
  std::string webhook_key;  // secret material the per-service webhook secrets derive from
  std::string api_url;      // inkd's public API URL, for the URLs shown to users
  Clock* clock = nullptr;   // webhook timestamps; null = the system clock
};

class GitRemote {
 public:
  GitRemote(Store& store, const OperationTable& table, GitRemoteOptions options);

  // True for requests this class answers (/git/... and /v1/hooks/git/...).
  bool Handles(const http::ServerRequest& head) const;
  // True when the request body should be streamed to Serve (pushes can be large).
  bool StreamsBody(const http::ServerRequest& head) const;
  // The HTTP server's admission step for these paths (nullopt for others): git requests
  // without a valid token get a 401 (Basic challenge) before their body is read; webhooks are
  // read whole up to kMaxWebhookBodyBytes (their signature covers the body).
  std::optional<http::Admission> Admit(const http::ServerRequest& head) const;
  static constexpr size_t kMaxWebhookBodyBytes = 1 << 20;
  void Serve(const http::ServerRequest& request, http::ResponseWriter& writer);

  // Sets the API URL shown in get_git_remote/get_webhook (known once the server is bound).
  void SetApiUrl(const std::string& url) {
    std::lock_guard lock(mu_);
    options_.api_url = url;
  }

  // The webhook secret of a service (derived from the key; stable per service id).
  std::string WebhookSecret(const std::string& service_id) const;

  // Adds get_git_remote and get_webhook (REST and CLI only: the webhook secret stays out of
  // agents' context) to `table`.
  void RegisterOperations(OperationTable& table);

 private:
  void ServeGit(const http::ServerRequest& request, http::ResponseWriter& writer);
  void ServeWebhook(const http::ServerRequest& request, http::ResponseWriter& writer);

  std::string ApiUrl() const {
    std::lock_guard lock(mu_);
    return options_.api_url;
  }

  Store& store_;
  const OperationTable& table_;
  Clock& clock_;
  mutable std::mutex mu_;  // guards options_.api_url (set once the server is bound)
  GitRemoteOptions options_;
};

// HMAC-SHA256 of `body` with `secret`, as GitHub's "sha256=<hex>" header value.
std::string GitHubSignature(const std::string& secret, const std::string& body);

}  // namespace ink
