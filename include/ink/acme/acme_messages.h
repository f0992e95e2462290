// The ACME protocol's documents and decisions (RFC 8555), apart from any I/O: parsing the
// directory, orders, authorizations and problem documents a CA sends; choosing which challenge
// to answer; how long to wait between polls; when a certificate is due for renewal.
//
// The ACME client (acme_client.h) calls these between its requests; they are pure so that unit
// tests cover every branch with literal documents. Parsers accept unknown members (CAs add
// them) and refuse a document that lacks what the flow needs, naming the member.
//
// Thread contract: plain functions and values; call from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ink/common/result.h"

namespace ink::acme {

// The CA's directory (section 7.1.1): where each resource is.
struct Directory {
  std::string new_nonce, new_account, new_order, revoke_cert, key_change;
  std::string terms_of_service;            // meta.termsOfService, "" if none
  bool external_account_required = false;  // meta.externalAccountRequired
};
Result<Directory> ParseDirectory(const std::string& body);

// A problem document (RFC 7807, section 6.7): what the CA says went wrong.
struct Problem {
  std::string type;                  // "urn:ietf:params:acme:error:badNonce"
  std::string detail;                // the CA's words
  int status = 0;                    // the HTTP status it came with (or the document's "status")
  std::string identifier;            // for a subproblem: the name it is about
  std::vector<Problem> subproblems;  // section 6.7.1
  // "badNonce" for an ACME error type, else the whole type.
  std::string short_type() const;
  // "rejectedIdentifier: detail (example.test: caa: ...)" for messages.
  std::string describe() const;
};
// The problem document in `body` (any JSON object with "type" or "detail"); nullopt if the body
// is not one.
std::optional<Problem> ParseProblem(const std::string& body, int http_status);
// An Error saying `what` failed with `problem`, its code following the problem's type
// (rateLimited, serverInternal, badNonce: unavailable; unauthorized: permission denied;
// rejectedIdentifier, malformed, caa, unsupportedIdentifier: invalid argument; challenge
// failures and the rest: failed precondition).
Error ProblemError(const std::string& what, const Problem& problem);

struct Challenge {
  std::string type;  // "http-01", "dns-01", "tls-alpn-01", ...
  std::string url;
  std::string token;
  std::string status;  // pending, processing, valid, invalid
  std::optional<Problem> error;
};

// An authorization (section 7.1.4) of one identifier.
struct Authorization {
  std::string identifier;  // the DNS name, without "*." even for a wildcard
  bool wildcard = false;
  std::string status;  // pending, valid, invalid, deactivated, expired, revoked
  std::vector<Challenge> challenges;
};
Result<Authorization> ParseAuthorization(const std::string& body);

// An order (section 7.1.3).
struct Order {
  std::string status;  // pending, ready, processing, valid, invalid
  std::vector<std::string> identifiers;
  std::vector<std::string> authorizations;  // URLs
  std::string finalize;                     // URL
  std::string certificate;                  // URL once valid
  std::optional<Problem> error;
};
Result<Order> ParseOrder(const std::string& body);

// What the client can answer with.
struct ChallengeAbilities {
  bool http01 = false;   // an HTTP-01 responder is present
  std::string dns_zone;  // DNS-01 for names in this zone ("" = no DNS provider)
  bool prefer_dns01 = false;
};
// The challenge of `authorization` to answer: HTTP-01 unless DNS-01 is preferred, DNS-01 for a
// wildcard (the only kind that may prove one) or when HTTP-01 is not possible. An error says
// what the CA offered and what is missing (a DNS zone that holds the name, a responder).
Result<Challenge> ChooseChallenge(const Authorization& authorization,
                                  const ChallengeAbilities& abilities);

// The name of the TXT record a DNS-01 challenge of `identifier` is proven with.
std::string Dns01RecordName(const std::string& identifier);

// The wait before poll number `attempt` (0-based): `initial` doubled each time up to `max`;
// the CA's Retry-After (seconds) instead when it gives one, still at most `max`.
std::chrono::milliseconds PollDelay(int attempt, std::optional<std::chrono::seconds> retry_after,
                                    std::chrono::milliseconds initial,
                                    std::chrono::milliseconds max);
// A Retry-After header in seconds ("120"); nullopt for an HTTP date or garbage.
std::optional<std::chrono::seconds> ParseRetryAfter(const std::string& header);

// When a certificate is valid, from its PEM (the first certificate of a chain: the leaf).
struct Validity {
  int64_t not_before_ms = 0;  // since the Unix epoch
  int64_t not_after_ms = 0;
};
Result<Validity> LeafValidity(const std::string& chain_pem);
// The time to renew: two thirds of the way through the validity period (Let's Encrypt's advice;
// 60 days into a 90-day certificate).
int64_t RenewalTime(const Validity& validity);

}  // namespace ink::acme
