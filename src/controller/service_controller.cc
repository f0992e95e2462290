#include "ink/controller/service_controller.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "garbage_collector.h"
#include "ink/common/image_reference.h"
#include "ink/common/log.h"
#include "ink/common/names.h"
#include "ink/controller/health_prober.h"
#include "ink/controller/route_publisher.h"
#include "job_runner.h"
#include "replica_reconciler.h"

namespace ink {
namespace {

using controller_internal::ExitReason;
using controller_internal::GarbageCollector;
using controller_internal::IsExited;
using controller_internal::JobRunner;
using controller_internal::ReplicaReconciler;

constexpr const char* kLog = "controller";

// "ink-<instance>-<project>-<service>-<deployment id>-<replica>": unique per instance and
// deterministic, so a create retried after a crash finds the container instead of duplicating.
std::string ReplicaContainerName(const std::string& instance, const std::string& project,
                                 const std::string& service, const std::string& deployment_id,
                                 int index) {
  return "ink-" + instance + "-" + project + "-" + service + "-" + deployment_id + "-" +
         std::to_string(index);
}

}  // namespace

std::string_view Name(ReplicaRole role) {
  switch (role) {
    case ReplicaRole::kServing:
      return "serving";
    case ReplicaRole::kStarting:
      return "starting";
    case ReplicaRole::kDraining:
      return "draining";
  }
  return "serving";
}

class ServiceController::Impl {
 public:
  Impl(Store& store, ContainerRuntime& runtime, const SecretBox& secrets, Clock& clock,
       ControllerOptions options, Builder* builder, Prober* prober)
      : builder_(builder),
        store_(store),
        runtime_(runtime),
        secrets_(secrets),
        clock_(clock),
        options_(std::move(options)),
        publisher_(options_.routes_path, options_.edge_status_path, clock),
        prober_(prober != nullptr ? *prober : network_prober_),
        health_(prober_, clock, options_.probes, [this] { Wake(); }),
        jobs_(2, [this] { Wake(); }),  // repairs hold at most two podman calls at once
        replicas_(
            runtime, health_, jobs_, clock,
            {.ensure_replica =
                 [this](const Service& s, const Deployment& d, int index) {
                   auto created = EnsureReplica(s, d, index);
                   return created.ok() ? Status{} : Status{created.error()};
                 },
             .event =
                 [this](const Service& s, const std::string& deployment_id, const std::string& kind,
                        const std::string& message) { Event(s, deployment_id, kind, message); }}),
        garbage_(runtime, jobs_) {}

  void Start() {
    health_.Start();
    jobs_.Start();
    loop_ = std::thread([this] { Loop(); });
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    if (loop_.joinable()) loop_.join();
    health_.Stop();
    jobs_.Stop();
    std::map<std::string, std::thread> rollouts;
    {
      std::lock_guard lock(mu_);
      rollouts.swap(rollouts_);
    }
    for (auto& [id, t] : rollouts) t.join();
  }

  void Wake() {
    {
      std::lock_guard lock(mu_);
      woken_ = true;
    }
    cv_.notify_all();
  }

  void ForgetNetwork(const std::string& network) { garbage_.ForgetNetwork(network); }

  std::vector<ReplicaStatus> Replicas(const std::string& service_id,
                                      const std::string& active_deployment_id) const {
    std::lock_guard lock(mu_);
    auto it = observed_.find(service_id);
    if (it == observed_.end()) return {};
    std::vector<ReplicaStatus> replicas = it->second;
    if (active_deployment_id.empty()) return replicas;
    for (auto& r : replicas) {
      if (r.deployment_id == active_deployment_id) {
        r.role = ReplicaRole::kServing;
      } else if (rollout_service_.count(r.deployment_id)) {
        r.role = ReplicaRole::kStarting;
      } else {
        r.role = ReplicaRole::kDraining;  // superseded: draining, or removed since the pass
      }
    }
    return replicas;
  }

  std::string HostFor(const std::string& service, const std::string& project) const {
    return ServiceHostLabel(service, project) + "." + options_.platform_domain;
  }

  int ContainerCount() const {
    std::lock_guard lock(mu_);
    return container_count_;
  }

  Status RuntimeStatus() const {
    std::lock_guard lock(mu_);
    return runtime_status_;
  }

  RouteStatus Routing() const { return publisher_.Status(); }
  const RuntimePolicy& policy() const { return options_.policy; }

  bool Unrouted(const std::string& service_id) const {
    std::lock_guard lock(mu_);
    return unrouted_.count(service_id) > 0;
  }

 private:
  bool Stopping() {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  // Sleeps up to `d`; returns false if the controller is stopping.
  bool SleepFor(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, d, [this] { return stopping_; });
  }

  void Loop() {
    while (true) {
      Tick();
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, options_.tick, [this] { return stopping_ || woken_; });
      if (stopping_) return;
      woken_ = false;
    }
  }

  void Tick() {
    JoinFinishedRollouts();
    auto services = store_.ListAllServices();
    if (!services.ok()) {
      LogError(kLog, "cannot read services: " + services.error().message);
      return;
    }
    auto containers = runtime_.ListContainers({{kLabelInstance, options_.instance}});
    {
      std::lock_guard lock(mu_);
      runtime_status_ = containers.ok() ? Status{} : Status{containers.error()};
      if (containers.ok()) container_count_ = static_cast<int>(containers->size());
    }
    if (!containers.ok()) {
      LogWarn(kLog, "container runtime unavailable: " + containers.error().message);
      return;
    }
    std::map<std::string, Service> by_id;
    for (auto& s : *services) by_id[s.id] = s;

    std::set<std::string> unfinished_ids = StartRollouts(by_id);
    std::map<std::string, Deployment> active;  // by service id
    for (const auto& [id, s] : by_id) {
      if (s.active_deployment_id.empty()) continue;
      auto d = CachedDeployment(s, s.active_deployment_id);
      if (d.ok()) active[id] = *d;
    }
    std::set<std::string> rolling, keep = unfinished_ids;
    {
      std::lock_guard lock(mu_);
      for (const auto& [deployment_id, service_id] : rollout_service_)
        rolling.insert(deployment_id);
      keep.insert(draining_.begin(), draining_.end());
    }
    keep.insert(rolling.begin(), rolling.end());
    // Besides the active releases, get_service shows the replicas being started and drained.
    std::map<std::string, Deployment> others;  // by deployment id
    {
      std::set<std::string> draining;
      {
        std::lock_guard lock(mu_);
        draining = draining_;
      }
      for (const auto& c : *containers) {
        auto svc = c.labels.find(kLabelService);
        auto dep = c.labels.find(kLabelDeployment);
        if (svc == c.labels.end() || dep == c.labels.end() || !by_id.count(svc->second)) continue;
        if (dep->second == by_id[svc->second].active_deployment_id || others.count(dep->second)) {
          continue;
        }
        if (!rolling.count(dep->second) && !draining.count(dep->second)) continue;
        auto d = CachedDeployment(by_id[svc->second], dep->second);
        if (d.ok()) others[d->id] = *d;
      }
    }
    auto observed = replicas_.Reconcile(by_id, active, *containers, rolling, others);
    {
      std::lock_guard lock(mu_);
      observed_.swap(observed);
    }
    // deploy {wait} answers once the new release's replicas are seen (ServiceAfter, src/api).
    for (const auto& entry : by_id) store_.changes().Notify(ReplicasKey(entry.first));
    garbage_.Collect(by_id, active, *containers, keep);
    // From the services as the store has them now, not this pass's snapshot: a rollout started
    // in this pass for a service created since may already have published its promotion.
    PublishRoutes();
  }

  // Starts a rollout thread for the newest unfinished deployment of each service that has none
  // running; marks older unfinished ones failed. Returns the ids of every unfinished deployment.
  std::set<std::string> StartRollouts(const std::map<std::string, Service>& services) {
    std::set<std::string> ids;
    auto unfinished = store_.ListUnfinishedDeployments();
    if (!unfinished.ok()) return ids;
    std::map<std::string, Deployment> newest;  // by service, oldest first input → last wins
    for (const auto& d : *unfinished) {
      ids.insert(d.id);
      auto it = newest.find(d.service_id);
      if (it != newest.end()) {
        std::lock_guard lock(mu_);
        if (!rollouts_.count(it->second.id)) {
          (void)store_.UpdateDeploymentStatus(it->second.id, DeploymentStatus::kFailed,
                                              "superseded by " + d.id + " before it finished");
        }
      }
      newest[d.service_id] = d;
    }
    for (const auto& [service_id, d] : newest) {
      // `services` was read at the start of this pass: a service created since then is new,
      // not deleted. Only the store can say which.
      if (!services.count(service_id)) {
        auto now = store_.GetServiceById(service_id);
        if (!now.ok() && now.error().code == ErrorCode::kNotFound) {
          (void)store_.UpdateDeploymentStatus(d.id, DeploymentStatus::kFailed,
                                              "the service was deleted");
          continue;
        }
        if (!now.ok()) continue;  // the store hiccuped: look again next pass
      }
      std::lock_guard lock(mu_);
      bool busy = false;
      for (const auto& [id, unused] : rollouts_) {
        busy = busy || rollout_service_[id] == service_id;
      }
      if (busy || stopping_) continue;
      rollout_service_[d.id] = service_id;
      rollouts_[d.id] = std::thread([this, deployment = d] { Rollout(deployment); });
    }
    return ids;
  }

  void JoinFinishedRollouts() {
    std::vector<std::thread> done;
    {
      std::lock_guard lock(mu_);
      for (const auto& id : finished_rollouts_) {
        auto it = rollouts_.find(id);
        if (it != rollouts_.end()) {
          done.push_back(std::move(it->second));
          rollouts_.erase(it);
          rollout_service_.erase(id);
        }
      }
      finished_rollouts_.clear();
    }
    for (auto& t : done) t.join();
  }

  Result<Deployment> CachedDeployment(const Service& s, const std::string& id) {
    {
      std::lock_guard lock(mu_);
      auto it = deployment_cache_.find(id);
      if (it != deployment_cache_.end()) return it->second;
    }
    auto d = store_.GetDeployment(s.workspace_id, id);
    if (d.ok()) {
      std::lock_guard lock(mu_);
      deployment_cache_[id] = *d;
    }
    return d;
  }

  Result<std::string> ProjectName(const Service& s) {
    {
      std::lock_guard lock(mu_);
      auto it = project_names_.find(s.project_id);
      if (it != project_names_.end()) return it->second;
    }
    auto p = store_.GetProject(s.workspace_id, s.project_id);
    if (!p.ok()) return p.error();
    std::lock_guard lock(mu_);
    project_names_[s.project_id] = p->name;
    return p->name;
  }

  void Event(const Service& s, const std::string& deployment_id, const std::string& kind,
             const std::string& message) {
    ink::Event e;
    e.workspace_id = s.workspace_id;
    e.service_id = s.id;
    e.deployment_id = deployment_id;
    e.kind = kind;
    e.message = message;
    (void)store_.AppendEvent(e);
    LogInfo(kLog, s.name + " (" + s.id + "): " + kind + ": " + message);
  }

  // Finds this deployment's replica `index`, creating and starting it if needed.
  Result<ContainerInfo> EnsureReplica(const Service& s, const Deployment& d, int index) {
    auto project = store_.GetProject(s.workspace_id, s.project_id);
    if (!project.ok()) return project.error();
    auto existing = runtime_.ListContainers({{kLabelInstance, options_.instance},
                                             {kLabelDeployment, d.id},
                                             {kLabelReplica, std::to_string(index)}});
    if (!existing.ok()) return existing.error();
    if (!existing->empty()) {
      ContainerInfo c = existing->front();
      for (size_t i = 1; i < existing->size(); ++i) {  // never keep duplicates
        (void)runtime_.RemoveContainer((*existing)[i].id, true);
      }
      if (c.state == "created" || c.state == "configured") {
        INK_RETURN_IF_ERROR(runtime_.StartContainer(c.id));
        auto again = runtime_.InspectContainer(c.id);
        if (again.ok()) return again;
      }
      return c;
    }
    INK_RETURN_IF_ERROR(
        runtime_.EnsureNetwork(project->network, {{kLabelInstance, options_.instance},
                                                  {kLabelWorkspace, s.workspace_id},
                                                  {kLabelProject, s.project_id}}));
    ContainerSpec spec;
    spec.name = ReplicaContainerName(options_.instance, project->name, s.name, d.id, index);
    spec.image = d.spec.image;
    // The deployment's own snapshot of the service variables, unsealed only here.
    auto variables = store_.ListDeploymentVariables(d.id);
    if (!variables.ok()) return variables.error();
    for (const auto& variable : *variables) {
      auto value = secrets_.Open(variable.sealed_value);
      if (!value.ok()) {
        return Internal("variable " + variable.name + " cannot be unsealed (" +
                        value.error().message + "); set it again with `ink env set`");
      }
      spec.env[variable.name] = std::move(*value);
    }
    if (!spec.env.count("PORT")) spec.env["PORT"] = std::to_string(d.spec.port);
    spec.labels = {{kLabelInstance, options_.instance},
                   {kLabelWorkspace, s.workspace_id},
                   {kLabelProject, s.project_id},
                   {kLabelService, s.id},
                   {kLabelDeployment, d.id},
                   {kLabelReplica, std::to_string(index)}};
    spec.network = project->network;
    spec.network_aliases = {s.name};
    // The policy in force now, whatever was allowed when the spec was stored.
    INK_RETURN_IF_ERROR(ApplyRuntimePolicy(options_.policy, d.spec, &spec));
    auto id = runtime_.CreateContainer(spec);
    if (!id.ok()) return id.error();
    auto started = runtime_.StartContainer(*id);
    if (!started.ok()) {
      (void)runtime_.RemoveContainer(*id, true);
      return started.error();
    }
    return runtime_.InspectContainer(*id);
  }

  std::string LogTail(const std::string& container_id, int lines) {
    std::string out;
    (void)runtime_.StreamLogs(container_id, {.tail = lines},
                              [&](std::string_view, std::string_view line) {
                                out += std::string(line) + "\n";
                                return out.size() < 4096;
                              });
    return out;
  }

  void FailDeployment(const Service& s, const Deployment& d, const std::string& reason) {
    (void)store_.UpdateDeploymentStatus(d.id, DeploymentStatus::kFailed, reason);
    Event(s, d.id, "deploy_failed", reason);
    auto mine =
        runtime_.ListContainers({{kLabelInstance, options_.instance}, {kLabelDeployment, d.id}});
    if (mine.ok()) {
      for (const auto& c : *mine) (void)runtime_.RemoveContainer(c.id, true);
    }
  }

  void Rollout(Deployment d) {
    RolloutSteps(d);  // by value: the build fills in the image
    std::lock_guard lock(mu_);
    finished_rollouts_.insert(d.id);
  }

  void RolloutSteps(Deployment d) {
    // How long each step took, in the log line that says the release is live.
    const auto started = clock_.Steady();
    std::string timings;
    auto lap = [&](const char* step) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Steady() - started);
      timings += std::string(timings.empty() ? "" : ", ") + step + " at " +
                 std::to_string(ms.count()) + " ms";
    };
    auto service = store_.GetServiceById(d.service_id);
    if (!service.ok()) {
      (void)store_.UpdateDeploymentStatus(d.id, DeploymentStatus::kFailed,
                                          "the service was deleted");
      return;
    }
    const Service& s = *service;
    if (!d.spec.source.empty() && d.spec.image.empty()) {
      if (builder_ == nullptr) {
        return FailDeployment(s, d, "this inkd cannot build from source (no builder configured)");
      }
      (void)store_.UpdateDeploymentStatus(d.id, DeploymentStatus::kBuilding, "queued for a build");
      auto image = builder_->Build(
          d, s,
          [&](const std::string& phase) {
            (void)store_.UpdateDeploymentStatus(d.id, DeploymentStatus::kBuilding, phase);
          },
          [this] { return Stopping(); });
      if (Stopping()) return;
      if (!image.ok()) return FailDeployment(s, d, "build failed: " + image.error().message);
      auto recorded = store_.SetDeploymentImage(d.id, image->image, image->port);
      if (!recorded.ok()) return FailDeployment(s, d, recorded.error().message);
      d.spec.image = image->image;
      if (image->port > 0) d.spec.port = image->port;
      Event(
          s, d.id, "built",
          "built image " + image->image + " (listens on port " + std::to_string(d.spec.port) + ")");
    }
    (void)store_.UpdateDeploymentStatus(d.id, DeploymentStatus::kDeploying,
                                        "pulling image " + d.spec.image);
    std::optional<RegistryAuth> auth;
    std::string registry = RegistryHostOf(d.spec.image);
    if (!registry.empty()) {
      auto cred = store_.FindRegistryCredential(s.workspace_id, PullRegistryOf(d.spec.image));
      if (cred.ok()) {
        auto password = secrets_.Open(cred->sealed_password);
        if (password.ok()) auth = RegistryAuth{cred->username, *password};
      }
    }
    // Images under "localhost/" (built on this host) or named without a registry live only in
    // the local store: there is nothing to pull, and "localhost" is no registry to ask. A
    // busy podman (concurrent builds) may fail the look-up itself: ask again before giving up.
    bool local_only = registry.empty() || registry == "localhost";
    if (local_only) {
      Result<bool> exists = false;
      for (int attempt = 0; attempt < 10 && !Stopping(); ++attempt) {
        exists = runtime_.ImageExists(d.spec.image);
        if (exists.ok()) break;
        SleepFor(std::chrono::milliseconds(500));
      }
      if (Stopping()) return;
      if (!exists.ok() || !*exists) {
        return FailDeployment(s, d,
                              "image " + d.spec.image + " is not in this host's image store" +
                                  (exists.ok() ? "" : " (podman: " + exists.error().message + ")") +
                                  "; build it again or deploy an image from a registry");
      }
    } else {
      Status pulled = runtime_.PullImage(d.spec.image, auth);
      if (Stopping()) return;
      if (!pulled.ok()) {
        return FailDeployment(
            s, d, "pulling image " + d.spec.image + " failed: " + pulled.error().message);
      }
    }
    (void)store_.UpdateDeploymentStatus(
        d.id, DeploymentStatus::kDeploying,
        "starting " + std::to_string(d.spec.replicas) + " replica(s)");
    lap("image ready");
    std::vector<std::string> ids;
    for (int i = 0; i < d.spec.replicas; ++i) {
      auto c = EnsureReplica(s, d, i);
      if (!c.ok()) {
        return FailDeployment(
            s, d, "starting replica " + std::to_string(i) + " failed: " + c.error().message);
      }
      ids.push_back(c->id);
    }
    (void)store_.UpdateDeploymentStatus(
        d.id, DeploymentStatus::kDeploying,
        "waiting for port " + std::to_string(d.spec.port) + " to accept connections");
    lap("replicas started");
    auto deadline = clock_.Steady() + options_.health_timeout;
    std::vector<RouteBackend> ready;  // where the new replicas take traffic
    while (true) {
      ready.clear();
      for (size_t i = 0; i < ids.size(); ++i) {
        auto c = runtime_.InspectContainer(ids[i]);
        if (!c.ok()) {
          return FailDeployment(
              s, d,
              "replica " + std::to_string(i) + " disappeared during start: " + c.error().message);
        }
        if (IsExited(*c)) {
          std::string tail = LogTail(c->id, 20);
          return FailDeployment(s, d,
                                "replica " + std::to_string(i) + " " + ExitReason(*c) +
                                    " before it became healthy" +
                                    (tail.empty() ? "" : "; last log lines:\n" + tail));
        }
        if (c->state == "running" && !c->ip_address.empty() &&
            prober_.Probe({s.id, c->ip_address, d.spec.port, ProbeTarget::Kind::kReady,
                           d.spec.health_check_path},
                          std::chrono::milliseconds(2300))) {
          ready.push_back({c->ip_address, d.spec.port});
          health_.Record(c->id, true);  // the loop routes to it without a first probe
        }
      }
      if (ready.size() == ids.size()) break;
      if (clock_.Steady() > deadline) {
        std::string tail = ids.empty() ? "" : LogTail(ids.front(), 20);
        std::string what = d.spec.health_check_path.empty()
                               ? "nothing accepted TCP connections on port " +
                                     std::to_string(d.spec.port) +
                                     " (or / and /healthz answered 5xx)"
                               : "GET " + d.spec.health_check_path + " on port " +
                                     std::to_string(d.spec.port) + " did not answer below 500";
        return FailDeployment(
            s, d,
            "health check failed: " + what + " within " +
                std::to_string(options_.health_timeout.count()) +
                "s; make the app listen on 0.0.0.0:$PORT or deploy with the port it uses" +
                (tail.empty() ? "" : "; last log lines:\n" + tail));
      }
      if (!SleepFor(std::chrono::milliseconds(100))) return;
    }
    // "active" promises a URL that serves the new release: the route file sends the service's
    // traffic to the new replicas first, and the deployment is activated only once the edge
    // says it loaded that file. Until then the previous release stays active in the store.
    {
      std::lock_guard lock(mu_);
      promoting_[s.id] = Promotion{d.id, ready};
      lap("healthy");
    }
    // The promotion is published from here: a pass (one ListContainers, slow while podman is
    // busy with other tenants) is not on its path.
    PublishRoutes();
    Wake();
    std::string unrouted = WaitUntilRouted(s, d);
    if (Stopping()) return;
    auto unpromote = [&] {
      {
        std::lock_guard lock(mu_);
        promoting_.erase(s.id);
      }
      Wake();  // the routes go back to the previous release
    };
    if (!unrouted.empty()) {
      unpromote();
      return FailDeployment(s, d, unrouted + "; the previous release keeps serving");
    }
    lap("routed");
    std::string previous = s.active_deployment_id;
    {
      std::lock_guard lock(mu_);
      if (!previous.empty()) draining_.insert(previous);
    }
    auto activated = store_.ActivateDeployment(s.id, d.id);
    if (!activated.ok()) {
      {
        std::lock_guard lock(mu_);
        draining_.erase(previous);
      }
      unpromote();
      return FailDeployment(s, d, "activating failed: " + activated.error().message);
    }
    (void)store_.UpdateDeploymentStatus(d.id, DeploymentStatus::kActive, "serving");
    lap("active");
    LogInfo(kLog, d.id + " rollout: " + timings);
    Event(s, d.id, "deployed",
          d.spec.image + " is live with " + std::to_string(d.spec.replicas) + " replica(s)");
    Wake();  // rewrite the routes now
    if (!previous.empty()) {
      SleepFor(options_.drain);
      auto old = runtime_.ListContainers(
          {{kLabelInstance, options_.instance}, {kLabelDeployment, previous}});
      if (old.ok()) {
        for (const auto& c : *old) {
          (void)runtime_.StopContainer(c.id, 10);
          (void)runtime_.RemoveContainer(c.id, true);
        }
      }
      std::lock_guard lock(mu_);
      draining_.erase(previous);
    }
  }

  // Waits until the edge serves the route file that sends `s`'s traffic to `d`'s replicas;
  // returns "" then, or why it does not (the edge skipped the entry, did not load the file in
  // time, or the service holds no hostname). Returns at once when the controller stops.
  std::string WaitUntilRouted(const Service& s, const Deployment& d) {
    if (options_.routes_path.empty()) return "";
    auto project = ProjectName(s);
    if (!project.ok()) return "cannot read the project: " + project.error().message;
    const std::string host = HostFor(s.name, *project);
    const auto deadline = clock_.Steady() + options_.route_timeout;
    while (true) {
      int64_t version = 0;
      {
        std::lock_guard lock(mu_);
        if (unrouted_.count(s.id)) {
          return "hostname " + host +
                 " belongs to another service, so this one gets no route; "
                 "delete it and deploy it under another name";
        }
        auto it = routed_.find(s.id);
        if (it != routed_.end() && it->second.deployment_id == d.id) version = it->second.version;
      }
      std::string reason;
      RouteAck ack =
          version > 0 ? publisher_.Acknowledged(version, host, &reason) : RouteAck::kPending;
      if (ack == RouteAck::kLoaded) return "";
      if (ack == RouteAck::kRejected)
        return "ink-edge refused the route of " + host + ": " + reason;
      if (clock_.Steady() > deadline) {
        std::string why = publisher_.Status().problem;
        return version == 0
                   ? "the route file was not written within " +
                         std::to_string(options_.route_timeout.count()) + "s"
                   : "ink-edge did not load route table version " + std::to_string(version) +
                         " within " + std::to_string(options_.route_timeout.count()) + "s" +
                         (why.empty() ? "" : " (" + why + ")");
      }
      if (!SleepFor(std::chrono::milliseconds(20))) return "";
    }
  }

  // Publishes the route of every service holding its hostname: to the replicas of a rollout
  // being promoted, else to the active deployment's healthy replicas.
  // The services as the store has them now, read under publish_mu_: a snapshot read before
  // another rollout published could lack its (newer) service and drop that service's route or
  // promotion from the file.
  void PublishRoutes() {
    std::lock_guard publishing(publish_mu_);
    auto services = store_.ListAllServices();
    if (!services.ok()) return;  // the next pass publishes
    std::map<std::string, Service> by_id;
    for (auto& s : *services) by_id[s.id] = s;
    WriteRoutesLocked(by_id);
  }

  void WriteRoutesLocked(const std::map<std::string, Service>& services) {
    if (options_.routes_path.empty()) return;
    // Only a service holding its hostname gets a route: one host, one service (a database
    // from before claims may hold a younger service whose label an older one had first).
    auto claims = store_.ListHostnameClaims();
    if (!claims.ok()) {
      LogError(kLog, "cannot read hostname claims: " + claims.error().message);
      return;
    }
    std::set<std::string> holders, unrouted;
    for (const auto& claim : *claims) holders.insert(claim.service_id);
    std::map<std::string, Promotion> promoting;
    {
      std::lock_guard lock(mu_);
      // A promotion ends once this pass's snapshot shows its deployment active.
      for (auto it = promoting_.begin(); it != promoting_.end();) {
        auto svc = services.find(it->first);
        bool done =
            svc == services.end() || svc->second.active_deployment_id == it->second.deployment_id;
        it = done ? promoting_.erase(it) : std::next(it);
      }
      promoting = promoting_;
    }
    std::vector<RouteEntry> routes;
    std::map<std::string, std::string> serves;  // service id → deployment its route sends to
    for (const auto& [id, s] : services) {
      auto promotion = promoting.find(id);
      if (s.active_deployment_id.empty() && promotion == promoting.end()) continue;
      if (!holders.count(id)) {
        unrouted.insert(id);
        continue;
      }
      auto project = ProjectName(s);
      if (!project.ok()) continue;
      RouteEntry route{HostFor(s.name, *project), s.name, *project, id, s.workspace_id, {}};
      if (promotion != promoting.end()) {
        route.backends = promotion->second.backends;
        serves[id] = promotion->second.deployment_id;
      } else {
        for (const auto& r : Replicas(id, "")) {
          // A running replica keeps its route until its first probe says otherwise (after an
          // inkd restart the edge must not lose every backend while the probes run).
          if (!(r.healthy || r.unprobed) || r.deployment_id != s.active_deployment_id) continue;
          size_t colon = r.address.rfind(':');
          route.backends.push_back(
              {r.address.substr(0, colon), std::atoi(r.address.c_str() + colon + 1)});
        }
        if (!route.backends.empty()) serves[id] = s.active_deployment_id;
      }
      routes.push_back(std::move(route));
    }
    auto version = publisher_.Publish(routes);
    if (!version.ok()) {
      LogError(kLog, "cannot publish the routes: " + version.error().message);
      return;
    }
    std::lock_guard lock(mu_);
    unrouted_.swap(unrouted);
    routed_.clear();
    for (const auto& [id, deployment] : serves) routed_[id] = {deployment, *version};
  }

  Builder* const builder_;  // may be null
  Store& store_;
  ContainerRuntime& runtime_;
  const SecretBox& secrets_;
  Clock& clock_;
  const ControllerOptions options_;
  std::thread loop_;
  RoutePublisher publisher_;
  NetworkProber network_prober_;
  Prober& prober_;
  HealthProber health_;  // liveness of the active replicas, for the loop
  JobRunner jobs_;       // the loop's blocking runtime calls
  ReplicaReconciler replicas_;
  GarbageCollector garbage_;

  std::mutex publish_mu_;  // one WriteRoutes at a time (RoutePublisher::Publish's contract)
  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::map<std::string, std::thread> rollouts_;         // deployment id → its rollout thread
  std::map<std::string, std::string> rollout_service_;  // deployment id → service id
  std::set<std::string> finished_rollouts_;
  std::set<std::string> draining_;  // superseded deployments still serving in-flight requests
  std::map<std::string, std::vector<ReplicaStatus>> observed_;
  std::map<std::string, Deployment> deployment_cache_;  // only .spec is read: it never changes
  std::map<std::string, std::string> project_names_;
  struct Routed {
    std::string deployment_id;  // whose replicas the service's route sends traffic to
    int64_t version = 0;        // of the route file that does
  };
  std::map<std::string, Routed> routed_;  // by service id, as last published
  struct Promotion {
    std::string deployment_id;
    std::vector<RouteBackend> backends;
  };
  std::map<std::string, Promotion> promoting_;  // by service id: rollouts taking traffic
  std::set<std::string> unrouted_;              // services that hold no hostname (so get no route)
  int container_count_ = 0;
  Status runtime_status_;
};

ServiceController::ServiceController(Store& store, ContainerRuntime& runtime,
                                     const SecretBox& secrets, Clock& clock,
                                     ControllerOptions options, Builder* builder, Prober* prober)
    : impl_(std::make_unique<Impl>(store, runtime, secrets, clock, std::move(options), builder,
                                   prober)) {}
ServiceController::~ServiceController() { impl_->Stop(); }
void ServiceController::Start() { impl_->Start(); }
void ServiceController::Stop() { impl_->Stop(); }
void ServiceController::Wake() { impl_->Wake(); }
void ServiceController::ForgetNetwork(const std::string& n) { impl_->ForgetNetwork(n); }
std::vector<ReplicaStatus> ServiceController::Replicas(const std::string& id,
                                                       const std::string& active) const {
  return impl_->Replicas(id, active);
}
std::string ServiceController::HostFor(const std::string& s, const std::string& p) const {
  return impl_->HostFor(s, p);
}
int ServiceController::ContainerCount() const { return impl_->ContainerCount(); }
Status ServiceController::RuntimeStatus() const { return impl_->RuntimeStatus(); }
RouteStatus ServiceController::Routing() const { return impl_->Routing(); }
const RuntimePolicy& ServiceController::policy() const { return impl_->policy(); }
bool ServiceController::Unrouted(const std::string& id) const { return impl_->Unrouted(id); }

}  // namespace ink
