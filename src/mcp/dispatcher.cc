#include "ink/mcp/dispatcher.h"

#include "src/mcp/internal.h"

namespace ink::mcp {

std::string DefaultInstructions() {
  return "Ink builds and runs apps as services with a URL. create_project once, then deploy "
         "{project, service} with a source: git (URL, optional ref and path), image (+ port) or "
         "archive_id (from `ink deploy DIR`, which uploads a local directory and honours "
         ".gitignore; running that command is the easy way to ship local code). Ink detects the "
         "language (see plan), builds and answers at once with a deployment id and the URL; the "
         "app must listen on $PORT. Wait with get_deployment {deployment, wait: 120} (reports "
         "progress) until active or failed. A failure's message says why; get_logs {build: "
         "true} shows the build, get_logs the app, get_service restarts, OOM kills and events. "
         "Secrets: set_env, or `ink env set --file .env` so values never pass through you; "
         "list_env only shows masked values. Errors say what to change.";
}

std::string Session::protocol_version() const {
  std::lock_guard lock(mu_);
  return protocol_version_;
}

void Session::set_protocol_version(std::string version) {
  std::lock_guard lock(mu_);
  protocol_version_ = std::move(version);
}

bool Session::initialized() const {
  std::lock_guard lock(mu_);
  return initialized_;
}

void Session::set_initialized() {
  std::lock_guard lock(mu_);
  initialized_ = true;
}

void Cancellation::Cancel() {
  cancelled_.store(true);
  std::lock_guard lock(mu_);
  if (wake_) wake_();
}

void Cancellation::OnCancel(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  wake_ = std::move(wake);
  if (wake_ && cancelled_.load()) wake_();
}

std::shared_ptr<Cancellation> Session::Begin(const Json& id) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = in_flight_.try_emplace(id.dump(), nullptr);
  if (!inserted) return nullptr;
  it->second = std::make_shared<Cancellation>();
  return it->second;
}

void Session::End(const Json& id) {
  std::lock_guard lock(mu_);
  in_flight_.erase(id.dump());
}

bool Session::Cancel(const Json& id) {
  std::lock_guard lock(mu_);
  auto it = in_flight_.find(id.dump());
  if (it == in_flight_.end()) return false;
  it->second->Cancel();
  return true;
}

void Session::CancelAll() {
  std::lock_guard lock(mu_);
  for (auto& [id, cancellation] : in_flight_) cancellation->Cancel();
}

Dispatcher::Dispatcher(const OperationTable& table, ServerInfo info)
    : table_(table), info_(std::move(info)) {
  if (info_.instructions.empty()) info_.instructions = DefaultInstructions();
  if (info_.tools_page_size == 0) info_.tools_page_size = 1;
  if (info_.resources_page_size == 0) info_.resources_page_size = 1;
  for (const auto& op : table_.All()) {
    if (!op.mcp) continue;
    tools_.push_back(ToolDefinition(op));
    tool_operations_[op.name] = &op;
  }
}

const Operation* Dispatcher::FindTool(std::string_view name) const {
  auto it = tool_operations_.find(std::string(name));
  return it == tool_operations_.end() ? nullptr : it->second;
}

Json Dispatcher::Initialize(Session& session, const Message& request) const {
  if (!session.protocol_version().empty()) {
    return ErrorResponse(request.id, kInvalidRequest,
                         "this session is already initialized; start a new session instead");
  }
  std::string version = NegotiateProtocolVersion(request.params.value("protocolVersion", Json()));
  session.set_protocol_version(version);
  return ResultResponse(
      request.id,
      {{"protocolVersion", version},
       {"capabilities",
        {{"tools", {{"listChanged", false}}},
         {"resources", {{"subscribe", false}, {"listChanged", false}}},
         {"logging", Json::object()}}},
       {"serverInfo", {{"name", info_.name}, {"title", info_.title}, {"version", info_.version}}},
       {"instructions", info_.instructions}});
}

Json Dispatcher::HandleRequest(Session& session, const Message& request,
                               RequestContext& context) const {
  const std::string& method = request.method;
  if (method == "initialize") return Initialize(session, request);
  if (method == "ping") return ResultResponse(request.id, Json::object());
  if (method == "tools/list") return ListTools(request);
  if (method == "resources/list") return ListResources(session, request);
  if (method == "resources/templates/list") return ListResourceTemplates(request);
  if (method == "resources/read") return ReadResource(session, request);
  if (method == "logging/setLevel") {
    auto level = request.params.find("level");
    int rank = level != request.params.end() && level->is_string()
                   ? LogLevelRank(level->get<std::string>())
                   : -1;
    if (rank < 0) {
      return ErrorResponse(request.id, kInvalidParams,
                           "params.level must be one of debug, info, notice, warning, error, "
                           "critical, alert, emergency");
    }
    session.set_log_level(rank);
    return ResultResponse(request.id, Json::object());
  }
  if (method == "tools/call") {
    auto cancelled = session.Begin(request.id);
    if (!cancelled) {
      return ErrorResponse(request.id, kInvalidRequest,
                           "request id " + request.id.dump() +
                               " is already in use by a request in flight; use a new id");
    }
    Json response = CallTool(session, request, context, *cancelled);
    session.End(request.id);
    return response;
  }
  return ErrorResponse(request.id, kMethodNotFound,
                       "Method not found: " + method.substr(0, 64) +
                           " (Ink serves tools, resources and logging; no prompts or completions)");
}

void Dispatcher::HandleNotification(Session& session, const Message& notification) const {
  if (notification.method == "notifications/initialized") {
    session.set_initialized();
  } else if (notification.method == "notifications/cancelled") {
    auto id = notification.params.find("requestId");
    if (id != notification.params.end()) (void)session.Cancel(*id);
  }
}

}  // namespace ink::mcp
