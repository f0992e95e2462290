#include "replica_reconciler.h"

#include <algorithm>
#include <cstdlib>

namespace ink {

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

}  // namespace ink

namespace ink::controller_internal {

std::chrono::seconds RestartDelay(int failures) {
  return std::chrono::seconds(std::min(60, 1 << std::clamp(failures - 1, 0, 6)));
}

bool IsExited(const ContainerInfo& c) {
  return c.state == "exited" || c.state == "stopped" || c.state == "dead" || c.oom_killed;
}

std::string ExitReason(const ContainerInfo& c) {
  if (c.oom_killed) return "was killed: out of memory (OOM)";
  return "exited with code " + std::to_string(c.exit_code);
}

std::map<std::string, std::string> ReleasesInTransition(
    const std::map<std::string, Service>& services, const std::vector<ContainerInfo>& containers,
    const std::set<std::string>& rolling, const std::set<std::string>& draining) {
  std::map<std::string, std::string> out;
  for (const auto& c : containers) {
    auto svc = c.labels.find(kLabelService);
    auto dep = c.labels.find(kLabelDeployment);
    if (svc == c.labels.end() || dep == c.labels.end()) continue;
    auto s = services.find(svc->second);
    if (s == services.end() || dep->second == s->second.active_deployment_id) continue;
    if (rolling.count(dep->second) || draining.count(dep->second)) out[dep->second] = s->first;
  }
  return out;
}

const ContainerInfo* FindReplica(const std::vector<ContainerInfo>& containers,
                                 const std::string& deployment_id, int index) {
  const std::string replica = std::to_string(index);
  for (const auto& c : containers) {
    auto dep = c.labels.find(kLabelDeployment);
    auto rep = c.labels.find(kLabelReplica);
    if (dep != c.labels.end() && dep->second == deployment_id && rep != c.labels.end() &&
        rep->second == replica) {
      return &c;
    }
  }
  return nullptr;
}

ReplicaStatus Observe(const ContainerInfo& c, const Deployment& d, int index, bool healthy) {
  ReplicaStatus r;
  r.container_id = c.id;
  r.name = c.name;
  r.deployment_id = d.id;
  r.index = index;
  r.state = c.state;
  r.healthy = healthy;
  r.oci_runtime = c.oci_runtime;
  r.address = c.ip_address.empty() ? "" : c.ip_address + ":" + std::to_string(d.spec.port);
  r.exit_code = c.exit_code;
  r.oom_killed = c.oom_killed;
  return r;
}

ReplicaReconciler::ReplicaReconciler(ContainerRuntime& runtime, HealthProber& health,
                                     JobRunner& jobs, Clock& clock, Hooks hooks)
    : runtime_(runtime), health_(health), jobs_(jobs), clock_(clock), hooks_(std::move(hooks)) {}

std::map<std::string, std::vector<ReplicaStatus>> ReplicaReconciler::Reconcile(
    const std::map<std::string, Service>& services, const std::map<std::string, Deployment>& active,
    const std::vector<ContainerInfo>& containers, const std::set<std::string>& rolling,
    const std::map<std::string, Deployment>& others) {
  std::map<std::string, std::vector<ReplicaStatus>> observed;
  std::set<std::string> probed, exited;  // container ids
  const auto now = clock_.Steady();
  for (const auto& [id, s] : services) {
    observed[id];  // services with no containers show an empty list
    auto a = active.find(id);
    if (a == active.end()) continue;
    const Deployment& d = a->second;
    for (int i = 0; i < d.spec.replicas; ++i) {
      const std::string key = s.id + "/" + std::to_string(i);
      const std::string job_key = "replica/" + key;
      const ContainerInfo* c = FindReplica(containers, d.id, i);
      Backoff& backoff = backoff_[key];
      // A stop-then-start rollout is stopping this release: its exit is not a crash.
      if (c != nullptr && IsExited(*c) && rolling.count(d.id)) continue;
      if (c != nullptr && IsExited(*c)) {
        exited.insert(c->id);
        // Counted once, however many passes see it before its removal ends.
        if (crashes_seen_.insert(c->id).second) {
          ++restarts_[key];
          ++backoff.failures;
          auto delay = RestartDelay(backoff.failures);
          backoff.next_attempt = now + delay;
          hooks_.event(s, d.id, c->oom_killed ? "oom_killed" : "crashed",
                       "replica " + std::to_string(i) + " " + ExitReason(*c) + "; restarting in " +
                           std::to_string(delay.count()) + "s");
        }
        std::string container_id = c->id;
        jobs_.Post(job_key,
                   [this, container_id] { (void)runtime_.RemoveContainer(container_id, true); });
        continue;
      }
      if (c == nullptr) {
        if (rolling.count(d.id) || now < backoff.next_attempt) continue;
        jobs_.Post(job_key, [this, s = s, d = d, i] {
          Status created = hooks_.ensure_replica(s, d, i);
          if (created.ok()) {
            hooks_.event(s, d.id, "restarted", "replica " + std::to_string(i) + " started again");
          } else {
            hooks_.event(s, d.id, "restart_failed",
                         "replica " + std::to_string(i) + ": " + created.error().message);
          }
        });
        continue;
      }
      // The prober answers for the replica later; this pass uses the latest result.
      bool healthy = false, unprobed = false;
      if (c->state == "running" && !c->ip_address.empty()) {
        probed.insert(c->id);
        health_.Request(c->id, {s.id, c->ip_address, d.spec.port});
        auto last = health_.Last(c->id);
        healthy = last && last->healthy;
        unprobed = !last;
        if (last) {
          if (auto kind = health_events_.Observe(c->id, healthy)) {
            hooks_.event(s, d.id, *kind,
                         "replica " + std::to_string(i) +
                             (healthy ? " passes its health check again"
                                      : " fails its health check (port " +
                                            std::to_string(d.spec.port) + " does not accept)"));
          }
        }
      }
      if (healthy && c->started_at > 0 && clock_.NowMillis() - c->started_at > 60'000) {
        backoff.failures = 0;
      }
      ReplicaStatus r = Observe(*c, d, i, healthy);
      r.unprobed = unprobed;
      r.restarts = restarts_[key];
      observed[id].push_back(r);
    }
  }
  for (const auto& c : containers) {
    auto svc = c.labels.find(kLabelService);
    auto dep = c.labels.find(kLabelDeployment);
    auto rep = c.labels.find(kLabelReplica);
    if (svc == c.labels.end() || dep == c.labels.end() || rep == c.labels.end()) continue;
    auto d = others.find(dep->second);
    auto list = observed.find(svc->second);
    if (d == others.end() || list == observed.end()) continue;
    auto last = health_.Last(c.id);  // a rollout records its readiness results
    ReplicaStatus r = Observe(c, d->second, std::atoi(rep->second.c_str()), last && last->healthy);
    r.role = rolling.count(d->first) ? ReplicaRole::kStarting : ReplicaRole::kDraining;
    list->second.push_back(r);
  }
  std::erase_if(crashes_seen_, [&](const std::string& cid) { return !exited.count(cid); });
  health_.Retain(probed);
  health_events_.Retain(probed);
  return observed;
}

}  // namespace ink::controller_internal
