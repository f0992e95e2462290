// Commands that roll out a new deployment of an existing service: services update/restart and
// rollback. Each is one call of the matching operation, then the deploy-style report. Also
// exec, a one-off command in a running replica.
#include <string>

#include "ink/common/exec_limits.h"
#include "output.h"
#include "session.h"

namespace ink::cli {

namespace {

// Sends update_service's input and reports the deployment it started.
int UpdateAndReport(Session& s, const Json& input) {
  const Invocation& inv = s.invocation();
  if (!s.Connect()) return s.exit_code();
  std::string project = *inv.Get("--project");
  std::string service = inv.positionals.at(0);
  auto response = s.CallOperation(input);
  if (!response) return s.exit_code();
  return ReportDeployment(s, *response, service, project);
}

}  // namespace

int RunServicesUpdate(Session& s) {
  Json input = s.Input();
  if (input.size() <= 2) {  // project and service only
    return s.UsageFail(
        "nothing to update: give at least one of --port, --replicas, --cpu, --memory, "
        "--runtime, --health-path");
  }
  return UpdateAndReport(s, input);
}

int RunScale(Session& s) {
  Json input = s.Input();
  if (!input.contains("replicas") && !input.contains("cpu") && !input.contains("memory")) {
    return s.UsageFail("nothing to scale: give at least one of --replicas, --cpu, --memory");
  }
  return UpdateAndReport(s, input);
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
  Json input = s.Input();
  // Without --stdin, a pipe or file on ink's own stdin is the command's (as `cmd | ink exec`);
  // a terminal is not read, so an interactive `ink exec` does not wait for end of input.
  if (!input.contains("stdin") && !s.env().in_is_terminal) {
    std::string text(kMaxExecStdinBytes + 1, '\0');
    s.env().in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(s.env().in.gcount()));
    if (text.size() > kMaxExecStdinBytes) {
      return s.UsageFail("standard input has more than " + std::to_string(kMaxExecStdinBytes) +
                         " bytes (1 MiB), the most exec passes to a command; copy larger data "
                         "another way, or give </dev/null to pass none");
    }
    try {
      (void)Json(text).dump();  // the request is JSON: text only
    } catch (const Json::exception&) {
      return s.UsageFail(
          "standard input is not UTF-8 text, and exec passes text only; encode binary data "
          "(e.g. base64) and decode it in the command");
    }
    if (!text.empty()) input["stdin"] = std::move(text);
  }
  if (!s.Connect()) return s.exit_code();
  auto response = s.CallOperation(input);
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
