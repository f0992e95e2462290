// Internal to the controller: GarbageCollector removes what no service needs any more.
//
// What it converges: no container of this instance belongs to a deleted service, to a
// deployment that is neither active, nor unfinished, nor draining, nor owned by a rollout, or
// to a replica index at or above the active deployment's count (scaled down); a project
// network named by ForgetNetwork is removed once none of its project's containers is left.
//
// How: FindGarbage is the rule, a pure function of one pass's snapshot. Collect() runs on the
// loop thread and posts each removal as a JobRunner job keyed by the container (or network), so
// a slow podman removal never holds the loop and a removal is asked for once however many
// passes see the container before it is gone.
//
// Thread contract: Collect from the loop thread; ForgetNetwork from any thread (a mutex guards
// the networks waiting for removal).
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "ink/runtime/runtime.h"
#include "ink/store/model.h"
#include "job_runner.h"

namespace ink::controller_internal {

struct Garbage {
  std::string container_id;
  std::string name;
  std::string why;  // "its service was deleted", ...
};

// The containers to remove. `active`: each service's active deployment, by service id; `keep`:
// deployment ids whose containers stay although not active (unfinished, draining, rolling out).
std::vector<Garbage> FindGarbage(const std::map<std::string, Service>& services,
                                 const std::map<std::string, Deployment>& active,
                                 const std::vector<ContainerInfo>& containers,
                                 const std::set<std::string>& keep);

class GarbageCollector {
 public:
  GarbageCollector(ContainerRuntime& runtime, JobRunner& jobs);

  // One pass: removes the garbage and the forgotten networks no container uses.
  void Collect(const std::map<std::string, Service>& services,
               const std::map<std::string, Deployment>& active,
               const std::vector<ContainerInfo>& containers, const std::set<std::string>& keep);
  // Removes a project's network once its containers are gone.
  void ForgetNetwork(const std::string& network);

 private:
  void RemoveForgottenNetworks(const std::vector<ContainerInfo>& containers);

  ContainerRuntime& runtime_;
  JobRunner& jobs_;
  std::mutex mu_;  // guards networks_to_remove_
  std::set<std::string> networks_to_remove_;
};

}  // namespace ink::controller_internal
