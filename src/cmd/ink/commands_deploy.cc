// Commands that follow work in progress: deploy (with --wait) and logs (with --follow).
#include <algorithm>

#include "ink/catalog/catalog.h"
#include "ink/common/statuses.h"
#include "output.h"
#include "session.h"

namespace ink::cli {
namespace {

constexpr std::chrono::milliseconds kPollInterval{1000};

Json ListOf(const Json& value) { return value.is_array() ? value : Json::array(); }

// The deployment id in a deploy response: `deployment` is an object with `id` (or an id string).
std::string DeploymentId(const Json& response) {
  Json deployment = Member(response, "deployment");
  if (deployment.is_string()) return deployment.get<std::string>();
  Json id = Member(deployment, "id");
  return id.is_string() ? id.get<std::string>() : "";
}

// The longest wait get_deployment takes in one call (its schema's maximum).
constexpr int64_t kMaxWaitSeconds = 600;

// Follows the deployment until active/failed/superseded or the timeout: get_deployment with
// wait, in its NDJSON form, so inkd sends each status change as it happens (its store's watch
// wakes the wait) and nothing here polls; a timeout past get_deployment's limit asks again.
// Returns the exit code and leaves the newest deployment object in `last`.
int WaitForDeployment(Session& s, const std::string& id, Json& last) {
  auto timeout = *ParseDuration(*s.invocation().Get("--timeout"));
  auto deadline = s.env().clock.Steady() + timeout;
  std::string shown;
  auto show = [&](const std::string& line) {
    if (line != shown) s.err() << line << "\n";
    shown = line;
  };
  while (true) {
    auto left = std::chrono::ceil<std::chrono::seconds>(deadline - s.env().clock.Steady());
    int64_t seconds = std::clamp<int64_t>(left.count(), 1, kMaxWaitSeconds);
    bool covers_the_rest = seconds >= left.count();
    auto response = s.CallWithProgress(
        *FindDeclared("get_deployment"), {{"deployment", id}, {"wait", seconds}},
        [&](const std::string& progress) {
          // "dep_1: deploying (starting replica 0)"; the final state is printed once, below.
          std::string status = progress.substr(std::min(progress.size(), id.size() + 2));
          status = status.substr(0, status.find(' '));
          auto parsed = ParseDeploymentStatus(status);
          if (!(parsed && IsFinished(*parsed))) show("deployment " + progress);
        });
    if (!response) return s.exit_code();
    last = Member(*response, "deployment");
    std::string status = Field(last, "status");
    std::string message = Field(last, "message");
    std::optional<DeploymentStatus> parsed = ParseDeploymentStatus(status);
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
    if (covers_the_rest || s.env().clock.Steady() >= deadline) {
      return s.Fail("timed out after " + *s.invocation().Get("--timeout") +
                    " waiting for deployment " + id + " (status: " + status +
                    "); it may still finish: check with `ink deployments get " + id + "`");
    }
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
        auto service_now = s.CallOperation(*FindDeclared("get_service"),
                                           {{"project", project}, {"service", service}});
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

namespace {

// Prints what deploy_template made and kept (names only) and what other services reference.
void ReportTemplate(Session& s, const Json& response) {
  if (s.json()) return;
  auto names = [](const Json& list) {
    std::string out;
    for (const Json& n : list.is_array() ? list : Json::array()) {
      out += (out.empty() ? "" : ", ") + (n.is_string() ? n.get<std::string>() : n.dump());
    }
    return out;
  };
  Json generated = Member(response, "generated"), kept = Member(response, "kept");
  if (!names(generated).empty())
    s.out() << "Generated (stored encrypted): " << names(generated) << "\n";
  if (!names(kept).empty()) s.out() << "Kept (already set): " << names(kept) << "\n";
  Json services = Member(response, "services");
  for (const Json& o : services.is_array() && services.size() > 1 ? services : Json::array()) {
    s.out() << "Service " << Field(o, "service") << ": deployment " << Field(o, "deployment")
            << "\n";
  }
  Json volumes = Member(response, "volumes");
  for (const Json& v : volumes.is_array() ? volumes : Json::array()) {
    bool created = v.is_object() && v.value("created", false);
    s.out() << "Volume " << Field(v, "volume") << " at " << Field(v, "mount_path")
            << (created ? " (created)" : " (kept, with its data)") << "\n";
  }
  Json publishes = Member(response, "publishes");
  for (const Json& p : publishes.is_array() ? publishes : Json::array()) {
    s.out() << "  " << Field(p, "name") << " -> use " << Field(p, "reference") << "\n";
  }
}

}  // namespace

int RunTemplatesDeploy(Session& s, Json body) {
  const Invocation& inv = s.invocation();
  if (!s.Connect()) return s.exit_code();
  std::string project = body.value("project", "");
  std::string service = body.value("service", body.value("template", ""));
  auto response = s.CallOperation(*FindDeclared("deploy_template"), body);
  if (!response) return s.exit_code();
  (void)inv;
  ReportTemplate(s, *response);
  return ReportDeployment(s, *response, service, project);
}

int RunTemplatesDeploy(Session& s) { return RunTemplatesDeploy(s, s.Input()); }

int RunDeploy(Session& s) {
  const Invocation& inv = s.invocation();
  if (auto name = inv.Get("--template")) {
    // ink deploy --template postgres --project P [--service S] [--env K=V] [--cpu/--memory/...]
    Json body = s.Input();
    for (const auto& [field, value] : body.items()) {
      if (field != "project" && field != "env" && field != "cpu" && field != "memory" &&
          field != "replicas") {
        return s.UsageFail("--template deploys the template's own build; --" + field +
                           " does not apply to it (give --service, --env, --cpu, --memory, "
                           "--replicas)");
      }
    }
    if (!inv.positionals.empty()) return s.UsageFail("--template takes no DIR");
    body["template"] = *name;
    if (auto service = inv.Get("--service")) body["service"] = *service;
    return RunTemplatesDeploy(s, body);
  }
  if (!inv.Has("--service")) return s.UsageFail("missing --service S (the service to deploy)");
  if (!s.Connect()) return s.exit_code();
  std::string project = *inv.Get("--project");
  // What the flags say, as parsed; `wait` stays out: --wait follows the deployment here, with
  // progress on stderr and --timeout's limit.
  Json body = s.Input();
  body["service"] = *inv.Get("--service");
  if (!SourceBody(s, body)) return s.exit_code();  // DIR packed and uploaded, unless a source
  auto response = s.CallOperation(body);
  if (!response) return s.exit_code();
  return ReportDeployment(s, *response, *inv.Get("--service"), project);
}

int RunLogs(Session& s) {
  const Invocation& inv = s.invocation();
  bool follow = inv.Has("--follow");
  if (follow && s.json()) {
    return s.UsageFail("--json cannot be combined with --follow (the stream is plain text)");
  }
  Json input = s.Input();
  if (auto build = inv.Get("--build")) {
    if (!inv.positionals.empty() || input.contains("deployment")) {
      return s.UsageFail("give SERVICE, --deployment DEP or --build DEPLOYMENT, not two");
    }
    if (inv.Has("--since") || inv.Has("--filter") || inv.Has("--cursor")) {
      return s.UsageFail(
          "--since, --filter and --cursor apply to a service's runtime logs, not --build");
    }
    Json build_input = {{"deployment", *build}};
    if (input.contains("tail")) build_input["tail"] = input["tail"];
    return RunBuildLogs(s, build_input);
  }
  if (!input.contains("deployment")) {
    if (inv.positionals.empty()) {
      return s.UsageFail("missing SERVICE (or --deployment DEP, or --build DEPLOYMENT)");
    }
    if (!inv.Has("--project")) return s.UsageFail("missing --project P (or set INK_PROJECT)");
  }
  if (!s.Connect()) return s.exit_code();
  const Operation& op = *inv.command->operation;
  if (follow) {
    input["follow"] = true;
    return s.StreamOperation(op, input);
  }
  auto response = s.CallOperation(input);
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
    return kExitOk;
  }
  Json lines = Member(*response, "lines");
  if (response->contains("runtime_log")) {  // --deployment: its build log, then its replicas'
    for (const Json& line : ListOf(Member(Member(*response, "build_log"), "lines"))) {
      s.out() << "[build] " << (line.is_string() ? line.get<std::string>() : line.dump()) << "\n";
    }
    lines = Member(Member(*response, "runtime_log"), "lines");
  }
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
