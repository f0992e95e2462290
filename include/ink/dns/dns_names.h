// Domain names as Ink accepts them, and the record changes that converge a zone: pure rules,
// no I/O (the provider, dns_provider.h, does the talking).
//
// A name is checked once, where it enters (add_domain, inkd's --dns-zone), and kept canonical:
// lowercase, no trailing dot, labels of 1-63 letters, digits and inner hyphens, at most 253
// characters, at least two labels, not all-numeric at the top (that is an IP address). The one
// wildcard allowed is a whole first label ("*.apps.example.com"). Internationalized names are
// converted to their ASCII (punycode, "xn--") form (IDNA 2008) and kept in it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ink/common/result.h"
#include "ink/dns/dns_provider.h"

namespace ink::dns {

// The canonical form of `name`, or InvalidArgument naming what is wrong with it (never quoting
// the whole input back: it may be hostile). `allow_wildcard`: a leading "*." is accepted.
Result<std::string> CanonicalName(std::string_view name, bool allow_wildcard = false);

// True if `name` is `zone` itself or under it (both canonical).
bool InZone(std::string_view name, std::string_view zone);

// What to send a provider so that the sets of `zone` Ink owns become `desired`. Ink owns the sets
// for which `owned(set)` is true (e.g. names it created): an owned set not desired is deleted, a
// desired set that differs (values in any order, TTL) is replaced; sets it does not own are never
// touched, even when a desired set has the same name and type (that conflict is reported).
struct ZoneChanges {
  std::vector<RecordSet> replace;
  std::vector<RecordSet> remove;   // name and type matter
  std::vector<std::string> conflicts;  // "web.apps.example.com A is not Ink's"
};
template <typename Owned>
ZoneChanges PlanZoneChanges(const std::vector<RecordSet>& actual,
                            const std::vector<RecordSet>& desired, Owned owned);

// Equal as DNS sees them: name, type and TTL equal, values equal as sets.
bool SameRecords(const RecordSet& a, const RecordSet& b);

// ---- implementation of the template ----

template <typename Owned>
ZoneChanges PlanZoneChanges(const std::vector<RecordSet>& actual,
                            const std::vector<RecordSet>& desired, Owned owned) {
  ZoneChanges out;
  auto find = [](const std::vector<RecordSet>& sets, const RecordSet& key) -> const RecordSet* {
    for (const auto& s : sets) {
      if (s.name == key.name && s.type == key.type) return &s;
    }
    return nullptr;
  };
  for (const auto& want : desired) {
    const RecordSet* have = find(actual, want);
    if (have && !owned(*have)) {
      out.conflicts.push_back(want.name + " " + want.type + " is not Ink's");
    } else if (!have || !SameRecords(*have, want)) {
      out.replace.push_back(want);
    }
  }
  for (const auto& have : actual) {
    if (owned(have) && !find(desired, have)) out.remove.push_back(have);
  }
  return out;
}

}  // namespace ink::dns
