// ACME documents and decisions (ink/acme/acme_messages.h): JSON parsing over nlohmann, the
// validity of a certificate over OpenSSL.
#include "ink/acme/acme_messages.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <charconv>

#include "ink/common/json.h"
#include "ink/dns/dns_names.h"

namespace ink::acme {
namespace {

constexpr std::string_view kAcmeError = "urn:ietf:params:acme:error:";

// The string member `key` of `object`, "" when absent or not a string.
std::string Text(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<Json> Object(const std::string& body, const char* what) {
  auto json = ParseJson(body);
  if (!json.ok()) return InvalidArgument("the CA's " + std::string(what) + " is not JSON");
  if (!json->is_object()) {
    return InvalidArgument("the CA's " + std::string(what) + " is not a JSON object");
  }
  return *json;
}

Error Missing(const char* what, const char* member) {
  return InvalidArgument("the CA's " + std::string(what) + " has no \"" + member +
                         "\" (is the URL an ACME server's?)");
}

Problem ProblemFrom(const Json& object, int http_status) {
  Problem p;
  p.type = Text(object, "type");
  p.detail = Text(object, "detail");
  auto status = object.find("status");
  p.status =
      status != object.end() && status->is_number_integer() ? status->get<int>() : http_status;
  auto identifier = object.find("identifier");
  if (identifier != object.end() && identifier->is_object()) {
    p.identifier = Text(*identifier, "value");
  }
  auto sub = object.find("subproblems");
  if (sub != object.end() && sub->is_array()) {
    for (const auto& s : *sub) {
      if (s.is_object()) p.subproblems.push_back(ProblemFrom(s, http_status));
    }
  }
  return p;
}

std::vector<std::string> Strings(const Json& object, const char* key) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::optional<Problem> ErrorMember(const Json& object) {
  auto it = object.find("error");
  if (it == object.end() || !it->is_object()) return std::nullopt;
  return ProblemFrom(*it, 0);
}

}  // namespace

Result<Directory> ParseDirectory(const std::string& body) {
  auto json = Object(body, "directory");
  if (!json.ok()) return json.error();
  Directory d;
  d.new_nonce = Text(*json, "newNonce");
  d.new_account = Text(*json, "newAccount");
  d.new_order = Text(*json, "newOrder");
  d.revoke_cert = Text(*json, "revokeCert");
  d.key_change = Text(*json, "keyChange");
  if (d.new_nonce.empty()) return Missing("directory", "newNonce");
  if (d.new_account.empty()) return Missing("directory", "newAccount");
  if (d.new_order.empty()) return Missing("directory", "newOrder");
  auto meta = json->find("meta");
  if (meta != json->end() && meta->is_object()) {
    d.terms_of_service = Text(*meta, "termsOfService");
    auto eab = meta->find("externalAccountRequired");
    d.external_account_required = eab != meta->end() && eab->is_boolean() && eab->get<bool>();
  }
  return d;
}

std::string Problem::short_type() const {
  return type.starts_with(kAcmeError) ? type.substr(kAcmeError.size()) : type;
}

std::string Problem::describe() const {
  std::string out = type.empty() ? "error" : short_type();
  if (!detail.empty()) out += ": " + detail;
  for (size_t i = 0; i < subproblems.size(); ++i) {
    out += i == 0 ? " (" : "; ";
    const Problem& s = subproblems[i];
    if (!s.identifier.empty()) out += s.identifier + ": ";
    out += s.describe();
    if (i + 1 == subproblems.size()) out += ")";
  }
  return out;
}

std::optional<Problem> ParseProblem(const std::string& body, int http_status) {
  auto json = ParseJson(body);
  if (!json.ok() || !json->is_object()) return std::nullopt;
  if (!json->contains("type") && !json->contains("detail")) return std::nullopt;
  return ProblemFrom(*json, http_status);
}

Error ProblemError(const std::string& what, const Problem& problem) {
  const std::string kind = problem.short_type();
  ErrorCode code = ErrorCode::kFailedPrecondition;
  if (kind == "rateLimited" || kind == "serverInternal" || kind == "badNonce" ||
      problem.status >= 500) {
    code = ErrorCode::kUnavailable;
  } else if (kind == "unauthorized") {
    code = ErrorCode::kPermissionDenied;
  } else if (kind == "rejectedIdentifier" || kind == "malformed" || kind == "caa" ||
             kind == "unsupportedIdentifier" || kind == "invalidContact") {
    code = ErrorCode::kInvalidArgument;
  }
  return {code, what + ": the CA said " + problem.describe()};
}

Result<Authorization> ParseAuthorization(const std::string& body) {
  auto json = Object(body, "authorization");
  if (!json.ok()) return json.error();
  Authorization a;
  auto identifier = json->find("identifier");
  if (identifier != json->end() && identifier->is_object()) {
    a.identifier = Text(*identifier, "value");
  }
  if (a.identifier.empty()) return Missing("authorization", "identifier");
  a.status = Text(*json, "status");
  if (a.status.empty()) return Missing("authorization", "status");
  auto wildcard = json->find("wildcard");
  a.wildcard = wildcard != json->end() && wildcard->is_boolean() && wildcard->get<bool>();
  auto challenges = json->find("challenges");
  if (challenges != json->end() && challenges->is_array()) {
    for (const auto& c : *challenges) {
      if (!c.is_object()) continue;
      Challenge ch{Text(c, "type"), Text(c, "url"), Text(c, "token"), Text(c, "status"),
                   ErrorMember(c)};
      if (!ch.type.empty() && !ch.url.empty()) a.challenges.push_back(std::move(ch));
    }
  }
  return a;
}

Result<Order> ParseOrder(const std::string& body) {
  auto json = Object(body, "order");
  if (!json.ok()) return json.error();
  Order o;
  o.status = Text(*json, "status");
  if (o.status.empty()) return Missing("order", "status");
  o.finalize = Text(*json, "finalize");
  if (o.finalize.empty()) return Missing("order", "finalize");
  o.certificate = Text(*json, "certificate");
  o.authorizations = Strings(*json, "authorizations");
  auto identifiers = json->find("identifiers");
  if (identifiers != json->end() && identifiers->is_array()) {
    for (const auto& i : *identifiers) {
      if (i.is_object()) o.identifiers.push_back(Text(i, "value"));
    }
  }
  o.error = ErrorMember(*json);
  return o;
}

Result<Challenge> ChooseChallenge(const Authorization& authorization,
                                  const ChallengeAbilities& abilities) {
  const Challenge* http01 = nullptr;
  const Challenge* dns01 = nullptr;
  std::string offered;
  for (const auto& c : authorization.challenges) {
    if (c.type == "http-01" && !c.token.empty()) http01 = &c;
    if (c.type == "dns-01" && !c.token.empty()) dns01 = &c;
    offered += (offered.empty() ? "" : ", ") + c.type;
  }
  const std::string name = (authorization.wildcard ? "*." : "") + authorization.identifier;
  std::string record = Dns01RecordName(authorization.identifier);
  bool dns_possible = !abilities.dns_zone.empty() && dns::InZone(record, abilities.dns_zone);
  bool http_possible = abilities.http01 && !authorization.wildcard;
  if (dns01 && dns_possible && (abilities.prefer_dns01 || !http01 || !http_possible)) {
    return *dns01;
  }
  if (http01 && http_possible) return *http01;
  if (dns01 && dns_possible) return *dns01;
  std::string why;
  if (authorization.wildcard) {
    why = dns01 ? "a wildcard needs DNS-01, and " + record + " is not in Ink's DNS zone" +
                      (abilities.dns_zone.empty() ? " (none is configured)"
                                                  : " " + abilities.dns_zone)
                : "a wildcard needs DNS-01, which the CA did not offer";
  } else if (!dns01 && !http01) {
    why = "Ink answers only HTTP-01 and DNS-01";
  } else {
    why = std::string(http01 ? "" : "the CA offered no HTTP-01; ") +
          (abilities.http01 ? "" : "no HTTP-01 responder is set; ") +
          (dns01 ? "DNS-01 needs " + record + " in Ink's DNS zone" : "the CA offered no DNS-01");
  }
  return FailedPrecondition("cannot prove control of " + name + " (the CA offered " +
                            (offered.empty() ? "no challenges" : offered) + "): " + why);
}

std::string Dns01RecordName(const std::string& identifier) {
  return "_acme-challenge." + identifier;
}

std::chrono::milliseconds PollDelay(int attempt, std::optional<std::chrono::seconds> retry_after,
                                    std::chrono::milliseconds initial,
                                    std::chrono::milliseconds max) {
  if (retry_after) {
    return std::min<std::chrono::milliseconds>(
        std::max<std::chrono::milliseconds>(*retry_after, initial), max);
  }
  std::chrono::milliseconds delay = initial;
  for (int i = 0; i < attempt && delay < max; ++i) delay *= 2;
  return std::min(delay, max);
}

std::optional<std::chrono::seconds> ParseRetryAfter(const std::string& header) {
  long long seconds = 0;
  auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), seconds);
  if (header.empty() || ec != std::errc() || end != header.data() + header.size() || seconds < 0) {
    return std::nullopt;
  }
  return std::chrono::seconds(std::min(seconds, 86400LL));
}

Result<Validity> LeafValidity(const std::string& chain_pem) {
  BIO* bio = BIO_new_mem_buf(chain_pem.data(), static_cast<int>(chain_pem.size()));
  if (!bio) return Internal("out of memory reading a certificate");
  X509* leaf = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!leaf) return InvalidArgument("the certificate chain holds no PEM certificate");
  Validity v;
  bool ok = true;
  for (auto [time, out] : {std::pair{X509_get0_notBefore(leaf), &v.not_before_ms},
                           std::pair{X509_get0_notAfter(leaf), &v.not_after_ms}}) {
    std::tm tm{};
    if (ASN1_TIME_to_tm(time, &tm) != 1) {
      ok = false;
      break;
    }
    *out = static_cast<int64_t>(timegm(&tm)) * 1000;
  }
  X509_free(leaf);
  if (!ok) return InvalidArgument("the certificate has an unreadable validity period");
  return v;
}

int64_t RenewalTime(const Validity& validity) {
  return validity.not_before_ms + (validity.not_after_ms - validity.not_before_ms) * 2 / 3;
}

}  // namespace ink::acme
