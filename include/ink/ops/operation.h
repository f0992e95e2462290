// The operation table: every Ink capability as one named operation with JSON schemas.
//
// REST routes (api/rest), MCP tools (mcp/) and the CLI (through REST) are thin skins over this
// table, so a capability is written once. An operation validates its input against its input
// schema before the handler runs (unknown fields, wrong types, out-of-range numbers are
// rejected with a message naming the field), so handlers see well-typed input. The table is
// built once at start-up and then only read: lookups are thread-safe; handlers must be too.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/json.h"
#include "ink/common/result.h"

namespace ink {

// Who is calling: resolved from the API token by the transport.
struct Caller {
  std::string workspace_id;
  std::string token_id;
  std::string token_name;
  bool admin = false;  // an admin token: may set any workspace's quotas
};

// Receives a streamed operation's output piece by piece; returns false when the client is gone.
using StreamSink = std::function<bool(std::string_view chunk)>;

// Lets a long-running operation (e.g. get_deployment with wait) report what is happening and
// notice that its caller gave up. Both members may be empty (REST: no progress, no cancel).
struct Progress {
  // Reports one step, e.g. "dep_1: deploying (starting replica 0)". Called from the handler's
  // thread.
  std::function<void(const std::string& message)> report;
  // True once the caller cancelled; the handler should then return soon.
  std::function<bool()> cancelled;
  // Optional, beside `cancelled`: registers `wake`, which the caller runs (on its own thread)
  // when it cancels, or at once if it already has, so a handler blocked on a wait returns at
  // once instead of looking at `cancelled` on a timer. Call it with an empty function before
  // what `wake` uses is destroyed; after that returns, `wake` is not running and never runs.
  std::function<void(std::function<void()> wake)> on_cancel;
};

// How REST reaches an operation: an HTTP method and a path template such as
// "/v1/projects/{project}/services/{service}", whose {param} segments are input fields (string
// properties of the input schema) filled from the URL. Every other input comes from the query
// string or the JSON body. src/api/rest.cc routes requests by these bindings alone.
struct RestBinding {
  std::string method;  // GET, POST, PUT, PATCH or DELETE
  std::string path;    // starts with "/v1/"
};

// How the ink CLI offers an operation: `ink <command...> POSITIONALS [--flags]`. Every input
// field not given positionally is a flag named after it ("health_check_path" →
// "--health-check-path") unless `flags` renames it; the flag's value type, range, enum and help
// text come from the field's schema, so the CLI checks what the server would before sending.
// A second, narrower command for the same operation (`ink scale SERVICE --replicas N` for
// update_service): it offers only `fields` (besides the positionals) as flags, named as the
// operation's own command names them. Not a second capability: it sends the same input.
struct CliShortcut {
  std::vector<std::string> command;      // {"scale"}
  std::vector<std::string> positionals;  // input fields given as positional arguments, in order
  std::vector<std::string> fields;       // the other input fields it offers as flags
  std::string summary;                   // one line for `ink --help`
};

struct CliBinding {
  std::vector<std::string> command;          // {"services", "update"}; empty: no CLI command
  std::vector<std::string> positionals;      // input fields given as positional arguments, in order
  std::map<std::string, std::string> flags;  // field → flag name ("--runtime") where renamed
  std::string summary;                       // one line for `ink --help`
  std::vector<CliShortcut> shortcuts;        // narrower commands for the same operation
};

struct Operation {
  std::string name;         // snake_case, stable: MCP tool names use it
  std::string description;  // tells an agent when to use it
  Json input_schema;        // JSON Schema (object; flat properties)
  Json output_schema;
  bool read_only = false;
  bool destructive = false;
  bool idempotent = false;
  bool open_world = false;   // touches things outside Ink (registries, the internet)
  bool needs_auth = true;    // false only for health
  int success_status = 200;  // REST status on success (201 created, 202 accepted)
  std::function<Result<Json>(const Caller&, const Json& input)> handler;
  // Optional: a streaming form (e.g. logs with follow); used when the transport asks for it.
  std::function<Status(const Caller&, const Json& input, const StreamSink& sink)> stream;
  // Optional: a form that reports progress and honours cancellation; Invoke prefers it over
  // `handler` (which may then be empty). MCP sends the reports as progress notifications.
  std::function<Result<Json>(const Caller&, const Json& input, const Progress& progress)>
      with_progress;
  bool mcp = true;  // offered as an MCP tool (false for REST-only operations such as health)
  // The REST routes of the operation (usually one; empty: not on REST).
  std::vector<RestBinding> rest;
  CliBinding cli;
  // The largest request body REST and MCP accept for it; 0: the transport's default (1 MiB).
  // A larger body is refused (413) before it is read.
  size_t max_request_bytes = 0;
  // The largest result (as JSON) MCP returns for it; 0: the server's default
  // (mcp::ServerInfo::max_tool_result_bytes, 256 KiB). An operation whose answers are bounded
  // by their own input limits (sandbox_read_file's 10 MiB) raises it; a larger result becomes an
  // isError result asking for less.
  size_t max_result_bytes = 0;
};

// The CLI flag of an input field: the binding's rename, else "--" + the field with '-' for '_'.
std::string CliFlagName(const Operation& operation, const std::string& field);

// The {param} names of a REST path template, in order ("/v1/a/{x}/b/{y}" → x, y), or an error
// saying what is malformed (no leading "/v1/", an empty segment, a brace inside a literal, a
// parameter named twice).
Result<std::vector<std::string>> PathParameters(const std::string& path);

// True when request path `path` (a trailing slash allowed) matches REST path template
// `path_template`; then `params` holds each {param}'s segment.
bool MatchPathTemplate(const std::string& path_template, const std::string& path, Json& params);

class OperationTable {
 public:
  // Adds an operation after CheckNew; an inconsistent entry is a programming error, so Add
  // prints CheckNew's message and aborts (inkd refuses to start rather than serve a broken API).
  void Add(Operation operation);
  // Says why `operation` cannot join the table, or OK: a missing or duplicate name, an input
  // schema that is not a closed object, no handler, a REST binding with an unknown method, a
  // malformed path, a path parameter that is not a string input field, a method and path
  // another operation's route already matches, or a CLI binding naming a field the input lacks,
  // two fields with one flag, or command words another operation has.
  Status CheckNew(const Operation& operation) const;
  const Operation* Find(std::string_view name) const;
  const std::vector<Operation>& All() const { return operations_; }

  // Validates `input` against the operation's schema, then runs its handler (the progress form
  // when the operation has one; `progress` may be null).
  Result<Json> Invoke(const Operation& operation, const Caller& caller, const Json& input,
                      const Progress* progress = nullptr) const;

  // Describes every operation (name, description, schemas, flags) as JSON.
  Json Describe() const;

 private:
  Status CheckCli(const Operation& operation) const;

  std::vector<Operation> operations_;
};

// Checks `value` against a JSON Schema subset (type, properties, required,
// additionalProperties:false, enum, minimum/maximum, minLength/maxLength, items).
// The error names the offending field path and says what is expected.
Status ValidateAgainstSchema(const Json& schema, const Json& value, const std::string& path = "");

// Converts string values (from a URL query) to the types the schema's properties declare
// ("10" → 10 for integers, "true" → true for booleans). Unconvertible values are left as they
// are, so validation reports them.
Json CoerceQueryValues(const Json& schema, const std::map<std::string, std::string>& query);

}  // namespace ink
