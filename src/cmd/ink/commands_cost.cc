// ink cost [SERVICE]: get_cost as a table (per service: shape, reserved and measured cost per
// month, the suggested change), the project's totals and the prices, then each suggestion's
// reasons and the command that applies it. --json prints the operation's answer as it is.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "output.h"
#include "session.h"

namespace ink::cli {
namespace {

// "$12.30", "€0.0042", "CHF 3.00": cents, or three significant digits under a cent.
std::string Money(double amount, const std::string& currency) {
  std::string symbol = currency == "USD"   ? "$"
                       : currency == "EUR" ? "€"
                       : currency == "GBP" ? "£"
                                           : currency + " ";
  std::string sign = amount < 0 ? "-" : "";
  amount = std::fabs(amount);
  char text[48];
  if (amount == 0 || amount >= 0.01) {
    std::snprintf(text, sizeof text, "%.2f", amount);
  } else {
    std::snprintf(text, sizeof text, "%.4f", amount);
  }
  return sign + symbol + text;
}

// "cpu 0.25, memory 256m, replicas 1 (-$18.40/mo)" or "-".
std::string Change(const Json& suggestion, const std::string& currency) {
  if (!suggestion.is_object()) return "-";
  std::string out;
  for (const char* key : {"cpu", "memory", "replicas"}) {
    if (!suggestion.contains(key)) continue;
    if (!out.empty()) out += ", ";
    out += std::string(key) + " " + Field(suggestion, key);
  }
  double change = NumberAt(suggestion, {"monthly_change"});
  return out + " (" + (change > 0 ? "+" : "") + Money(change, currency) + "/mo)";
}

// The flags of `ink scale` that apply a suggestion.
std::string ScaleFlags(const Json& suggestion) {
  std::string out;
  for (const char* key : {"cpu", "memory", "replicas"}) {
    if (suggestion.contains(key)) out += " --" + std::string(key) + " " + Field(suggestion, key);
  }
  return out;
}

}  // namespace

int RunCost(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  const Json& r = *response;
  std::string currency = Field(Member(r, "prices"), "currency");
  std::vector<std::vector<std::string>> rows;
  Json services = Member(r, "services");
  if (!services.is_array()) services = Json::array();
  for (const Json& svc : services) {
    rows.push_back({Field(svc, "service"), Field(svc, "replicas"), Field(svc, "cpu"),
                    Field(svc, "memory"), Money(NumberAt(svc, {"reserved", "monthly"}), currency),
                    Money(NumberAt(svc, {"measured", "monthly"}), currency),
                    Change(Member(svc, "suggestion"), currency)});
  }
  if (rows.empty()) {
    s.err() << "No services in project " << Field(r, "project") << " yet.\n";
    return kExitOk;
  }
  s.out() << FormatTable(
      {"SERVICE", "REPLICAS", "CPU", "MEMORY", "RESERVED/MO", "MEASURED/MO", "SUGGESTION"}, rows);
  if (Member(r, "detached_volumes").is_object()) {
    s.out() << "Detached volumes: " << Money(NumberAt(r, {"detached_volumes", "monthly"}), currency)
            << "/mo\n";
  }
  s.out() << "Total: reserved " << Money(NumberAt(r, {"total", "reserved_monthly"}), currency)
          << "/mo (" << Money(NumberAt(r, {"total", "reserved_hourly"}), currency)
          << "/h), measured over " << Field(r, "window") << " "
          << Money(NumberAt(r, {"total", "measured_monthly"}), currency) << "/mo\n";
  const Json prices = Member(r, "prices");
  s.out() << "Prices: " << Money(NumberAt(prices, {"vcpu_hour"}) * 730, currency)
          << " per vCPU-month, " << Money(NumberAt(prices, {"memory_gib_hour"}) * 730, currency)
          << " per GiB-month of memory, " << Money(NumberAt(prices, {"volume_gib_month"}), currency)
          << " per GiB-month of volume, " << Money(NumberAt(prices, {"egress_gib"}), currency)
          << " per GiB of egress (inkd --prices)\n";
  for (const Json& svc : services) {
    Json suggestion = Member(svc, "suggestion");
    if (suggestion.is_object()) {
      s.out() << "\n" << Field(svc, "service") << ":\n";
      for (const Json& reason : Member(suggestion, "reasons")) {
        s.out() << "  - " << (reason.is_string() ? reason.get<std::string>() : reason.dump())
                << "\n";
      }
      s.out() << "  apply: ink scale " << Field(svc, "service") << ScaleFlags(suggestion)
              << " --project " << Field(r, "project") << "\n";
    } else if (Member(svc, "note").is_string()) {
      s.out() << "\n" << Field(svc, "service") << ": " << Field(svc, "note") << "\n";
    }
  }
  return kExitOk;
}

}  // namespace ink::cli
