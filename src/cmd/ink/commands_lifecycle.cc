// Commands that roll out a new deployment of an existing service: services update/restart and
// rollback. Each is one call of the matching operation, then the deploy-style report.
#include "output.h"
#include "session.h"

namespace ink::cli {

int RunServicesUpdate(Session& s) {
  const Invocation& inv = s.invocation();
  Json input = s.Input();
  if (input.size() <= 2) {  // project and service only
    return s.UsageFail(
        "nothing to update: give at least one of --port, --replicas, --cpu, --memory, "
        "--runtime, --health-path");
  }
  if (!s.Connect()) return s.exit_code();
  std::string project = *inv.Get("--project");
  std::string service = inv.positionals.at(0);
  auto response = s.CallOperation(input);
  if (!response) return s.exit_code();
  return ReportDeployment(s, *response, service, project);
}

int RunServicesRestart(Session& s) {
  const Invocation& inv = s.invocation();
  if (!s.Connect()) return s.exit_code();
  std::string project = *inv.Get("--project");
  std::string service = inv.positionals.at(0);
  auto response = s.CallOperation(s.Input());
  if (!response) return s.exit_code();
  return ReportDeployment(s, *response, service, project);
}

int RunRollback(Session& s) {
  const Invocation& inv = s.invocation();
  if (!s.Connect()) return s.exit_code();
  std::string project = *inv.Get("--project");
  std::string service = inv.positionals.at(0);
  auto response = s.CallOperation(s.Input());
  if (!response) return s.exit_code();
  return ReportDeployment(s, *response, service, project);
}

}  // namespace ink::cli
