// The MCP server's protocol logic, independent of the transport: lifecycle (initialize, ping),
// tools (the operation table as MCP tools), resources (logs and, later, plans), logging and
// progress/cancellation. The Streamable HTTP endpoint (http_endpoint.h) feeds it parsed
// messages; unit tests call it directly.
//
// Tools are a thin skin over ink::OperationTable: every operation with `mcp = true` is a tool
// of the same name, its input schema is the operation's (minus REST-only stream switches), its
// annotations come from the operation's flags, and a call is OperationTable::Invoke. The catalog
// is built once at construction (the table is complete by then) and is immutable after.
//
// Thread contract: a Dispatcher is immutable after construction and may be used from many
// threads at once; a Session is internally locked and may be shared by the threads serving its
// requests.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ink/mcp/protocol.h"
#include "ink/ops/operation.h"

namespace ink::mcp {

struct ServerInfo {
  std::string name = "ink";
  std::string title = "Ink";
  std::string version = "0.0.0";
  std::string instructions;  // sent in the initialize result; default: DefaultInstructions()
  size_t tools_page_size = 100;
  size_t resources_page_size = 100;
  // A tool result larger than this (as JSON) becomes an isError result asking to narrow it.
  size_t max_tool_result_bytes = 256 << 10;
};

// The few lines that tell an agent how to deploy and debug with Ink.
std::string DefaultInstructions();

// One request's cancellation (notifications/cancelled, or the session ending): set once from any
// thread. A tool blocked on a wait registers a wake-up through Progress::on_cancel, which Cancel
// runs, so the wait ends at once rather than on the tool's next look at the flag.
class Cancellation {
 public:
  void Cancel();
  bool cancelled() const { return cancelled_.load(); }
  // Registers `wake` (empty: unregisters); runs it at once if already cancelled. After
  // OnCancel returns, a previously registered wake-up is not running and never runs.
  void OnCancel(std::function<void()> wake);

 private:
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;  // guards wake_; held while it runs
  std::function<void()> wake_;
};

// One MCP session: the caller it acts for, the negotiated version, the log level and the
// requests in flight (for notifications/cancelled). Thread-safe.
class Session {
 public:
  explicit Session(Caller caller) : caller_(std::move(caller)) {}
  const Caller& caller() const { return caller_; }

  std::string protocol_version() const;
  void set_protocol_version(std::string version);
  bool initialized() const;
  void set_initialized();
  // Rank of the lowest level sent as notifications/message (LogLevelRank); default "info".
  int log_level() const { return log_level_.load(); }
  void set_log_level(int rank) { log_level_.store(rank); }

  // Registers a request in flight; null if its id is already in flight.
  std::shared_ptr<Cancellation> Begin(const Json& id);
  void End(const Json& id);
  // Marks a request cancelled; false if no such request is in flight.
  bool Cancel(const Json& id);
  // Cancels every request in flight (the session ends).
  void CancelAll();

 private:
  const Caller caller_;
  std::atomic<int> log_level_{1};
  mutable std::mutex mu_;  // guards everything below
  std::string protocol_version_;
  bool initialized_ = false;
  std::map<std::string, std::shared_ptr<Cancellation>> in_flight_;  // key: id.dump()
};

// What a request may send before its response: notifications on the request's stream.
class RequestContext {
 public:
  virtual ~RequestContext() = default;
  // Sends a notification related to the request (progress, log message). Best effort.
  virtual void Notify(const Json& notification) = 0;
};

class Dispatcher {
 public:
  Dispatcher(const OperationTable& table, ServerInfo info);

  // Answers one request. Returns the response (result or error), or null if the request was
  // cancelled (then no response may be sent).
  Json HandleRequest(Session& session, const Message& request, RequestContext& context) const;
  // Applies a notification (initialized, cancelled); unknown ones are ignored, as the spec asks.
  void HandleNotification(Session& session, const Message& notification) const;

  // The tool for `name`, or null: lets the transport answer an unknown tool without a stream.
  const Operation* FindTool(std::string_view name) const;
  // Every tool definition as sent by tools/list (all pages).
  const std::vector<Json>& tools() const { return tools_; }
  const ServerInfo& info() const { return info_; }

 private:
  Json Initialize(Session& session, const Message& request) const;
  Json ListTools(const Message& request) const;
  Json CallTool(Session& session, const Message& request, RequestContext& context,
                Cancellation& cancellation) const;
  Json ListResources(Session& session, const Message& request) const;
  Json ListResourceTemplates(const Message& request) const;
  Json ReadResource(Session& session, const Message& request) const;

  const OperationTable& table_;
  ServerInfo info_;
  std::vector<Json> tools_;  // tools/list entries, in table order
  std::map<std::string, const Operation*> tool_operations_;
};

// Builds the tools/list entry for an operation (exposed for tests).
Json ToolDefinition(const Operation& operation);

}  // namespace ink::mcp
