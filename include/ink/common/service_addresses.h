// Where a service can be reached and the variables Ink injects into each of its replicas.
//
// Privately, every replica carries two DNS names on its project's network (aardvark-dns answers
// them, and only inside that network): "<service>" and "<service>.<project>.internal". Publicly,
// the edge serves it at http://<service>-<project>.<platform domain>[:<edge port>]. The rule for
// both lives here once: the controller uses it for container aliases and injected variables, the
// API for the `url` it reports.
//
// Thread contract: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ink {

// "<service>.<project>.internal" ("db" in "shop" → "db.shop.internal").
std::string PrivateServiceName(std::string_view service, std::string_view project);
// The DNS names every replica of the service carries on its project's network:
// {"<service>", "<service>.<project>.internal"}.
std::vector<std::string> PrivateServiceAliases(std::string_view service, std::string_view project);

// "<service>-<project>.<platform_domain>": the host the edge serves the service at.
std::string PublicServiceHost(std::string_view service, std::string_view project,
                              std::string_view platform_domain);
// "https://<host>" plus ":<https_port>" unless it is 443, when https_port > 0; else
// "http://<host>" plus ":<edge_port>" unless the edge listens on 80.
std::string PublicServiceUrl(std::string_view service, std::string_view project,
                             std::string_view platform_domain, int edge_port, int https_port);
// "http://<host>" plus ":<edge_port>" unless the edge listens on 80.
std::string PublicServiceUrl(std::string_view service, std::string_view project,
                             std::string_view platform_domain, int edge_port);

// What the injected variables are computed from.
struct ReplicaAddressing {
  std::string service;
  std::string project;
  std::string platform_domain;
  int edge_port = 80;
  int port = 0;  // the deployment's port: where the edge and peers send traffic
  // ink-edge's HTTPS port when the edge serves the default hostname with a certificate (the
  // platform's wildcard); 0: INK_PUBLIC_URL is plain http on edge_port.
  int https_port = 0;
};

// INK_SERVICE, INK_PROJECT, INK_PRIVATE_URL (http://<service>.<project>.internal:<port>) and
// INK_PUBLIC_URL (PublicServiceUrl).
std::map<std::string, std::string> InkVariables(const ReplicaAddressing& replica);

// Adds the injected variables to a replica's `env` (the user's variables): INK_* always take
// Ink's value (they describe where the replica runs; a user value would lie about it), PORT is
// added only when the user did not set it.
void InjectVariables(const ReplicaAddressing& replica, std::map<std::string, std::string>& env);

}  // namespace ink
