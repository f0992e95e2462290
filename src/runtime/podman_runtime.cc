// PodmanRuntime: ContainerRuntime over podman's libpod REST API (v4.0.0 paths).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "exec_stream.h"
#include "ink/common/encoding.h"
#include "ink/common/image_reference.h"
#include "ink/common/json.h"
#include "ink/common/log.h"
#include "ink/http/client.h"
#include "ink/runtime/runtime.h"
#include "log_frames.h"
#include "loopback.h"
#include "network_isolation.h"
#include "oom_watcher.h"
#include "podman_services.h"
#include "registry_check.h"

namespace ink {
namespace {

using namespace std::chrono_literals;
using runtime_internal::ExecOutput;
using runtime_internal::LogFrameDecoder;
using runtime_internal::OomWatcher;
using runtime_internal::PodmanServices;

constexpr const char* kApi = "/v4.0.0/libpod";

// A few keep-alive clients per podman socket; Lease returns its client to the pool when done.
class ClientPool {
 public:
  explicit ClientPool(http::Endpoint endpoint) : endpoint_(std::move(endpoint)) {}
  class Lease {
   public:
    Lease(ClientPool& pool, std::unique_ptr<http::HttpClient> client)
        : pool_(pool), client_(std::move(client)) {}
    ~Lease() { pool_.Return(std::move(client_)); }
    http::HttpClient& operator*() { return *client_; }
    http::HttpClient* operator->() { return client_.get(); }

   private:
    ClientPool& pool_;
    std::unique_ptr<http::HttpClient> client_;
  };
  Lease Acquire() {
    std::lock_guard lock(mu_);
    if (idle_.empty()) return Lease(*this, std::make_unique<http::HttpClient>(endpoint_));
    auto client = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(client));
  }

 private:
  void Return(std::unique_ptr<http::HttpClient> client) {
    std::lock_guard lock(mu_);
    if (idle_.size() < 8) idle_.push_back(std::move(client));
  }
  const http::Endpoint endpoint_;
  std::mutex mu_;
  std::vector<std::unique_ptr<http::HttpClient>> idle_;  // guarded by mu_
};

// "2026-11-28T15:20:34.833295774Z" or with a "+01:00" offset -> ms since epoch; 0 for podman's
// zero time (year 1) or anything unparsable.
int64_t ParseTimeMillis(const std::string& text) {
  std::tm tm{};
  int year, month, day, hour, minute, second;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d", &year, &month, &day, &hour, &minute,
                  &second) != 6 ||
      year < 1971) {
    return 0;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  int64_t ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    int64_t frac = 0, scale = 100;
    for (++pos; pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])); ++pos) {
      frac += (text[pos] - '0') * scale;
      scale /= 10;
    }
    ms += frac;
  }
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(text.c_str() + pos + 1, "%d:%d", &oh, &om) == 2) {
      int64_t offset = (oh * 60 + om) * 60000LL;
      ms += text[pos] == '+' ? -offset : offset;
    }
  }
  return ms;
}

std::string Base64Url(const std::string& data) {
  std::string out = Base64Encode(data);
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// libpod's `filters` query value: {"label": ["k=v", ...]} (every pair must match), or {}.
Json LabelFilters(const std::map<std::string, std::string>& labels) {
  Json filters = Json::object();
  for (const auto& [key, value] : labels) filters["label"].push_back(key + "=" + value);
  return filters;
}

class PodmanRuntime final : public ContainerRuntime {
 public:
  PodmanRuntime(PodmanOptions options, std::unique_ptr<PodmanServices> services)
      : options_(std::move(options)), services_(std::move(services)) {
    for (const char* runtime_class : {"gvisor", "runc"}) {
      pools_.emplace(
          runtime_class,
          std::make_unique<ClientPool>(*http::Endpoint::Parse(services_->endpoint(runtime_class))));
    }
  }

  Status Ping() override {
    for (auto& [runtime_class, pool] : pools_) {
      auto response = Call(runtime_class, "GET", "/_ping", "", 5s);
      if (!response.ok()) return response.error();
    }
    return {};
  }

  Status EnsureNetwork(const std::string& name,
                       const std::map<std::string, std::string>& labels) override {
    auto exists = Call("runc", "GET", "/networks/" + http::UrlEncode(name) + "/exists", "", 30s);
    if (!exists.ok()) return exists.error();
    if (exists->status != 204) {
      Json body = {{"name", name},
                   {"driver", "bridge"},
                   {"dns_enabled", true},
                   // netavark's own isolation; Ink adds its own rules below (network_isolation.h).
                   {"options", {{"isolate", "true"}}}};
      if (!labels.empty()) body["labels"] = labels;
      auto created = Call("runc", "POST", "/networks/create", body.dump(), 60s);
      if (!created.ok()) return created.error();
      if (created->status != 409) {  // 409: created concurrently
        INK_RETURN_IF_ERROR(Check(*created, "creating network " + name));
      }
    }
    auto bridge = BridgeOf(name);
    if (!bridge.ok()) return bridge.error();
    return IsolateBridge(*bridge);
  }

  // The bridge's rules go first, while this network still holds the bridge name: netavark
  // gives a freed name (the lowest podmanN) to the next network created, by any inkd, and
  // forgetting the rules after the removal could delete that new network's isolation. If the
  // removal fails, the network gets its rules back.
  Status RemoveNetwork(const std::string& name) override {
    auto bridge = BridgeOf(name);
    if (bridge.ok()) ForgetBridge(*bridge);
    auto response = Call("runc", "DELETE", "/networks/" + http::UrlEncode(name), "", 60s);
    Status removed = response.ok() ? Status{} : Status{response.error()};
    if (removed.ok() && response->status != 404) {
      removed = Check(*response, "removing network " + name);
    }
    if (!removed.ok() && bridge.ok()) (void)IsolateBridge(*bridge);
    return removed;
  }

  // The bridge interface of a podman network ("podman3").
  Result<std::string> BridgeOf(const std::string& name) {
    auto response = Call("runc", "GET", "/networks/" + http::UrlEncode(name) + "/json", "", 30s);
    if (!response.ok()) return response.error();
    INK_RETURN_IF_ERROR(Check(*response, "inspecting network " + name));
    auto parsed = Json::parse(response->body, nullptr, false);
    if (!parsed.is_object() || !parsed.contains("network_interface")) {
      return Internal("podman's description of network " + name + " has no bridge interface");
    }
    return parsed["network_interface"].get<std::string>();
  }

  Status CheckRegistryImage(const std::string& reference,
                            const std::optional<RegistryAuth>& auth) override {
    return runtime_internal::CheckRegistryImage(SystemProcessRunner(), reference, auth);
  }

  Status PullImage(const std::string& reference, const std::optional<RegistryAuth>& auth) override {
    const std::string registry = PullRegistryOf(reference);
    http::ClientRequest request;
    request.method = "POST";
    request.target =
        std::string(kApi) + "/images/pull?policy=always&reference=" + http::UrlEncode(reference);
    // Loopback registries are plain HTTP (the host setup marks 127.0.0.1:5000 insecure; tests
    // run registries on other loopback ports).
    if (IsLoopbackRegistry(registry)) {
      request.target += "&tlsVerify=false";
    }
    if (auth) {
      Json credentials = {{"username", auth->username}, {"password", auth->password}};
      request.headers["X-Registry-Auth"] = Base64Url(credentials.dump());
    }
    request.timeout = 30min;
    auto response = Do("runc", request);
    if (!response.ok()) return response.error();
    std::string error;
    // The body is a stream of JSON objects; the last one carries "error" or "images".
    size_t pos = 0;
    const std::string& body = response->body;
    while (pos < body.size()) {
      size_t end = body.find('\n', pos);
      if (end == std::string::npos) end = body.size();
      auto line = Json::parse(body.substr(pos, end - pos), nullptr, false);
      if (line.is_object() && line.contains("error")) error = line["error"].get<std::string>();
      pos = end + 1;
    }
    if (response->status >= 400 && error.empty()) {
      auto parsed = Json::parse(body, nullptr, false);
      error = parsed.is_object() ? parsed.value("message", body) : body;
    }
    if (error.empty()) return {};
    if (Contains(error, "unauthorized") || Contains(error, "authentication required") ||
        Contains(error, "denied")) {
      std::string what = auth ? "rejected the credentials Ink has for it" : "requires credentials";
      return Unauthenticated("registry " + registry + " " + what + " while pulling " + reference +
                             ": give Ink credentials for " + registry +
                             " with `ink registry login " + registry + "`");
    }
    if (Contains(error, "manifest unknown") || Contains(error, "name unknown") ||
        Contains(error, "not found")) {
      return NotFound("image " + reference + " was not found in registry " + registry +
                      ": check the repository name and tag");
    }
    if (Contains(error, "connection refused") || Contains(error, "no such host") ||
        Contains(error, "dial tcp") || Contains(error, "timeout") ||
        Contains(error, "pinging container registry")) {
      return Unavailable("registry " + registry + " is unreachable while pulling " + reference +
                         " (" + error + "); check the registry address and that it is running");
    }
    return Unavailable("pulling " + reference + " failed: " + error);
  }

  Result<bool> ImageExists(const std::string& reference) override {
    auto response = Call("runc", "GET", "/images/" + reference + "/exists", "", 30s);
    if (!response.ok()) return response.error();
    if (response->status == 204) return true;
    if (response->status == 404) return false;
    Status failed = Check(*response, "checking image " + reference);
    return failed.error();
  }

  Result<std::vector<std::string>> ListImages(
      const std::string& repository,
      const std::map<std::string, std::string>& label_filter) override {
    Json filters = LabelFilters(label_filter);
    if (!repository.empty()) filters["reference"] = Json::array({repository});
    auto response =
        Call("runc", "GET", "/images/json?filters=" + http::UrlEncode(filters.dump()), "", 60s);
    if (!response.ok()) return response.error();
    INK_RETURN_IF_ERROR(Check(*response, "listing images"));
    auto parsed = Json::parse(response->body, nullptr, false);
    if (!parsed.is_array()) return Internal("podman's image list is not a JSON array");
    std::vector<std::string> references;
    for (const auto& image : parsed) {
      const Json& tags = image.contains("RepoTags") ? image["RepoTags"] : image["Names"];
      if (!tags.is_array()) continue;
      for (const auto& tag : tags) {
        if (!tag.is_string()) continue;
        std::string ref = tag.get<std::string>();
        // podman's reference filter also matches by glob and by the last path component.
        if (!repository.empty() && ref.rfind(repository + ":", 0) != 0) continue;
        references.push_back(ref);
      }
    }
    return references;
  }

  Status RemoveImage(const std::string& reference) override {
    auto response = Call("runc", "DELETE", "/images/" + reference, "", 60s);
    if (!response.ok()) return response.error();
    if (response->status == 404) return {};
    return Check(*response, "removing image " + reference);
  }

  Status PruneImages(const std::map<std::string, std::string>& label_filter) override {
    auto response = Call(
        "runc", "POST",
        "/images/prune?filters=" + http::UrlEncode(LabelFilters(label_filter).dump()), "", 120s);
    if (!response.ok()) return response.error();
    return Check(*response, "pruning images");
  }

  Result<std::string> CreateContainer(const ContainerSpec& spec) override {
    std::string runtime;
    if (spec.runtime_class == "gvisor") {
      runtime = options_.gvisor_runtime;
    } else if (spec.runtime_class == "runc") {
      runtime = options_.runc_runtime;
    } else {
      return InvalidArgument("runtime class '" + spec.runtime_class +
                             "' is unknown; use \"gvisor\" or \"runc\"");
    }
    Json body = {{"name", spec.name},     {"image", spec.image}, {"env", spec.env},
                 {"labels", spec.labels}, {"init", spec.init},   {"privileged", false},
                 {"oci_runtime", runtime}};  // ignored by podman 4.3; the socket decides
    if (!spec.command.empty()) body["command"] = spec.command;
    if (options_.container_log_max_bytes > 0) {
      body["log_configuration"] = {{"driver", "k8s-file"},
                                   {"size", options_.container_log_max_bytes}};
    }
    if (!spec.mounts.empty()) {
      Json mounts = Json::array();
      for (const auto& m : spec.mounts) {
        mounts.push_back({{"type", "bind"},
                          {"source", m.source},
                          {"destination", m.target},
                          {"options", {"rbind", "rw", "nodev", "nosuid"}}});
      }
      body["mounts"] = std::move(mounts);
    }
    if (spec.no_new_privileges) body["no_new_privileges"] = true;
    if (spec.capabilities) {
      body["cap_drop"] = Json::array({"ALL"});
      Json keep = Json::array();
      for (const auto& cap : *spec.capabilities) keep.push_back("CAP_" + cap);
      body["cap_add"] = keep;
    }
    if (spec.network.empty()) {
      body["netns"] = {{"nsmode", "none"}};
    } else {
      body["netns"] = {{"nsmode", "bridge"}};
      Json per_network = Json::object();
      if (!spec.network_aliases.empty()) per_network["aliases"] = spec.network_aliases;
      body["Networks"] = {{spec.network, per_network}};
    }
    Json limits = Json::object();
    if (spec.memory_bytes > 0) limits["memory"] = {{"limit", spec.memory_bytes}};
    if (spec.cpu > 0) {
      constexpr int64_t kPeriod = 100000;
      limits["cpu"] = {{"period", kPeriod},
                       {"quota", static_cast<int64_t>(spec.cpu * kPeriod + 0.5)}};
    }
    if (spec.pids_limit > 0) limits["pids"] = {{"limit", spec.pids_limit}};
    if (!limits.empty()) body["resource_limits"] = limits;
    auto response = Call(spec.runtime_class, "POST", "/containers/create", body.dump(), 60s);
    if (!response.ok()) return response.error();
    INK_RETURN_IF_ERROR(Check(*response, "creating container " + spec.name));
    auto parsed = Json::parse(response->body, nullptr, false);
    if (!parsed.is_object() || !parsed.contains("Id")) {
      return Internal("podman answered container create without an Id: " + response->body);
    }
    return parsed["Id"].get<std::string>();
  }

  Status StartContainer(const std::string& id) override {
    auto response = Call("runc", "POST", "/containers/" + http::UrlEncode(id) + "/start", "", 60s);
    if (!response.ok()) return response.error();
    if (response->status != 304) INK_RETURN_IF_ERROR(Check(*response, "starting container " + id));
    auto info = InspectContainer(id);  // registers the OOM watch while the cgroup exists
    if (!info.ok()) return info.error();
    return {};
  }

  Status StopContainer(const std::string& id, int timeout_seconds) override {
    std::string target = "/containers/" + http::UrlEncode(id) +
                         "/stop?timeout=" + std::to_string(std::max(0, timeout_seconds));
    return RetryImproperState("stopping container " + id, [&] {
      return Call("runc", "POST", target, "", std::chrono::seconds(timeout_seconds) + 60s);
    });
  }

  Status RemoveContainer(const std::string& id, bool force) override {
    std::string target = "/containers/" + http::UrlEncode(id) +
                         "?force=" + (force ? "true" : "false") + "&timeout=5";
    Status removed = RetryImproperState("removing container " + id,
                                        [&] { return Call("runc", "DELETE", target, "", 120s); });
    if (!removed.ok() && removed.error().code == ErrorCode::kNotFound) removed = {};
    if (removed.ok()) oom_.Forget(id);
    return removed;
  }

  Result<std::vector<ContainerInfo>> ListContainers(
      const std::map<std::string, std::string>& label_filter) override {
    Json filters = LabelFilters(label_filter);
    auto response =
        Call("runc", "GET", "/containers/json?all=true&filters=" + http::UrlEncode(filters.dump()),
             "", 30s);
    if (!response.ok()) return response.error();
    INK_RETURN_IF_ERROR(Check(*response, "listing containers"));
    auto parsed = Json::parse(response->body, nullptr, false);
    if (!parsed.is_array()) return Internal("podman's container list is not a JSON array");
    std::vector<ContainerInfo> out;
    for (const auto& entry : parsed) {
      auto info = InspectContainer(entry.value("Id", ""));
      if (!info.ok()) {
        if (info.error().code == ErrorCode::kNotFound) continue;  // removed meanwhile
        return info.error();
      }
      out.push_back(std::move(*info));
    }
    return out;
  }

  Status BringUpLoopback(const std::string& id) override {
    auto info = InspectContainer(id);
    if (!info.ok()) return info.error();
    Status up = runtime_internal::BringUpLoopback(info->pid);
    if (!up.ok()) return Internal("container " + id + "'s loopback: " + up.error().message);
    return up;
  }

  Result<ContainerInfo> InspectContainer(const std::string& id) override {
    auto response = Call("runc", "GET", "/containers/" + http::UrlEncode(id) + "/json", "", 30s);
    if (!response.ok()) return response.error();
    INK_RETURN_IF_ERROR(Check(*response, "inspecting container " + id));
    auto j = Json::parse(response->body, nullptr, false);
    if (!j.is_object()) return Internal("podman's inspect of " + id + " is not a JSON object");
    ContainerInfo info;
    info.id = j.value("Id", "");
    info.name = j.value("Name", "");
    info.image = j.value("ImageName", "");
    info.oci_runtime = j.value("OCIRuntime", "");
    if (j.contains("Config") && j["Config"].is_object() && j["Config"]["Labels"].is_object()) {
      for (const auto& [k, v] : j["Config"]["Labels"].items()) {
        if (v.is_string()) info.labels[k] = v.get<std::string>();
      }
    }
    const Json state = j.value("State", Json::object());
    info.state = state.value("Status", "");
    info.exit_code = state.value("ExitCode", 0);
    info.pid = state.value("Pid", 0);
    const Json host_config = j.value("HostConfig", Json::object());
    if (host_config.is_object()) {
      const Json log_config = host_config.value("LogConfig", Json::object());
      if (log_config.is_object()) info.log_path = log_config.value("Path", "");
    }
    info.started_at = ParseTimeMillis(state.value("StartedAt", ""));
    info.finished_at = ParseTimeMillis(state.value("FinishedAt", ""));
    const Json networks =
        j.value("NetworkSettings", Json::object()).value("Networks", Json::object());
    if (networks.is_object()) {
      for (const auto& [name, net] : networks.items()) {
        if (net.is_object() && !net.value("IPAddress", "").empty()) {
          info.ip_address = net.value("IPAddress", "");
          break;
        }
      }
    }
    info.cgroup_path = state.value("CgroupPath", "");
    if (info.pid > 0 && !oom_.Watching(info.id)) {
      WatchMemoryCgroup(info.id, state.value("CgroupPath", ""), info.pid);
    }
    info.oom_killed = state.value("OOMKilled", false) || oom_.OomKilled(info.id);
    return info;
  }

  Status StreamLogs(const std::string& id, const LogOptions& options,
                    const LogLineCallback& on_line) override {
    http::ClientRequest request;
    request.target = std::string(kApi) + "/containers/" + http::UrlEncode(id) +
                     "/logs?stdout=true&stderr=true&follow=" + (options.follow ? "true" : "false") +
                     "&timestamps=" + (options.timestamps ? "true" : "false");
    if (options.tail >= 0) request.target += "&tail=" + std::to_string(options.tail);
    if (options.since_unix > 0) request.target += "&since=" + std::to_string(options.since_unix);
    request.timeout = options.follow ? 0ms : 120s;
    LogFrameDecoder decoder(options.timestamps);
    bool stopped = false;
    std::string error_body;
    int status = 0;
    auto lease = pools_.at("runc")->Acquire();
    Status streamed = lease->Stream(
        request,
        [&](const http::ClientResponse& head) {
          status = head.status;
          return true;
        },
        [&](std::string_view chunk) {
          if (status >= 300) {
            if (error_body.size() < 4096) error_body.append(chunk);
            return true;
          }
          if (!decoder.Feed(chunk, on_line)) stopped = true;
          return !stopped;
        });
    if (!streamed.ok()) return streamed.error();
    if (status >= 300) {
      http::ClientResponse response;
      response.status = status;
      response.body = error_body;
      return Check(response, "reading logs of container " + id);
    }
    if (!stopped) decoder.Finish(on_line);
    return {};
  }

  Result<ExecResult> Exec(const std::string& id, const ExecRequest& request) override {
    if (request.argv.empty()) return InvalidArgument("exec needs a command");
    Json create = {{"Cmd", request.argv},
                   {"AttachStdin", !request.stdin_data.empty()},
                   {"AttachStdout", true},
                   {"AttachStderr", true}};
    if (!request.env.empty()) {
      Json env = Json::array();
      for (const auto& [k, v] : request.env) env.push_back(k + "=" + v);
      create["Env"] = env;
    }
    if (!request.working_dir.empty()) create["WorkingDir"] = request.working_dir;
    auto created =
        Call("runc", "POST", "/containers/" + http::UrlEncode(id) + "/exec", create.dump(), 30s);
    if (!created.ok()) return created.error();
    if (created->status == 409 || created->status == 500) {
      return FailedPrecondition("cannot run a command in container " + id +
                                ": it is not running (podman: " + created->body.substr(0, 256) +
                                ")");
    }
    INK_RETURN_IF_ERROR(Check(*created, "creating an exec session in container " + id));
    std::string exec_id = Json::parse(created->body, nullptr, false).value("Id", "");
    if (exec_id.empty()) return Internal("podman answered exec create without an Id");
    auto endpoint = http::Endpoint::Parse(services_->endpoint("runc"));
    if (!endpoint.ok()) return endpoint.error();
    ExecOutput output(request.max_output_bytes);
    // At the timeout: SIGKILL to the session's process. Under crun that is the command itself;
    // under gVisor it is `runsc exec`, so the session ends (exit 137) but what the command
    // started inside the sandbox may outlive it (RUNTIME-NOTES, docs/API.md).
    auto kill_session = [&] {
      auto inspect = Call("runc", "GET", "/exec/" + exec_id + "/json", "", 10s);
      if (!inspect.ok() || inspect->status >= 300) return;
      int pid = Json::parse(inspect->body, nullptr, false).value("Pid", 0);
      if (pid > 1) ::kill(pid, SIGKILL);
    };
    auto streamed = runtime_internal::RunExecStream(
        endpoint->unix_path, kApi, exec_id, request.stdin_data,
        std::chrono::steady_clock::now() + std::chrono::seconds(request.timeout_seconds), 10s,
        kill_session, output);
    if (!streamed.ok()) return streamed.error();
    ExecResult result;
    output.MoveTo(result);
    result.timed_out = streamed->timed_out;
    // The exit code is recorded once conmon saw the process end; it may lag the stream's end.
    for (int attempt = 0; attempt < 50; ++attempt) {
      auto inspect = Call("runc", "GET", "/exec/" + exec_id + "/json", "", 10s);
      if (!inspect.ok()) return inspect.error();
      INK_RETURN_IF_ERROR(Check(*inspect, "inspecting exec session " + exec_id));
      auto j = Json::parse(inspect->body, nullptr, false);
      if (!j.value("Running", false)) {
        result.exit_code = j.value("ExitCode", 0);
        break;
      }
      std::this_thread::sleep_for(20ms);
    }
    if (result.timed_out && result.exit_code == 0) result.exit_code = 137;
    return result;
  }

 private:
  Result<http::ClientResponse> Do(const std::string& runtime_class,
                                  const http::ClientRequest& request) {
    auto lease = pools_.at(runtime_class)->Acquire();
    auto response = lease->Do(request);
    if (!response.ok()) {
      return Error{
          response.error().code,
          "podman (" + runtime_class + " service) did not answer: " + response.error().message};
    }
    return response;
  }

  Result<http::ClientResponse> Call(const std::string& runtime_class, const std::string& method,
                                    const std::string& path, const std::string& body,
                                    std::chrono::milliseconds timeout) {
    http::ClientRequest request;
    request.method = method;
    request.target = kApi + path;
    request.body = body;
    if (!body.empty()) request.headers["Content-Type"] = "application/json";
    request.timeout = timeout;
    return Do(runtime_class, request);
  }

  // Turns an error answer of podman ({"cause","message","response"}) into an Error.
  static Status Check(const http::ClientResponse& response, const std::string& what) {
    if (response.status < 300) return {};
    auto parsed = Json::parse(response.body, nullptr, false);
    std::string message =
        parsed.is_object() ? parsed.value("message", response.body) : response.body;
    std::string text = what + " failed: podman says " + message;
    switch (response.status) {
      case 400:
        return InvalidArgument(text);
      case 404:
        return NotFound(text);
      case 409:
        return Contains(message, "already") ? AlreadyExists(text) : FailedPrecondition(text);
      default:
        return Internal(text + " (HTTP " + std::to_string(response.status) + ")");
    }
  }

  // podman answers 500 "container state improper" while a container is between states.
  template <class CallFn>
  Status RetryImproperState(const std::string& what, CallFn call) {
    for (int attempt = 0;; ++attempt) {
      auto response = call();
      if (!response.ok()) return response.error();
      if (response->status == 304) return {};  // already in the wanted state
      if (response->status == 500 && Contains(response->body, "state improper") && attempt < 20) {
        std::this_thread::sleep_for(100ms);
        continue;
      }
      return Check(*response, what);
    }
  }

  void WatchMemoryCgroup(const std::string& id, const std::string& cgroup_path, int pid) {
    std::vector<std::string> candidates;
    if (!cgroup_path.empty()) candidates.push_back(options_.memory_cgroup_root + cgroup_path);
    std::ifstream proc("/proc/" + std::to_string(pid) + "/cgroup");
    std::string line;
    while (std::getline(proc, line)) {
      // "4:memory:/libpod_parent/libpod-<id>"
      size_t first = line.find(':');
      size_t second = line.find(':', first + 1);
      if (first == std::string::npos || second == std::string::npos) continue;
      std::string controllers = "," + line.substr(first + 1, second - first - 1) + ",";
      if (Contains(controllers, ",memory,")) {
        candidates.push_back(options_.memory_cgroup_root + line.substr(second + 1));
      }
    }
    for (const auto& dir : candidates) {
      if (oom_.Watch(id, dir)) return;
    }
    LogDebug("runtime", "no memory cgroup found for container " + id);
  }

  const PodmanOptions options_;
  std::unique_ptr<PodmanServices> services_;
  std::map<std::string, std::unique_ptr<ClientPool>> pools_;  // by class; fixed after construction
  OomWatcher oom_;
};

}  // namespace

Result<std::unique_ptr<ContainerRuntime>> StartPodmanRuntime(const PodmanOptions& options) {
  auto services = PodmanServices::Start(
      options, {{"gvisor", options.gvisor_runtime}, {"runc", options.runc_runtime}});
  if (!services.ok()) return services.error();
  return std::unique_ptr<ContainerRuntime>(new PodmanRuntime(options, std::move(services).value()));
}

}  // namespace ink
