#include "src/api/domain_rules.h"

#include <algorithm>

#include "ink/dns/dns_names.h"

namespace ink::api_internal {
namespace {

size_t CountLabels(std::string_view name) {
  return static_cast<size_t>(std::count(name.begin(), name.end(), '.')) + 1;
}

std::string Join(const std::vector<std::string>& values, size_t most = 4) {
  std::string out;
  for (size_t i = 0; i < values.size() && i < most; ++i) {
    if (i) out += ", ";
    out += values[i].substr(0, 80);
  }
  if (values.size() > most) out += " and " + std::to_string(values.size() - most) + " more";
  return out;
}

}  // namespace

Result<DomainPlacement> PlaceDomain(std::string_view input, const std::string& platform_domain) {
  auto name = dns::CanonicalName(input, /*allow_wildcard=*/true);
  if (!name.ok()) return name.error();
  const bool under_platform = dns::InZone(*name, platform_domain);
  if (name->rfind("*.", 0) == 0) {
    if (under_platform) {
      return InvalidArgument("'" + *name + "': the platform's wildcard is Ink's own (it covers "
                             "every service's default hostname); add one name, e.g. api." +
                             platform_domain);
    }
    return InvalidArgument("'" + *name + "': a wildcard custom domain needs a DNS-01 challenge "
                           "in a zone Ink manages, and Ink does not manage this one; add each "
                           "name (e.g. " + name->substr(2) + " or www." + name->substr(2) +
                           ")");
  }
  if (*name == platform_domain) {
    return InvalidArgument("'" + *name + "' is the platform zone itself; add a name below it, "
                           "e.g. api." + platform_domain);
  }
  if (under_platform) {
    const size_t below = CountLabels(*name) - CountLabels(platform_domain);
    if (below != 1) {
      return InvalidArgument("'" + *name + "' is " + std::to_string(below) +
                             " labels below the platform zone " + platform_domain +
                             "; a platform subdomain is one label (the platform's certificate "
                             "covers one), e.g. " + name->substr(0, name->find('.')) + "." +
                             platform_domain);
    }
    return DomainPlacement{*name, "platform", name->substr(0, name->find('.'))};
  }
  for (const char* reserved : {"internal", "localhost"}) {
    if (dns::InZone(*name, reserved)) {
      return InvalidArgument(
          "'" + *name + "' is under ." + reserved +
          (std::string_view(reserved) == "internal"
               ? ", which Ink keeps for private names between services (<service>.<project>."
                 "internal); give a domain you own, e.g. app.example.com"
               : ", which resolves to this machine only; give a domain you own, e.g. "
                 "app.example.com"));
    }
  }
  return DomainPlacement{*name, "custom", ""};
}

std::string ChallengeName(const std::string& name) { return "_ink-challenge." + name; }

Json DomainRecords(const std::string& name, const std::string& token, const std::string& target) {
  Json records = Json::array();
  if (CountLabels(name) <= 2) {
    records.push_back({{"type", "A/AAAA"},
                       {"name", name},
                       {"value", "the addresses of " + target},
                       {"purpose", "routes " + name + " to Ink (an apex cannot hold a CNAME; "
                                   "your DNS host's ALIAS or CNAME flattening to " + target +
                                   " works too)"}});
  } else {
    records.push_back({{"type", "CNAME"},
                       {"name", name},
                       {"value", target},
                       {"purpose", "routes " + name + " to Ink"}});
  }
  records.push_back({{"type", "TXT"},
                     {"name", ChallengeName(name)},
                     {"value", token},
                     {"purpose", "proves the domain is yours"}});
  return records;
}

DomainVerdict JudgeDomain(const std::string& name, const std::string& token,
                          const std::string& target, const DomainAnswers& answers) {
  DomainVerdict v;
  std::vector<std::string> problems;
  auto failed = [&](const std::string& what, const LookupAnswer& answer) {
    v.definite = false;
    problems.push_back("could not look up " + what + ": " + answer.error);
  };
  // Ownership: the token among the TXT values.
  if (!answers.txt.error.empty()) {
    failed("TXT " + ChallengeName(name), answers.txt);
  } else if (std::find(answers.txt.values.begin(), answers.txt.values.end(), token) !=
             answers.txt.values.end()) {
    v.owned = true;
  } else if (answers.txt.values.empty()) {
    problems.push_back("TXT " + ChallengeName(name) + " does not exist; create it with the "
                       "value " + token);
  } else {
    problems.push_back("TXT " + ChallengeName(name) + " holds " +
                       std::to_string(answers.txt.values.size()) +
                       " value(s), none of them the token " + token);
  }
  // Pointing: a CNAME to the target wins; else every address must be one of the target's.
  if (!answers.cname.error.empty()) {
    failed("CNAME " + name, answers.cname);
  } else if (!answers.cname.values.empty()) {
    if (std::find(answers.cname.values.begin(), answers.cname.values.end(), target) !=
        answers.cname.values.end()) {
      v.pointed = true;
    } else {
      problems.push_back("CNAME " + name + " points at " + Join(answers.cname.values) +
                         ", not at " + target);
    }
  } else if (!answers.a.error.empty() || !answers.aaaa.error.empty()) {
    failed("the addresses of " + name, !answers.a.error.empty() ? answers.a : answers.aaaa);
  } else {
    std::vector<std::string> addresses = answers.a.values;
    addresses.insert(addresses.end(), answers.aaaa.values.begin(), answers.aaaa.values.end());
    if (addresses.empty()) {
      problems.push_back(name + " has no CNAME, A or AAAA record; create CNAME " + name + " -> " +
                         target);
    } else {
      std::vector<std::string> foreign;
      for (const auto& a : addresses) {
        if (std::find(answers.target_addresses.begin(), answers.target_addresses.end(), a) ==
            answers.target_addresses.end()) {
          foreign.push_back(a);
        }
      }
      if (foreign.empty()) {
        v.pointed = true;
      } else {
        problems.push_back(
            name + " has address(es) " + Join(foreign) + " that are not " + target + "'s" +
            (answers.target_addresses.empty() ? " (which has none Ink can see)"
                                              : " (" + Join(answers.target_addresses) + ")") +
            "; point it with CNAME " + name + " -> " + target);
      }
    }
  }
  for (size_t i = 0; i < problems.size(); ++i) v.reason += (i ? "; " : "") + problems[i];
  return v;
}

}  // namespace ink::api_internal
