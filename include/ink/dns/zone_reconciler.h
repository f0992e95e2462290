// ZoneReconciler: keeps the records of Ink's platform zone pointing at the edge (issue 13).
//
// What Ink wants in its zone (DesiredZoneSets, pure): the wildcard `*.<zone>` (every service's
// default hostname `<service>-<project>.<zone>`) and one explicit set per platform domain
// (add_domain's `api.<zone>`), each an A set of the edge's IPv4 addresses and an AAAA set of its
// IPv6 ones. Which sets are Ink's (OwnedByInk, pure): A/AAAA sets under the zone that hold
// exactly the edge's addresses. So a removed domain's set is deleted at the next pass, and a
// record an operator made pointing elsewhere is never touched (a platform domain over it is
// reported as a conflict). Converge sends PlanZoneChanges to the provider; replacing a set with
// what it holds sends nothing, so passes are cheap and idempotent.
//
// Thread contract: Converge from one thread at a time (inkd's domain checker).
#pragma once

#include <string>
#include <vector>

#include "ink/common/result.h"
#include "ink/dns/dns_names.h"
#include "ink/dns/dns_provider.h"

namespace ink::dns {

std::vector<RecordSet> DesiredZoneSets(const std::string& zone,
                                       const std::vector<std::string>& platform_names,
                                       const std::vector<std::string>& edge_addresses, int ttl);
bool OwnedByInk(const RecordSet& set, const std::string& zone,
                const std::vector<std::string>& edge_addresses);

class ZoneReconciler {
 public:
  // `edge_addresses`: IPv4 and/or IPv6 text, at least one.
  ZoneReconciler(DnsProvider& provider, std::string zone, std::vector<std::string> edge_addresses,
                 int ttl = 60);
  // Creates the zone if missing (once), then converges it to `platform_names` (canonical names
  // one label under the zone). Answers what was changed; conflicts are in the answer, not errors.
  Result<ZoneChanges> Converge(const std::vector<std::string>& platform_names);

 private:
  DnsProvider& provider_;
  std::string zone_;
  std::vector<std::string> addresses_;
  int ttl_;
  bool zone_ready_ = false;
};

}  // namespace ink::dns
