// ink domains add|list|verify|rm: the domain operations in words (--json prints the answer as
// it is). add and verify say what DNS still needs; list shows each domain's state.
#include <string>
#include <vector>

#include "output.h"
#include "session.h"

namespace ink::cli {
namespace {

void PrintRecords(Session& s, const Json& domain) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& r : Member(domain, "records")) {
    rows.push_back({Field(r, "type"), Field(r, "name"), Field(r, "value")});
  }
  if (!rows.empty()) s.out() << FormatTable({"TYPE", "NAME", "VALUE"}, rows);
}

}  // namespace

int RunDomains(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  const Json& r = *response;
  const Json domain = Member(r, "domain");
  switch (s.invocation().command->id) {
    case CommandId::kDomainsAdd:
      if (Field(domain, "kind") == "platform") {
        s.out() << "Serving " << Field(domain, "service") << " at " << Field(domain, "url")
                << " now.\n";
      } else {
        s.out() << "Added " << Field(domain, "name") << " to service " << Field(domain, "service")
                << "; it is served once DNS has these records (then run `ink domains verify "
                << Field(domain, "name") << "`; Ink also checks every minute):\n";
        PrintRecords(s, domain);
      }
      return kExitOk;
    case CommandId::kDomainsVerify:
      s.out() << Field(domain, "name") << ": " << Field(domain, "status") << ". "
              << Field(r, "message") << "\n";
      if (Field(domain, "status") != "verified") {
        PrintRecords(s, domain);
        return kExitFailed;
      }
      return kExitOk;
    case CommandId::kDomainsRemove:
      s.out() << "Removed " << Field(r, "removed") << ": it is no longer served.\n";
      return kExitOk;
    default:
      break;
  }
  std::vector<std::vector<std::string>> rows;
  for (const Json& d : Member(r, "domains")) {
    const std::string status = Field(d, "status");
    rows.push_back({Field(d, "name"), Field(d, "service"), Field(d, "kind"), status,
                    status == "verified" ? Field(d, "url") : Field(d, "reason")});
  }
  if (rows.empty()) {
    s.err() << "No domains yet. Add one with: ink domains add NAME --service S --project P\n";
    return kExitOk;
  }
  s.out() << FormatTable({"NAME", "SERVICE", "KIND", "STATUS", "URL OR WHAT IS MISSING"}, rows);
  return kExitOk;
}

}  // namespace ink::cli
