// AcmeClient: gets certificates from an ACME CA (RFC 8555; Let's Encrypt, Pebble in tests).
//
// One call, Issue(domains, certificate key), runs the whole flow: the directory, a nonce, the
// account (newAccount with the account key: the CA returns the existing account for a key it
// knows, so the same key is the same account), a new order, each authorization's challenge
// (HTTP-01 through an Http01Responder that serves the key authorization; DNS-01 through the
// DnsProvider, a TXT record at _acme-challenge.<name> removed afterwards), polls with bounded
// backoff on the injected clock, finalize with a CSR (jws.h) and the download of the chain.
// A badNonce answer is retried with the nonce it carries. A refusal is an Error whose message
// holds the CA's problem document (type and detail); last_problem() has it as data.
//
// Called by inkd's certificate manager (next: the domains table and its reconciler); the pure
// parts are in acme_messages.h. The transport (HTTPS to the CA) is an interface so that unit
// tests drive the client with a fake CA; MakeHttpsTransport is the real one.
//
// Thread contract: an AcmeClient is used from one thread at a time (it keeps the account URL and
// the next nonce); Issue blocks for the whole flow, at most `options.order_timeout` in polls.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ink/acme/acme_messages.h"
#include "ink/acme/jws.h"
#include "ink/common/clock.h"
#include "ink/common/result.h"
#include "ink/dns/dns_provider.h"
#include "ink/http/client.h"

namespace ink::acme {

// HTTP exchanges with the CA by absolute URL. Responses of any status are results; an error is
// a failed exchange (refused, timed out, a certificate refused).
class AcmeTransport {
 public:
  virtual ~AcmeTransport() = default;
  virtual Result<http::ClientResponse> Get(const std::string& url) = 0;
  virtual Result<http::ClientResponse> Head(const std::string& url) = 0;
  // POST of a JWS (Content-Type application/jose+json).
  virtual Result<http::ClientResponse> Post(const std::string& url, const std::string& jws) = 0;
};

// HTTPS to any origin the CA's URLs name (one keep-alive client per origin), trusting `tls`
// (the system's roots by default; Pebble's CA in tests). Responses are at most `max_body_bytes`.
std::unique_ptr<AcmeTransport> MakeHttpsTransport(
    http::TlsOptions tls, std::chrono::milliseconds timeout = std::chrono::seconds(30),
    size_t max_body_bytes = 1 << 20);

// Publishes HTTP-01 answers: while published, GET /.well-known/acme-challenge/<token> on port 80
// of the name must answer `key_authorization` (ink-edge does, for every name routed to it).
class Http01Responder {
 public:
  virtual ~Http01Responder() = default;
  virtual Status Publish(const std::string& token, const std::string& key_authorization) = 0;
  virtual void Withdraw(const std::string& token) = 0;
};

// The responder ink-edge serves (ink-edge --acme-challenge-dir DIR): one file per token, named by
// the token and holding the key authorization, written to a temp file and renamed (mode 0644:
// the answer is public by design). A token that is not base64url is refused. Created with DIR
// (made if missing); any thread.
std::unique_ptr<Http01Responder> MakeDirectoryHttp01Responder(std::string dir);

struct AcmeOptions {
  std::string directory_url;  // "https://acme-v02.api.letsencrypt.org/directory"
  std::string contact_email;  // the account's contact ("" = none)
  // Answering challenges: either or both. DNS-01 needs the name's _acme-challenge record in
  // `dns_zone` (a zone the provider manages); wildcards need it.
  Http01Responder* http01 = nullptr;
  dns::DnsProvider* dns = nullptr;
  std::string dns_zone;
  bool prefer_dns01 = false;
  int dns_ttl = 60;
  // Polling authorizations and the order: initial delay doubled up to max (or the CA's
  // Retry-After, capped at max), until order_timeout has passed since Issue began.
  std::chrono::milliseconds poll_initial{250};
  std::chrono::milliseconds poll_max{5000};
  std::chrono::milliseconds order_timeout{std::chrono::minutes(3)};
  int bad_nonce_retries = 3;
};

struct IssuedCertificate {
  std::string chain_pem;    // leaf first, then the intermediates the CA sent
  Validity validity;        // of the leaf
  int64_t renew_at_ms = 0;  // RenewalTime(validity)
  std::string order_url;
};

class AcmeClient {
 public:
  // `transport`, `account_key`, `clock` and the options' responder and provider must outlive
  // the client.
  AcmeClient(AcmeTransport& transport, const EcKey& account_key, Clock& clock, AcmeOptions options);
  ~AcmeClient();
  AcmeClient(const AcmeClient&) = delete;
  AcmeClient& operator=(const AcmeClient&) = delete;

  // The account URL of the key, registering it (terms of service agreed) when the CA does not
  // know it; asked once per client.
  Result<std::string> Account();
  // A certificate for `domains` (canonical names; "*.x" needs DNS-01) whose key is
  // `certificate_key`. Published challenge answers are withdrawn whatever the outcome.
  Result<IssuedCertificate> Issue(const std::vector<std::string>& domains,
                                  const EcKey& certificate_key);
  // The problem document of the last refusal, if the CA sent one.
  const std::optional<Problem>& last_problem() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ink::acme
