// The store's side of variable references (variable_references.h is the pure resolver): loads
// what a reference can name in one project — every service's current variables and the
// project's shared variables, unsealed in memory only, with each service's addressing — and
// the environment one deployment's replicas and build run with.
//
// When references resolve: when a replica is created (and when a build starts). A deployment
// keeps its own snapshot of its service's variables (Store::DeployOptions); what they reference
// (other services' variables, shared variables, addresses) is read as it is at that moment, so
// a replica created later (a crash restart, a scale-up) sees the referenced values of then. A
// change that should reach running replicas redeploys the services referencing it (set_env).
//
// Errors name variables and references, never values. Thread contract: functions of their
// arguments; the store and SecretBox are used as their own contracts allow.
#pragma once

#include <map>
#include <string>

#include "ink/common/result.h"
#include "ink/common/secret_box.h"
#include "ink/common/variable_references.h"
#include "ink/store/store.h"

namespace ink {

// Where the platform serves services (for INK_PUBLIC_URL).
struct PublicAddressing {
  std::string platform_domain;
  int edge_port = 80;
  int https_port = 0;  // as ReplicaAddressing's
};

// Every service of `project` (its current variables; port: its active deployment's, else its
// spec's) and the project's shared variables. Internal if a value cannot be unsealed (naming it).
Result<ProjectEnv> LoadProjectEnv(Store& store, const SecretBox& secrets, const Project& project,
                                  const PublicAddressing& where);

// The environment deployment `d` of `service` runs with: its own snapshot of the service's
// variables with references resolved against the project (ResolveServiceEnv, as if the service's
// variables were the snapshot and its port `d.spec.port`), then Ink's injected variables.
// `inject` false keeps only the snapshot's names (a build's variables). InvalidArgument naming
// the chain for a dangling reference or a cycle.
Result<std::map<std::string, std::string>> DeploymentEnvironment(
    Store& store, const SecretBox& secrets, const Project& project, const Service& service,
    const Deployment& d, const PublicAddressing& where, bool inject = true);

}  // namespace ink
