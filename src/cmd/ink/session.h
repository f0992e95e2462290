// Session: what every command handler shares: the parsed invocation, the connection to inkd and
// the rules for printing errors and picking exit codes. Internal to the ink CLI; one per run.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "commands.h"
#include "operation_input.h"

namespace ink::cli {

class Session {
 public:
  Session(CliEnv& env, const Invocation& invocation) : env_(env), invocation_(invocation) {}

  CliEnv& env() { return env_; }
  const Invocation& invocation() const { return invocation_; }
  bool json() const { return invocation_.json; }
  std::ostream& out() { return env_.out; }
  std::ostream& err() { return env_.err; }
  int64_t NowMillis() const { return env_.clock.NowMillis(); }
  // The API URL of the connected transport ("" before Connect).
  std::string api_url() const { return transport_ ? transport_->url() : ""; }

  // Connects with the saved config (or INK_API_URL/INK_TOKEN). False after printing why.
  bool Connect();
  // Connects with an explicit config (ink login). False after printing why.
  bool ConnectWith(const Config& config);

  // Sends a request and parses the JSON reply. On failure prints `error: ...` (with a hint for
  // unreachable inkd or a rejected token), records the exit code and returns nullopt.
  std::optional<Json> Call(std::string_view method, const std::string& target,
                           const std::optional<Json>& body = std::nullopt);

  // Checks `input` with `operation`'s input schema (a mistake is a usage error in the server's
  // words) and sends it by the operation's REST route; errors as for Call. Without `operation`:
  // the command's own operation.
  std::optional<Json> CallOperation(const Operation& operation, const Json& input);
  std::optional<Json> CallOperation(const Json& input);
  // Connects and calls the command's operation with what the command line gave it; with
  // --json prints the answer. Returns the answer to print in words, or nullopt when there is
  // nothing more to do (exit_code() says how it ended).
  std::optional<Json> Answer();
  // The input the command line gives the command's operation (OperationInput).
  Json Input() const;

  // Streams `target` to stdout (ink logs -f). Returns the exit code.
  int StreamToOut(const std::string& target);
  // Checks `input` as CallOperation does and streams the operation's answer to stdout.
  int StreamOperation(const Operation& operation, const Json& input);

  // Checks `input` as CallOperation does and calls an operation that waits (a GET with
  // `wait`), asking for its NDJSON form: each progress report goes to `on_progress` as inkd
  // sends it, and the answer is returned; errors as for Call.
  std::optional<Json> CallWithProgress(const Operation& operation, const Json& input,
                                       const std::function<void(const std::string&)>& on_progress);

  // POSTs a file as the raw body of `target` (commands_build.cc); errors as for Call.
  std::optional<Json> Upload(const std::string& target, const std::string& path,
                             const std::string& content_type);

  // Prints `error: message` and returns kExitFailed.
  int Fail(const std::string& message);
  // Prints `error: message` plus the command's usage line and returns kExitUsage.
  int UsageFail(const std::string& message);

  // Prints `document` as the one JSON document on stdout.
  void PrintJson(const Json& document);

  // The exit code of the last failed Call (kExitFailed or kExitUnreachable).
  int exit_code() const { return exit_code_; }

 private:
  int Unreachable(const Error& error);
  int ReplyError(const ApiReply& reply);
  // False (after printing why and recording the exit code) unless inkd answered with a 2xx.
  bool Succeeded(const Result<ApiReply>& reply);

  CliEnv& env_;
  const Invocation& invocation_;
  std::unique_ptr<ApiTransport> transport_;
  int exit_code_ = kExitOk;
};

// Handlers, one per CommandId, grouped by file.
int RunLogin(Session& s);
int RunStatus(Session& s);
int RunVersion(Session& s);
int RunProjectsCreate(Session& s);
int RunProjectsList(Session& s);
int RunProjectsDelete(Session& s);
int RunServicesList(Session& s);
int RunServicesGet(Session& s);
int RunServicesDelete(Session& s);
int RunDeploymentsList(Session& s);
int RunDeploymentsGet(Session& s);
int RunRegistryLogin(Session& s);
int RunRegistryList(Session& s);
int RunRegistryLogout(Session& s);
int RunDeploy(Session& s);
// ink templates list / ink templates deploy NAME (and ink deploy --template NAME).
int RunTemplatesList(Session& s);
int RunTemplatesDeploy(Session& s);
int RunServicesUpdate(Session& s);
int RunServicesRestart(Session& s);
int RunScale(Session& s);
int RunRollback(Session& s);
// ink exec SERVICE -- CMD...: prints the command's stdout and stderr, exits with its code.
int RunExec(Session& s);
int RunVolumesCreate(Session& s);
int RunSandboxChange(Session& s);
int RunSandboxList(Session& s);
int RunSandboxFiles(Session& s);
// ink sandbox cp LOCAL SANDBOX:PATH, ink sandbox cp SANDBOX:PATH LOCAL (commands_sandbox_files.cc).
int RunSandboxCopy(Session& s);
int RunSandboxWrite(Session& s);
int RunSandboxRead(Session& s);
int RunVolumesList(Session& s);
int RunVolumesDelete(Session& s);
int RunVolumesUpdate(Session& s);
// ink volumes snapshot / snapshots / restore / delete-snapshot.
int RunSnapshotCreate(Session& s);
int RunSnapshotsList(Session& s);
int RunEventsList(Session& s);
int RunSnapshotRestore(Session& s);
int RunSnapshotDelete(Session& s);
int RunGitRemote(Session& s);
int RunWebhook(Session& s);
int RunDeployKey(Session& s);  // deploy-key create / show / delete
int RunProjectsGet(Session& s);
// Prints a deploy-like response ({deployment, url}) for `service`, waits if --wait was given,
// and returns the exit code; shared by deploy, services update/restart and rollback.
int ReportDeployment(Session& s, Json& response, const std::string& service,
                     const std::string& project);
int RunLogs(Session& s);
// Builds from source (commands_build.cc): `ink plan`, `ink logs --build`, and the source part
// of deploy's request body (--git, or DIR packed and uploaded). SourceBody returns false after
// printing why (exit code in s.exit_code()).
int RunPlan(Session& s);
int RunBuildLogs(Session& s, Json input);  // get_build_logs {deployment, tail?}, -f streams
bool SourceBody(Session& s, Json& body);
int RunEnvList(Session& s);
int RunEnvSet(Session& s);
// Reads FILE ("-" = standard input) whole, bytes as they are (commands_env.cc).
Result<std::string> ReadInput(Session& s, const std::string& path);
int RunEnvUnset(Session& s);
int RunMcp(Session& s);      // mcp_stdio.cc
int RunMetrics(Session& s);  // commands_metrics.cc: ink metrics SERVICE
int RunCost(Session& s);     // commands_cost.cc: ink cost [SERVICE]
int RunQuota(Session& s);    // commands_quota.cc: ink quota, ink quota set
int RunDomains(Session& s);  // commands_domains.cc: ink domains add|list|verify|rm
// commands_storage.cc: ink storage set / list / rm.
int RunStorageSet(Session& s);
int RunStorageList(Session& s);
int RunStorageDelete(Session& s);
// ink backups create|list|restore (commands_storage.cc).
int RunBackups(Session& s);

}  // namespace ink::cli
