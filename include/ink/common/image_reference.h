// Image references ("ghcr.io/acme/web:1.4", "127.0.0.1:5000/app@sha256:…", "debian:12"): the one
// parser of them, used by deploy's image check (src/api), the runtime's pulls, the controller's
// credential look-up and the build's Dockerfile policy, so every part of Ink agrees on which
// registry a reference names and which spellings name one image.
//
// The registry rule is Docker's (distribution/reference): the first path component is a
// registry host when it contains '.' or ':' (a port), is "localhost", or has an uppercase
// letter; otherwise the reference names no registry ("debian:12", "team/app"), and a pull of it
// goes to Docker Hub while podman also finds it as "localhost/<name>" in the local store.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "ink/common/result.h"

namespace ink {

// Docker Hub's canonical host, which credentials for it are stored under.
inline constexpr std::string_view kDockerHubRegistry = "docker.io";

struct ImageReference {
  // The registry host as written ("ghcr.io", "127.0.0.1:5000", "localhost", "docker.io"), ""
  // when the reference names none.
  std::string registry;
  std::string repository;  // the path after the registry: "acme/web", "debian", "library/debian"
  std::string tag;         // "" when none is given (a pull then means "latest")
  std::string digest;      // "sha256:…" when pinned with '@', else ""

  // The registry a pull of it goes to: `registry`, or docker.io when it names none; Docker
  // Hub's other spellings (index.docker.io, registry-1.docker.io) are docker.io too.
  std::string PullRegistry() const;
  // True for images that live only in this host's store: no registry, or "localhost".
  bool LocalOnly() const { return registry.empty() || registry == "localhost"; }
};

// Splits `text` into its parts. InvalidArgument (saying what is wrong, quoting at most 80
// characters, with an example) when it is empty, longer than 512 characters, has a character no
// reference may have, uppercase letters in its repository, an empty component, or starts with
// '-' (so it can never be read as a flag).
Result<ImageReference> ParseImageReference(std::string_view text);

// The registry host `text` names, "" when it names none (nor when it does not parse).
std::string RegistryHostOf(std::string_view text);

// The registry a pull of `text` goes to (ImageReference::PullRegistry): what registry
// credentials are looked up by.
std::string PullRegistryOf(std::string_view text);

// The Docker Hub spellings of one image as one name: "docker.io/library/debian:12",
// "index.docker.io/library/debian:12" and "debian:12" are "debian:12"; "docker.io/me/app" is
// "me/app:latest"; a missing tag is ":latest"; a digest is kept as it is. Other registries'
// references only gain ":latest" when they have no tag. `text` that does not parse is returned
// as it is (with ":latest" when it has no tag).
std::string NormalizeImageReference(std::string_view text);

// Checks a registry host as `ink registry login` takes it: host[:port] ("ghcr.io",
// "127.0.0.1:5000", "[::1]:5000"); InvalidArgument naming the expected form otherwise.
Status ValidateRegistryHost(std::string_view registry);

// The name credentials for `registry` are stored and looked up under: Docker Hub's spellings
// (index.docker.io, registry-1.docker.io) are docker.io; any other host is itself.
std::string CanonicalRegistryHost(std::string_view registry);

// True for a registry on this host's loopback (127.0.0.0/8, localhost:PORT, [::1]:PORT): those
// are plain HTTP, so TLS is not verified for them.
bool IsLoopbackRegistry(std::string_view registry);

}  // namespace ink
