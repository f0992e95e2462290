// get_logs: runtime logs of a service's replicas, as a bounded list or a followed stream.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "src/api/operations_internal.h"

namespace ink::api_internal {
namespace {

constexpr size_t kMaxOutputBytes = 1 << 20;

struct Source {
  std::string container_id;
  std::string replica;  // "0", "1", ... (plus the deployment when not the active one)
};

Result<std::vector<Source>> Sources(OperationDeps& deps, const Caller& caller, const Json& in) {
  auto project = FindProject(deps, caller, in);
  if (!project.ok()) return project.error();
  auto service = FindService(deps, caller, *project, in);
  if (!service.ok()) return service.error();
  auto containers = deps.runtime.ListContainers({{kLabelService, service->id}});
  if (!containers.ok()) return containers.error();
  std::vector<Source> out;
  for (const auto& c : *containers) {
    auto ws = c.labels.find(kLabelWorkspace);
    if (ws == c.labels.end() || ws->second != caller.workspace_id) continue;
    std::string replica = c.labels.count(kLabelReplica) ? c.labels.at(kLabelReplica) : "?";
    std::string dep = c.labels.count(kLabelDeployment) ? c.labels.at(kLabelDeployment) : "";
    if (dep != service->active_deployment_id) replica += "@" + dep;
    out.push_back({c.id, replica});
  }
  std::sort(out.begin(), out.end(),
            [](const Source& a, const Source& b) { return a.replica < b.replica; });
  return out;
}

// State shared between the follow threads and the request thread; outlives either side.
struct FollowState {
  std::mutex mu;  // guards everything below
  std::condition_variable cv;
  std::deque<std::string> lines;
  bool closed = false;  // the client went away
  int running = 0;      // streams still open
};

}  // namespace

void RegisterLogOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(
      {.name = "get_logs",
       .description = "Read a service's runtime logs (stdout and stderr of every replica): the "
                      "last `tail` lines per replica (default 100). Set follow=true over REST to "
                      "stream new lines as they come.",
       .input_schema = ObjectSchema(
           {{"project", NameField("project name")},
            {"service", NameField("service name")},
            {"tail",
             {{"type", "integer"},
              {"minimum", 1},
              {"maximum", 10000},
              {"description", "lines per replica (default 100)"}}},
            {"follow",
             {{"type", "boolean"}, {"description", "stream new lines (REST text/plain stream)"}}}},
           {"project", "service"}),
       .output_schema = ObjectSchema({{"lines", {{"type", "array"}}}}),
       .read_only = true,
       .idempotent = true,
       .handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
         auto sources = Sources(deps, c, in);
         if (!sources.ok()) return sources.error();
         int tail = in.value("tail", 100);
         Json lines = Json::array();
         size_t bytes = 0;
         bool truncated = false;
         for (const auto& s : *sources) {
           auto status = deps.runtime.StreamLogs(
               s.container_id, {.tail = tail}, [&](std::string_view stream, std::string_view text) {
                 bytes += text.size() + 32;
                 if (bytes > kMaxOutputBytes) {
                   truncated = true;
                   return false;
                 }
                 lines.push_back({{"replica", s.replica},
                                  {"stream", std::string(stream)},
                                  {"text", std::string(text)}});
                 return true;
               });
           if (!status.ok() && status.error().code != ErrorCode::kNotFound) return status.error();
         }
         return Json{{"lines", lines}, {"truncated", truncated}};
       },
       .stream = [&deps](const Caller& c, const Json& in, const StreamSink& sink) -> Status {
         auto sources = Sources(deps, c, in);
         if (!sources.ok()) return sources.error();
         if (!sink("")) return {};
         int tail = in.value("tail", 100);
         auto state = std::make_shared<FollowState>();
         state->running = static_cast<int>(sources->size());
         for (const auto& s : *sources) {
           std::thread([&deps, state, s, tail] {
             (void)deps.runtime.StreamLogs(
                 s.container_id, {.tail = tail, .follow = true},
                 [&](std::string_view, std::string_view text) {
                   std::lock_guard lock(state->mu);
                   if (state->closed) return false;
                   if (state->lines.size() < 10000) {
                     state->lines.push_back("[" + s.replica + "] " + std::string(text) + "\n");
                   }
                   state->cv.notify_all();
                   return true;
                 });
             std::lock_guard lock(state->mu);
             --state->running;
             state->cv.notify_all();
           }).detach();
         }
         std::unique_lock lock(state->mu);
         while (true) {
           state->cv.wait_for(lock, std::chrono::seconds(15),
                              [&] { return !state->lines.empty() || state->running == 0; });
           if (state->lines.empty() && state->running == 0) break;
           std::string batch;
           while (!state->lines.empty()) {
             batch += state->lines.front();
             state->lines.pop_front();
           }
           lock.unlock();
           bool alive = batch.empty() ? sink("") : sink(batch);
           lock.lock();
           if (!alive) break;
         }
         state->closed = true;
         return {};
       }});
}

}  // namespace ink::api_internal
