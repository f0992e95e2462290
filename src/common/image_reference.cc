#include "ink/common/image_reference.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace ink {
namespace {

constexpr size_t kMaxReferenceLength = 512;

bool AllowedCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
         c == '/' || c == ':' || c == '@';
}

bool HasUpper(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
}

// Docker's rule for whether the first component of a name is a registry host.
bool IsRegistryComponent(std::string_view first) {
  return first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
         HasUpper(first);
}

bool IsDockerHub(std::string_view registry) {
  return registry == kDockerHubRegistry || registry == "index.docker.io" ||
         registry == "registry-1.docker.io";
}

// Splits without judging: what ParseImageReference checks and NormalizeImageReference uses.
ImageReference Split(std::string_view text) {
  ImageReference ref;
  std::string_view name = text;
  if (size_t at = name.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(name.substr(at + 1));
    name = name.substr(0, at);
  }
  if (size_t slash = name.find('/');
      slash != std::string_view::npos && IsRegistryComponent(name.substr(0, slash))) {
    ref.registry = std::string(name.substr(0, slash));
    name = name.substr(slash + 1);
  }
  size_t colon = name.rfind(':');
  size_t last_slash = name.rfind('/');
  if (colon != std::string_view::npos &&
      (last_slash == std::string_view::npos || colon > last_slash)) {
    ref.tag = std::string(name.substr(colon + 1));
    name = name.substr(0, colon);
  }
  ref.repository = std::string(name);
  return ref;
}

}  // namespace

std::string ImageReference::PullRegistry() const {
  return registry.empty() ? std::string(kDockerHubRegistry) : CanonicalRegistryHost(registry);
}

Status ValidateRegistryHost(std::string_view registry) {
  bool ok = !registry.empty() && registry.size() <= 255;
  for (char c : registry) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
                c == '[' || c == ']');
  }
  if (!ok || registry.front() == '-' || registry.front() == '.') {
    return InvalidArgument("registry '" + std::string(registry.substr(0, 64)) +
                           "' is not a host[:port] such as ghcr.io or 127.0.0.1:5000");
  }
  return {};
}

std::string CanonicalRegistryHost(std::string_view registry) {
  return IsDockerHub(registry) ? std::string(kDockerHubRegistry) : std::string(registry);
}

Result<ImageReference> ParseImageReference(std::string_view text) {
  const std::string hint =
      "; use a reference such as registry.example.com/team/app:1.2 or 127.0.0.1:5000/app:latest";
  if (text.empty()) return InvalidArgument("image is empty" + hint);
  if (text.size() > kMaxReferenceLength) {
    return InvalidArgument("image reference is longer than " + std::to_string(kMaxReferenceLength) +
                           " characters");
  }
  const std::string quoted = "image '" + std::string(text.substr(0, 80)) + "'";
  for (char c : text) {
    if (!AllowedCharacter(c)) {
      return InvalidArgument(quoted + " contains '" + std::string(1, c) +
                             "', which is not allowed in an image reference" + hint);
    }
  }
  ImageReference ref = Split(text);
  if (HasUpper(ref.repository)) {
    return InvalidArgument(quoted +
                           " has uppercase letters in its repository name; registries accept "
                           "only lowercase");
  }
  const std::string_view repo = ref.repository;
  // A ':' is the tag's separator or the registry's port, never part of the repository
  // ("app::1", "host/a:b/c": podman refuses them as "invalid reference format").
  bool bad_component = repo.empty() || repo.front() == '/' || repo.back() == '/' ||
                       repo.find("//") != std::string_view::npos ||
                       repo.find(':') != std::string_view::npos;
  const std::string_view name = text.substr(0, text.find('@'));
  bool bad_tag = name.empty() || name.back() == ':';
  if (text.front() == '-' || text.front() == '/' || text.front() == '.' ||
      text.find("..") != std::string_view::npos || text.back() == ':' || text.back() == '/' ||
      text.back() == '@' || bad_component || bad_tag ||
      ref.tag.find_first_of("/@") != std::string::npos ||
      (!ref.digest.empty() && ref.digest.find(':') == std::string::npos) ||
      ref.registry.find('@') != std::string::npos) {
    return InvalidArgument(quoted + " is not a valid reference" + hint);
  }
  return ref;
}

std::string RegistryHostOf(std::string_view text) {
  auto ref = ParseImageReference(text);
  return ref.ok() ? ref->registry : "";
}

std::string PullRegistryOf(std::string_view text) {
  auto ref = ParseImageReference(text);
  return ref.ok() ? ref->PullRegistry() : std::string(kDockerHubRegistry);
}

std::string NormalizeImageReference(std::string_view text) {
  ImageReference ref = Split(text);
  std::string out;
  if (ref.registry.empty() || IsDockerHub(ref.registry)) {
    out = ref.repository.starts_with("library/") ? ref.repository.substr(8) : ref.repository;
  } else {
    out = ref.registry + "/" + ref.repository;
  }
  if (!ref.digest.empty()) {
    if (!ref.tag.empty()) out += ":" + ref.tag;
    return out + "@" + ref.digest;  // a digest names one image already
  }
  return out + ":" + (ref.tag.empty() ? "latest" : ref.tag);
}

bool IsLoopbackRegistry(std::string_view registry) {
  if (registry == "[::1]" || registry.starts_with("[::1]:")) return true;
  std::string_view host = registry.substr(0, registry.find(':'));
  if (host == "localhost") return true;
  in_addr address{};
  return ::inet_pton(AF_INET, std::string(host).c_str(), &address) == 1 &&
         (ntohl(address.s_addr) >> 24) == 127;
}

}  // namespace ink
