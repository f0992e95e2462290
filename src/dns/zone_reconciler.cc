// The platform zone's records (ink/dns/zone_reconciler.h).
#include "ink/dns/zone_reconciler.h"

#include <algorithm>

namespace ink::dns {
namespace {

std::vector<std::string> OfFamily(const std::vector<std::string>& addresses, bool v6) {
  std::vector<std::string> out;
  for (const auto& a : addresses) {
    if ((a.find(':') != std::string::npos) == v6) out.push_back(a);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<RecordSet> DesiredZoneSets(const std::string& zone,
                                       const std::vector<std::string>& platform_names,
                                       const std::vector<std::string>& edge_addresses, int ttl) {
  std::vector<std::string> names = {"*." + zone};
  for (const auto& n : platform_names) {
    if (InZone(n, zone) && n != zone && std::find(names.begin(), names.end(), n) == names.end()) {
      names.push_back(n);
    }
  }
  std::vector<RecordSet> sets;
  const std::vector<std::string> v4 = OfFamily(edge_addresses, false);
  const std::vector<std::string> v6 = OfFamily(edge_addresses, true);
  for (const auto& n : names) {
    if (!v4.empty()) sets.push_back({n, "A", ttl, v4});
    if (!v6.empty()) sets.push_back({n, "AAAA", ttl, v6});
  }
  return sets;
}

bool OwnedByInk(const RecordSet& set, const std::string& zone,
                const std::vector<std::string>& edge_addresses) {
  if ((set.type != "A" && set.type != "AAAA") || !InZone(set.name, zone) || set.name == zone) {
    return false;
  }
  std::vector<std::string> values = set.values;
  std::sort(values.begin(), values.end());
  return !values.empty() && values == OfFamily(edge_addresses, set.type == "AAAA");
}

ZoneReconciler::ZoneReconciler(DnsProvider& provider, std::string zone,
                               std::vector<std::string> edge_addresses, int ttl)
    : provider_(provider), zone_(std::move(zone)), addresses_(std::move(edge_addresses)), ttl_(ttl) {}

Result<ZoneChanges> ZoneReconciler::Converge(const std::vector<std::string>& platform_names) {
  if (!zone_ready_) {
    INK_RETURN_IF_ERROR(provider_.EnsureZone(zone_));
    zone_ready_ = true;
  }
  auto actual = provider_.List(zone_);
  if (!actual.ok()) return actual.error();
  ZoneChanges changes = PlanZoneChanges(
      *actual, DesiredZoneSets(zone_, platform_names, addresses_, ttl_),
      [this](const RecordSet& s) { return OwnedByInk(s, zone_, addresses_); });
  for (const auto& set : changes.replace) INK_RETURN_IF_ERROR(provider_.Replace(zone_, set));
  for (const auto& set : changes.remove) {
    INK_RETURN_IF_ERROR(provider_.Delete(zone_, set.name, set.type));
  }
  return changes;
}

}  // namespace ink::dns
