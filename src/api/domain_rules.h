// Domains: which names add_domain accepts and how it files them, what records a custom domain
// needs, and whether DNS says a custom domain is the caller's and points at Ink. Pure rules, no
// I/O: the DNS answers are looked up by the caller (operations_domains.cc) and passed in.
//
// A name under inkd's --platform-domain is a "platform" domain: one label below the zone
// (api.apps.example.com), served at once (Ink owns the zone, and the platform's wildcard
// certificate covers one label). Any other name is "custom": pending until its TXT record
// _ink-challenge.<name> holds the domain's token (ownership) and the name points at the service's
// hostname (a CNAME to it, or A/AAAA records that are all addresses of that hostname).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ink/common/json.h"
#include "ink/common/result.h"

namespace ink::api_internal {

struct DomainPlacement {
  std::string name;   // canonical (punycode, lowercase, no trailing dot)
  std::string kind;   // "platform" or "custom"
  std::string label;  // platform: the one label below the zone
};

// Checks `input` for add_domain against `platform_domain` (canonical). Refused, with what to do
// instead: an invalid name, a wildcard (the platform's is Ink's; a custom one would need DNS-01
// in a zone Ink does not own), the platform zone itself or a name two labels or more below it,
// and names under .internal (private networking) or .localhost when that is not the platform.
Result<DomainPlacement> PlaceDomain(std::string_view input, const std::string& platform_domain);

// The TXT record that proves ownership of `name`.
std::string ChallengeName(const std::string& name);

// The records a custom domain needs, as add_domain and list_domains show them:
// [{type, name, value, purpose}]. An apex (two labels) cannot hold a CNAME: it is told to use
// A/AAAA records with the addresses of `target` (or its DNS host's ALIAS / CNAME flattening).
Json DomainRecords(const std::string& name, const std::string& token, const std::string& target);

// One DNS lookup's outcome: its values, or why it could not be made.
struct LookupAnswer {
  std::vector<std::string> values;
  std::string error;  // "" = answered (values may be empty)
};

struct DomainAnswers {
  LookupAnswer txt;    // TXT at ChallengeName(name)
  LookupAnswer cname;  // CNAME at name
  LookupAnswer a, aaaa;
  std::vector<std::string> target_addresses;  // A and AAAA of the target hostname
};

struct DomainVerdict {
  bool owned = false;     // the TXT record holds the token
  bool pointed = false;   // the name leads to Ink
  bool definite = true;   // false when a lookup failed: nothing is known, nothing may change
  std::string reason;     // what is missing, one clause per problem; "" when verified
  bool verified() const { return owned && pointed; }
};

// Judges `answers` for custom domain `name` with `token`, which must point at `target`.
DomainVerdict JudgeDomain(const std::string& name, const std::string& token,
                          const std::string& target, const DomainAnswers& answers);

}  // namespace ink::api_internal
