#include "ink/build/pipeline.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "ink/build/plan.h"
#include "ink/common/file_lock.h"
#include "ink/common/log.h"
#include "ink/common/names.h"
#include "src/build/build_cgroup.h"
#include "src/build/build_log.h"
#include "src/build/build_runner.h"
#include "src/build/fetch.h"
#include "src/build/pipeline_impl.h"
#include "src/build/source_policy.h"

namespace ink {
namespace {

namespace fs = std::filesystem;

constexpr int kFailureTailLines = 20;

std::string Seconds(std::chrono::seconds s) { return std::to_string(s.count()) + "s"; }

Status WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return Internal("cannot write " + tmp);
    out << text;
  }
  ::chmod(tmp.c_str(), mode);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Internal("cannot write " + path);
  return {};
}

// Removes a directory tree, tolerating errors (a work tree is scratch).
void RemoveTree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
}

// Tracks "STEP k/n: ..." lines of podman build for progress and failure messages.
struct StepTracker {
  std::string step;         // "3/7"
  std::string instruction;  // "RUN npm ci"
  bool Observe(std::string_view line) {
    if (line.rfind("STEP ", 0) != 0) return false;
    size_t colon = line.find(": ");
    if (colon == std::string_view::npos) return false;
    step = std::string(line.substr(5, colon - 5));
    instruction = std::string(line.substr(colon + 2, 120));
    return true;
  }
};

}  // namespace

BuildPipeline::Impl::Impl(Store& store, PipelineOptions options)
    : store_(store), options_(std::move(options)), queue_(options_.concurrency) {
  std::error_code ec;
  fs::create_directories(BuildsDir() + "/work", ec);
  fs::create_directories(ArchivesDir(), ec);
  ::chmod(ArchivesDir().c_str(), 0700);
  CleanUpAtStart();
  if (options_.janitor_interval.count() > 0) janitor_ = std::thread([this] { JanitorLoop(); });
}

BuildPipeline::Impl::~Impl() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  janitor_cv_.notify_all();
  if (janitor_.joinable()) janitor_.join();
  // inkd is going away: nothing of its builds may stay, not even the instance's empty parent
  // cgroup.
  ReapInstanceCgroups();
}

Result<std::string> BuildPipeline::Impl::FetchSource(
    const std::string& workspace_id, const BuildSource& source, const std::string& dir,
    std::string& commit, const std::function<void(std::string_view)>& on_line,
    const std::function<bool()>& should_stop) {
  std::string src = dir + "/src";
  std::error_code ec;
  fs::create_directories(src, ec);
  if (ec) return Internal("cannot create " + src + ": " + ec.message());
  if (source.kind == "git") {
    auto url = ResolveGitUrl(workspace_id, source.url);
    if (!url.ok()) return url.error();
    build::FetchOptions fetch;
    fetch.timeout = options_.fetch_timeout;
    fetch.limits = SourceLimits();
    fetch.on_line = on_line;
    fetch.should_stop = should_stop;
    auto ssh = PrepareSsh(workspace_id, source.url, dir, fetch);
    if (!ssh.ok()) return ssh.error();
    BuildSource resolved = source;
    resolved.url = *url;
    auto fetched = build::FetchGit(resolved, src, fetch);
    RemoveTree(dir + "/ssh");
    if (!fetched.ok()) return fetched.error();
    commit = *fetched;
  } else {
    auto archive = GetArchive(workspace_id, source.archive_id);
    if (!archive.ok()) return archive.error();
    auto unpacked = build::ExtractArchive(ArchivePath(source.archive_id), src, SourceLimits());
    if (!unpacked.ok()) return unpacked.error();
  }
  return build::ResolveSubdirectory(src, source.path);
}

Result<BuiltImage> BuildPipeline::Impl::Build(
    const Deployment& d, const Service& s, const std::function<void(const std::string&)>& progress,
    const std::function<bool()>& should_stop) {
  auto source = BuildSource::Parse(d.spec.source);
  if (!source.ok()) return source.error();
  auto log = build::BuildLog::Create(LogPath(d.id), options_.max_log_bytes, [this, id = d.id] {
    store_.changes().Notify(BuildLogKey(id));
  });
  if (!log.ok()) return log.error();
  build::BuildLog& out = **log;
  {
    std::lock_guard lock(mu_);
    building_.insert(d.id);
  }
  struct Done {
    Impl* self;
    std::string id;
    build::BuildLog* log;
    ~Done() {
      log->Close();
      std::lock_guard lock(self->mu_);
      self->building_.erase(id);
    }
  } done{this, d.id, &out};
  auto note = [&](const std::string& text) { out.Line("[ink] " + text); };
  // The failure message: cause, then the last lines of the log.
  auto fail = [&](ErrorCode code, const std::string& cause) -> Error {
    note("build failed: " + cause);
    std::string tail = out.Tail(kFailureTailLines + 1);
    size_t last_newline = tail.rfind('\n');  // drop the "[ink] build failed" line just added
    tail = last_newline == std::string::npos ? "" : tail.substr(0, last_newline);
    return Error{code,
                 cause + (tail.empty() ? "" : "\n--- last lines of the build log ---\n" + tail)};
  };
  // The service's variables (for the build secret) and inkd's own secrets never show in the
  // log, whatever a step prints.
  std::map<std::string, std::string> variables;
  if (options_.build_variables) {
    auto read = options_.build_variables(d);
    if (!read.ok()) {
      return fail(read.error().code,
                  "cannot read the service's variables: " + read.error().message);
    }
    variables = std::move(*read);
  }
  {
    std::vector<std::string> secrets =
        options_.log_secrets ? options_.log_secrets() : std::vector<std::string>{};
    for (const auto& [name, value] : variables) secrets.push_back(value);
    out.Mask(std::move(secrets));
  }
  note("build of deployment " + d.id + " for service " + s.name + " (" + s.id + ")");
  std::string source_text = source->kind == "git"
                                ? source->url + (source->ref.empty() ? "" : " at " + source->ref)
                                : "uploaded archive " + source->archive_id;
  if (!source->path.empty()) source_text += ", path " + source->path;
  note("source: " + source_text);

  bool acquired = queue_.Acquire(
      [&](int position) {
        progress("queued (position " + std::to_string(position) + ")");
        note("waiting for a build slot: position " + std::to_string(position) + " in the queue");
      },
      should_stop);
  if (!acquired) return fail(ErrorCode::kUnavailable, "inkd stopped before the build started");
  struct Slot {
    build::BuildQueue& queue;
    ~Slot() { queue.Release(); }
  } slot{queue_};

  std::string work = WorkDir(d.id);
  RemoveTree(work);
  struct WorkTree {
    std::string path;
    ~WorkTree() { RemoveTree(path); }
  } work_tree{work};
  progress(source->kind == "git" ? "fetching " + source->url : "unpacking the uploaded archive");
  std::string commit;
  auto root = FetchSource(
      s.workspace_id, *source, work, commit,
      [&](std::string_view line) { out.Line("[git] " + std::string(line)); }, should_stop);
  if (!root.ok()) {
    return fail(root.error().code == ErrorCode::kInvalidArgument ? ErrorCode::kInvalidArgument
                                                                 : root.error().code,
                "fetching the source failed: " + root.error().message);
  }
  if (!commit.empty()) note("commit " + commit);
  if (should_stop()) return fail(ErrorCode::kUnavailable, kBuildStopped);

  progress("detecting the stack");
  auto overrides = ParsePlanOverrides(d.spec.build_settings);
  if (!overrides.ok()) return fail(ErrorCode::kInvalidArgument, overrides.error().message);
  auto plan = DetectPlan(*root, *overrides);
  if (!plan.ok()) return fail(plan.error().code, "no build plan: " + plan.error().message);
  Json plan_json = ToJson(*plan);
  Json plan_doc = {{"deployment_id", d.id},
                   {"service_id", s.id},
                   {"source", source->ToJson()},
                   {"commit", commit},
                   {"plan", plan_json}};
  (void)WriteFile(PlanPath(d.id), plan_doc.dump(2) + "\n", 0644);
  note("plan: provider " + plan->provider + ", port " + std::to_string(plan->port) +
       (plan->start_command.empty() ? "" : ", start `" + plan->start_command + "`"));
  for (const auto& decision : plan->decisions) note("  " + decision);
  for (const auto& warning : plan->warnings) note("  warning: " + warning);
  if (plan->port != d.spec.port) {
    note("the service will route to port " + std::to_string(plan->port) +
         " (from the plan) and set $PORT to it");
  }
  auto containerfile = RenderContainerfile(*plan);
  if (!containerfile.ok()) {
    return fail(containerfile.error().code,
                "cannot render the Containerfile: " + containerfile.error().message);
  }
  auto context = build::ResolveSubdirectory(*root, plan->root_directory);
  if (!context.ok()) return fail(ErrorCode::kInvalidArgument, context.error().message);
  // Every Containerfile, the app's own and Ink's, meets Ink's build rules before podman sees
  // it: no RUN --mount that reaches the host, cache ids made per workspace, no other tenant's
  // images (dockerfile_policy.h).
  auto checked =
      build::CheckDockerfile(*containerfile, DockerfilePolicyFor(s.workspace_id, *context));
  if (!checked.ok()) {
    return fail(ErrorCode::kInvalidArgument,
                (plan->provider == "dockerfile" ? plan->containerfile_path + " was refused: "
                                                : "the generated Containerfile was refused: ") +
                    checked.error().message);
  }
  for (const auto& line : checked->notes) note(line);
  if (options_.pull_image) {
    for (const auto& image : checked->images) {
      if (image.starts_with("localhost/")) continue;
      progress("pulling " + image);
      note("pulling " + image + " with this workspace's registry credentials");
      if (auto pulled = options_.pull_image(s.workspace_id, image); !pulled.ok()) {
        return fail(pulled.error().code,
                    "pulling the base image " + image + " failed: " + pulled.error().message);
      }
    }
  }
  std::string containerfile_path = work + "/Containerfile";
  INK_RETURN_IF_ERROR(WriteFile(containerfile_path, checked->text, 0644));

  // The deployment's variables, readable by RUN steps that mount the secret "ink-env"
  // (RUN --mount=type=secret,id=ink-env); a secret never lands in a layer or the history.
  std::string env_file = work + "/build-env";
  {
    std::string text;
    for (const auto& [k, v] : variables) text += "export " + k + "=" + build::ShellQuote(v) + "\n";
    INK_RETURN_IF_ERROR(WriteFile(env_file, text, 0600));
  }

  // Each --label is a LABEL step after the Containerfile's own; only labels that stay the same
  // from build to build, so an unchanged source is a full cache hit (the deployment id is the
  // tag; containers get their ink labels from the controller).
  std::string tag = "localhost/ink/build/" + s.id + ":" + d.id;
  if (!options_.build_network.empty() && options_.prepare_build_network) {
    if (auto ready = options_.prepare_build_network(); !ready.ok()) {
      return fail(ErrorCode::kUnavailable, "cannot prepare the build network " +
                                               options_.build_network + ": " +
                                               ready.error().message);
    }
  }
  std::vector<std::string> argv = {options_.podman};
  const std::string cgroup = build::BuildCgroup(options_.instance, d.id);
  if (!options_.cgroup_root.empty()) {
    // cgroupfs whatever podman's default manager: the parent is a plain path, not a slice.
    argv.push_back("--cgroup-manager=cgroupfs");
  }
  argv.insert(
      argv.end(),
      {"--runtime",
       options_.build_runtime_guard.empty() ? options_.build_runtime : options_.build_runtime_guard,
       "build", "--layers", options_.pull_image ? "--pull=never" : "--pull=missing"});
  if (!options_.cgroup_root.empty()) argv.push_back("--cgroup-parent=" + cgroup);
  if (!options_.build_runtime_guard.empty()) {
    auto guard = WriteRuntimeGuard(s.workspace_id, work);
    if (!guard.ok()) return fail(ErrorCode::kInternal, guard.error().message);
    argv.push_back("--runtime-flag=ink-guard=" + *guard);
  }
  for (auto& arg : LimitArgs()) argv.push_back(std::move(arg));
  argv.insert(argv.end(),
              {"--secret", "id=ink-env,src=" + env_file, "--label",
               "ink.instance=" + options_.instance, "--label", "ink.service=" + s.id, "--network",
               options_.build_network.empty() ? std::string("private") : options_.build_network,
               "--tag", tag, "--file", containerfile_path});
  if (!options_.host_ca_bundle.empty() && fs::exists(options_.host_ca_bundle)) {
    argv.insert(argv.end(), {"--volume", options_.host_ca_bundle + ":/etc/ink/host-ca.crt:ro"});
  }
  argv.push_back(*context);
  note("podman build (timeout " + Seconds(options_.build_timeout) + ", " + LimitSummary() +
       ") -> " + tag);
  progress("building");

  StepTracker steps;
  build::RunSpec spec;
  spec.argv = argv;
  for (const char* key : {"PATH", "HOME", "XDG_RUNTIME_DIR", "CONTAINERS_CONF",
                          "CONTAINERS_REGISTRIES_CONF", "CONTAINERS_STORAGE_CONF", "TMPDIR"}) {
    if (const char* value = std::getenv(key)) spec.env[key] = value;
  }
  spec.env["BUILDAH_LAYERS"] = "true";
  spec.timeout = options_.build_timeout;
  spec.on_line = [&](std::string_view line) {
    out.Line(line);
    if (steps.Observe(line)) progress("building: step " + steps.step + " " + steps.instruction);
  };
  DiskWatch disk(options_);
  spec.check = [&]() -> std::string { return should_stop() ? kBuildStopped : disk.Check(); };
  auto started = std::chrono::steady_clock::now();
  // Builds hold the host's image-store lock shared; image garbage collection (here and in
  // other inkd instances on this host) takes it exclusive, so no prune deletes a cached layer
  // while a build is reusing it.
  Result<build::RunOutcome> outcome = Internal("the build did not run");
  {
    auto store_lock = FileLock::Acquire(options_.image_store_lock, FileLock::Mode::kShared);
    if (!store_lock.ok()) return fail(ErrorCode::kUnavailable, store_lock.error().message);
    outcome = build::RunStreaming(spec);
    // A cached layer removed under the build by something outside Ink (a manual `podman rmi` or
    // `image prune`) fails the cache look-up; the build is run once more, which rebuilds it.
    if (outcome.ok() && !outcome->ok() && !outcome->timed_out && outcome->stopped.empty() &&
        out.Tail(kFailureTailLines).find("layer not known") != std::string::npos) {
      note(
          "a cached layer disappeared during the build (removed outside this build); "
          "building once more");
      auto elapsed = std::chrono::steady_clock::now() - started;
      spec.timeout = std::max<std::chrono::milliseconds>(
          std::chrono::seconds(1),
          std::chrono::duration_cast<std::chrono::milliseconds>(options_.build_timeout - elapsed));
      steps = StepTracker{};
      outcome = build::RunStreaming(spec);
    }
  }
  if (!options_.cgroup_root.empty()) {
    // podman build gone (done, failed, timed out, stopped) must mean its steps are gone too: a
    // killed podman leaves a RUN step running (build_cgroup.h).
    auto reaped = build::ReapCgroup(options_.cgroup_root, cgroup);
    if (!reaped.ok()) {
      note("warning: " + reaped.error().message);
    } else if (reaped->killed != 0) {
      note("killed " + std::to_string(reaped->killed) +
           " process(es) the build's steps left running");
    }
  }
  if (!outcome.ok()) return fail(ErrorCode::kUnavailable, outcome.error().message);
  auto took =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
  if (outcome->timed_out) {
    return fail(
        ErrorCode::kDeadlineExceeded,
        "the build took longer than the limit of " + Seconds(options_.build_timeout) +
            " and was stopped" +
            (steps.step.empty() ? ""
                                : " during step " + steps.step + " (" + steps.instruction + ")"));
  }
  if (!outcome->stopped.empty()) {
    // inkd stopping is worth a retry; a limit the build ran into is the source's doing.
    return fail(
        outcome->stopped == kBuildStopped ? ErrorCode::kUnavailable : ErrorCode::kInvalidArgument,
        "the build was stopped: " + outcome->stopped);
  }
  if (!outcome->ok()) {
    std::string where =
        steps.step.empty() ? "" : " at step " + steps.step + " (" + steps.instruction + ")";
    std::string how = outcome->exit_code >= 0 ? "exit code " + std::to_string(outcome->exit_code)
                                              : "signal " + std::to_string(outcome->term_signal);
    std::string tail = out.Tail(kFailureTailLines);
    std::string hint = LimitHint(tail);
    if (hint.empty()) hint = build::PullFailureHint(tail);
    return fail(ErrorCode::kInvalidArgument, "podman build failed" + where + " with " + how + hint);
  }
  note("built " + tag + " in " + Seconds(took));
  progress("built in " + Seconds(took));
  CollectGarbage(s, d.id);
  return BuiltImage{tag, plan->port};
}

Result<Json> BuildPipeline::Impl::Plan(const std::string& workspace_id, const BuildSource& source,
                                       const std::string& build_settings) {
  auto overrides = ParsePlanOverrides(build_settings);
  if (!overrides.ok()) return overrides.error();
  std::string work = WorkDir("plan-" + RandomToken(8));
  struct WorkTree {
    std::string path;
    ~WorkTree() { RemoveTree(path); }
  } work_tree{work};
  std::string commit;
  auto root = FetchSource(workspace_id, source, work, commit, nullptr, nullptr);
  if (!root.ok()) return root.error();
  auto plan = DetectPlan(*root, *overrides);
  if (!plan.ok()) return plan.error();
  Json out = {{"plan", ToJson(*plan)}, {"source", source.ToJson()}};
  if (!commit.empty()) out["commit"] = commit;
  auto containerfile = RenderContainerfile(*plan);
  out["containerfile"] = containerfile.ok() ? *containerfile : "";
  if (!containerfile.ok()) out["containerfile_error"] = containerfile.error().message;
  if (containerfile.ok()) {
    auto context = build::ResolveSubdirectory(*root, plan->root_directory);
    auto checked = build::CheckDockerfile(
        *containerfile, DockerfilePolicyFor(workspace_id, context.ok() ? *context : ""));
    if (!checked.ok()) out["containerfile_error"] = checked.error().message;
  }
  return out;
}

BuildPipeline::BuildPipeline(Store& store, PipelineOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {}
BuildPipeline::~BuildPipeline() = default;

Result<BuiltImage> BuildPipeline::Build(const Deployment& deployment, const Service& service,
                                        const std::function<void(const std::string&)>& progress,
                                        const std::function<bool()>& should_stop) {
  return impl_->Build(deployment, service, progress, should_stop);
}

Result<ArchiveInfo> BuildPipeline::ReceiveArchive(const std::string& workspace_id,
                                                  const BodyReader& body) {
  return impl_->ReceiveArchive(workspace_id, body);
}

Result<ArchiveInfo> BuildPipeline::GetArchive(const std::string& workspace_id,
                                              const std::string& id) const {
  return impl_->GetArchive(workspace_id, id);
}

Status BuildPipeline::CheckSource(const std::string& workspace_id,
                                  const BuildSource& source) const {
  INK_RETURN_IF_ERROR(source.Validate());
  if (source.kind == "archive") {
    auto archive = impl_->GetArchive(workspace_id, source.archive_id);
    if (!archive.ok()) return archive.error();
  }
  if (source.kind == "git") {
    auto url = impl_->ResolveGitUrl(workspace_id, source.url);
    if (!url.ok()) return url.error();
    BuildSource resolved = source;
    resolved.url = *url;
    return impl_->ProbeGitSource(workspace_id, resolved);
  }
  return {};
}

Result<Json> BuildPipeline::Plan(const std::string& workspace_id, const BuildSource& source,
                                 const std::string& build_settings) {
  return impl_->Plan(workspace_id, source, build_settings);
}

std::string BuildPipeline::LogPath(const std::string& id) const { return impl_->LogPath(id); }
std::string BuildPipeline::PlanPath(const std::string& id) const { return impl_->PlanPath(id); }

bool BuildPipeline::Building(const std::string& deployment_id) const {
  std::lock_guard lock(impl_->mu_);
  return impl_->building_.count(deployment_id) > 0;
}

const PipelineOptions& BuildPipeline::options() const { return impl_->options_; }

}  // namespace ink
