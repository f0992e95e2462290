#include "ink/dns/dns_names.h"

#include <idn2.h>

#include <algorithm>

namespace ink::dns {
namespace {

constexpr size_t kMaxName = 253;
constexpr size_t kMaxLabel = 63;
constexpr const char* kRule =
    "a domain name is labels of 1-63 letters, digits and hyphens (not at a label's start or end) "
    "separated by dots, at most 253 characters, e.g. api.apps.example.com";

bool IsLabelChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

}  // namespace

Result<std::string> CanonicalName(std::string_view name, bool allow_wildcard) {
  std::string s(name);
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : char(c); });
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s.empty()) return InvalidArgument(std::string("the domain name is empty: ") + kRule);
  if (s.size() > kMaxName) {
    return InvalidArgument("the domain name has " + std::to_string(s.size()) +
                           " characters; at most 253 are allowed");
  }
  if (std::any_of(s.begin(), s.end(), [](unsigned char c) { return c >= 0x80; })) {
    // An internationalized name: kept in its ASCII (punycode) form, as DNS and certificates
    // carry it (IDNA 2008, libidn2).
    char* ascii = nullptr;
    const int rc = idn2_to_ascii_8z(s.c_str(), &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    if (rc != IDN2_OK) {
      return InvalidArgument(std::string("the internationalized domain name cannot be written "
                                         "in ASCII (IDNA 2008: ") +
                             idn2_strerror(rc) +
                             "); give its punycode form, e.g. xn--bcher-kva.example for "
                             "bücher.example");
    }
    s = ascii;
    idn2_free(ascii);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
      return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : char(c);
    });
    if (s.size() > kMaxName) {
      return InvalidArgument("the domain name has " + std::to_string(s.size()) +
                             " characters in punycode; at most 253 are allowed");
    }
  }
  std::vector<std::string_view> labels;
  std::string_view rest(s);
  while (true) {
    size_t dot = rest.find('.');
    labels.push_back(rest.substr(0, dot));
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (labels.size() < 2) {
    return InvalidArgument("the domain name needs at least two labels (name.tld): " +
                           std::string(kRule));
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    std::string_view label = labels[i];
    std::string where = "label " + std::to_string(i + 1) + " of the domain name";
    if (i == 0 && label == "*") {
      if (!allow_wildcard) {
        return InvalidArgument("a wildcard (*.) is not allowed here: give one name, e.g. "
                               "api.apps.example.com");
      }
      continue;
    }
    if (label.empty()) return InvalidArgument(where + " is empty (two dots in a row?): " + kRule);
    if (label.size() > kMaxLabel) {
      return InvalidArgument(where + " has " + std::to_string(label.size()) +
                             " characters; at most 63 are allowed");
    }
    for (char c : label) {
      if (!IsLabelChar(c)) {
        return InvalidArgument(where + " has a character other than a letter, digit or hyphen: " +
                               kRule);
      }
    }
    if (label.front() == '-' || label.back() == '-') {
      return InvalidArgument(where + " starts or ends with a hyphen: " + std::string(kRule));
    }
  }
  std::string_view top = labels.back();
  if (std::all_of(top.begin(), top.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return InvalidArgument(
        "the domain name ends in a number, so it reads as an IP address: give a name, e.g. "
        "api.apps.example.com");
  }
  return s;
}

bool InZone(std::string_view name, std::string_view zone) {
  if (name == zone) return true;
  return name.size() > zone.size() + 1 && name.substr(name.size() - zone.size()) == zone &&
         name[name.size() - zone.size() - 1] == '.';
}

bool SameRecords(const RecordSet& a, const RecordSet& b) {
  if (a.name != b.name || a.type != b.type || a.ttl != b.ttl) return false;
  std::vector<std::string> x = a.values, y = b.values;
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  return x == y;
}

}  // namespace ink::dns
