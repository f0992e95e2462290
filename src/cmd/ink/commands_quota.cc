// ink quota / ink quota set: get_workspace_quota and set_workspace_quota as a table (per
// resource: cap, reserved, whose setting the cap is), then who holds the capacity. --json prints
// the operation's answer as it is.
#include <string>
#include <vector>

#include "output.h"
#include "session.h"

namespace ink::cli {

int RunQuota(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  const Json& r = *response;
  const Json quota = Member(r, "quota");
  std::vector<std::vector<std::string>> rows;
  for (const char* resource : {"cpu", "memory", "replicas", "volume"}) {
    const Json q = Member(quota, resource);
    rows.push_back({resource, Field(q, "limit"), Field(q, "used"), Field(q, "source")});
  }
  s.out() << "Workspace " << Field(r, "workspace") << "\n"
          << FormatTable({"RESOURCE", "LIMIT", "RESERVED", "SET BY"}, rows);
  Json holders = Member(r, "holders");
  if (!holders.is_array() || holders.empty()) return kExitOk;
  std::vector<std::vector<std::string>> held;
  for (const Json& h : holders) {
    auto or_dash = [&h](const char* key) {
      std::string v = Field(h, key);
      return v.empty() ? std::string("-") : v;
    };
    held.push_back(
        {Field(h, "name"), or_dash("cpu"), or_dash("memory"), or_dash("replicas"), or_dash("volume")});
  }
  s.out() << "\n" << FormatTable({"HELD BY", "CPU", "MEMORY", "REPLICAS", "VOLUME"}, held);
  return kExitOk;
}

}  // namespace ink::cli
