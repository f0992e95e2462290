#include "ink/controller/service_controller.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include "garbage_collector.h"
#include "ink/common/log.h"
#include "ink/controller/health_prober.h"
#include "ink/controller/route_publisher.h"
#include "job_runner.h"
#include "replica_observation.h"
#include "replica_reconciler.h"
#include "rollout.h"
#include "rollout_actions.h"
#include "route_reconciler.h"
#include "spec_change_events.h"

namespace ink {
namespace {

using controller_internal::DeployStartedMessage;
using controller_internal::GarbageCollector;
using controller_internal::JobRunner;
using controller_internal::ReplicaObservation;
using controller_internal::ReplicaReconciler;
using controller_internal::Rollout;
using controller_internal::RolloutActions;
using controller_internal::RouteReconciler;

constexpr const char* kLog = "controller";

// A project has at most this many image and replica-start steps running at once, so one tenant
// whose registry or podman calls hang holds a few of the step workers, never all.
constexpr int kStepsPerProject = 4;

}  // namespace

class ServiceController::Impl {
 public:
  Impl(Store& store, ContainerRuntime& runtime, const SecretBox& secrets, Clock& clock,
       ControllerOptions options, Builder* builder, Prober* prober)
      : store_(store),
        runtime_(runtime),
        clock_(clock),
        options_(std::move(options)),
        publisher_(options_.routes_path, options_.edge_status_path, clock),
        network_prober_(clock),
        prober_(prober != nullptr ? *prober : network_prober_),
        health_(prober_, clock, options_.probes, [this] { Wake(); }),
        readiness_(prober_, clock, ReadinessProberOptions(), [this] { Poke(); }),
        jobs_(2, [this] { Wake(); }),  // repairs hold at most two podman calls at once
        steps_(16, nullptr),           // rollout steps; their outcomes wake the loop
        builds_(8, nullptr),           // builds wait in the builder's own queue
        actions_(
            store, runtime, secrets, builder, readiness_, health_, options_.instance,
            options_.policy, options_.platform_domain, options_.edge_port,
            {.event =
                 [this](const Service& s, const std::string& deployment_id, const std::string& kind,
                        const std::string& message) { Event(s, deployment_id, kind, message); },
             .stopping = [this] { return Stopping(); },
             .mount_volume = [this](const std::string& id) -> Result<std::string> {
               if (options_.volumes == nullptr) return FailedPrecondition("no volume host");
               return options_.volumes->Mount(id);
             },
             .public_https_port = options_.public_https_port}),
        replicas_(
            runtime, health_, jobs_, clock,
            {.ensure_replica =
                 [this](const Service& s, const Deployment& d, int index) {
                   auto created = actions_.EnsureReplica(s, d, index);
                   return created.ok() ? Status{} : Status{created.error()};
                 },
             .event =
                 [this](const Service& s, const std::string& deployment_id, const std::string& kind,
                        const std::string& message) { Event(s, deployment_id, kind, message); }}),
        garbage_(runtime, jobs_),
        routes_(store, publisher_, options_.routes_path, options_.platform_domain,
                [this](const std::string& id) { return Replicas(id, ""); }) {}

  void Start() {
    health_.Start();
    readiness_.Start();
    jobs_.Start();
    steps_.Start();
    builds_.Start();
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
    // Steps in flight end (builds abandon at once); their outcomes are dropped: the next inkd
    // picks the rollouts up from the store.
    builds_.Stop();
    steps_.Stop();
    health_.Stop();
    readiness_.Stop();
    jobs_.Stop();
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
    return observation_.Read(service_id, active_deployment_id, [this](const std::string& id) {
      std::lock_guard lock(mu_);
      return rollout_service_.count(id) > 0;
    });
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

  bool Unrouted(const std::string& service_id) const { return routes_.Unrouted(service_id); }

 private:
  bool Stopping() {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  // A readiness probe changed: the rollouts waiting for one look again now.
  void Poke() {
    {
      std::lock_guard lock(mu_);
      poked_ = true;
    }
    cv_.notify_all();
  }

  // A step's outcome, applied to its rollout on the loop thread.
  struct Outcome {
    std::string deployment_id;
    std::string project_id;  // whose step count it releases ("" = not counted)
    std::function<void(Rollout&, Clock::TimePoint)> apply;
  };
  void Deliver(Outcome outcome) {
    {
      std::lock_guard lock(mu_);
      outcomes_.push_back(std::move(outcome));
    }
    cv_.notify_all();
  }

  // A full pass every `tick` (or at once after Wake); between passes the rollouts advance on
  // their outcomes, on probe results and on their own timers.
  void Loop() {
    Clock::TimePoint next_pass = clock_.Steady();
    while (true) {
      bool pass = false;
      {
        std::lock_guard lock(mu_);
        pass = woken_ || clock_.Steady() >= next_pass;
        woken_ = false;
      }
      if (pass) {
        Tick();
        next_pass = clock_.Steady() + options_.tick;
      }
      Clock::TimePoint wake = std::min(next_pass, AdvanceRollouts());
      std::unique_lock lock(mu_);
      WaitUntil(clock_, lock, cv_, wake,
                [this] { return stopping_ || woken_ || poked_ || !outcomes_.empty(); });
      if (stopping_) return;
    }
  }

  // Applies the outcomes that arrived and hands out every rollout's next action; returns when
  // the earliest rollout timer falls due.
  Clock::TimePoint AdvanceRollouts() {
    std::vector<Outcome> outcomes;
    bool poked = false;
    {
      std::lock_guard lock(mu_);
      // Outcomes seen while stopping may be the shutdown's own errors: the next inkd redoes
      // the step instead.
      if (stopping_) return Clock::TimePoint::max();
      outcomes.swap(outcomes_);
      poked = poked_;
      poked_ = false;
    }
    const Clock::TimePoint now = clock_.Steady();
    for (auto& outcome : outcomes) {
      if (!outcome.project_id.empty()) --steps_by_project_[outcome.project_id];
      auto it = rollouts_.find(outcome.deployment_id);
      if (it != rollouts_.end()) outcome.apply(it->second.machine, now);
    }
    Clock::TimePoint wake = Clock::TimePoint::max();
    for (auto it = rollouts_.begin(); it != rollouts_.end();) {
      Running& r = it->second;
      if (poked) r.machine.Poke(now);
      Rollout::Action action;
      while (true) {
        // Only the steps that may hang on the tenant's own account (a pull from its registry,
        // creating its containers) count against its share.
        const Rollout::Step step = r.machine.step();
        bool counted = step == Rollout::Step::kImage || step == Rollout::Step::kStart;
        if (counted && !r.machine.in_flight() &&
            steps_by_project_[r.service.project_id] >= kStepsPerProject) {
          action = {};  // this project's share is busy: its next outcome wakes the loop
          break;
        }
        action = r.machine.Next(now);
        if (action.kind != Rollout::Action::Kind::kCheckRoute) break;
        r.machine.Routed(routes_.Observe(r.service, r.machine.deployment()), now);
      }
      if (action.kind == Rollout::Action::Kind::kFinished) {
        bool gave_back = false;
        {
          std::lock_guard lock(mu_);
          rollout_service_.erase(it->first);
          // A failed stop-then-start rollout gives the previous release back to the reconciler,
          // which starts it again at once.
          gave_back = stopped_previous_.erase(it->first) > 0;
        }
        if (gave_back && !it->second.machine.activated()) Wake();
        it = rollouts_.erase(it);
        continue;
      }
      if (action.kind == Rollout::Action::Kind::kWait) {
        if (action.wake_at != Clock::TimePoint{}) wake = std::min(wake, action.wake_at);
      } else {
        Dispatch(r, action.kind);
      }
      ++it;
    }
    return wake;
  }

  struct Running {
    Service service;
    Rollout machine;
  };

  // Runs `action` of `r` off the loop; its outcome comes back through Deliver.
  void Dispatch(const Running& r, Rollout::Action::Kind action) {
    using Kind = Rollout::Action::Kind;
    const Service s = r.service;
    const Deployment d = r.machine.deployment();
    const std::string job = "rollout/" + d.id + "/" + std::to_string(++step_sequence_);
    const bool counted = action == Kind::kPrepareImage || action == Kind::kStartReplicas;
    auto post = [&](std::function<std::function<void(Rollout&, Clock::TimePoint)>()> step) {
      std::string project = counted ? s.project_id : "";
      if (counted) ++steps_by_project_[project];
      steps_.Post(job, [this, id = d.id, project, step = std::move(step)] {
        Deliver({id, project, step()});
      });
    };
    switch (action) {
      case Kind::kBuild:
        builds_.Post(job, [this, s, d] {
          auto image = actions_.Build(s, d, [this, id = d.id] {
            std::lock_guard lock(mu_);
            return cancelled_builds_.count(id) > 0;
          });
          {
            std::lock_guard lock(mu_);
            cancelled_builds_.erase(d.id);
          }
          Deliver({d.id, "", [image](Rollout& m, Clock::TimePoint t) { m.Built(image, t); }});
        });
        return;
      case Kind::kPrepareImage:
        return post([this, s, d] {
          Status st = actions_.PrepareImage(s, d);
          return [st](Rollout& m, Clock::TimePoint t) { m.ImageReady(st, t); };
        });
      case Kind::kStopPrevious: {
        {
          // The previous release is still the active one: the replica reconciler must not start
          // it again while this rollout owns its stop (nor count its exit as a crash).
          std::lock_guard lock(mu_);
          stopped_previous_[d.id] = r.machine.previous();
        }
        return post([this, s, d, previous = r.machine.previous()] {
          actions_.StopPrevious(s, d, previous);
          return [](Rollout& m, Clock::TimePoint t) { m.PreviousStopped(t); };
        });
      }
      case Kind::kStartReplicas:
        return post([this, s, d] {
          auto ids = actions_.StartReplicas(s, d);
          return [ids](Rollout& m, Clock::TimePoint t) { m.Started(ids, t); };
        });
      case Kind::kCheckReplicas:
        return post([this, s, d, ids = r.machine.replica_ids()] {
          auto checks = actions_.Check(s, d, ids);
          return [checks](Rollout& m, Clock::TimePoint t) { m.Checked(checks, t); };
        });
      case Kind::kPromote: {
        // "active" promises a URL that serves the new release: the route file sends the
        // service's traffic to the new replicas first, and the deployment is activated only once
        // the edge says it loaded that file. Until then the previous release stays active.
        std::vector<RouteBackend> backends;
        for (const auto& address : r.machine.ready_addresses()) {
          backends.push_back({address, d.spec.port});
        }
        return post([this, s, d, backends] {
          routes_.Promote(s.id, d.id, backends);
          routes_.Publish();  // from here: a pass is not on the promotion's path
          return [](Rollout& m, Clock::TimePoint t) { m.Promoted({}, t); };
        });
      }
      case Kind::kActivate:
        return post([this, s, d, previous = r.machine.previous(), timings = r.machine.timings(),
                     ids = r.machine.replica_ids()] {
          {
            std::lock_guard lock(mu_);
            if (!previous.empty()) draining_.insert(previous);
          }
          Status st = actions_.Activate(s, d, timings);
          if (!st.ok()) {
            std::lock_guard lock(mu_);
            draining_.erase(previous);
          } else {
            observation_.AddActivated(runtime_, s, d, ids);
          }
          Wake();  // rewrite the routes now
          return [st](Rollout& m, Clock::TimePoint t) { m.Activated(st, t); };
        });
      case Kind::kRemovePrevious:
        return post([this, previous = r.machine.previous()] {
          actions_.RemoveDeployment(previous, /*graceful=*/true);
          std::lock_guard lock(mu_);
          draining_.erase(previous);
          return [](Rollout& m, Clock::TimePoint t) { m.Removed(t); };
        });
      case Kind::kFail:
        return post([this, s, d, reason = r.machine.failure(), tail = r.machine.log_tail_of()] {
          if (routes_.Withdraw(s.id, d.id)) Wake();  // the routes go back to the previous release
          actions_.RecordFailure(s, d, reason, tail);
          return [](Rollout& m, Clock::TimePoint t) { m.FailRecorded(t); };
        });
      case Kind::kWait:
      case Kind::kCheckRoute:
      case Kind::kFinished:
        return;
    }
  }

  void Tick() {
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
      for (const auto& [deployment_id, previous] : stopped_previous_) rolling.insert(previous);
      keep.insert(draining_.begin(), draining_.end());
    }
    keep.insert(rolling.begin(), rolling.end());
    // Besides the active releases, get_service shows the replicas being started and drained.
    std::map<std::string, Deployment> others;  // by deployment id
    std::set<std::string> draining;
    {
      std::lock_guard lock(mu_);
      draining = draining_;
    }
    for (const auto& [deployment_id, service_id] :
         controller_internal::ReleasesInTransition(by_id, *containers, rolling, draining)) {
      auto d = CachedDeployment(by_id.at(service_id), deployment_id);
      if (d.ok()) others[d->id] = *d;
    }
    auto observed = replicas_.Reconcile(by_id, active, *containers, rolling, others);
    observation_.Replace(std::move(observed));
    // deploy {wait} answers once the new release's replicas are seen (ServiceAfter, src/api).
    for (const auto& entry : by_id) store_.changes().Notify(ReplicasKey(entry.first));
    garbage_.Collect(by_id, active, *containers, keep);
    // From the services as the store has them now, not this pass's snapshot: a rollout started
    // in this pass for a service created since may already have published its promotion.
    routes_.Publish();
  }

  // Starts a rollout for the newest unfinished deployment of each service that has none
  // running; marks older unfinished ones failed, and aborts the rollouts of deleted services.
  // Returns the ids of every unfinished deployment.
  std::set<std::string> StartRollouts(const std::map<std::string, Service>& services) {
    std::set<std::string> ids;
    const Clock::TimePoint now = clock_.Steady();
    // `services` was read at the start of this pass: a service created since then is new, not
    // deleted. Only the store can say which.
    auto deleted = [&](const std::string& service_id) {
      if (services.count(service_id)) return false;
      auto current = store_.GetServiceById(service_id);
      return !current.ok() && current.error().code == ErrorCode::kNotFound;
    };
    // An aborted rollout's build stops at once: it would otherwise hold a build slot until it
    // ended (up to the build timeout) while the service's next deployment waits behind it.
    auto abort = [&](Running& r, const std::string& reason) {
      const bool building = r.machine.step() == Rollout::Step::kBuild && r.machine.in_flight();
      r.machine.Abort(reason, now);
      if (!building || r.machine.step() != Rollout::Step::kFailing) return;
      std::lock_guard lock(mu_);  // the build job erases it once the build returned
      cancelled_builds_.insert(r.machine.deployment().id);
    };
    for (auto& [id, r] : rollouts_) {
      if (deleted(r.service.id)) abort(r, "the service was deleted");
    }
    auto unfinished = store_.ListUnfinishedDeployments();
    if (!unfinished.ok()) return ids;
    std::map<std::string, Deployment> newest;  // by service, oldest first input → last wins
    for (const auto& d : *unfinished) {
      ids.insert(d.id);
      auto it = newest.find(d.service_id);
      if (it != newest.end() && !rollouts_.count(it->second.id)) {
        (void)store_.UpdateDeploymentStatus(it->second.id, DeploymentStatus::kFailed,
                                            "superseded by " + d.id + " before it finished");
      }
      newest[d.service_id] = d;
    }
    // A newer deployment cancels a build in progress (as on Railway). Later steps are bounded
    // by the health timeout and may already have written "active" to the store (the Activate
    // step runs before its outcome reaches the machine): they finish as they are.
    for (auto& [id, r] : rollouts_) {
      auto it = newest.find(r.service.id);
      if (it != newest.end() && it->second.id != id && r.machine.step() == Rollout::Step::kBuild) {
        abort(r, "superseded by " + it->second.id + " before it finished");
      }
    }
    std::set<std::string> busy;  // services with a rollout
    for (const auto& [id, r] : rollouts_) busy.insert(r.service.id);
    for (const auto& [service_id, d] : newest) {
      if (busy.count(service_id) || rollouts_.count(d.id)) continue;
      Result<Service> s = NotFound("");
      if (auto it = services.find(service_id); it != services.end()) {
        s = it->second;
      } else {
        s = store_.GetServiceById(service_id);
        if (!s.ok() && s.error().code == ErrorCode::kNotFound) {
          (void)store_.UpdateDeploymentStatus(d.id, DeploymentStatus::kFailed,
                                              "the service was deleted");
          continue;
        }
        if (!s.ok()) continue;  // the store hiccuped: look again next pass
      }
      const controller_internal::RolloutTimeouts timeouts{.health = options_.health_timeout,
                                                          .route = options_.route_timeout,
                                                          .drain = options_.drain};
      rollouts_.emplace(d.id, Running{*s, Rollout(d, s->active_deployment_id, timeouts, now)});
      Event(*s, d.id, "deploy_started", DeployStartedMessage(d, s->active_deployment_id));
      std::lock_guard lock(mu_);
      rollout_service_[d.id] = service_id;
    }
    return ids;
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

  void Event(const Service& s, const std::string& deployment_id, const std::string& kind,
             const std::string& message) {
    controller_internal::RecordEvent(store_, s, deployment_id, kind, message);
  }

  Store& store_;
  ContainerRuntime& runtime_;
  Clock& clock_;
  const ControllerOptions options_;
  std::thread loop_;
  RoutePublisher publisher_;
  NetworkProber network_prober_;
  Prober& prober_;
  HealthProber health_;     // liveness of the active replicas, for the loop
  HealthProber readiness_;  // readiness of the replicas being rolled out
  JobRunner jobs_;          // the reconcilers' blocking runtime calls
  JobRunner steps_;         // rollout steps (kStepsPerProject per project)
  JobRunner builds_;        // rollout builds
  RolloutActions actions_;
  ReplicaReconciler replicas_;
  GarbageCollector garbage_;
  RouteReconciler routes_;
  ReplicaObservation observation_{health_};

  // Loop thread only.
  std::map<std::string, Running> rollouts_;      // by deployment id
  std::map<std::string, int> steps_by_project_;  // rollout steps handed out, not yet back
  uint64_t step_sequence_ = 0;                   // names each step's job

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::vector<Outcome> outcomes_;                       // of rollout steps, for the loop to apply
  bool poked_ = false;                                  // a readiness probe changed
  std::map<std::string, std::string> rollout_service_;  // deployment id → service id
  // Stop-then-start rollouts that stopped (or are stopping) the active release: deployment id →
  // the previous release's id.
  std::map<std::string, std::string> stopped_previous_;
  std::set<std::string> draining_;  // superseded deployments still serving in-flight requests
  std::set<std::string> cancelled_builds_;  // deployments whose build must stop (aborted)
  std::map<std::string, Deployment> deployment_cache_;  // only .spec is read: it never changes
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
int ServiceController::ContainerCount() const { return impl_->ContainerCount(); }
Status ServiceController::RuntimeStatus() const { return impl_->RuntimeStatus(); }
RouteStatus ServiceController::Routing() const { return impl_->Routing(); }
const RuntimePolicy& ServiceController::policy() const { return impl_->policy(); }
bool ServiceController::Unrouted(const std::string& id) const { return impl_->Unrouted(id); }

}  // namespace ink
