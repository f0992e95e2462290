// Internal to the controller: RouteReconciler keeps ink-edge's route file in step with the
// services, and tells a rollout when the edge serves its new replicas.
//
// What it converges: the route file (RoutePublisher, an immutable snapshot per version) holds
// one entry per service that holds its hostname: to the replicas of the rollout being promoted
// for it, else to its active deployment's healthy (or not yet probed) replicas. A service that
// holds no hostname gets no route (Unrouted). Publish() reads the services as the store has them
// now, so a publish never drops a route or a promotion a newer service brought.
//
// A rollout promotes its ready replicas (Promote + Publish) and asks Observe whether the edge
// loaded a version that routes its service to them; a failed rollout withdraws (Withdraw).
//
// Thread contract: every method from any thread. Publish calls are serialized (one writer, as
// RoutePublisher requires); `observed` (the controller's last pass) is called without a lock.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "ink/controller/route_publisher.h"
#include "ink/controller/service_controller.h"
#include "ink/store/store.h"
#include "rollout.h"

namespace ink::controller_internal {

class RouteReconciler {
 public:
  // `routes_path` "" = no route file (every promotion counts as served). `observed` answers the
  // replicas the last pass saw of a service.
  RouteReconciler(
      Store& store, RoutePublisher& publisher, std::string routes_path, std::string platform_domain,
      std::function<std::vector<ReplicaStatus>(const std::string& service_id)> observed);

  // Writes the routes of every service as the store has them now.
  void Publish();
  // From now on `service_id`'s route sends traffic to `backends` of `deployment_id` (until the
  // deployment is active, or Withdraw). Takes effect at the next Publish.
  void Promote(const std::string& service_id, const std::string& deployment_id,
               std::vector<RouteBackend> backends);
  // Ends `deployment_id`'s promotion; true if there was one (then Publish sends the traffic back).
  bool Withdraw(const std::string& service_id, const std::string& deployment_id);
  // Whether the edge serves `d`'s promotion (reads the edge's report: quick).
  RouteObservation Observe(const Service& s, const Deployment& d);

  std::string HostFor(const std::string& service, const std::string& project) const;
  bool Unrouted(const std::string& service_id) const;

 private:
  struct Promotion {
    std::string deployment_id;
    std::vector<RouteBackend> backends;
  };
  struct Routed {
    std::string deployment_id;  // whose replicas the service's route sends traffic to
    int64_t version = 0;        // of the route file that does
  };
  Result<std::string> ProjectName(const Service& s);
  void WriteLocked(const std::map<std::string, Service>& services);  // under publish_mu_

  Store& store_;
  RoutePublisher& publisher_;
  const std::string routes_path_;
  const std::string platform_domain_;
  const std::function<std::vector<ReplicaStatus>(const std::string&)> observed_;

  std::mutex publish_mu_;  // one Publish at a time (RoutePublisher::Publish's contract)
  mutable std::mutex mu_;  // guards everything below
  std::map<std::string, Promotion> promoting_;  // by service id: rollouts taking traffic
  std::map<std::string, Routed> routed_;        // by service id, as last published
  std::set<std::string> unrouted_;              // services that hold no hostname (so get no route)
  std::map<std::string, std::string> project_names_;  // by project id
};

}  // namespace ink::controller_internal
