// Build operations: deploy's source fields, plan, get_build_logs, and the archive upload
// (POST /v1/archives, a raw body the build pipeline streams to disk).
#include <chrono>
#include <deque>
#include <fstream>

#include "ink/api/rest.h"
#include "ink/build/pipeline.h"
#include "src/api/operations_internal.h"

namespace ink::api_internal {
namespace {

constexpr int kDefaultLogTail = 200;

Status NeedsBuilds(const OperationDeps& deps) {
  if (deps.builds != nullptr) return {};
  return FailedPrecondition("this inkd has no build pipeline: deploy an image instead");
}

// The source named by git/ref/path/archive_id in `input`, or nullopt when none is given.
Result<std::optional<BuildSource>> SourceFromInput(const Json& input) {
  bool git = input.contains("git");
  bool archive = input.contains("archive_id");
  if (!git && !archive) {
    for (const char* key : {"ref", "path"}) {
      if (input.contains(key)) {
        return InvalidArgument(std::string(key) +
                               " needs a source: give git (a repository URL) "
                               "or archive_id with it");
      }
    }
    return std::optional<BuildSource>();
  }
  BuildSource source;
  source.kind = git ? "git" : "archive";
  source.url = input.value("git", "");
  source.ref = input.value("ref", "");
  source.archive_id = input.value("archive_id", "");
  source.path = input.value("path", "");
  if (archive && input.contains("ref")) {
    return InvalidArgument("ref applies to git sources only; an archive has no branches");
  }
  INK_RETURN_IF_ERROR(source.Validate());
  return std::optional<BuildSource>(source);
}

}  // namespace

// Reads the last `tail` lines of a file (the whole file is bounded by the log limit).
std::vector<std::string> LastLines(const std::string& path, int tail, std::streamoff& end) {
  std::ifstream in(path, std::ios::binary);
  std::deque<std::string> lines;
  std::string line;
  end = 0;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a partial last line: a follower reads it once complete
    end += static_cast<std::streamoff>(line.size()) + 1;
    lines.push_back(std::move(line));
    if (static_cast<int>(lines.size()) > tail) lines.pop_front();
  }
  return {lines.begin(), lines.end()};
}

Result<Deployment> FindDeployment(OperationDeps& deps, const Caller& caller, const Json& in) {
  std::string id = in.value("deployment", "");
  auto d = deps.store.GetDeployment(caller.workspace_id, id);
  if (!d.ok() && d.error().code == ErrorCode::kNotFound) {
    return NotFound("deployment '" + id.substr(0, 64) +
                    "' does not exist; list them with `ink deployments list`");
  }
  return d;
}

Status CheckHasBuildLog(OperationDeps& deps, const Deployment& d) {
  if (d.spec.source.empty()) {
    return NotFound("deployment " + d.id + " was deployed from an image; it has no build log");
  }
  std::ifstream in(deps.builds->LogPath(d.id));
  if (!in && d.status != DeploymentStatus::kPending) {
    return NotFound("the build log of deployment " + d.id +
                    " is gone (logs are kept for the newest 20 deployments of a service)");
  }
  return {};
}

bool StillBuilding(OperationDeps& deps, const Caller& caller, const std::string& id) {
  if (deps.builds->Building(id)) return true;
  auto d = deps.store.GetDeployment(caller.workspace_id, id);
  return d.ok() &&
         (d->status == DeploymentStatus::kPending || d->status == DeploymentStatus::kBuilding);
}

// Follows a build log: what the file holds, then each line as the pipeline writes it. Waits on
// the store's watch (the pipeline notifies BuildLogKey per line, the store the deployment's
// status), so a quiet build costs nothing but an empty chunk every 2 s that tells whether the
// client is still there.
Status StreamBuildLog(OperationDeps& deps, const Caller& c, const Deployment& d, int tail,
                      const StreamSink& sink) {
  Clock& clock = deps.store.changes().clock();
  auto changes = deps.store.changes().Subscribe({BuildLogKey(d.id), DeploymentKey(d.id)});
  std::string path = deps.builds->LogPath(d.id);
  std::streamoff offset = 0;
  std::string first;
  for (const auto& line : LastLines(path, tail, offset)) {
    first += line + "\n";
  }
  if (!sink(first)) return {};
  std::string partial;
  while (true) {
    bool building = StillBuilding(deps, c, d.id);
    std::ifstream in_file(path, std::ios::binary);
    std::string chunk;
    if (in_file) {
      in_file.seekg(0, std::ios::end);
      std::streamoff size = in_file.tellg();
      if (size < offset) offset = 0;  // rewritten (a retried build)
      if (size > offset) {
        in_file.seekg(offset);
        chunk.resize(static_cast<size_t>(std::min<std::streamoff>(size - offset, 1 << 20)));
        in_file.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        chunk.resize(static_cast<size_t>(in_file.gcount()));
        offset += static_cast<std::streamoff>(chunk.size());
      }
    }
    partial += chunk;
    size_t cut = partial.rfind('\n');
    if (cut != std::string::npos) {
      if (!sink(partial.substr(0, cut + 1))) return {};
      partial.erase(0, cut + 1);
    }
    if (!building && chunk.empty()) break;
    if (chunk.size() >= (1u << 20)) continue;  // more is there already
    if (!changes->Wait(clock.Steady() + std::chrono::seconds(2)) && !sink("")) return {};
  }
  if (!partial.empty()) sink(partial + "\n");
  return {};
}

Status DeploySource(OperationDeps& deps, const Caller& caller, const Json& input,
                    ServiceSpec& spec) {
  auto source = SourceFromInput(input);
  if (!source.ok()) return source.error();
  bool image = input.contains("image");
  if (image == source->has_value()) {
    return InvalidArgument(
        "give exactly one source: image (a registry reference), git (a repository URL, with "
        "optional ref and path) or archive_id (an uploaded directory: `ink deploy DIR`)");
  }
  auto settings = BuildSettingsFromInput(input);
  if (!settings.ok()) return settings.error();
  if (image) {
    for (const char* key : {"start_command", "build_command", "root_directory"}) {
      if (input.contains(key)) {
        return InvalidArgument(std::string(key) +
                               " applies to builds from source (git or "
                               "archive_id), not to an image");
      }
    }
    spec.image = input["image"];
    return ValidateImageReference(spec.image);
  }
  INK_RETURN_IF_ERROR(NeedsBuilds(deps));
  INK_RETURN_IF_ERROR(deps.builds->CheckSource(caller.workspace_id, **source));
  spec.image.clear();
  spec.source = (*source)->ToJson().dump();
  spec.build_settings = *settings;
  return {};
}

void RegisterBuildOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(Implement("plan", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
                        INK_RETURN_IF_ERROR(NeedsBuilds(deps));
                        auto project = FindProject(deps, c, in);
                        if (!project.ok()) return project.error();
                        auto source = SourceFromInput(in);
                        if (!source.ok()) return source.error();
                        auto settings = BuildSettingsFromInput(in);
                        if (!settings.ok()) return settings.error();
                        BuildSource chosen;
                        std::string build_settings = *settings;
                        if (source->has_value()) {
                          chosen = **source;
                          INK_RETURN_IF_ERROR(deps.builds->CheckSource(c.workspace_id, chosen));
                        } else {
                          if (!in.contains("service")) {
                            return InvalidArgument(
                                "give git (a repository URL), archive_id, or service (to "
                                "plan the service's last source)");
                          }
                          auto service = FindService(deps, c, *project, in);
                          if (!service.ok()) return service.error();
                          if (service->spec.source.empty()) {
                            return FailedPrecondition(
                                "service '" + service->name +
                                "' was deployed from an image; there is no source to plan");
                          }
                          auto parsed = BuildSource::Parse(service->spec.source);
                          if (!parsed.ok()) return parsed.error();
                          chosen = *parsed;
                          if (build_settings.empty()) build_settings = service->spec.build_settings;
                        }
                        return deps.builds->Plan(c.workspace_id, chosen, build_settings);
                      }}));

  table.Add(Implement(
      "get_build_logs",
      {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
         INK_RETURN_IF_ERROR(NeedsBuilds(deps));
         auto d = FindDeployment(deps, c, in);
         if (!d.ok()) return d.error();
         INK_RETURN_IF_ERROR(CheckHasBuildLog(deps, *d));
         std::streamoff end = 0;
         auto lines =
             LastLines(deps.builds->LogPath(d->id), in.value("tail", kDefaultLogTail), end);
         return Json{{"deployment", d->id},
                     {"status", Name(d->status)},
                     {"building", StillBuilding(deps, c, d->id)},
                     {"lines", lines}};
       },
       .stream = [&deps](const Caller& c, const Json& in, const StreamSink& sink) -> Status {
         INK_RETURN_IF_ERROR(NeedsBuilds(deps));
         auto d = FindDeployment(deps, c, in);
         if (!d.ok()) return d.error();
         INK_RETURN_IF_ERROR(CheckHasBuildLog(deps, *d));
         return StreamBuildLog(deps, c, *d, in.value("tail", kDefaultLogTail), sink);
       }}));

  table.Add(Implement("upload_archive", {.handler = [](const Caller&, const Json&) -> Result<Json> {
                        return InvalidArgument(
                            "send the archive as the raw body of POST /v1/archives (Content-Type "
                            "application/gzip or application/x-tar), not as JSON");
                      }}));
}

}  // namespace ink::api_internal

namespace ink {

UploadHandler MakeArchiveUploadHandler(OperationDeps& deps) {
  return [&deps](const Caller& caller, const http::ServerRequest& req) -> Result<Json> {
    if (deps.builds == nullptr) {
      return FailedPrecondition("this inkd has no build pipeline: deploy an image instead");
    }
    std::string type = req.header("content-type");
    if (type.rfind("application/json", 0) == 0) {
      return InvalidArgument("send the archive itself as the body (tar or tar.gz), not JSON");
    }
    const int64_t limit = deps.builds->options().max_upload_bytes;
    std::string length = req.header("content-length");
    if (!length.empty() && length.size() < 19 && std::stoll("0" + length) > limit) {
      return Error{ErrorCode::kPayloadTooLarge,
                   "the archive (" + length + " bytes) is larger than the upload limit of " +
                       std::to_string(limit) +
                       " bytes of this Ink (inkd --max-upload-bytes); leave build outputs and "
                       "dependencies out (.inkignore / .gitignore)"};
    }
    size_t consumed = 0;
    BodyReader reader = [&](char* buffer, size_t size) -> Result<size_t> {
      if (req.read_body) return req.read_body(buffer, size);
      size_t n = std::min(size, req.body.size() - consumed);  // a body the server read whole
      std::copy_n(req.body.data() + consumed, n, buffer);
      consumed += n;
      return n;
    };
    auto info = deps.builds->ReceiveArchive(caller.workspace_id, reader);
    if (!info.ok()) return info.error();
    return Json{{"archive", info->ToJson()}};
  };
}

bool RestStreamsBody(const http::ServerRequest& head) {
  return head.method == "POST" && (head.path == "/v1/archives" || head.path == "/v1/archives/");
}

}  // namespace ink
