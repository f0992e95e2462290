#include "ink/api/git_http.h"

#include <fcntl.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>

#include "ink/auth/authenticate.h"
#include "ink/catalog/catalog.h"
#include "ink/common/log.h"
#include "ink/common/names.h"
#include "ink/common/subprocess.h"
#include "src/api/pkt_line.h"
#include "src/api/webhook_delivery.h"

namespace ink {
namespace {

const std::map<std::string, std::string> kJson = {{"Content-Type", "application/json"}};

std::string ErrorJson(const std::string& code, const std::string& message) {
  return Json{{"error", {{"code", code}, {"message", message}}}}.dump() + "\n";
}

void SendError(http::ResponseWriter& w, int status, const std::string& code,
               const std::string& message, std::map<std::string, std::string> headers = kJson) {
  w.Send(status, headers, ErrorJson(code, message));
}

// The 401 of git requests: git asks its credential helper for a password on `Basic`.
const std::map<std::string, std::string> kGitChallenge = {
    {"Content-Type", "application/json"}, {"WWW-Authenticate", "Basic realm=\"ink\""}};

std::map<std::string, std::string> BranchHeads(const std::string& git, const std::string& repo) {
  std::map<std::string, std::string> heads;
  auto run = RunProcess(
      {git, "--git-dir", repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads"},
      std::chrono::seconds(30));
  if (!run.ok() || run->exit_code != 0) return heads;
  std::istringstream lines(run->output);
  std::string line;
  while (std::getline(lines, line)) {
    size_t space = line.find(' ');
    if (space != std::string::npos) heads[line.substr(0, space)] = line.substr(space + 1);
  }
  return heads;
}

// Runs `git http-backend` as a CGI program: the request body goes to its stdin, its output
// (CGI headers, then the body) is relayed to the client as it comes. Returns false if the
// client or the body broke off.
bool RunHttpBackend(const std::string& git, const std::vector<std::string>& env,
                    const http::ServerRequest& req, int64_t max_body, http::ResponseWriter& w,
                    const std::function<void(std::string_view)>& on_body) {
  std::map<std::string, std::string> child_env;
  for (const auto& e : env) {
    size_t eq = e.find('=');
    child_env[e.substr(0, eq)] = eq == std::string::npos ? "" : e.substr(eq + 1);
  }
  // stderr stays inkd's, as git's own messages to the client go through stdout.
  auto started = Child::Start({.argv = {git, "http-backend"},
                               .env = std::move(child_env),
                               .in = ChildStream::Pipe(),
                               .out = ChildStream::Pipe(),
                               .err = ChildStream::Inherit()});
  if (!started.ok()) {
    SendError(w, 500, "internal", "cannot run git http-backend: " + started.error().message);
    return false;
  }
  Child& child = *started;
  int to_child = child.stdin_fd();
  const int from_child = child.stdout_fd();
  ::fcntl(to_child, F_SETFL, O_NONBLOCK);
  std::string pending;  // body bytes read from the client, not yet written to git
  bool body_done = !req.read_body;
  if (!req.read_body) pending = req.body;
  if (!pending.empty() && on_body) on_body(pending);
  int64_t received = static_cast<int64_t>(pending.size());
  std::string head;  // CGI header block until the blank line
  bool head_sent = false, ok = true, too_large = false;
  char buf[65536];
  while (true) {
    if (body_done && pending.empty() && to_child >= 0) {
      child.CloseStdin();
      to_child = -1;
    }
    if (!body_done && pending.size() < sizeof buf) {
      auto n = req.read_body(buf, sizeof buf);
      if (!n.ok()) {
        ok = false;
        break;
      }
      if (*n == 0) {
        body_done = true;
      } else {
        received += static_cast<int64_t>(*n);
        if (received > max_body) {
          too_large = true;
          break;
        }
        pending.append(buf, *n);
        if (on_body) on_body(std::string_view(buf, *n));
      }
    }
    pollfd fds[2];
    int count = 0;
    fds[count++] = {from_child, POLLIN, 0};
    if (to_child >= 0 && !pending.empty()) fds[count++] = {to_child, POLLOUT, 0};
    if (::poll(fds, count, 30000) <= 0) {
      ok = false;
      break;
    }
    if (count > 1 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t wrote = ::write(to_child, pending.data(), pending.size());
      if (wrote > 0) {
        pending.erase(0, static_cast<size_t>(wrote));
      } else if (errno != EAGAIN) {
        child.CloseStdin();  // git stopped reading: it will say why in its output
        to_child = -1;
        pending.clear();
        body_done = true;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t got = ::read(from_child, buf, sizeof buf);
      if (got <= 0) break;  // git finished
      if (head_sent) {
        if (!w.Write(std::string_view(buf, static_cast<size_t>(got)))) {
          ok = false;
          break;
        }
        continue;
      }
      head.append(buf, static_cast<size_t>(got));
      size_t end = head.find("\r\n\r\n");
      size_t sep = 4;
      if (end == std::string::npos) end = head.find("\n\n"), sep = 2;
      if (end == std::string::npos) continue;
      int status = 200;
      std::map<std::string, std::string> headers;
      std::istringstream lines(head.substr(0, end));
      std::string line;
      while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        if (strcasecmp(name.c_str(), "Status") == 0) {
          status = std::atoi(value.c_str());
        } else {
          headers[name] = value;
        }
      }
      if (!w.StartStream(status, headers)) {
        ok = false;
        break;
      }
      head_sent = true;
      std::string rest = head.substr(end + sep);
      if (!rest.empty() && !w.Write(rest)) {
        ok = false;
        break;
      }
    }
  }
  child.CloseStdin();
  child.CloseStdout();
  if (!ok || too_large) child.Signal(SIGKILL);
  ChildExit exit = child.Wait();
  if (too_large && !head_sent) {
    SendError(w, 413, "payload_too_large",
              "the push is larger than the limit of " + std::to_string(max_body >> 20) +
                  " MiB; push less history at once or raise inkd --max-push-bytes");
    return false;
  }
  if (!head_sent && ok) {
    SendError(w, 500, "internal", "git http-backend ended without an answer");
    return false;
  }
  return ok && !too_large && exit.ok();
}

// Collects the first bytes of a receive-pack request until its command list is complete.
class PushObserver {
 public:
  explicit PushObserver(bool enabled) : done_(!enabled) {}
  void Feed(std::string_view bytes) {
    if (done_) return;
    buffer_.append(bytes.substr(0, kMaxCommandBytes - std::min(buffer_.size(), kMaxCommandBytes)));
    auto parsed = git::ParsePushCommands(buffer_);
    if (!parsed.ok() || parsed->has_value() || buffer_.size() >= kMaxCommandBytes) {
      if (parsed.ok() && parsed->has_value()) commands_ = std::move(**parsed);
      done_ = true;
      buffer_.clear();
      buffer_.shrink_to_fit();
    }
  }
  const std::optional<git::PushCommands>& commands() const { return commands_; }

 private:
  static constexpr size_t kMaxCommandBytes = 4 << 20;
  bool done_;
  std::string buffer_;
  std::optional<git::PushCommands> commands_;
};

// The branch (and commit) a push deployed: among the branches its commands moved and that now
// hold the pushed commit, main or master first. Without commands (unreadable body), the
// branches whose head changed.
std::pair<std::string, std::string> PushedBranch(const std::optional<git::PushCommands>& commands,
                                                 const std::map<std::string, std::string>& before,
                                                 const std::map<std::string, std::string>& after) {
  std::string branch, commit;
  auto consider = [&](const std::string& ref, const std::string& sha) {
    bool preferred = ref == "refs/heads/main" || ref == "refs/heads/master";
    if (branch.empty() || preferred) branch = ref, commit = sha;
  };
  if (commands) {
    for (const auto& update : commands->updates) {
      if (update.Deletes() || update.ref.rfind("refs/heads/", 0) != 0) continue;
      auto it = after.find(update.ref);
      if (it != after.end() && it->second == update.new_id) consider(update.ref, update.new_id);
    }
    return {branch, commit};
  }
  for (const auto& [ref, sha] : after) {
    auto it = before.find(ref);
    if (it == before.end() || it->second != sha) consider(ref, sha);
  }
  return {branch, commit};
}

}  // namespace

std::string GitHubSignature(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  std::string hex = "sha256=";
  char two[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(two, sizeof two, "%02x", mac[i]);
    hex += two;
  }
  return hex;
}

GitRemote::GitRemote(Store& store, const OperationTable& table, GitRemoteOptions options)
    : store_(store),
      table_(table),
      clock_(options.clock != nullptr ? *options.clock : SystemClock()),
      options_(std::move(options)) {}

bool GitRemote::Handles(const http::ServerRequest& head) const {
  return head.path.rfind("/git/", 0) == 0 || head.path.rfind("/v1/hooks/git/", 0) == 0;
}

bool GitRemote::StreamsBody(const http::ServerRequest& head) const {
  return head.method == "POST" && head.path.rfind("/git/", 0) == 0;
}

std::optional<http::Admission> GitRemote::Admit(const http::ServerRequest& head) const {
  if (!Handles(head)) return std::nullopt;
  // A webhook proves itself with a signature over its body: read it whole, bounded.
  if (head.path.rfind("/git/", 0) != 0) return http::Admission::Read(kMaxWebhookBodyBytes);
  auto caller = Authenticate(store_, head.header("authorization"), AuthScheme::kBearerOrBasic);
  if (!caller.ok()) {
    bool denied = caller.error().code == ErrorCode::kUnauthenticated;
    return http::Admission::Reject(
        denied ? 401 : 503, kGitChallenge,
        ErrorJson(ErrorCodeName(caller.error().code), caller.error().message));
  }
  if (StreamsBody(head)) return http::Admission::Stream(*caller);
  return http::Admission::Read(64 << 10, *caller);
}

std::string GitRemote::WebhookSecret(const std::string& service_id) const {
  std::string sig = GitHubSignature(options_.webhook_key, "ink-webhook:" + service_id);
  return "whsec_" + sig.substr(7, 40);
}

void GitRemote::RegisterOperations(OperationTable& table) {
  auto resolve = [this](const Caller& c, const Json& in,
                        bool service_must_exist) -> Result<std::pair<Project, std::string>> {
    std::string project_name = in["project"], service_name = in["service"];
    INK_RETURN_IF_ERROR(ValidateName("project name", project_name));
    INK_RETURN_IF_ERROR(ValidateServiceName(service_name));
    auto p = store_.GetProject(c.workspace_id, project_name);
    if (!p.ok()) {
      return NotFound("project '" + project_name +
                      "' does not exist; create it with `ink "
                      "projects create " +
                      project_name + "`");
    }
    std::string service_id;
    auto s = store_.GetService(c.workspace_id, p->id, service_name);
    if (s.ok()) service_id = s->id;
    if (service_must_exist && !s.ok()) {
      return NotFound("service '" + service_name + "' does not exist in project '" + project_name +
                      "'; deploy it from git first");
    }
    return std::make_pair(*p, service_id);
  };
  table.Add(Implement("get_git_remote",
                      {.handler = [this, resolve](const Caller& c, const Json& in) -> Result<Json> {
                        auto found = resolve(c, in, false);
                        if (!found.ok()) return found.error();
                        std::string project = in["project"], service = in["service"];
                        std::string url = ApiUrl() + "/git/" + project + "/" + service + ".git";
                        return Json{{"url", url},
                                    {"username", "ink"},
                                    {"password", "your API token (ink_...)"},
                                    {"example", "git remote add ink " + url +
                                                    " && git push ink main  # user: ink, "
                                                    "password: the API token"}};
                      }}));
  table.Add(Implement("get_webhook",
                      {.handler = [this, resolve](const Caller& c, const Json& in) -> Result<Json> {
                        auto found = resolve(c, in, true);
                        if (!found.ok()) return found.error();
                        std::string project = in["project"], service = in["service"];
                        return Json{{"url", ApiUrl() + "/v1/hooks/git/" + project + "/" + service},
                                    {"secret", WebhookSecret(found->second)},
                                    {"content_type", "application/json"},
                                    {"events", {"push"}}};
                      }}));
}

void GitRemote::Serve(const http::ServerRequest& request, http::ResponseWriter& writer) {
  if (request.path.rfind("/v1/hooks/git/", 0) == 0) return ServeWebhook(request, writer);
  ServeGit(request, writer);
}

void GitRemote::ServeGit(const http::ServerRequest& req, http::ResponseWriter& w) {
  // /git/<project>/<service>.git/<rest>
  std::string rest = req.path.substr(5);
  size_t slash = rest.find('/');
  size_t dot_git = rest.find(".git/");
  if (slash == std::string::npos || dot_git == std::string::npos || dot_git < slash) {
    return SendError(w, 404, "not_found",
                     "git remotes look like /git/<project>/<service>.git; see `ink git-remote`");
  }
  std::string project_name = rest.substr(0, slash);
  std::string service_name = rest.substr(slash + 1, dot_git - slash - 1);
  std::string git_path = rest.substr(dot_git + 4);  // "/info/refs", "/git-receive-pack", ...
  // Normally authenticated by Admit before the body was read.
  const Caller* admitted = std::any_cast<Caller>(&req.context);
  auto who = admitted != nullptr
                 ? Result<Caller>(*admitted)
                 : Authenticate(store_, req.header("authorization"), AuthScheme::kBearerOrBasic);
  if (!who.ok()) {
    return SendError(w, who.error().code == ErrorCode::kUnauthenticated ? 401 : 503,
                     ErrorCodeName(who.error().code), who.error().message, kGitChallenge);
  }
  const Caller caller = *who;
  for (const auto& [what, name] :
       {std::pair{"project name", project_name}, std::pair{"service name", service_name}}) {
    auto valid = ValidateName(what, name);
    if (!valid.ok()) return SendError(w, 400, "invalid_argument", valid.error().message);
  }
  bool known_path = git_path == "/info/refs" || git_path == "/git-upload-pack" ||
                    git_path == "/git-receive-pack" || git_path == "/HEAD";
  if (!known_path) return SendError(w, 404, "not_found", "unknown git path " + git_path);
  auto project = store_.GetProject(caller.workspace_id, project_name);
  if (!project.ok()) {
    return SendError(w, 404, "not_found",
                     "project '" + project_name +
                         "' does not exist; create it with `ink projects "
                         "create " +
                         project_name + "`");
  }
  std::string root = options_.data_dir + "/git/" + project->id;
  std::string repo = root + "/" + service_name + ".git";
  std::error_code ec;
  if (!std::filesystem::exists(repo + "/HEAD")) {
    std::filesystem::create_directories(root, ec);
    auto init =
        RunProcess({options_.git, "init", "--quiet", "--bare", "--initial-branch=main", repo},
                   std::chrono::seconds(30));
    if (!init.ok() || init->exit_code != 0) {
      return SendError(w, 500, "internal", "cannot create the repository for " + service_name);
    }
    (void)RunProcess({options_.git, "--git-dir", repo, "config", "http.receivepack", "true"},
                     std::chrono::seconds(10));
    (void)RunProcess({options_.git, "--git-dir", repo, "config", "receive.maxInputSize",
                      std::to_string(options_.max_push_bytes)},
                     std::chrono::seconds(10));
    std::ofstream hook(repo + "/hooks/post-receive");
    hook << "#!/bin/sh\necho \"Ink: deploying the pushed commit of service " << service_name
         << " in project " << project_name << "; follow it with: ink deployments list "
         << service_name << " --project " << project_name << "\"\n";
    hook.close();
    ::chmod((repo + "/hooks/post-receive").c_str(), 0755);
  }
  bool receive = git_path == "/git-receive-pack";
  auto before = receive ? BranchHeads(options_.git, repo) : std::map<std::string, std::string>{};
  std::vector<std::string> env = {
      "GIT_PROJECT_ROOT=" + root,
      "GIT_HTTP_EXPORT_ALL=1",
      "PATH_INFO=/" + service_name + ".git" + git_path,
      "REQUEST_METHOD=" + req.method,
      "QUERY_STRING=" + (req.target.find('?') == std::string::npos
                             ? std::string()
                             : req.target.substr(req.target.find('?') + 1)),
      "CONTENT_TYPE=" + req.header("content-type"),
      "REMOTE_USER=" + caller.token_name,
      "REMOTE_ADDR=" + req.remote_address,
      "GIT_HTTP_MAX_REQUEST_BUFFER=" + std::to_string(options_.max_push_bytes),
      "PATH=/usr/local/bin:/usr/bin:/bin",
      "HOME=" + root,
  };
  if (!req.header("content-encoding").empty()) {
    env.push_back("HTTP_CONTENT_ENCODING=" + req.header("content-encoding"));
  }
  if (!req.header("git-protocol").empty())
    env.push_back("GIT_PROTOCOL=" + req.header("git-protocol"));
  // The push's command list tells which branches this push moved (before/after comparison
  // alone would also see a concurrent push). A compressed body is not read here.
  PushObserver observer(receive && req.header("content-encoding").empty());
  bool ok = RunHttpBackend(options_.git, env, req, options_.max_push_bytes, w,
                           [&observer](std::string_view bytes) { observer.Feed(bytes); });
  if (!receive || !ok) return;
  auto after = BranchHeads(options_.git, repo);
  auto [branch, commit] = PushedBranch(observer.commands(), before, after);
  if (commit.empty()) return;  // a push that moved no branch (tags, deletions)
  const Operation* deploy = table_.Find("deploy");
  if (deploy == nullptr) return;
  Json input = {{"project", project_name},
                {"service", service_name},
                {"git", "file://" + repo},
                {"ref", commit}};
  auto result = table_.Invoke(*deploy, caller, input);
  if (!result.ok()) {
    LogWarn("git", "push to " + project_name + "/" + service_name + " (" + branch +
                       ") did not start a deploy: " + result.error().message);
  } else {
    std::string how = observer.commands() ? std::to_string(observer.commands()->updates.size()) +
                                                " ref update(s) read from the push"
                                          : "branch heads compared";
    LogInfo("git", "push to " + project_name + "/" + service_name + " " + branch + " " +
                       commit.substr(0, 12) + " (" + how + ") → " +
                       result->value("/deployment/id"_json_pointer, std::string()));
  }
}

void GitRemote::ServeWebhook(const http::ServerRequest& req, http::ResponseWriter& w) {
  if (req.method != "POST") {
    return SendError(w, 405, "invalid_argument", "webhooks are delivered with POST");
  }
  // /v1/hooks/git/<project>/<service>
  std::string rest = req.path.substr(std::string("/v1/hooks/git/").size());
  size_t slash = rest.find('/');
  if (slash == std::string::npos) {
    return SendError(w, 404, "not_found",
                     "webhook URLs look like /v1/hooks/git/<project>/<service>");
  }
  std::string project_name = rest.substr(0, slash), service_name = rest.substr(slash + 1);
  // The workspace is not known before the signature is checked: find the service by name in
  // every workspace and accept only a signature made with that service's secret.
  std::string signature = req.header("x-hub-signature-256");
  if (signature.empty()) {
    return SendError(w, 401, "unauthenticated",
                     "missing X-Hub-Signature-256: configure the webhook with the secret from "
                     "`ink webhook " +
                         service_name + " --project " + project_name + "`");
  }
  WebhookDelivery delivery{req.header("x-github-delivery"), req.header("x-ink-timestamp")};
  if (auto valid = delivery.Validate(); !valid.ok()) {
    return SendError(w, 400, "invalid_argument", valid.error().message);
  }
  std::string signed_text =
      delivery.timestamp.empty() ? req.body : delivery.timestamp + "." + req.body;
  auto workspaces = store_.ListWorkspaces();
  if (!workspaces.ok()) return SendError(w, 500, "internal", workspaces.error().message);
  std::optional<Service> service;
  std::optional<Project> project;
  for (const auto& ws : *workspaces) {
    auto p = store_.GetProject(ws.id, project_name);
    if (!p.ok()) continue;
    auto s = store_.GetService(ws.id, p->id, service_name);
    if (!s.ok()) continue;
    std::string expected = GitHubSignature(WebhookSecret(s->id), signed_text);
    if (expected.size() == signature.size() &&
        sodium_memcmp(expected.data(), signature.data(), expected.size()) == 0) {
      service = *s;
      project = *p;
      break;
    }
  }
  if (!service) {
    return SendError(
        w, 401, "unauthenticated",
        std::string("the signature does not match (wrong secret, or the body was "
                    "changed") +
            (delivery.timestamp.empty() ? "" : "; with X-Ink-Timestamp sign '<timestamp>.<body>'") +
            "); nothing was deployed");
  }
  auto payload = ParseJson(req.body);
  auto fresh = delivery.CheckFresh(clock_.NowMillis(), payload.ok() ? &*payload : nullptr);
  if (!fresh.ok()) {
    bool malformed = fresh.error().code == ErrorCode::kInvalidArgument;
    return SendError(w, malformed ? 400 : 401, malformed ? "invalid_argument" : "unauthenticated",
                     fresh.error().message);
  }
  // Replays: a delivery is acted on once. The id is kept for kDeliveryMemory (the freshness
  // checks refuse anything older), in the store, so a restart does not forget it.
  std::string key = delivery.Key(signature);
  auto first = store_.RecordWebhookDelivery(service->id, key, kDeliveryMemory,
                                            kMaxWebhookDeliveriesPerService);
  if (!first.ok()) return SendError(w, 500, "internal", first.error().message);
  if (!*first) {
    Json duplicate = {{"deployed", false},
                      {"duplicate", true},
                      {"message", "delivery " + delivery.Shown(signature) +
                                      " was already received and handled; ignored (a replay or "
                                      "a redelivery)"}};
    return w.Send(200, kJson, duplicate.dump() + "\n");
  }
  // Anything refused from here on was not acted on: forget the delivery, so it may come again.
  auto refuse = [&](int status, const std::string& code, const std::string& message) {
    (void)store_.ForgetWebhookDelivery(service->id, key);
    SendError(w, status, code, message);
  };
  std::string event = req.header("x-github-event");
  if (event == "ping")
    return w.Send(200, kJson,
                  R"({"ok":true,"message":"pong"})"
                  "\n");
  if (!payload.ok() || !payload->is_object()) {
    return refuse(400, "invalid_argument", "the webhook body is not a JSON object");
  }
  if (service->spec.source.empty()) {
    return refuse(409, "failed_precondition",
                  "service '" + service_name +
                      "' does not deploy from git; deploy it once with --git URL so the webhook "
                      "knows what to build");
  }
  auto source = ParseJson(service->spec.source);
  if (!source.ok() || source->value("kind", "") != "git") {
    return refuse(409, "failed_precondition",
                  "service '" + service_name + "' does not deploy from a git URL");
  }
  std::string tracked = source->value("ref", "");
  const Json* ref = payload->contains("ref") ? &(*payload)["ref"] : nullptr;
  std::string pushed = ref != nullptr && ref->is_string() ? ref->get<std::string>() : "";
  std::string branch = pushed.rfind("refs/heads/", 0) == 0 ? pushed.substr(11) : pushed;
  if (!tracked.empty() && branch != tracked) {
    Json ignored = {{"deployed", false},
                    {"message", "push to '" + branch.substr(0, 200) +
                                    "' ignored: the service tracks '" + tracked + "'"}};
    return w.Send(202, kJson, ignored.dump() + "\n");
  }
  const Operation* deploy = table_.Find("deploy");
  if (deploy == nullptr) return refuse(500, "internal", "no deploy operation");
  Json input = {
      {"project", project->name}, {"service", service->name}, {"git", source->value("url", "")}};
  if (!tracked.empty()) input["ref"] = tracked;
  if (!source->value("path", "").empty()) input["path"] = source->value("path", "");
  Caller caller{service->workspace_id, "webhook", "webhook"};
  auto result = table_.Invoke(*deploy, caller, input);
  if (!result.ok()) {
    return refuse(400, "invalid_argument", "deploy refused: " + result.error().message);
  }
  Json out = {{"deployed", true}, {"deployment", (*result)["deployment"]}};
  w.Send(202, kJson, out.dump() + "\n");
}

}  // namespace ink
