// DnsProvider: the records Ink owns in a DNS zone (its platform zone, e.g. apps.example.com).
//
// Domains (issue 13) need names that point at the edge: a subdomain per service, the wildcard
// for default hostnames, and the TXT records of ACME DNS-01 challenges. A provider manages whole
// record sets (one name and type, all its values), the unit every DNS API has; callers converge a
// desired set (idempotent: replacing a set with what it holds changes nothing, deleting a set that
// is not there succeeds). Names are absolute and lowercase, without the trailing dot (dns_names.h
// checks them); a provider adds the dot its API wants. TXT values are the text itself: the
// provider quotes them.
//
// Implementations: PowerDNS over its HTTP API (MakePowerDnsProvider, below). A fake for unit
// tests of the reconcilers lives beside them.
//
// Thread contract: every method may be called from any thread; calls are independent requests.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "ink/common/result.h"

namespace ink::dns {

// One record set: every value of a name and type.
struct RecordSet {
  std::string name;  // "web.apps.example.com" or "*.apps.example.com"
  std::string type;  // "A", "AAAA", "CNAME", "TXT"
  int ttl = 60;
  std::vector<std::string> values;  // "127.0.0.1"; CNAME targets without the dot; TXT text

  bool operator==(const RecordSet&) const = default;
};

class DnsProvider {
 public:
  virtual ~DnsProvider() = default;
  // Creates `zone` (with its SOA and NS) if it does not exist; OK if it does.
  virtual Status EnsureZone(const std::string& zone) = 0;
  // Every record set of `zone` but its SOA and NS, sorted by name then type.
  virtual Result<std::vector<RecordSet>> List(const std::string& zone) = 0;
  // Makes `set` exactly what the zone holds for its name and type.
  virtual Status Replace(const std::string& zone, const RecordSet& set) = 0;
  // Removes every record of `name` and `type` from `zone` (OK if there are none).
  virtual Status Delete(const std::string& zone, const std::string& name,
                        const std::string& type) = 0;
};

struct PowerDnsOptions {
  std::string api_url;  // "http://127.0.0.1:8081" (the webserver; /api/v1 is added)
  std::string api_key;  // X-API-Key
  std::string server_id = "localhost";
  std::string nameserver;  // the zone's NS when Ink creates it ("" = ns1.<zone>)
  std::chrono::milliseconds timeout{10000};
};

// A provider that talks to PowerDNS's authoritative server HTTP API (4.x). Fails if the URL
// does not parse; the server is first contacted by the first call.
Result<std::unique_ptr<DnsProvider>> MakePowerDnsProvider(PowerDnsOptions options);

}  // namespace ink::dns
