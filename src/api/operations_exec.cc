// exec: a one-off command in a running replica of a service's active release, scoped to the
// caller's workspace; every check happens before anything runs.
#include <algorithm>

#include "ink/common/exec_limits.h"
#include "src/api/operations_internal.h"

namespace ink::api_internal {
// The command from input.command: non-empty, each argument a string without NUL bytes.
Result<std::vector<std::string>> CommandInput(const Json& in) {
  const Json& command = in["command"];
  if (!command.is_array() || command.empty()) {
    return InvalidArgument(
        "command is empty: give the program and its arguments, e.g. [\"ls\", \"-l\"] "
        "(CLI: ink exec SERVICE -- ls -l)");
  }
  if (command.size() > static_cast<size_t>(kMaxExecArgs)) {
    return InvalidArgument("command has " + std::to_string(command.size()) +
                           " arguments; at most " + std::to_string(kMaxExecArgs));
  }
  std::vector<std::string> argv;
  for (const auto& arg : command) {
    std::string text = arg.get<std::string>();
    if (text.find('\0') != std::string::npos) {
      return InvalidArgument("command argument " + std::to_string(argv.size()) +
                             " contains a NUL byte, which no program can receive");
    }
    argv.push_back(std::move(text));
  }
  if (argv[0].empty()) return InvalidArgument("command[0] (the program) is empty");
  return argv;
}

Result<ExecRequest> ExecRequestInput(const Json& in) {
  auto argv = CommandInput(in);
  if (!argv.ok()) return argv.error();
  ExecRequest request;
  request.argv = std::move(*argv);
  request.stdin_data = in.value("stdin", "");
  if (request.stdin_data.size() > kMaxExecStdinBytes) {  // the schema counts characters
    return InvalidArgument("stdin is " + std::to_string(request.stdin_data.size()) +
                           " bytes; at most " + std::to_string(kMaxExecStdinBytes));
  }
  request.timeout_seconds = in.value("timeout", kDefaultExecTimeoutSeconds);
  if (request.timeout_seconds < 1 || request.timeout_seconds > kMaxExecTimeoutSeconds) {
    return InvalidArgument("timeout " + std::to_string(request.timeout_seconds) +
                           " is out of range 1-" + std::to_string(kMaxExecTimeoutSeconds) +
                           " seconds");
  }
  request.max_output_bytes = kMaxExecOutputBytes;
  return request;
}

Json ExecResultJson(const ExecResult& ran) {
  return Json{{"exit_code", ran.exit_code},
              {"stdout", ran.stdout_data},
              {"stderr", ran.stderr_data},
              {"stdout_truncated", ran.stdout_truncated},
              {"stderr_truncated", ran.stderr_truncated},
              {"timed_out", ran.timed_out}};
}

Result<Target> RunningReplica(OperationDeps& deps, const Caller& caller, const Service& service,
                              int wanted) {
  if (service.active_deployment_id.empty()) {
    return FailedPrecondition("service '" + service.name +
                              "' has no active release, so nothing runs to exec in; deploy it "
                              "and wait until it is active");
  }
  auto containers = deps.runtime.ListContainers(
      {{kLabelService, service.id}, {kLabelDeployment, service.active_deployment_id}});
  if (!containers.ok()) return containers.error();
  std::vector<Target> running;
  for (const auto& c : *containers) {
    auto ws = c.labels.find(kLabelWorkspace);
    if (ws == c.labels.end() || ws->second != caller.workspace_id) continue;
    if (c.state != "running") continue;
    auto replica = c.labels.find(kLabelReplica);
    if (replica == c.labels.end()) continue;
    running.push_back({c.id, std::atoi(replica->second.c_str())});
  }
  std::sort(running.begin(), running.end(),
            [](const Target& a, const Target& b) { return a.replica < b.replica; });
  if (running.empty()) {
    return FailedPrecondition("service '" + service.name + "' has no running replica of its " +
                              "active release " + service.active_deployment_id +
                              "; see `ink services get " + service.name + "` and its logs");
  }
  if (wanted < 0) return running.front();
  for (const auto& t : running) {
    if (t.replica == wanted) return t;
  }
  std::string have;
  for (const auto& t : running) have += (have.empty() ? "" : ", ") + std::to_string(t.replica);
  return NotFound("replica " + std::to_string(wanted) + " of service '" + service.name +
                  "' is not running; running replicas: " + have);
}

void RegisterExecOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(Implement("exec", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
                        auto request = ExecRequestInput(in);
                        if (!request.ok()) return request.error();
                        auto p = FindProject(deps, c, in);
                        if (!p.ok()) return p.error();
                        auto s = FindService(deps, c, *p, in);
                        if (!s.ok()) return s.error();
                        auto target = RunningReplica(deps, c, *s, in.value("replica", -1));
                        if (!target.ok()) return target.error();
                        auto ran = deps.runtime.Exec(target->container_id, *request);
                        if (!ran.ok()) return ran.error();
                        Json out = ExecResultJson(*ran);
                        out["replica"] = target->replica;
                        out["deployment"] = s->active_deployment_id;
                        return out;
                      }}));
}

}  // namespace ink::api_internal
