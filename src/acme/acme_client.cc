// The ACME flow (ink/acme/acme_client.h) over an AcmeTransport, and the HTTPS transport.
#include "ink/acme/acme_client.h"

#include <algorithm>
#include <map>
#include <utility>

#include "ink/common/json.h"
#include "ink/common/log.h"
#include "ink/dns/dns_names.h"

namespace ink::acme {
namespace {

class HttpsTransport : public AcmeTransport {
 public:
  HttpsTransport(http::TlsOptions tls, std::chrono::milliseconds timeout, size_t max_body_bytes)
      : tls_(std::move(tls)), timeout_(timeout), max_body_bytes_(max_body_bytes) {}

  Result<http::ClientResponse> Get(const std::string& url) override {
    return Exchange("GET", url, "");
  }
  Result<http::ClientResponse> Head(const std::string& url) override {
    return Exchange("HEAD", url, "");
  }
  Result<http::ClientResponse> Post(const std::string& url, const std::string& jws) override {
    return Exchange("POST", url, jws);
  }

 private:
  Result<http::ClientResponse> Exchange(const std::string& method, const std::string& url,
                                        const std::string& body) {
    if (!url.starts_with("https://")) {
      return InvalidArgument("the ACME URL '" + url.substr(0, 200) +
                             "' is not https (ACME runs over TLS only)");
    }
    size_t slash = url.find('/', 8);
    std::string origin = url.substr(0, slash);
    auto& client = clients_[origin];
    if (!client) {
      auto endpoint = http::Endpoint::Parse(origin);
      if (!endpoint.ok()) return endpoint.error();
      client = std::make_unique<http::HttpClient>(*endpoint, tls_);
    }
    http::ClientRequest request;
    request.method = method;
    request.target = slash == std::string::npos ? "/" : url.substr(slash);
    request.timeout = timeout_;
    request.headers["User-Agent"] = "Ink-ACME/1";
    if (method == "POST") {
      request.headers["Content-Type"] = "application/jose+json";
      request.body = body;
    }
    return client->Do(request, max_body_bytes_);
  }

  http::TlsOptions tls_;
  std::chrono::milliseconds timeout_;
  size_t max_body_bytes_;
  std::map<std::string, std::unique_ptr<http::HttpClient>> clients_;  // by origin
};

// Runs `undo` when it leaves scope: withdrawing a published challenge answer on every path.
class Withdrawal {
 public:
  explicit Withdrawal(std::function<void()> undo) : undo_(std::move(undo)) {}
  ~Withdrawal() {
    if (undo_) undo_();
  }
  Withdrawal(const Withdrawal&) = delete;
  Withdrawal& operator=(const Withdrawal&) = delete;

 private:
  std::function<void()> undo_;
};

bool Settled(const std::string& status) { return status != "pending" && status != "processing"; }

}  // namespace

std::unique_ptr<AcmeTransport> MakeHttpsTransport(http::TlsOptions tls,
                                                  std::chrono::milliseconds timeout,
                                                  size_t max_body_bytes) {
  return std::make_unique<HttpsTransport>(std::move(tls), timeout, max_body_bytes);
}

struct AcmeClient::Impl {
  AcmeTransport& transport;
  const EcKey& key;
  Clock& clock;
  AcmeOptions options;
  std::optional<Directory> directory;
  std::string account_url;
  std::string nonce;  // the next one to use; "" = ask newNonce
  std::optional<Problem> last_problem;

  Result<Directory> GetDirectory() {
    if (directory) return *directory;
    auto r = transport.Get(options.directory_url);
    if (!r.ok()) return Error{r.error().code, "fetching the ACME directory: " + r.error().message};
    if (r->status != 200) {
      return Unavailable("the ACME directory " + options.directory_url + " answered " +
                         std::to_string(r->status) + " (is --acme-directory right?)");
    }
    auto parsed = ParseDirectory(r->body);
    if (!parsed.ok()) return parsed.error();
    directory = *parsed;
    return *directory;
  }

  void KeepNonce(const http::ClientResponse& r) {
    std::string fresh = r.header("replay-nonce");
    if (!fresh.empty()) nonce = fresh;
  }

  Result<std::string> TakeNonce() {
    if (nonce.empty()) {
      auto dir = GetDirectory();
      if (!dir.ok()) return dir.error();
      auto r = transport.Head(dir->new_nonce);
      if (!r.ok()) return Error{r.error().code, "asking for a nonce: " + r.error().message};
      KeepNonce(*r);
      if (nonce.empty()) {
        return Unavailable("the CA's newNonce (" + dir->new_nonce + ") answered " +
                           std::to_string(r->status) + " without a Replay-Nonce");
      }
    }
    return std::exchange(nonce, std::string());
  }

  // A signed POST (payload "" = POST-as-GET), signed with the JWK for newAccount (`by_key`) and
  // the account URL after; a badNonce refusal is retried with the nonce it brought.
  Result<http::ClientResponse> Post(const std::string& what, const std::string& url,
                                    const std::string& payload, bool by_key = false) {
    for (int attempt = 0;; ++attempt) {
      auto fresh = TakeNonce();
      if (!fresh.ok()) return fresh.error();
      auto jws = SignRequest(key, by_key ? "" : account_url, *fresh, url, payload);
      if (!jws.ok()) return jws.error();
      auto r = transport.Post(url, *jws);
      if (!r.ok()) return Error{r.error().code, what + ": " + r.error().message};
      KeepNonce(*r);
      if (r->status < 400) return r;
      Problem problem = ParseProblem(r->body, r->status)
                            .value_or(Problem{.detail = "HTTP " + std::to_string(r->status) + " " +
                                                        r->body.substr(0, 200),
                                              .status = r->status});
      last_problem = problem;
      if (problem.short_type() == "badNonce" && attempt < options.bad_nonce_retries) continue;
      return ProblemError(what, problem);
    }
  }

  // POST-as-GET of `url` until `parse`'s document has a settled status (or `done` says so),
  // waiting PollDelay between polls, at most until `deadline`.
  template <typename Document, typename Parse, typename Done>
  Result<Document> Poll(const std::string& what, const std::string& url, Clock::TimePoint deadline,
                        Parse parse, Done done) {
    for (int attempt = 0;; ++attempt) {
      auto r = Post(what, url, "");
      if (!r.ok()) return r.error();
      auto document = parse(r->body);
      if (!document.ok()) return document.error();
      if (done(*document)) return *document;
      auto now = clock.Steady();
      if (now >= deadline) {
        return Error{ErrorCode::kDeadlineExceeded,
                     what + ": still " + document->status + " after " +
                         std::to_string(options.order_timeout.count() / 1000) +
                         " s (the CA is slow or cannot reach the challenge)"};
      }
      auto delay = PollDelay(attempt, ParseRetryAfter(r->header("retry-after")),
                             options.poll_initial, options.poll_max);
      clock.SleepUntil(std::min<Clock::TimePoint>(now + delay, deadline));
    }
  }

  Result<std::string> Account() {
    if (!account_url.empty()) return account_url;
    auto dir = GetDirectory();
    if (!dir.ok()) return dir.error();
    if (dir->external_account_required) {
      return FailedPrecondition("the CA " + options.directory_url +
                                " requires external account binding, which Ink does not do");
    }
    Json payload = {{"termsOfServiceAgreed", true}};
    if (!options.contact_email.empty()) {
      payload["contact"] = Json::array({"mailto:" + options.contact_email});
    }
    auto r = Post("registering the ACME account", dir->new_account, payload.dump(), true);
    if (!r.ok()) return r.error();
    std::string location = r->header("location");
    if (location.empty()) {
      return Unavailable("the CA's newAccount answered " + std::to_string(r->status) +
                         " without the account's Location");
    }
    account_url = location;
    return account_url;
  }

  // Proves control of one authorization's name, if it is not yet valid.
  Status Authorize(const std::string& url, Clock::TimePoint deadline) {
    auto r = Post("fetching an authorization", url, "");
    if (!r.ok()) return r.error();
    auto authz = ParseAuthorization(r->body);
    if (!authz.ok()) return authz.error();
    const std::string name = (authz->wildcard ? "*." : "") + authz->identifier;
    if (authz->status == "valid") return {};
    if (authz->status != "pending") {
      return FailedPrecondition("the CA's authorization of " + name + " is " + authz->status +
                                "; a new order starts over");
    }
    auto challenge = ChooseChallenge(*authz, {.http01 = options.http01 != nullptr,
                                              .dns_zone = options.dns ? options.dns_zone : "",
                                              .prefer_dns01 = options.prefer_dns01});
    if (!challenge.ok()) return challenge.error();
    const std::string key_authorization = KeyAuthorization(challenge->token, key);
    std::unique_ptr<Withdrawal> withdrawal;
    if (challenge->type == "http-01") {
      INK_RETURN_IF_ERROR(options.http01->Publish(challenge->token, key_authorization));
      withdrawal = std::make_unique<Withdrawal>(
          [this, token = challenge->token] { options.http01->Withdraw(token); });
    } else {
      const std::string record = Dns01RecordName(authz->identifier);
      INK_RETURN_IF_ERROR(options.dns->Replace(
          options.dns_zone, {record, "TXT", options.dns_ttl, {Dns01Value(key_authorization)}}));
      withdrawal = std::make_unique<Withdrawal>([this, record] {
        Status removed = options.dns->Delete(options.dns_zone, record, "TXT");
        if (!removed.ok()) {
          LogWarn("acme", "removing " + record + " TXT failed: " + removed.error().message);
        }
      });
    }
    auto answered =
        Post("answering the " + challenge->type + " challenge of " + name, challenge->url, "{}");
    if (!answered.ok()) return answered.error();
    auto settled = Poll<Authorization>(
        "validating " + name, url, deadline,
        [](const std::string& body) { return ParseAuthorization(body); },
        [](const Authorization& a) { return Settled(a.status); });
    if (!settled.ok()) return settled.error();
    if (settled->status == "valid") return {};
    for (const auto& c : settled->challenges) {
      if (c.url == challenge->url && c.error) {
        last_problem = c.error;
        return ProblemError("the CA could not validate " + challenge->type + " for " + name,
                            *c.error);
      }
    }
    return FailedPrecondition("the CA's authorization of " + name + " became " + settled->status);
  }

  Error OrderFailed(const std::string& what, const Order& order) {
    if (order.error) {
      last_problem = order.error;
      return ProblemError(what, *order.error);
    }
    return FailedPrecondition(what + ": the order became " + order.status);
  }

  Result<IssuedCertificate> Issue(const std::vector<std::string>& domains,
                                  const EcKey& certificate_key) {
    last_problem.reset();
    const auto deadline = clock.Steady() + options.order_timeout;
    if (domains.empty()) return InvalidArgument("a certificate needs at least one domain");
    Json identifiers = Json::array();
    for (const auto& d : domains) {
      auto canonical = dns::CanonicalName(d, /*allow_wildcard=*/true);
      if (!canonical.ok()) return canonical.error();
      if (*canonical != d) {
        return InvalidArgument("give the domain " + *canonical + " in its canonical form");
      }
      identifiers.push_back({{"type", "dns"}, {"value", d}});
    }
    auto account = Account();
    if (!account.ok()) return account.error();
    auto dir = GetDirectory();
    if (!dir.ok()) return dir.error();
    auto created =
        Post("creating an order", dir->new_order, Json{{"identifiers", identifiers}}.dump());
    if (!created.ok()) return created.error();
    IssuedCertificate issued;
    issued.order_url = created->header("location");
    if (issued.order_url.empty()) {
      return Unavailable("the CA's newOrder answered without the order's Location");
    }
    auto order = ParseOrder(created->body);
    if (!order.ok()) return order.error();
    for (const auto& url : order->authorizations) INK_RETURN_IF_ERROR(Authorize(url, deadline));

    auto parse_order = [](const std::string& body) { return ParseOrder(body); };
    order = Poll<Order>("waiting for the order to be ready", issued.order_url, deadline,
                        parse_order, [](const Order& o) { return o.status != "pending"; });
    if (!order.ok()) return order.error();
    if (order->status == "ready") {
      auto csr = MakeCsr(domains, certificate_key);
      if (!csr.ok()) return csr.error();
      auto finalized = Post("finalizing the order", order->finalize, Json{{"csr", *csr}}.dump());
      if (!finalized.ok()) return finalized.error();
      order = ParseOrder(finalized->body);
      if (!order.ok()) return order.error();
    }
    if (order->status != "valid" && order->status != "invalid") {
      order = Poll<Order>("waiting for the certificate", issued.order_url, deadline, parse_order,
                          [](const Order& o) { return Settled(o.status) && o.status != "ready"; });
      if (!order.ok()) return order.error();
    }
    if (order->status != "valid") return OrderFailed("issuing the certificate", *order);
    if (order->certificate.empty()) {
      return Unavailable("the CA's valid order has no certificate URL");
    }
    auto chain = Post("downloading the certificate", order->certificate, "");
    if (!chain.ok()) return chain.error();
    issued.chain_pem = chain->body;
    auto validity = LeafValidity(issued.chain_pem);
    if (!validity.ok()) return validity.error();
    issued.validity = *validity;
    issued.renew_at_ms = RenewalTime(*validity);
    return issued;
  }
};

AcmeClient::AcmeClient(AcmeTransport& transport, const EcKey& account_key, Clock& clock,
                       AcmeOptions options)
    : impl_(new Impl{transport, account_key, clock, std::move(options)}) {}

AcmeClient::~AcmeClient() = default;

Result<std::string> AcmeClient::Account() { return impl_->Account(); }

Result<IssuedCertificate> AcmeClient::Issue(const std::vector<std::string>& domains,
                                            const EcKey& certificate_key) {
  return impl_->Issue(domains, certificate_key);
}

const std::optional<Problem>& AcmeClient::last_problem() const { return impl_->last_problem; }

}  // namespace ink::acme
