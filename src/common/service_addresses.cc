#include "ink/common/service_addresses.h"

#include "ink/common/names.h"

namespace ink {

std::string PrivateServiceName(std::string_view service, std::string_view project) {
  return std::string(service) + "." + std::string(project) + ".internal";
}

std::vector<std::string> PrivateServiceAliases(std::string_view service, std::string_view project) {
  return {std::string(service), PrivateServiceName(service, project)};
}

std::string PublicServiceHost(std::string_view service, std::string_view project,
                              std::string_view platform_domain) {
  return ServiceHostLabel(service, project) + "." + std::string(platform_domain);
}

std::string PublicServiceUrl(std::string_view service, std::string_view project,
                             std::string_view platform_domain, int edge_port) {
  std::string url = "http://" + PublicServiceHost(service, project, platform_domain);
  if (edge_port != 80) url += ":" + std::to_string(edge_port);
  return url;
}

std::string PublicServiceUrl(std::string_view service, std::string_view project,
                             std::string_view platform_domain, int edge_port, int https_port) {
  if (https_port <= 0) return PublicServiceUrl(service, project, platform_domain, edge_port);
  std::string url = "https://" + PublicServiceHost(service, project, platform_domain);
  if (https_port != 443) url += ":" + std::to_string(https_port);
  return url;
}

std::map<std::string, std::string> InkVariables(const ReplicaAddressing& replica) {
  return {{"INK_SERVICE", replica.service},
          {"INK_PROJECT", replica.project},
          {"INK_PRIVATE_URL", "http://" + PrivateServiceName(replica.service, replica.project) +
                                  ":" + std::to_string(replica.port)},
          {"INK_PUBLIC_URL", PublicServiceUrl(replica.service, replica.project,
                                              replica.platform_domain, replica.edge_port,
                                              replica.https_port)}};
}

void InjectVariables(const ReplicaAddressing& replica, std::map<std::string, std::string>& env) {
  for (auto& [name, value] : InkVariables(replica)) env[name] = std::move(value);
  env.try_emplace("PORT", std::to_string(replica.port));
}

}  // namespace ink
