// Commands that follow work in progress: deploy (with --wait) and logs (with --follow).
#include <algorithm>

#include "ink/common/statuses.h"
#include "output.h"
#include "session.h"

namespace ink::cli {
namespace {

constexpr std::chrono::milliseconds kPollInterval{1000};

// The deploy request body from the flags. Flag values were checked by the parser.
Json DeployBody(const Invocation& inv) {
  Json body = {{"service", *inv.Get("--service")}};
  if (auto image = inv.Get("--image")) body["image"] = *image;  // else see SourceBody
  if (auto port = inv.Get("--port")) body["port"] = std::stoi(*port);
  if (auto replicas = inv.Get("--replicas")) body["replicas"] = std::stoi(*replicas);
  if (auto cpu = inv.Get("--cpu")) body["cpu"] = *ParseCpu(*cpu);
  // Memory goes as typed ("256m", "512Mi", "1048576"): the server owns the unit rules.
  if (auto memory = inv.Get("--memory")) body["memory"] = *memory;
  if (auto runtime = inv.Get("--runtime")) body["runtime_class"] = *runtime;
  std::vector<std::string> env = inv.All("--env");
  if (!env.empty()) {
    Json env_object = Json::object();
    for (const std::string& pair : env) {  // a later --env K=V wins, as in `docker run`
      auto kv = ParseEnvPair(pair);
      env_object[kv->first] = kv->second;
    }
    body["env"] = env_object;
  }
  return body;
}

// The deployment id in a deploy response: `deployment` is an object with `id` (or an id string).
std::string DeploymentId(const Json& response) {
  Json deployment = Member(response, "deployment");
  if (deployment.is_string()) return deployment.get<std::string>();
  Json id = Member(deployment, "id");
  return id.is_string() ? id.get<std::string>() : "";
}

// Polls the deployment until active/failed/superseded or the timeout. Returns the exit code and
// leaves the newest deployment object in `last`.
int WaitForDeployment(Session& s, const std::string& id, Json& last) {
  auto timeout = *ParseDuration(*s.invocation().Get("--timeout"));
  auto deadline = s.env().clock.Steady() + timeout;
  std::string shown;
  while (true) {
    auto response = s.Call("GET", "/v1/deployments/" + EncodeSegment(id));
    if (!response) return s.exit_code();
    last = Member(*response, "deployment");
    std::string status = Field(last, "status");
    std::string message = Field(last, "message");
    std::string line = "deployment " + id + ": " + status;
    if (message != "-") line += " - " + message;
    std::optional<DeploymentStatus> parsed = ParseDeploymentStatus(status);
    bool terminal = parsed && IsFinished(*parsed);
    if (line != shown && !terminal) {  // the final state is printed once, below
      s.err() << line << "\n";
      shown = line;
    }
    if (parsed == DeploymentStatus::kActive) return kExitOk;
    if (parsed == DeploymentStatus::kFailed) {
      return s.Fail("deployment " + id + " failed: " + message +
                    "\nhint: see `ink logs` and `ink services get` for the service");
    }
    if (parsed == DeploymentStatus::kSuperseded) {
      return s.Fail("deployment " + id +
                    " was superseded by a newer deployment before it "
                    "became active");
    }
    auto now = s.env().clock.Steady();
    if (now >= deadline) {
      return s.Fail("timed out after " + *s.invocation().Get("--timeout") +
                    " waiting for deployment " + id + " (status: " + status +
                    "); it may still finish: check with `ink deployments get " + id + "`");
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    s.env().sleep(std::min(kPollInterval, left));
  }
}

}  // namespace

int ReportDeployment(Session& s, Json& response, const std::string& service,
                     const std::string& project) {
  const Invocation& inv = s.invocation();
  std::string id = DeploymentId(response);
  std::string url = Field(response, "url");
  if (!s.json()) {
    s.out() << "Deployment " << (id.empty() ? "-" : id) << " created for service " << service
            << " in project " << project << ".\nURL: " << url << "\n";
    s.out().flush();
  }
  int code = kExitOk;
  if (inv.Has("--wait")) {
    if (id.empty()) return s.Fail("inkd's deploy response has no deployment id to wait for");
    Json last;
    code = WaitForDeployment(s, id, last);
    if (code == kExitUnreachable) return code;
    if (last.is_object() && Member(response, "deployment").is_object()) {
      response["deployment"] = last;  // --json shows the state the wait ended in
    }
    // Active: and the service as `ink services get` shows it, as deploy {wait} answers, once
    // inkd observes the new release's replicas (the tick after activation; at most 5 tries).
    if (code == kExitOk) {
      for (int attempt = 0; attempt < 5; ++attempt) {
        if (attempt > 0) s.env().sleep(kPollInterval);
        auto service_now = s.Call("GET", ServicePath(project, service));
        if (!service_now) return s.exit_code();
        response["service"] = Member(*service_now, "service");
        bool observed = false;
        Json replicas = Member(response["service"], "replicas_observed");
        for (const Json& r : replicas.is_array() ? replicas : Json::array()) {
          observed = observed || Field(r, "deployment_id") == id;
        }
        if (observed) break;
      }
    }
    if (code == kExitOk && !s.json()) {
      Json svc = Member(response, "service");
      s.out() << "Deployment " << id << " is active";
      if (svc.is_object()) {
        s.out() << ": service " << service << " is " << Field(svc, "status") << ", "
                << Field(svc, "replicas_healthy") << "/" << Field(svc, "replicas")
                << " replicas healthy";
      }
      s.out() << ".\n";
    }
  }
  if (s.json()) s.PrintJson(response);
  return code;
}

int RunDeploy(Session& s) {
  const Invocation& inv = s.invocation();
  if (!s.Connect()) return s.exit_code();
  std::string project = *inv.Get("--project");
  Json body = DeployBody(inv);
  if (!SourceBody(s, body)) return s.exit_code();  // --git, or DIR packed and uploaded
  auto response = s.Call("POST", ProjectPath(project) + "/deploy", body);
  if (!response) return s.exit_code();
  return ReportDeployment(s, *response, *inv.Get("--service"), project);
}

int RunLogs(Session& s) {
  const Invocation& inv = s.invocation();
  bool follow = inv.Has("--follow");
  if (follow && s.json()) {
    return s.UsageFail("--json cannot be combined with --follow (the stream is plain text)");
  }
  if (auto build = inv.Get("--build")) {
    if (!inv.positionals.empty())
      return s.UsageFail("give SERVICE or --build DEPLOYMENT, not both");
    if (inv.Has("--since") || inv.Has("--filter")) {
      return s.UsageFail("--since and --filter apply to a service's runtime logs, not --build");
    }
    return RunBuildLogs(s, *build);
  }
  if (inv.positionals.empty()) return s.UsageFail("missing SERVICE (or --build DEPLOYMENT)");
  if (!inv.Has("--project")) return s.UsageFail("missing --project P (or set INK_PROJECT)");
  if (!s.Connect()) return s.exit_code();
  std::string target = ServicePath(*inv.Get("--project"), inv.positionals.at(0)) + "/logs";
  std::string query;
  if (auto tail = inv.Get("--tail")) query += "tail=" + EncodeSegment(*tail);
  for (const char* flag : {"--since", "--filter"}) {
    if (auto value = inv.Get(flag)) {
      query += std::string(query.empty() ? "" : "&") + (flag + 2) + "=" + EncodeSegment(*value);
    }
  }
  if (follow) query += std::string(query.empty() ? "" : "&") + "follow=true";
  if (!query.empty()) target += "?" + query;
  if (follow) return s.StreamToOut(target);
  auto response = s.Call("GET", target);
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
    return kExitOk;
  }
  Json lines = Member(*response, "lines");
  if (!lines.is_array()) return kExitOk;
  for (const Json& line : lines) {
    Json text = Member(line, "text");
    std::string body = text.is_string() ? text.get<std::string>() : std::string();
    if (body.ends_with('\n')) body.pop_back();
    s.out() << "[" << Field(line, "replica") << "] " << body << "\n";
  }
  if (Member(*response, "truncated") == Json(true)) {
    s.err() << "(older lines left out: the answer is bounded to 64 KB; narrow with --tail, "
               "--since or --filter)\n";
  }
  return kExitOk;
}

}  // namespace ink::cli
