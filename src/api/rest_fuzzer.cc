// libFuzzer target for REST JSON bodies: a request body (and query) on any /v1 route, through
// the REST binding (rest.cc), the operation table's schema validation (ops/) and the real
// handlers (RegisterOperations) over a real SQLite store in a scratch file, with the in-memory
// FakeRuntime and no build pipeline. Each input runs against a freshly seeded world: workspace
// A (the caller) with project demo, service web (an image deploy with a variable) and a
// registry credential; workspace B with its own project and service.
//
// Input: the first line names the operation (and so its route: operations with two routes
// use the last), the next byte picks the path parameters (existing, missing or malformed
// names, the seeded or a missing deployment id) and whether a query line follows;
// the rest is the body. `wait` and `follow` are turned off before the request is sent (a
// fuzzer cannot wait ten minutes for a deployment), and no subprocess can run (PATH is empty:
// skopeo, git and ssh-keygen fail at once).
//
// Beyond "no crash", each answer is checked:
// - the handler answers exactly once; an error is {"error": {"code", "message"}} with a
//   non-empty message and the status its code maps to;
// - a rejected request (4xx/5xx), and any read-only operation, leaves every row of the database
//   as it was; no request changes the other workspace's rows;
// - secrets are never echoed: values of env/variables/dotenv/password, and any string sent in a
//   field of another type or an unknown field, are marked by the harness, and the mark appears
//   in no answer (error or not).
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ink/api/operations.h"
#include "ink/api/rest.h"
#include "ink/common/fuzz_check.h"
#include "ink/common/log.h"
#include "ink/runtime/fake_runtime.h"

namespace {

using ink::Json;

constexpr std::string_view kMark = "S3CR3T";

class CapturingWriter : public ink::http::ResponseWriter {
 public:
  void Send(int status, const std::map<std::string, std::string>&, std::string_view body) override {
    ++answers;
    this->status = status;
    this->body.assign(body);
  }
  bool StartStream(int status, const std::map<std::string, std::string>&) override {
    ++answers;
    streamed = true;
    this->status = status;
    return true;
  }
  bool Write(std::string_view chunk) override {
    body.append(chunk);
    return body.size() < (64 << 10);
  }
  int answers = 0;
  bool streamed = false;
  int status = 0;
  std::string body;
};

// Every row of every table, as text, sorted: equal dumps mean an unchanged database.
std::string Dump(sqlite3* db, const std::string& only_containing = "") {
  std::vector<std::string> tables;
  sqlite3_stmt* list = nullptr;
  CHECK_PROPERTY(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='table'", -1,
                                    &list, nullptr) == SQLITE_OK);
  while (sqlite3_step(list) == SQLITE_ROW) {
    tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(list, 0)));
  }
  sqlite3_finalize(list);
  std::sort(tables.begin(), tables.end());
  std::string out;
  for (const auto& table : tables) {
    std::vector<std::string> rows;
    sqlite3_stmt* select = nullptr;
    CHECK_PROPERTY(sqlite3_prepare_v2(db, ("SELECT * FROM \"" + table + "\"").c_str(), -1, &select,
                                      nullptr) == SQLITE_OK);
    while (sqlite3_step(select) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(select); ++i) {
        const void* blob = sqlite3_column_blob(select, i);
        row.append(blob ? static_cast<const char*>(blob) : "<null>",
                   blob ? sqlite3_column_bytes(select, i) : 6);
        row += '\x1f';
      }
      if (only_containing.empty() || row.find(only_containing) != std::string::npos) {
        rows.push_back(std::move(row));
      }
    }
    sqlite3_finalize(select);
    std::sort(rows.begin(), rows.end());
    out += table + "\n";
    for (const auto& row : rows) out += row + "\n";
  }
  return out;
}

// One seeded instance: store file, controller (never started), the real operation table.
struct World {
  explicit World(const std::string& dir) : dir(dir) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto opened = ink::OpenSqliteStore(dir + "/ink.db", clock);
    CHECK_PROPERTY(opened.ok());
    store = std::move(*opened);
    auto box = ink::SecretBox::LoadOrCreate(dir + "/secret.key");
    CHECK_PROPERTY(box.ok());
    secrets = std::make_unique<ink::SecretBox>(*box);
    ink::ControllerOptions options;
    options.instance = "fuzz";
    options.routes_path = dir + "/routes.json";
    controller =
        std::make_unique<ink::ServiceController>(*store, runtime, *secrets, clock, options);
    deps = std::make_unique<ink::OperationDeps>(
        ink::OperationDeps{*store, runtime, *controller, *secrets, clock, "fuzz"});
    deps->edge_port = 1;  // status probes the edge: nothing listens there, refused at once
    ink::RegisterOperations(table, *deps);
    handler = ink::MakeRestHandler(table, *store);

    other = Seed("other", "shared", "api");
    caller = Seed("default", "demo", "web");
    auto deployments = store->ListDeployments(
        caller.workspace_id,
        store->ListServices(caller.workspace_id, store->GetProject(caller.workspace_id, "demo")->id)
            ->at(0)
            .id);
    CHECK_PROPERTY(deployments.ok() && !deployments->empty());
    deployment_id = deployments->front().id;
    CHECK_PROPERTY(sqlite3_open_v2((dir + "/ink.db").c_str(), &reader, SQLITE_OPEN_READWRITE,
                                   nullptr) == SQLITE_OK);
    sqlite3_busy_timeout(reader, 5000);
    // The seeded database, kept in memory: Restore() copies it back before every input, so
    // each input meets the same world (reproducible) without paying for a new one.
    CHECK_PROPERTY(sqlite3_open(":memory:", &pristine) == SQLITE_OK);
    Copy(reader, pristine);
    pristine_dump = Dump(reader);
  }
  ~World() {
    sqlite3_close(pristine);
    sqlite3_close(reader);
    controller->Stop();
    std::filesystem::remove_all(dir);
  }

  static void Copy(sqlite3* from, sqlite3* to) {
    sqlite3_backup* backup = sqlite3_backup_init(to, "main", from, "main");
    CHECK_PROPERTY(backup != nullptr);
    CHECK_PROPERTY(sqlite3_backup_step(backup, -1) == SQLITE_DONE);
    CHECK_PROPERTY(sqlite3_backup_finish(backup) == SQLITE_OK);
  }

  void Restore() {
    Copy(pristine, reader);
    runtime.SetHook(nullptr);
  }

  ink::Caller Seed(const std::string& workspace, const std::string& project,
                   const std::string& service) {
    auto ws = store->CreateWorkspace(workspace);
    CHECK_PROPERTY(ws.ok());
    ink::Caller c{ws->id, "tok_" + workspace, workspace};
    CHECK_PROPERTY(store->CreateProject(ws->id, project).ok());
    auto deployed = table.Invoke(*table.Find("deploy"), c,
                                 {{"project", project},
                                  {"service", service},
                                  {"image", "localhost/app:1"},
                                  {"env", {{"TOKEN", "seeded-value"}}}});
    CHECK_PROPERTY(deployed.ok());
    CHECK_PROPERTY(table
                       .Invoke(*table.Find("set_registry_credential"), c,
                               {{"registry", "ghcr.io"}, {"username", "u"}, {"password", "pw"}})
                       .ok());
    return c;
  }

  std::string dir;
  ink::Clock& clock = ink::SystemClock();
  std::unique_ptr<ink::Store> store;
  std::unique_ptr<ink::SecretBox> secrets;
  ink::FakeRuntime runtime;
  std::unique_ptr<ink::ServiceController> controller;
  std::unique_ptr<ink::OperationDeps> deps;
  ink::OperationTable table;
  ink::http::Handler handler;
  ink::Caller caller, other;
  std::string deployment_id;
  sqlite3* reader = nullptr;    // a second connection to the store's file: dumps, restores
  sqlite3* pristine = nullptr;  // the seeded database
  std::string pristine_dump;
};

std::string ScratchDir() {
  const char* base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : nullptr;
  if (base == nullptr) base = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
  return std::string(base) + "/ink-rest-fuzz-" + std::to_string(::getpid());
}

// Whether `value` has the JSON type a schema names (as the validator judges it).
bool HasType(const Json& value, const Json& type) {
  return ink::ValidateAgainstSchema({{"type", type}}, value).ok();
}

// Prefixes every string inside `value` with the mark.
void MarkAll(Json& value) {
  if (value.is_string()) {
    value = std::string(kMark) + value.get<std::string>();
  } else if (value.is_array() || value.is_object()) {
    for (auto& item : value) MarkAll(item);
  }
}

// Marks the strings of `body` that must never be shown back: secret values, and strings in a
// field that is unknown or of another type (a value sent to the wrong field may be a secret).
void MarkSecrets(const Json& schema, Json& body) {
  const Json empty = Json::object();
  const Json& properties = schema.contains("properties") ? schema["properties"] : empty;
  for (auto& [key, value] : body.items()) {
    if (!properties.contains(key)) {
      MarkAll(value);
      continue;
    }
    const Json& field = properties[key];
    if (field.contains("type") && !HasType(value, field["type"])) {
      MarkAll(value);
    } else if ((key == "env" || key == "variables") && value.is_object()) {
      for (auto& item : value) MarkAll(item);
    } else if (key == "password" && value.is_string()) {
      MarkAll(value);
    } else if (key == "dotenv" && value.is_string()) {
      std::string text = value, marked;
      for (char c : text) {
        marked += c;
        if (c == '=') marked += kMark;
      }
      value = marked;
    }
  }
}

std::string Substitute(std::string pattern, const std::string& name, const std::string& value) {
  std::string key = "{" + name + "}";
  if (size_t at = pattern.find(key); at != std::string::npos)
    pattern.replace(at, key.size(), value);
  return pattern;
}

std::map<std::string, std::string> ParseQuery(std::string_view text) {
  std::map<std::string, std::string> query;
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    size_t eq = pair.find('=');
    query[std::string(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1));
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
  }
  return query;
}

int StatusFor(const std::string& code) {
  static const std::map<std::string, int> kStatuses = {
      {"invalid_argument", 400},  {"unauthenticated", 401}, {"permission_denied", 403},
      {"not_found", 404},         {"already_exists", 409},  {"failed_precondition", 409},
      {"payload_too_large", 413}, {"unavailable", 503},     {"deadline_exceeded", 504},
      {"internal", 500}};
  auto it = kStatuses.find(code);
  return it == kStatuses.end() ? -1 : it->second;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ::setenv("PATH", "/nonexistent-ink-fuzz", 1);  // no skopeo, git or ssh-keygen
  ink::SetLogLevel(ink::LogLevel::kError);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > 65536) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  static World& world = []() -> World& {
    static std::string dir = ScratchDir();
    std::atexit([] { std::filesystem::remove_all(dir); });  // the world itself is never freed
    return *new World(dir);
  }();
  // Every REST binding of the table, in table order.
  static const std::vector<std::pair<const ink::Operation*, ink::RestBinding>> routes = [] {
    std::vector<std::pair<const ink::Operation*, ink::RestBinding>> all;
    for (const auto& op : world.table.All()) {
      for (const auto& binding : op.rest) all.emplace_back(&op, binding);
    }
    return all;
  }();
  // The first line names the operation (seeds stay readable and survive new routes); a name
  // that matches none still picks a route, by its bytes.
  size_t newline = rest.substr(0, 64).find('\n');
  std::string_view name = newline == std::string_view::npos ? "" : rest.substr(0, newline);
  rest.remove_prefix(newline == std::string_view::npos ? 0 : newline + 1);
  if (rest.empty()) return 0;
  size_t pick = 0;
  for (char c : name) pick = pick * 31 + static_cast<unsigned char>(c);
  pick %= routes.size();
  for (size_t i = 0; i < routes.size(); ++i) {
    if (routes[i].first->name == name) pick = i;
  }
  const ink::Operation* op = routes[pick].first;
  const ink::RestBinding& route = routes[pick].second;
  const uint8_t params = rest[0];
  rest.remove_prefix(1);

  world.Restore();
  static const char* kProjects[] = {"demo", "nope", "Bad Name!", "shared"};
  static const char* kServices[] = {"web", "api", "-x-", "web2"};
  static const char* kRegistries[] = {"ghcr.io", "127.0.0.1:5000", "bad host", "example.com:99999"};
  ink::http::ServerRequest request;
  request.method = route.method;
  std::string path = Substitute(route.path, "project", kProjects[params & 3]);
  path = Substitute(path, "service", kServices[(params >> 2) & 3]);
  path = Substitute(path, "deployment", (params & 16) ? "dep_missing" : world.deployment_id);
  path = Substitute(path, "registry", kRegistries[(params >> 5) & 3]);
  request.target = request.path = path;
  if (params & 128) {
    size_t end = rest.find('\n');
    request.query = ParseQuery(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }
  request.headers["content-type"] = "application/json";
  request.context = world.caller;

  // No waits, no followed streams: the answer must come now.
  for (const char* key : {"wait", "follow"}) {
    if (request.query.count(key)) request.query[key] = key == std::string("wait") ? "0" : "false";
  }
  std::string body(rest);
  bool check_marks = body.find(kMark) == std::string::npos;
  for (const auto& [k, v] : request.query) {
    check_marks =
        check_marks && k.find(kMark) == std::string::npos && v.find(kMark) == std::string::npos;
  }
  if (auto parsed = ink::ParseJson(body); parsed.ok() && parsed->is_object()) {
    if (parsed->contains("wait") && (*parsed)["wait"].is_number_integer() &&
        (*parsed)["wait"] > 0 && (*parsed)["wait"] <= 600) {
      (*parsed)["wait"] = 0;
    }
    if (parsed->contains("follow") && (*parsed)["follow"] == true) (*parsed)["follow"] = false;
    if (check_marks) MarkSecrets(op->input_schema, *parsed);
    body = parsed->dump();
  }
  request.body = body;

  const std::string before = Dump(world.reader);
  CHECK_PROPERTY(before == world.pristine_dump);
  const std::string other_before = Dump(world.reader, world.other.workspace_id);
  CapturingWriter w;
  world.handler(request, w);
  CHECK_PROPERTY(w.answers == 1);
  const std::string after = Dump(world.reader);

  CHECK_PROPERTY(Dump(world.reader, world.other.workspace_id) == other_before);
  if (w.status >= 400) {
    CHECK_PROPERTY(!w.streamed);
    CHECK_PROPERTY(after == before);
    Json error = Json::parse(w.body, nullptr, false);
    CHECK_PROPERTY(!error.is_discarded() && error.is_object() && error.size() == 1);
    CHECK_PROPERTY(error.contains("error") && error["error"].is_object());
    CHECK_PROPERTY(error["error"]["code"].is_string() && error["error"]["message"].is_string());
    CHECK_PROPERTY(!error["error"]["message"].get_ref<const std::string&>().empty());
    CHECK_PROPERTY(StatusFor(error["error"]["code"]) == w.status);
  } else {
    CHECK_PROPERTY(w.status == op->success_status || w.streamed);
    if (op->read_only) CHECK_PROPERTY(after == before);
  }
  if (check_marks) CHECK_PROPERTY(w.body.find(kMark) == std::string::npos);
  return 0;
}
