// Entry point, Session, and the account-level commands: login, status, version.
#include "commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <iterator>

#include "output.h"
#include "session.h"

#ifndef INK_CLI_VERSION
#define INK_CLI_VERSION "0.0.0-dev"
#endif

namespace ink::cli {
namespace {

std::string Trim(std::string text) {
  const char* space = " \t\r\n";
  size_t start = text.find_first_not_of(space);
  if (start == std::string::npos) return "";
  size_t end = text.find_last_not_of(space);
  return text.substr(start, end - start + 1);
}

Result<std::string> ReadSmallFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return InvalidArgument("cannot read " + path + ": " + std::strerror(errno));
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || text.size() > 65536) {
      ::close(fd);
      return InvalidArgument("cannot read " + path + ": " +
                             (n < 0 ? std::strerror(errno) : "file is larger than 64 KiB"));
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

}  // namespace

const char* ClientVersion() { return INK_CLI_VERSION; }

bool Session::Connect() {
  auto config = LoadConfig(env_.env);
  if (!config.ok()) {
    Fail(config.error().message);
    return false;
  }
  return ConnectWith(*config);
}

bool Session::ConnectWith(const Config& config) {
  auto transport = env_.connect(config);
  if (!transport.ok()) {
    Fail(transport.error().message);
    return false;
  }
  transport_ = std::move(*transport);
  return true;
}

int Session::Fail(const std::string& message) {
  env_.err << "error: " << message << "\n";
  exit_code_ = kExitFailed;
  return kExitFailed;
}

int Session::UsageFail(const std::string& message) {
  env_.err << "error: " << message << "\nusage: " << UsageLine(*invocation_.command) << "\n";
  exit_code_ = kExitUsage;
  return kExitUsage;
}

int Session::Unreachable(const Error& error) {
  env_.err << "error: cannot reach inkd at " << transport_->url() << ": " << error.message
           << "\nhint: is inkd running? Start it, or check the address (INK_API_URL or "
              "`ink login --api-url`); `ink status` checks the connection.\n";
  exit_code_ = kExitUnreachable;
  return kExitUnreachable;
}

int Session::ReplyError(const ApiReply& reply) {
  env_.err << "error: " << ApiErrorMessage(reply.status, reply.body) << "\n";
  if (reply.status == 401) {
    env_.err << "hint: inkd rejected the token; log in again with `ink login` (or fix "
                "INK_TOKEN).\n";
  }
  exit_code_ = kExitFailed;
  return kExitFailed;
}

bool Session::Succeeded(const Result<ApiReply>& reply) {
  if (!reply.ok()) {
    Unreachable(reply.error());
    return false;
  }
  if (reply->status < 200 || reply->status >= 300) {
    ReplyError(*reply);
    return false;
  }
  return true;
}

std::optional<Json> Session::Call(std::string_view method, const std::string& target,
                                  const std::optional<Json>& body) {
  auto reply = transport_->Send(method, target, body);
  if (!Succeeded(reply)) return std::nullopt;
  Json json = Json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    Fail("inkd answered " + std::string(method) + " " + target + " (HTTP " +
         std::to_string(reply->status) + ") with a body that is not JSON; is " + transport_->url() +
         " really inkd's API?");
    return std::nullopt;
  }
  return json;
}

Json Session::Input() const { return OperationInput(invocation_); }

std::optional<Json> Session::Answer() {
  if (!Connect()) return std::nullopt;
  auto response = CallOperation(Input());
  if (!response || !json()) return response;
  PrintJson(*response);
  return std::nullopt;
}

std::optional<Json> Session::CallOperation(const Json& input) {
  return CallOperation(*invocation_.command->operation, input);
}

namespace {

// The request of `operation` with `input` once its schema accepts the input; else a usage error.
Result<OperationRequest> CheckedRequest(const Operation& operation, const Json& input) {
  INK_RETURN_IF_ERROR(CheckInput(operation, input));
  return RequestFor(operation, input);
}

}  // namespace

std::optional<Json> Session::CallOperation(const Operation& operation, const Json& input) {
  auto request = CheckedRequest(operation, input);
  if (!request.ok()) {
    UsageFail(request.error().message);
    return std::nullopt;
  }
  return Call(request->method, request->target, request->body);
}

int Session::StreamOperation(const Operation& operation, const Json& input) {
  auto request = CheckedRequest(operation, input);
  if (!request.ok()) return UsageFail(request.error().message);
  return StreamToOut(request->target);
}

std::optional<Json> Session::CallWithProgress(
    const Operation& operation, const Json& input,
    const std::function<void(const std::string&)>& on_progress) {
  auto request = CheckedRequest(operation, input);
  if (!request.ok()) {
    UsageFail(request.error().message);
    return std::nullopt;
  }
  std::string pending;
  std::optional<Json> result;
  std::optional<ApiReply> failed;
  auto take = [&](std::string_view text) {
    Json line = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!line.is_object()) return;
    if (auto it = line.find("progress"); it != line.end() && it->is_string()) {
      on_progress(it->get<std::string>());
    } else if (line.contains("result")) {
      result = line["result"];
    } else if (line.contains("error")) {
      int status = line.value("status", 500);
      failed = ApiReply{status, Json{{"error", line["error"]}}.dump()};
    } else {
      result = line;  // an inkd that answers the plain form
    }
  };
  auto reply = transport_->Stream(request->target, [&](std::string_view chunk) {
    pending.append(chunk);
    for (size_t end; (end = pending.find('\n')) != std::string::npos;) {
      take(std::string_view(pending).substr(0, end));
      pending.erase(0, end + 1);
    }
    return true;
  });
  if (!Succeeded(reply)) return std::nullopt;
  if (!pending.empty()) take(pending);
  if (failed) {
    ReplyError(*failed);
    return std::nullopt;
  }
  if (!result) {
    Unreachable(Unavailable("the answer to " + request->target + " ended before its result"));
    return std::nullopt;
  }
  return result;
}

int Session::StreamToOut(const std::string& target) {
  auto reply = transport_->Stream(target, [&](std::string_view chunk) {
    env_.out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    env_.out.flush();
    return static_cast<bool>(env_.out);
  });
  if (!reply.ok()) return Unreachable(reply.error());
  if (reply->status < 200 || reply->status >= 300) return ReplyError(*reply);
  return kExitOk;
}

void Session::PrintJson(const Json& document) { env_.out << document.dump(2) << "\n"; }

int RunVersion(Session& s) {
  if (s.json()) {
    s.PrintJson({{"version", ClientVersion()}});
  } else {
    s.out() << "ink version " << ClientVersion() << "\n";
  }
  return kExitOk;
}

int RunLogin(Session& s) {
  const Invocation& inv = s.invocation();
  auto url = NormalizeApiUrl(*inv.Get("--api-url"));
  if (!url.ok()) return s.UsageFail(url.error().message);
  int sources = inv.Has("--token") + inv.Has("--token-file") + inv.Has("--token-stdin");
  if (sources > 1) return s.UsageFail("give only one of --token, --token-file, --token-stdin");
  std::string token;
  if (inv.Has("--token")) {
    token = *inv.Get("--token");
  } else if (inv.Has("--token-file")) {
    auto text = ReadSmallFile(*inv.Get("--token-file"));
    if (!text.ok()) return s.Fail(text.error().message);
    token = *text;
  } else if (inv.Has("--token-stdin")) {
    token.assign(std::istreambuf_iterator<char>(s.env().in), std::istreambuf_iterator<char>());
  } else if (auto from_env = s.env().env("INK_TOKEN"); from_env && !from_env->empty()) {
    token = *from_env;
  } else {
    return s.UsageFail(
        "missing token: give --token, --token-file or --token-stdin (the first admin token is "
        "in the file `admin-token` in inkd's data directory)");
  }
  token = Trim(std::move(token));
  if (token.empty()) return s.Fail("the token is empty");
  Config config{*url, token};
  if (!s.ConnectWith(config)) return s.exit_code();
  auto whoami = s.Call("GET", "/v1/whoami");
  if (!whoami) return s.exit_code();
  auto path = ConfigPath(s.env().env);
  if (!path.ok()) return s.Fail(path.error().message);
  Status saved = WriteConfigFile(*path, config);
  if (!saved.ok()) return s.Fail(saved.error().message);
  if (s.json()) {
    s.PrintJson(*whoami);
  } else {
    Json workspace = Member(*whoami, "workspace");
    Json token_info = Member(*whoami, "token");
    s.out() << "Logged in to " << config.api_url << " as workspace " << Field(workspace, "name")
            << " (token " << Field(token_info, "name") << ").\nConfig saved to " << *path << "\n";
  }
  return kExitOk;
}

namespace {

// "ok (route table version 12 served by the edge)" or what is wrong with the routes.
std::string RoutesSummary(const Json& routes) {
  if (!routes.is_object() || !routes.contains("ok")) return "unknown";
  if (routes.value("ok", false)) {
    return "ok (route table version " + Field(routes, "loaded_version") + " served by the edge)";
  }
  std::string problem = Field(routes, "problem");
  return "PROBLEM: " + (problem == "-" || problem.empty() ? "see below" : problem);
}

// One line per skipped route entry or unrouted service of this workspace.
std::string RoutesDetails(const Json& routes) {
  auto list = [&](const char* key) {
    auto it = routes.is_object() ? routes.find(key) : routes.end();
    return routes.is_object() && it != routes.end() && it->is_array() ? *it : Json::array();
  };
  std::string text;
  for (const auto& r : list("rejected")) {
    text += "  skipped by the edge: " + Field(r, "host") + ": " + Field(r, "reason");
    if (r.value("kept_previous", false)) text += " (it still serves its previous route)";
    text += "\n";
  }
  for (const auto& u : list("unrouted")) {
    text += "  not routed: " + Field(u, "service") + " in project " + Field(u, "project") + ": " +
            Field(u, "reason") + "\n";
  }
  return text;
}

}  // namespace

int RunStatus(Session& s) {
  if (!s.Connect()) return s.exit_code();
  auto status = s.CallOperation(s.Input());
  if (!status) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*status);
    return kExitOk;
  }
  const Json& st = *status;
  auto object = [&](const char* key) { return Member(st, key); };
  Json runtime = object("runtime"), edge = object("edge"), counts = object("counts");
  auto health = [](const Json& part) {
    auto ok = part.find("ok");
    if (ok == part.end() || !ok->is_boolean()) return std::string("unknown");
    return std::string(ok->get<bool>() ? "ok" : "DOWN");
  };
  std::string runtime_text = health(runtime);
  if (Field(runtime, "message") != "-") runtime_text += " (" + Field(runtime, "message") + ")";
  std::string uptime = "-";
  if (auto it = st.find("uptime_seconds"); it != st.end() && it->is_number()) {
    uptime = FormatSeconds(it->get<int64_t>());
  }
  s.out() << FormatKeyValues({
      {"API", s.api_url()},
      {"Server version", Field(st, "version")},
      {"Client version", ClientVersion()},
      {"Uptime", uptime},
      {"Runtime", runtime_text},
      {"Edge", Field(edge, "url") + " (" + health(edge) + ")"},
      {"Platform domain", Field(st, "platform_domain")},
      {"Projects", Field(counts, "projects")},
      {"Services", Field(counts, "services")},
      {"Containers", Field(counts, "containers")},
      {"Routes", RoutesSummary(object("routes"))},
  });
  s.out() << RoutesDetails(object("routes"));
  return kExitOk;
}

int RunCli(const std::vector<std::string>& args, CliEnv& env) {
  ParseResult parsed = ParseCommandLine(args, env.env);
  if (parsed.error) {
    env.err << "error: " << parsed.error->message << "\n" << parsed.error->usage;
    if (!parsed.error->usage.ends_with('\n')) env.err << "\n";
    return kExitUsage;
  }
  const Invocation& invocation = *parsed.invocation;
  if (invocation.help) {
    env.out << invocation.help_text;
    return kExitOk;
  }
  Session session(env, invocation);
  switch (invocation.command->id) {
    case CommandId::kLogin:
      return RunLogin(session);
    case CommandId::kStatus:
      return RunStatus(session);
    case CommandId::kVersion:
      return RunVersion(session);
    case CommandId::kProjectsCreate:
      return RunProjectsCreate(session);
    case CommandId::kProjectsList:
      return RunProjectsList(session);
    case CommandId::kProjectsDelete:
      return RunProjectsDelete(session);
    case CommandId::kDeploy:
      return RunDeploy(session);
    case CommandId::kServicesUpdate:
      return RunServicesUpdate(session);
    case CommandId::kServicesRestart:
      return RunServicesRestart(session);
    case CommandId::kScale:
      return RunScale(session);
    case CommandId::kRollback:
      return RunRollback(session);
    case CommandId::kGitRemote:
      return RunGitRemote(session);
    case CommandId::kWebhook:
      return RunWebhook(session);
    case CommandId::kServicesList:
      return RunServicesList(session);
    case CommandId::kServicesGet:
      return RunServicesGet(session);
    case CommandId::kServicesDelete:
      return RunServicesDelete(session);
    case CommandId::kDeploymentsList:
      return RunDeploymentsList(session);
    case CommandId::kDeploymentsGet:
      return RunDeploymentsGet(session);
    case CommandId::kLogs:
      return RunLogs(session);
    case CommandId::kRegistryLogin:
      return RunRegistryLogin(session);
    case CommandId::kRegistryList:
      return RunRegistryList(session);
    case CommandId::kRegistryLogout:
      return RunRegistryLogout(session);
    case CommandId::kDeployKeyCreate:
    case CommandId::kDeployKeyShow:
    case CommandId::kDeployKeyDelete:
      return RunDeployKey(session);
    case CommandId::kEnvList:
      return RunEnvList(session);
    case CommandId::kEnvSet:
      return RunEnvSet(session);
    case CommandId::kEnvUnset:
      return RunEnvUnset(session);
    case CommandId::kMcp:
      return RunMcp(session);
    case CommandId::kPlan:
      return RunPlan(session);
    case CommandId::kProjectsGet:
      return RunProjectsGet(session);
    case CommandId::kBuildLogs:
      return RunBuildLogs(session, session.Input());
    case CommandId::kExec:
      return RunExec(session);
    case CommandId::kTemplatesList:
      return RunTemplatesList(session);
    case CommandId::kTemplatesDeploy:
      return RunTemplatesDeploy(session);
    case CommandId::kVolumesCreate:
      return RunVolumesCreate(session);
    case CommandId::kVolumesList:
      return RunVolumesList(session);
    case CommandId::kVolumesDelete:
      return RunVolumesDelete(session);
    case CommandId::kVolumesUpdate:
      return RunVolumesUpdate(session);
    case CommandId::kSnapshotCreate:
      return RunSnapshotCreate(session);
    case CommandId::kSnapshotsList:
      return RunSnapshotsList(session);
    case CommandId::kEventsList:
      return RunEventsList(session);
    case CommandId::kMetrics:
      return RunMetrics(session);
    case CommandId::kCost:
      return RunCost(session);
    case CommandId::kDomainsAdd:
    case CommandId::kDomainsList:
    case CommandId::kDomainsVerify:
    case CommandId::kDomainsRemove:
      return RunDomains(session);
    case CommandId::kQuota:
    case CommandId::kQuotaSet:
      return RunQuota(session);
    case CommandId::kStorageSet:
      return RunStorageSet(session);
    case CommandId::kStorageList:
      return RunStorageList(session);
    case CommandId::kStorageDelete:
      return RunStorageDelete(session);
    case CommandId::kBackupCreate:
    case CommandId::kBackupList:
    case CommandId::kBackupRestore:
      return RunBackups(session);
    case CommandId::kSnapshotRestore:
      return RunSnapshotRestore(session);
    case CommandId::kSnapshotDelete:
      return RunSnapshotDelete(session);
    case CommandId::kSandboxCreate:
    case CommandId::kSandboxTimeout:
    case CommandId::kSandboxDelete:
      return RunSandboxChange(session);
    case CommandId::kSandboxList:
      return RunSandboxList(session);
    case CommandId::kSandboxExec:
      return RunExec(session);  // the same answer as exec's
    case CommandId::kSandboxFiles:
      return RunSandboxFiles(session);
    case CommandId::kSandboxCopy:
      return RunSandboxCopy(session);
    case CommandId::kSandboxWrite:
      return RunSandboxWrite(session);
    case CommandId::kSandboxRead:
      return RunSandboxRead(session);
  }
  return kExitUsage;
}

}  // namespace ink::cli
