// The Dockerfile policy of one build (dockerfile_policy.h) with the host's side filled in: the
// workspace's cache namespace, the build secret the pipeline provides, the context, DNS for ADD
// <url> and this host's own addresses (never a public address for ADD).
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>

#include "src/build/pipeline_impl.h"
#include "src/build/toolchain.h"

namespace ink {
namespace {

std::string AddressText(const sockaddr* sa) {
  char text[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, text, sizeof text);
  } else if (sa->sa_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, text, sizeof text);
  }
  return text;
}

Result<std::vector<std::string>> Resolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0) return NotFound(gai_strerror(rc));
  std::vector<std::string> addresses;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    std::string text = AddressText(a->ai_addr);
    if (!text.empty()) addresses.push_back(text);
  }
  ::freeaddrinfo(found);
  if (addresses.empty()) return NotFound("no addresses");
  return addresses;
}

std::vector<std::string> HostAddresses() {
  std::vector<std::string> addresses;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return addresses;
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr) continue;
    std::string text = AddressText(a->ifa_addr);
    if (!text.empty()) addresses.push_back(text);
  }
  ::freeifaddrs(list);
  return addresses;
}

}  // namespace

build::DockerfilePolicy BuildPipeline::Impl::DockerfilePolicyFor(
    const std::string& workspace_id, const std::string& context_dir) const {
  build::DockerfilePolicy policy;
  policy.cache_namespace = "ink-" + workspace_id;
  policy.secret_ids = {"ink-env"};
  policy.context_dir = context_dir;
  policy.resolve = Resolve;
  policy.host_addresses = HostAddresses();
  if (options_.debian_from_base_image)
    policy.image_aliases = build::DebianBookwormAliases(build::kBaseImage);
  return policy;
}

}  // namespace ink
