#include "route_reconciler.h"

#include <cstdlib>
#include <utility>

#include "ink/common/log.h"
#include "ink/common/names.h"
#include "ink/common/service_addresses.h"

namespace ink::controller_internal {

RouteReconciler::RouteReconciler(
    Store& store, RoutePublisher& publisher, std::string routes_path, std::string platform_domain,
    std::function<std::vector<ReplicaStatus>(const std::string& service_id)> observed)
    : store_(store),
      publisher_(publisher),
      routes_path_(std::move(routes_path)),
      platform_domain_(std::move(platform_domain)),
      observed_(std::move(observed)) {}

std::string RouteReconciler::HostFor(const std::string& service, const std::string& project) const {
  return PublicServiceHost(service, project, platform_domain_);
}

bool RouteReconciler::Unrouted(const std::string& service_id) const {
  std::lock_guard lock(mu_);
  return unrouted_.count(service_id) > 0;
}

void RouteReconciler::Promote(const std::string& service_id, const std::string& deployment_id,
                              std::vector<RouteBackend> backends) {
  std::lock_guard lock(mu_);
  promoting_[service_id] = Promotion{deployment_id, std::move(backends)};
}

bool RouteReconciler::Withdraw(const std::string& service_id, const std::string& deployment_id) {
  std::lock_guard lock(mu_);
  auto it = promoting_.find(service_id);
  if (it == promoting_.end() || it->second.deployment_id != deployment_id) return false;
  promoting_.erase(it);
  return true;
}

Result<std::string> RouteReconciler::ProjectName(const Service& s) {
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

// The services as the store has them now, read under publish_mu_: a snapshot read before
// another rollout published could lack its (newer) service and drop that service's route or
// promotion from the file.
void RouteReconciler::Publish() {
  std::lock_guard publishing(publish_mu_);
  auto services = store_.ListAllServices();
  if (!services.ok()) return;  // the next pass publishes
  std::map<std::string, Service> by_id;
  for (auto& s : *services) by_id[s.id] = s;
  WriteLocked(by_id);
}

void RouteReconciler::WriteLocked(const std::map<std::string, Service>& services) {
  if (routes_path_.empty()) return;
  // Only a service holding its hostname gets a route: one host, one service (a database
  // from before claims may hold a younger service whose label an older one had first).
  auto claims = store_.ListHostnameClaims();
  if (!claims.ok()) {
    LogError("controller", "cannot read hostname claims: " + claims.error().message);
    return;
  }
  std::set<std::string> holders, unrouted;
  for (const auto& claim : *claims) holders.insert(claim.service_id);
  // Verified domains (add_domain) are more hosts of their service's route.
  std::map<std::string, std::vector<std::string>> domains;  // service id → names
  auto verified = store_.ListVerifiedDomains();
  if (verified.ok()) {
    for (const auto& d : *verified) domains[d.service_id].push_back(d.name);
  } else {
    LogError("controller", "cannot read the domains (serving default hostnames only): " +
                               verified.error().message);
  }
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
      for (const auto& r : observed_(id)) {
        // A running replica keeps its route until its first probe says otherwise (after an
        // inkd restart the edge must not lose every backend while the probes run).
        if (!(r.healthy || r.unprobed) || r.deployment_id != s.active_deployment_id) continue;
        size_t colon = r.address.rfind(':');
        if (colon == std::string::npos) continue;  // not observed with an address yet
        route.backends.push_back(
            {r.address.substr(0, colon), std::atoi(r.address.c_str() + colon + 1)});
      }
      if (!route.backends.empty()) serves[id] = s.active_deployment_id;
    }
    auto extra = domains.find(id);
    if (extra != domains.end()) {
      for (const auto& name : extra->second) {
        RouteEntry alias = route;
        alias.host = name;
        routes.push_back(std::move(alias));
      }
    }
    routes.push_back(std::move(route));
  }
  auto version = publisher_.Publish(routes);
  if (!version.ok()) {
    LogError("controller", "cannot publish the routes: " + version.error().message);
    return;
  }
  std::lock_guard lock(mu_);
  unrouted_.swap(unrouted);
  routed_.clear();
  for (const auto& [id, deployment] : serves) routed_[id] = {deployment, *version};
}

RouteObservation RouteReconciler::Observe(const Service& s, const Deployment& d) {
  using State = RouteObservation::State;
  if (routes_path_.empty()) return {State::kLoaded};
  auto project = ProjectName(s);
  if (!project.ok())
    return {State::kRejected, "cannot read the project: " + project.error().message};
  const std::string host = HostFor(s.name, *project);
  RouteObservation route;
  {
    std::lock_guard lock(mu_);
    if (unrouted_.count(s.id)) {
      return {State::kUnrouted, "hostname " + host +
                                    " belongs to another service, so this one gets no route; "
                                    "delete it and deploy it under another name"};
    }
    auto it = routed_.find(s.id);
    if (it != routed_.end() && it->second.deployment_id == d.id) route.version = it->second.version;
  }
  if (route.version == 0) return route;
  std::string reason;
  switch (publisher_.Acknowledged(route.version, host, &reason)) {
    case RouteAck::kLoaded:
      route.state = State::kLoaded;
      break;
    case RouteAck::kRejected:
      route.state = State::kRejected;
      route.reason = "ink-edge refused the route of " + host + ": " + reason;
      break;
    case RouteAck::kPending:
      route.reason = publisher_.Status().problem;
      break;
  }
  return route;
}

}  // namespace ink::controller_internal
