// get_logs: a service's runtime logs (every replica, merged by time) or a deployment's build
// log, as a bounded, filterable, pageable list or a followed stream.
#include <re2/re2.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>

#include "ink/build/pipeline.h"
#include "ink/logs/log_store.h"
#include "src/api/log_query.h"
#include "src/api/operations_internal.h"

namespace ink::api_internal {
namespace {

// Now on the injected clock, in the nanoseconds log lines are stamped with.
int64_t UnixNanos(const OperationDeps& deps) { return deps.clock.NowMillis() * 1'000'000; }

// The newest lines kept per replica while reading (a filter searches this far back).
constexpr int kScanLines = 20000;
constexpr int kDefaultTail = 100;

struct Source {
  std::string container_id;
  std::string replica;  // "0", "1", ... (plus the deployment when not the active one)
};

// The caller's containers that carry `label`; replicas of deployments other than `active` are
// named "<n>@<deployment>".
Result<std::vector<Source>> ContainerSources(OperationDeps& deps, const Caller& caller,
                                             const std::pair<std::string, std::string>& label,
                                             const std::string& active) {
  auto containers = deps.runtime.ListContainers({label});
  if (!containers.ok()) return containers.error();
  std::vector<Source> out;
  for (const auto& c : *containers) {
    auto ws = c.labels.find(kLabelWorkspace);
    if (ws == c.labels.end() || ws->second != caller.workspace_id) continue;
    std::string replica = c.labels.count(kLabelReplica) ? c.labels.at(kLabelReplica) : "?";
    std::string dep = c.labels.count(kLabelDeployment) ? c.labels.at(kLabelDeployment) : "";
    if (dep != active) replica += "@" + dep;
    out.push_back({c.id, replica});
  }
  std::sort(out.begin(), out.end(),
            [](const Source& a, const Source& b) { return a.replica < b.replica; });
  return out;
}

// Every container of the service named by input.project and input.service.
Result<std::vector<Source>> Sources(OperationDeps& deps, const Caller& caller, const Json& in) {
  auto project = FindProject(deps, caller, in);
  if (!project.ok()) return project.error();
  auto service = FindService(deps, caller, *project, in);
  if (!service.ok()) return service.error();
  return ContainerSources(deps, caller, {kLabelService, service->id},
                          service->active_deployment_id);
}

// project and service are required unless deployment names what to read.
Status NeedServiceFields(const Json& in) {
  for (const char* field : {"project", "service"}) {
    if (!in.contains(field)) {
      return InvalidArgument(std::string("missing required field '") + field +
                             "': give project and service for a service's logs, or deployment "
                             "(dep_...) alone for one deployment's build log and replicas' output");
    }
  }
  return {};
}

// The build log get_logs {build: true} reads: input.deployment, else the service's newest
// deployment built from source.
Result<Deployment> BuildLogDeployment(OperationDeps& deps, const Caller& caller, const Json& in) {
  if (deps.builds == nullptr) {
    return FailedPrecondition("this inkd has no build pipeline, so there are no build logs");
  }
  if (in.contains("deployment") && !in.contains("project") && !in.contains("service")) {
    auto d = FindDeployment(deps, caller, in);
    if (!d.ok()) return d.error();
    INK_RETURN_IF_ERROR(CheckHasBuildLog(deps, *d));
    return d;
  }
  INK_RETURN_IF_ERROR(NeedServiceFields(in));
  auto project = FindProject(deps, caller, in);
  if (!project.ok()) return project.error();
  auto service = FindService(deps, caller, *project, in);
  if (!service.ok()) return service.error();
  Result<Deployment> d = NotFound("");
  if (in.contains("deployment")) {
    d = FindDeployment(deps, caller, in);
    if (d.ok() && d->service_id != service->id) {
      return NotFound("deployment " + d->id +
                      " belongs to another service; list this "
                      "service's with list_deployments");
    }
  } else {
    auto all = deps.store.ListDeployments(caller.workspace_id, service->id);
    if (!all.ok()) return all.error();
    for (const auto& candidate : *all) {  // newest first
      if (!candidate.spec.source.empty()) {
        d = candidate;
        break;
      }
    }
    if (!d.ok()) {
      return NotFound("service '" + service->name +
                      "' has no deployment built from source (it was deployed from an image), "
                      "so it has no build log; read its runtime logs without build");
    }
  }
  if (!d.ok()) return d.error();
  INK_RETURN_IF_ERROR(CheckHasBuildLog(deps, *d));
  return d;
}

// The complete lines of a build log from byte `from` on; nanos = the offset after each line.
std::vector<LogLine> ReadBuildLines(const std::string& path, int64_t from) {
  std::ifstream in(path, std::ios::binary);
  std::vector<LogLine> out;
  if (!in) return out;
  in.seekg(0, std::ios::end);
  int64_t size = static_cast<int64_t>(in.tellg());
  if (from > size) return out;
  in.seekg(from);
  int64_t offset = from;
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a partial last line: read once complete
    offset += static_cast<int64_t>(line.size()) + 1;
    out.push_back({.nanos = offset, .text = std::move(line)});
  }
  return out;
}

// The build log of `d` (which has one): the newest `tail` lines, or those after `cursor`.
Result<Json> BuildLogOf(OperationDeps& deps, const Caller& c, const Deployment& d, const Json& in) {
  LogCursor after;
  if (in.contains("cursor")) {
    auto decoded = DecodeCursor(in["cursor"].get<std::string>(), 'b');
    if (!decoded.ok()) return decoded.error();
    after = *decoded;
  }
  std::string path = deps.builds->LogPath(d.id);
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && after.at > static_cast<int64_t>(size)) after.at = 0;  // rewritten: a retried build
  auto picked = SelectLogLines(ReadBuildLines(path, std::max<int64_t>(after.at, 0)),
                               in.value("filter", ""), in.value("tail", kDefaultTail), after);
  Json lines = Json::array();
  for (auto& line : picked.lines) lines.push_back(std::move(line.text));
  return Json{{"deployment", d.id},
              {"status", Name(d.status)},
              {"building", StillBuilding(deps, c, d.id)},
              {"lines", lines},
              {"truncated", picked.truncated},
              {"next_cursor", EncodeCursor('b', picked.next)}};
}

Result<Json> BuildLogs(OperationDeps& deps, const Caller& c, const Json& in) {
  if (in.contains("since")) {
    return InvalidArgument(
        "since applies to runtime logs; a build log belongs to one deployment: page it with "
        "cursor or read its last lines with tail");
  }
  auto d = BuildLogDeployment(deps, c, in);
  if (!d.ok()) return d.error();
  return BuildLogOf(deps, c, *d, in);
}

// The output of the containers in `sources`, merged by time (see get_logs).
Result<Json> RuntimeLogsOf(OperationDeps& deps, const std::vector<Source>& sources,
                           const Json& in) {
  int64_t now = UnixNanos(deps);
  int64_t since = 0;
  if (in.contains("since")) {
    auto parsed = ParseSince(in["since"].get<std::string>(), now);
    if (!parsed.ok()) return parsed.error();
    since = *parsed;
  }
  LogCursor after;
  if (in.contains("cursor")) {
    auto decoded = DecodeCursor(in["cursor"].get<std::string>(), 'r');
    if (!decoded.ok()) return decoded.error();
    after = *decoded;
  }
  std::string filter = in.value("filter", "");
  int tail = in.value("tail", kDefaultTail);
  int64_t from = std::max(since, after.at);  // <= 0: from the start
  bool paging = after.at >= 0;
  int64_t cut_at = INT64_MAX;  // paging: a replica had more lines after this time than read
  std::vector<LogLine> all;
  for (const auto& s : sources) {
    // Read forward, never with podman's `tail`: podman 4.3 drops the pieces of lines that
    // were written in several records (partial "P" records, common under gVisor) from a
    // tailed read, so `print("listening")` would come back empty.
    LogOptions options{.timestamps = true};
    if (from > 0) options.since_unix = from / kNanosPerSecond;  // podman's times: whole seconds
    std::deque<LogLine> kept;  // the newest (paging: the oldest) kScanLines of this replica
    auto status = deps.runtime.StreamLogs(
        s.container_id, options, [&](std::string_view stream, std::string_view text) {
          int64_t nanos = 0;
          std::string_view rest = text;
          if (!SplitTimestamp(text, nanos, rest)) nanos = 0;
          if (nanos < from) return true;
          if (!rest.empty() && rest.back() == '\n') rest.remove_suffix(1);
          if (paging && kept.size() >= static_cast<size_t>(kScanLines)) {
            cut_at = std::min(cut_at, kept.back().nanos);
            return false;
          }
          kept.push_back({.nanos = nanos,
                          .replica = s.replica,
                          .stream = std::string(stream),
                          .text = std::string(rest.substr(0, kLogLineBytes + 1))});
          if (kept.size() > static_cast<size_t>(kScanLines)) kept.pop_front();
          return true;
        });
    if (!status.ok() && status.error().code != ErrorCode::kNotFound) return status.error();
    std::move(kept.begin(), kept.end(), std::back_inserter(all));
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const LogLine& a, const LogLine& b) { return a.nanos < b.nanos; });
  bool cut = false;
  if (cut_at != INT64_MAX) {  // keep only what every replica was read up to
    auto first_later = std::upper_bound(all.begin(), all.end(), cut_at,
                                        [](int64_t t, const LogLine& l) { return t < l.nanos; });
    cut = first_later != all.end();
    all.erase(first_later, all.end());
  }
  auto picked = SelectLogLines(std::move(all), filter, tail, after);
  Json lines = Json::array();
  for (auto& line : picked.lines) {
    lines.push_back(
        {{"replica", line.replica}, {"stream", line.stream}, {"text", std::move(line.text)}});
  }
  // With nothing logged yet, the next call should see everything logged from now on: the
  // second before now (podman's times are whole seconds), when no line had been logged.
  LogCursor next = picked.next;
  if (next.at < 0) next = LogCursor{.at = (now / kNanosPerSecond - 1) * kNanosPerSecond};
  return Json{{"lines", lines},
              {"truncated", picked.truncated || cut},
              {"next_cursor", EncodeCursor('r', next)}};
}

// The store's answer to get_logs' runtime fields: since, until, tail, filter, regex, cursor.
struct StoreRequest {
  logs::LogQuery query;
  std::unique_ptr<re2::RE2> regex;
};

Result<StoreRequest> StoreQuery(const Json& in, int64_t now) {
  StoreRequest out;
  logs::LogQuery& q = out.query;
  q.tail = in.value("tail", kDefaultTail);
  if (in.contains("since")) {
    auto since = ParseSince(in["since"].get<std::string>(), now);
    if (!since.ok()) return since.error();
    q.since_nanos = *since;
  }
  if (in.contains("until")) {
    auto until = ParseSince(in["until"].get<std::string>(), now);
    if (!until.ok()) {
      return InvalidArgument("until: " + until.error().message);
    }
    q.until_nanos = *until;
  }
  if (in.contains("cursor")) {
    auto cursor = DecodeCursor(in["cursor"].get<std::string>(), 's');
    if (!cursor.ok()) return cursor.error();
    q.has_cursor = true;
    q.after_seq = static_cast<uint64_t>(cursor->at);
  }
  std::string filter = in.value("filter", "");
  if (in.contains("regex")) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(8 << 20);
    out.regex = std::make_unique<re2::RE2>(in["regex"].get<std::string>(), options);
    if (!out.regex->ok()) {
      return InvalidArgument("regex '" + in["regex"].get<std::string>() +
                             "' is not a valid RE2 expression: " + out.regex->error() +
                             " (e.g. \"error|timeout\", \"^GET .* 5[0-9]{2}\")");
    }
  }
  const re2::RE2* regex = out.regex.get();
  if (!filter.empty() || regex != nullptr) {
    q.match = [filter, regex](std::string_view text) {
      if (!filter.empty() && text.find(filter) == std::string_view::npos) return false;
      return regex == nullptr || re2::RE2::PartialMatch(text, *regex);
    };
  }
  return out;
}

std::string Replica(const logs::LogRecord& r, const std::string& active) {
  return r.deployment == active ? r.replica : r.replica + "@" + r.deployment;
}

std::string DropNote(const logs::LogRecord& r) {
  return "[ink] " + r.text +
         " lines dropped: this replica logged faster than its rate limit (inkd --log-rate)";
}

// get_logs from the log store: the service's lines (of `deployment` only when given).
Result<Json> StoreLogsOf(OperationDeps& deps, const Service& service, const std::string& deployment,
                         const Json& in) {
  auto request = StoreQuery(in, UnixNanos(deps));
  if (!request.ok()) return request.error();
  request->query.deployment = deployment;
  auto log = deps.logs->Service(service.id);
  if (!log.ok()) return log.error();
  logs::LogPage page = (*log)->Query(request->query);
  Json lines = Json::array();
  for (const auto& r : page.lines) {
    bool note = r.stream == logs::LogStream::kDropped;
    lines.push_back({{"replica", Replica(r, service.active_deployment_id)},
                     {"stream", note                                   ? "ink"
                                : r.stream == logs::LogStream::kStderr ? "stderr"
                                                                       : "stdout"},
                     {"text", note ? DropNote(r) : r.text}});
  }
  Json out = {
      {"lines", lines},
      {"truncated", page.truncated},
      {"dropped", page.dropped},
      {"dropped_total", (*log)->Stats().dropped},
      {"next_cursor", EncodeCursor('s', LogCursor{.at = static_cast<int64_t>(page.next_seq)})}};
  if (page.lost) {
    out["note"] =
        "lines after the cursor were dropped by the log bound (inkd --log-max-bytes, "
        "--log-max-age-hours); these are the oldest kept";
  }
  return out;
}

Result<Json> RuntimeLogs(OperationDeps& deps, const Caller& c, const Json& in) {
  if (deps.logs != nullptr) {
    if (auto s = NeedServiceFields(in); !s.ok()) return s.error();
    auto project = FindProject(deps, c, in);
    if (!project.ok()) return project.error();
    auto service = FindService(deps, c, *project, in);
    if (!service.ok()) return service.error();
    return StoreLogsOf(deps, *service, "", in);
  }
  auto sources = Sources(deps, c, in);
  if (!sources.ok()) return sources.error();
  return RuntimeLogsOf(deps, *sources, in);
}

// Why a deployment has no containers to read, from its status.
std::string NoReplicasNote(const Deployment& d) {
  if (d.status == DeploymentStatus::kPending || d.status == DeploymentStatus::kBuilding) {
    return "no replicas yet: the deployment is " + std::string(Name(d.status));
  }
  if (d.status == DeploymentStatus::kSuperseded) {
    return "its replicas were removed when a newer deployment replaced it";
  }
  if (d.status == DeploymentStatus::kFailed) {
    return "it has no replicas left (it failed: see message and the build log)";
  }
  return "no replica containers of this deployment exist right now";
}

// get_logs {deployment} (no build flag): one deployment's logs, each part labelled: its build
// log (if it was built from source) and its replicas' output. Project and service are
// optional; when given they must be the deployment's.
Result<Json> DeploymentLogs(OperationDeps& deps, const Caller& c, const Json& in) {
  if (in.contains("cursor")) {
    return InvalidArgument(
        "cursor pages one log: with deployment, add build=true to page its build log, or leave "
        "deployment out to page the service's runtime logs");
  }
  auto d = FindDeployment(deps, c, in);
  if (!d.ok()) return d.error();
  auto service = deps.store.GetServiceById(d->service_id);
  if (!service.ok()) return service.error();
  auto project = deps.store.GetProject(c.workspace_id, service->project_id);
  if (!project.ok()) return project.error();
  if ((in.contains("project") && in["project"] != project->name && in["project"] != project->id) ||
      (in.contains("service") && in["service"] != service->name && in["service"] != service->id)) {
    return NotFound("deployment " + d->id + " belongs to service '" + service->name +
                    "' of project '" + project->name +
                    "'; give just the deployment, or that project and service");
  }
  Json build = {{"lines", Json::array()}};
  if (d->spec.source.empty()) {
    build["note"] = "deployed from the image " + d->spec.image + ": there is no build log";
  } else if (deps.builds == nullptr) {
    build["note"] = "this inkd has no build pipeline, so there is no build log";
  } else if (auto has = CheckHasBuildLog(deps, *d); !has.ok()) {
    build["note"] = has.error().message;
  } else {
    Json options = in;
    options.erase("since");  // applies to the replicas' output
    auto log = BuildLogOf(deps, c, *d, options);
    if (!log.ok()) return log.error();
    build = {{"lines", (*log)["lines"]},
             {"truncated", (*log)["truncated"]},
             {"building", (*log)["building"]}};
  }
  Json runtime;
  if (deps.logs != nullptr) {
    Json options = in;
    options.erase("cursor");
    auto output = StoreLogsOf(deps, *service, d->id, options);
    if (!output.ok()) return output.error();
    runtime = {{"lines", (*output)["lines"]},
               {"truncated", (*output)["truncated"]},
               {"dropped", (*output)["dropped"]}};
    if (runtime["lines"].empty()) runtime["note"] = NoReplicasNote(*d);
  } else {
    auto sources = ContainerSources(deps, c, {kLabelDeployment, d->id}, d->id);
    if (!sources.ok()) return sources.error();
    auto output = RuntimeLogsOf(deps, *sources, in);
    if (!output.ok()) return output.error();
    runtime = {{"lines", (*output)["lines"]}, {"truncated", (*output)["truncated"]}};
    if (sources->empty()) runtime["note"] = NoReplicasNote(*d);
  }
  return Json{{"deployment", d->id},
              {"project", project->name},
              {"service", service->name},
              {"status", Name(d->status)},
              {"message", d->message},
              {"build_log", build},
              {"runtime_log", runtime},
              {"truncated", build.value("truncated", false) || runtime["truncated"].get<bool>()}};
}

// State shared between the follow threads and the request thread; outlives either side.
struct FollowState {
  std::mutex mu;  // guards everything below
  std::condition_variable cv;
  std::deque<std::string> lines;
  bool closed = false;  // the client went away
  int running = 0;      // streams still open
};

// Follows a service's stored log: the backlog, then every new batch, woken by the collector's
// RuntimeLogKey notification (no polling); every 2 s without a line the client is checked.
Status FollowStore(OperationDeps& deps, const Caller& c, const Json& in, const StreamSink& sink) {
  auto project = FindProject(deps, c, in);
  if (!project.ok()) return project.error();
  auto service = FindService(deps, c, *project, in);
  if (!service.ok()) return service.error();
  auto changes = deps.store.changes().Subscribe({RuntimeLogKey(service->id)});
  Json options = in;
  options.erase("follow");
  while (true) {
    auto page = StoreLogsOf(deps, *service, "", options);
    if (!page.ok()) return page.error();
    std::string text;
    for (const auto& line : (*page)["lines"]) {
      text +=
          "[" + line["replica"].get<std::string>() + "] " + line["text"].get<std::string>() + "\n";
    }
    bool more = (*page)["truncated"].get<bool>();
    options["cursor"] = (*page)["next_cursor"];
    options["tail"] = 10000;
    options.erase("since");
    if (!text.empty() && !sink(text)) return {};
    if (more) continue;
    if (!changes->Wait(deps.store.changes().clock().Steady() + std::chrono::seconds(2)) &&
        !sink("")) {
      return {};
    }
  }
}

}  // namespace

void RegisterLogOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(Implement(
      "get_logs",
      {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
         if (in.value("follow", false)) {
           return InvalidArgument(
               "follow streams over REST (GET .../logs?follow=true) or `ink logs -f`; here, "
               "call again with cursor set to next_cursor to get new lines");
         }
         if (in.value("build", false)) return BuildLogs(deps, c, in);
         if (in.contains("deployment")) return DeploymentLogs(deps, c, in);
         INK_RETURN_IF_ERROR(NeedServiceFields(in));
         return RuntimeLogs(deps, c, in);
       },
       .stream = [&deps](const Caller& c, const Json& in, const StreamSink& sink) -> Status {
         if (in.value("build", false)) {
           if (in.contains("filter") || in.contains("since") || in.contains("cursor")) {
             return InvalidArgument("a followed build log takes only tail and deployment");
           }
           auto d = BuildLogDeployment(deps, c, in);
           if (!d.ok()) return d.error();
           return StreamBuildLog(deps, c, *d, in.value("tail", kDefaultTail), sink);
         }
         if (in.contains("deployment")) {
           return InvalidArgument(
               "follow a deployment's build log with build=true, or a service's runtime logs "
               "without deployment");
         }
         if (in.contains("cursor")) {
           return InvalidArgument("a followed runtime log takes tail, since and filter");
         }
         INK_RETURN_IF_ERROR(NeedServiceFields(in));
         if (deps.logs != nullptr) return FollowStore(deps, c, in, sink);
         // The backlog as get_logs reads it (forward, whole lines), then each replica followed
         // from the backlog's cursor: lines before it, and those at its second already sent,
         // are skipped, so nothing is lost or repeated between the two.
         Json first = in;
         first.erase("follow");
         auto backlog = RuntimeLogs(deps, c, first);
         if (!backlog.ok()) return backlog.error();
         auto cursor = DecodeCursor((*backlog)["next_cursor"].get<std::string>(), 'r');
         if (!cursor.ok()) return cursor.error();
         std::string text;
         for (const auto& line : (*backlog)["lines"]) {
           text += "[" + line["replica"].get<std::string>() + "] " +
                   line["text"].get<std::string>() + "\n";
         }
         if (!sink(text)) return {};
         auto sources = Sources(deps, c, in);
         if (!sources.ok()) return sources.error();
         std::string filter = in.value("filter", "");
         LogOptions options{
             .follow = true, .since_unix = cursor->at / kNanosPerSecond, .timestamps = true};
         auto state = std::make_shared<FollowState>();
         state->running = static_cast<int>(sources->size());
         for (const auto& s : *sources) {
           auto seen = cursor->seen.find(s.replica);
           int skip_at_cursor = seen == cursor->seen.end() ? 0 : seen->second;
           std::thread([&deps, state, s, options, filter, at = cursor->at, skip_at_cursor] {
             int skip = skip_at_cursor;
             (void)deps.runtime.StreamLogs(
                 s.container_id, options, [&](std::string_view, std::string_view line) {
                   int64_t nanos = 0;
                   std::string_view rest = line;
                   if (SplitTimestamp(line, nanos, rest)) {
                     if (nanos < at) return true;
                     if (nanos == at && skip > 0) {
                       --skip;
                       return true;
                     }
                   }
                   if (!filter.empty() && rest.find(filter) == std::string_view::npos) {
                     return true;
                   }
                   std::lock_guard lock(state->mu);
                   if (state->closed) return false;
                   if (state->lines.size() < 10000) {
                     state->lines.push_back("[" + s.replica + "] " + std::string(rest) + "\n");
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
           // Every 2 s without a line, sink("") checks that the client is still there, so an
           // abandoned follow ends soon (and frees its place among inkd's long requests).
           state->cv.wait_for(lock, std::chrono::seconds(2),
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
       }}));
}

}  // namespace ink::api_internal
