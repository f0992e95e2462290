// Commands that roll out a new deployment of an existing service: services update/restart and
// rollback. Each is one call of the matching operation, then the deploy-style report.
#include "output.h"
#include "session.h"

namespace ink::cli {

int RunServicesUpdate(Session& s) {
  const Invocation& inv = s.invocation();
  Json body = Json::object();
  if (auto port = inv.Get("--port")) body["port"] = std::stoi(*port);
  if (auto replicas = inv.Get("--replicas")) body["replicas"] = std::stoi(*replicas);
  if (auto cpu = inv.Get("--cpu")) body["cpu"] = *ParseCpu(*cpu);
  if (auto memory = inv.Get("--memory")) body["memory"] = *memory;
  if (auto runtime = inv.Get("--runtime")) body["runtime_class"] = *runtime;
  if (auto path = inv.Get("--health-path")) body["health_check_path"] = *path;
  if (body.empty()) {
    return s.UsageFail(
        "nothing to update: give at least one of --port, --replicas, --cpu, --memory, "
        "--runtime, --health-path");
  }
  if (!s.Connect()) return s.exit_code();
  std::string project = *inv.Get("--project");
  std::string service = inv.positionals.at(0);
  auto response = s.Call("PATCH", ServicePath(project, service), body);
  if (!response) return s.exit_code();
  return ReportDeployment(s, *response, service, project);
}

int RunServicesRestart(Session& s) {
  const Invocation& inv = s.invocation();
  if (!s.Connect()) return s.exit_code();
  std::string project = *inv.Get("--project");
  std::string service = inv.positionals.at(0);
  auto response = s.Call("POST", ServicePath(project, service) + "/restart", Json::object());
  if (!response) return s.exit_code();
  return ReportDeployment(s, *response, service, project);
}

int RunRollback(Session& s) {
  const Invocation& inv = s.invocation();
  if (!s.Connect()) return s.exit_code();
  std::string project = *inv.Get("--project");
  std::string service = inv.positionals.at(0);
  Json body = Json::object();
  if (inv.positionals.size() > 1) body["deployment"] = inv.positionals.at(1);
  auto response = s.Call("POST", ServicePath(project, service) + "/rollback", body);
  if (!response) return s.exit_code();
  return ReportDeployment(s, *response, service, project);
}

}  // namespace ink::cli
