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

int RunExec(Session& s) {
  if (!s.Connect()) return s.exit_code();
  auto response = s.CallOperation(s.Input());
  if (!response) return s.exit_code();
  const Json& r = *response;
  if (s.json()) {
    s.PrintJson(r);
  } else {
    s.out() << r.value("stdout", "");
    s.out().flush();
    s.err() << r.value("stderr", "");
  }
  for (const char* stream : {"stdout", "stderr"}) {
    if (r.value(std::string(stream) + "_truncated", false)) {
      s.err() << "ink: " << stream << " was cut at 1 MiB\n";
    }
  }
  if (r.value("timed_out", false)) {
    s.err() << "ink: the command was killed at the timeout (--timeout)\n";
    return 124;  // as timeout(1) says it
  }
  int code = r.value("exit_code", 0);
  return code < 0 || code > 255 ? kExitFailed : code;
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
