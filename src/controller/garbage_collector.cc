#include "garbage_collector.h"

#include <algorithm>
#include <cstdlib>

#include "ink/common/log.h"
#include "ink/controller/service_controller.h"

namespace ink::controller_internal {

std::vector<Garbage> FindGarbage(const std::map<std::string, Service>& services,
                                 const std::map<std::string, Deployment>& active,
                                 const std::vector<ContainerInfo>& containers,
                                 const std::set<std::string>& keep) {
  std::vector<Garbage> garbage;
  for (const auto& c : containers) {
    auto svc = c.labels.find(kLabelService);
    auto dep = c.labels.find(kLabelDeployment);
    auto rep = c.labels.find(kLabelReplica);
    if (svc == c.labels.end() || dep == c.labels.end()) continue;
    auto s = services.find(svc->second);
    if (s == services.end()) {
      garbage.push_back({c.id, c.name, "its service was deleted"});
    } else if (dep->second != s->second.active_deployment_id) {
      if (!keep.count(dep->second)) {
        garbage.push_back({c.id, c.name, "its deployment is no longer active"});
      }
    } else if (rep != c.labels.end()) {
      auto a = active.find(s->first);
      if (a != active.end() && std::atoi(rep->second.c_str()) >= a->second.spec.replicas) {
        garbage.push_back({c.id, c.name, "the service was scaled down"});
      }
    }
  }
  return garbage;
}

GarbageCollector::GarbageCollector(ContainerRuntime& runtime, JobRunner& jobs)
    : runtime_(runtime), jobs_(jobs) {}

void GarbageCollector::Collect(const std::map<std::string, Service>& services,
                               const std::map<std::string, Deployment>& active,
                               const std::vector<ContainerInfo>& containers,
                               const std::set<std::string>& keep) {
  for (const auto& g : FindGarbage(services, active, containers, keep)) {
    jobs_.Post("remove/" + g.container_id, [this, g] {
      LogInfo("controller", "removing container " + g.name + ": " + g.why);
      (void)runtime_.RemoveContainer(g.container_id, true);
    });
  }
  RemoveForgottenNetworks(containers);
}

void GarbageCollector::ForgetNetwork(const std::string& network) {
  std::lock_guard lock(mu_);
  networks_to_remove_.insert(network);
}

void GarbageCollector::RemoveForgottenNetworks(const std::vector<ContainerInfo>& containers) {
  std::set<std::string> pending;
  {
    std::lock_guard lock(mu_);
    pending = networks_to_remove_;
  }
  for (const auto& network : pending) {
    // The project id is the network name without "ink-"; wait until its containers are gone.
    std::string project_id = network.substr(network.find('-') + 1);
    bool in_use = std::any_of(containers.begin(), containers.end(), [&](const ContainerInfo& c) {
      auto p = c.labels.find(kLabelProject);
      return p != c.labels.end() && p->second == project_id;
    });
    if (in_use) continue;
    jobs_.Post("network/" + network, [this, network] {
      if (runtime_.RemoveNetwork(network).ok()) {
        std::lock_guard lock(mu_);
        networks_to_remove_.erase(network);
      }
    });
  }
}

}  // namespace ink::controller_internal
