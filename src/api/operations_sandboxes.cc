// Sandbox operations: create_sandbox, list_sandboxes, delete_sandbox, set_sandbox_timeout,
// sandbox_exec (the exec core of operations_exec.cc) and the file operations
// (sandbox_files.h), scoped to the caller's workspace.
#include "ink/common/encoding.h"
#include "ink/common/names.h"
#include "ink/common/sandbox_file_limits.h"
#include "ink/controller/runtime_policy.h"
#include "ink/sandbox/sandbox_files.h"
#include "ink/sandbox/sandboxes.h"
#include "src/api/operations_internal.h"

namespace ink::api_internal {
namespace {

Json SandboxJson(const Sandbox& s) {
  Json out = {{"id", s.id},
              {"image", s.image},
              {"cpu", s.cpu},
              {"memory_bytes", s.memory_bytes},
              {"network", s.network},
              {"status", s.status},
              {"created_at", s.created_at},
              {"expires_at", s.expires_at}};
  if (s.ended_at != 0) {
    out["ended_at"] = s.ended_at;
    out["end_reason"] = s.end_reason;
  }
  return out;
}

// A live sandbox of the caller's, or an error saying why it is not (unknown, or ended and how).
Result<Sandbox> LiveSandbox(OperationDeps& deps, const Caller& caller, const Json& in) {
  auto s = deps.store.GetSandbox(caller.workspace_id, in.value("sandbox", ""));
  if (!s.ok()) return s.error();
  if (s->status != "starting" && s->status != "running") {
    return FailedPrecondition("sandbox '" + s->id + "' has ended (" + s->status + ": " +
                              s->end_reason +
                              "); create a new one with `ink sandbox create` (create_sandbox)");
  }
  return s;
}

// A live sandbox of the caller's whose container runs (what exec and the file operations need).
Result<Sandbox> RunningSandbox(OperationDeps& deps, const Caller& caller, const Json& in) {
  auto s = LiveSandbox(deps, caller, in);
  if (!s.ok()) return s.error();
  if (s->status != "running") {
    return FailedPrecondition("sandbox '" + s->id + "' is still starting; retry");
  }
  return s;
}

Result<int> TtlInput(const Json& in) {
  int ttl = in.value("ttl", kDefaultSandboxTtlSeconds);
  if (ttl < 1 || ttl > kMaxSandboxTtlSeconds) {
    return InvalidArgument("ttl " + std::to_string(ttl) + " is out of range 1-" +
                           std::to_string(kMaxSandboxTtlSeconds) + " seconds");
  }
  return ttl;
}

Result<Json> CreateSandbox(OperationDeps& deps, const Caller& c, const Json& in) {
  Sandbox request;
  request.workspace_id = c.workspace_id;
  request.image = in.value("image", deps.sandbox_image);
  INK_RETURN_IF_ERROR(ValidateImageReference(request.image));
  request.network = in.value("network", "none");
  if (request.network == "allowlist") {
    return InvalidArgument(
        "network 'allowlist' (egress to listed hosts only) is not built yet; use network 'on' "
        "(any outside destination, never Ink, the host, the metadata address or other "
        "sandboxes) or 'none'");
  }
  if (request.network != "none" && request.network != "on") {
    return InvalidArgument("network must be 'none' or 'on'");
  }
  ServiceSpec spec;  // the one rule services' limits follow (runtime_policy.h)
  spec.runtime_class = "gvisor";
  spec.cpu = in.value("cpu", 0.0);
  if (in.contains("memory")) {
    auto memory = MemoryInput(in["memory"]);
    if (!memory.ok()) return memory.error();
    spec.memory_bytes = *memory;
  }
  const RuntimePolicy& policy = deps.controller.policy();
  INK_RETURN_IF_ERROR(AdmitSpec(policy, spec));
  ContainerLimits limits = LimitsFor(policy, spec);
  request.cpu = limits.cpu;
  request.memory_bytes = limits.memory_bytes;
  auto ttl = TtlInput(in);
  if (!ttl.ok()) return ttl.error();
  request.expires_at = deps.clock.NowMillis() + int64_t{*ttl} * 1000;
  auto live = deps.store.ListSandboxes(c.workspace_id);
  if (!live.ok()) return live.error();
  if (live->size() >= static_cast<size_t>(kMaxSandboxesPerWorkspace)) {
    return FailedPrecondition("this workspace has " + std::to_string(live->size()) +
                              " live sandboxes, the most it may hold; delete some with `ink "
                              "sandbox rm ID` (see `ink sandbox ls`)");
  }
  auto admitted = AdmitSandbox(deps, c, request.cpu, request.memory_bytes);
  if (!admitted.ok()) return admitted.error();
  auto s = StartSandbox(deps.store, deps.runtime, policy, deps.instance, std::move(request),
                        [&admitted] { admitted->unlock(); });
  if (!s.ok()) return s.error();
  return Json{{"sandbox", SandboxJson(*s)}};
}

// sandbox_write_file's bytes: content_base64 or content (exactly one), at most the limit.
Result<std::string> WriteContentInput(const Json& in) {
  bool base64 = in.contains("content_base64"), text = in.contains("content");
  if (base64 == text) {
    return InvalidArgument(
        "give the file's bytes as content_base64 (any bytes) or content (UTF-8 text), not " +
        std::string(base64 ? "both" : "neither"));
  }
  std::string data;
  if (base64) {
    auto decoded = Base64Decode(in["content_base64"].get<std::string>(), "content_base64");
    if (!decoded.ok()) return decoded.error();
    data = std::move(*decoded);
  } else {
    data = in["content"].get<std::string>();
  }
  if (data.size() > kMaxSandboxFileBytes) {
    return Error{ErrorCode::kPayloadTooLarge,
                 "the file is " + std::to_string(data.size()) + " bytes; a write takes at most " +
                     std::to_string(kMaxSandboxFileBytes) +
                     " (10 MiB); nothing was written. Write larger files from inside the "
                     "sandbox (sandbox_exec), or in parts"};
  }
  return data;
}

Result<Json> WriteFile(OperationDeps& deps, const Caller& c, const Json& in) {
  auto path = NormalizeSandboxPath(in.value("path", ""));
  if (!path.ok()) return path.error();
  auto mode = ParseFileMode(in.value("mode", "0644"));
  if (!mode.ok()) return mode.error();
  auto data = WriteContentInput(in);
  if (!data.ok()) return data.error();
  auto s = RunningSandbox(deps, c, in);
  if (!s.ok()) return s.error();
  size_t size = data->size();
  INK_RETURN_IF_ERROR(WriteSandboxFile(deps.runtime, s->container_id,
                                       {.path = *path,
                                        .content = std::move(*data),
                                        .mode = *mode,
                                        .make_parents = in.value("make_parents", true)}));
  return Json{{"path", *path}, {"size", size}, {"mode", FormatFileMode(*mode)}};
}

Result<Json> ReadFile(OperationDeps& deps, const Caller& c, const Json& in) {
  auto path = NormalizeSandboxPath(in.value("path", ""));
  if (!path.ok()) return path.error();
  int64_t offset = in.value("offset", int64_t{0});
  int64_t length = in.value("length", int64_t{-1});
  if (offset < 0) return InvalidArgument("offset " + std::to_string(offset) + " is negative");
  std::string encoding = in.value("encoding", "base64");
  auto s = RunningSandbox(deps, c, in);
  if (!s.ok()) return s.error();
  auto read = ReadSandboxFile(deps.runtime, s->container_id,
                              {.path = *path, .offset = offset, .length = length});
  if (!read.ok()) return read.error();
  Json out = {
      {"path", *path},    {"size", read->size},          {"mode", FormatFileMode(read->mode)},
      {"offset", offset}, {"length", read->data.size()}, {"encoding", encoding}};
  if (encoding == "text") {
    size_t bad = FirstInvalidUtf8(read->data);
    if (bad != std::string::npos) {
      return FailedPrecondition(*path + " is not UTF-8 text (byte " + std::to_string(offset + bad) +
                                " is not); read it with encoding base64");
    }
    out["content"] = std::move(read->data);
  } else {
    out["content_base64"] = Base64Encode(read->data);
  }
  return out;
}

Result<Json> ListFiles(OperationDeps& deps, const Caller& c, const Json& in) {
  auto path = NormalizeSandboxPath(in.value("path", ""));
  if (!path.ok()) return path.error();
  int depth = in.value("depth", 1);
  if (depth < 1 || depth > kMaxSandboxListDepth) {
    return InvalidArgument("depth " + std::to_string(depth) + " is out of range 1-" +
                           std::to_string(kMaxSandboxListDepth));
  }
  auto s = RunningSandbox(deps, c, in);
  if (!s.ok()) return s.error();
  auto listing = ListSandboxFiles(deps.runtime, s->container_id, *path, depth);
  if (!listing.ok()) return listing.error();
  Json entries = Json::array();
  for (const auto& e : listing->entries) {
    entries.push_back({{"path", e.path},
                       {"type", e.type},
                       {"mode", FormatFileMode(e.mode)},
                       {"size", e.size},
                       {"modified_at", e.modified_at}});
  }
  return Json{{"path", *path}, {"entries", entries}, {"truncated", listing->truncated}};
}

}  // namespace

void RegisterSandboxOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(Implement("create_sandbox",
                      {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
                        return CreateSandbox(deps, c, in);
                      }}));
  table.Add(Implement("list_sandboxes",
                      {.handler = [&deps](const Caller& c, const Json&) -> Result<Json> {
                        auto list = deps.store.ListSandboxes(c.workspace_id);
                        if (!list.ok()) return list.error();
                        Json out = Json::array();
                        for (const auto& s : *list) out.push_back(SandboxJson(s));
                        return Json{{"sandboxes", out}};
                      }}));
  table.Add(Implement(
      "delete_sandbox", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto s = LiveSandbox(deps, c, in);
        if (!s.ok()) return s.error();
        auto ended = deps.store.EndSandbox(s->id, "deleted", "deleted by " + c.token_name);
        if (!ended.ok()) return ended.error();
        if (!*ended) return FailedPrecondition("sandbox '" + s->id + "' has ended already");
        // If this fails, the reaper removes the leftover container on its next pass.
        INK_RETURN_IF_ERROR(DestroySandbox(deps.runtime, deps.instance, s->id));
        return Json{{"deleted", true}};
      }}));
  table.Add(Implement(
      "set_sandbox_timeout", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto s = LiveSandbox(deps, c, in);
        if (!s.ok()) return s.error();
        auto ttl = TtlInput(in);
        if (!ttl.ok()) return ttl.error();
        int64_t expires_at = deps.clock.NowMillis() + int64_t{*ttl} * 1000;
        INK_RETURN_IF_ERROR(deps.store.SetSandboxExpiry(c.workspace_id, s->id, expires_at));
        s->expires_at = expires_at;
        return Json{{"sandbox", SandboxJson(*s)}};
      }}));
  table.Add(Implement(
      "sandbox_exec", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto request = ExecRequestInput(in);
        if (!request.ok()) return request.error();
        if (in.contains("env")) {
          auto env = ParseEnvObject(in["env"], "env");
          if (!env.ok()) return env.error();
          request->env = std::move(*env);
        }
        std::string cwd = in.value("cwd", "");
        if (!cwd.empty() && cwd.front() != '/') {
          return InvalidArgument("cwd '" + cwd.substr(0, 64) + "' is not absolute; give e.g. /tmp");
        }
        request->working_dir = cwd;
        auto s = RunningSandbox(deps, c, in);
        if (!s.ok()) return s.error();
        auto ran = deps.runtime.Exec(s->container_id, *request);
        if (!ran.ok()) return ran.error();
        return ExecResultJson(*ran);
      }}));
  table.Add(Implement("sandbox_write_file",
                      {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
                        return WriteFile(deps, c, in);
                      }}));
  table.Add(Implement("sandbox_read_file",
                      {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
                        return ReadFile(deps, c, in);
                      }}));
  table.Add(Implement("sandbox_list_files",
                      {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
                        return ListFiles(deps, c, in);
                      }}));
}

}  // namespace ink::api_internal
