// CheckDockerfile: the rules every Containerfile meets before `podman build` runs it — a
// tenant's own Dockerfile and the ones Ink renders alike. Builds run as root on the host
// (docs/ARCHITECTURE.md, "Builds are untrusted code"), and buildah 1.28 resolves some RUN
// --mount options on the host: a cache `id` or a bind `source` with ".." reaches any host
// directory (CVE-2024-9675, CVE-2024-1753). So, per instruction (parsed as buildah parses it,
// dockerfile_parse.h):
//   - RUN takes only --mount flags, written out plainly (no variables, quotes or escapes left
//     for buildah's second expansion), of type cache, bind, tmpfs or secret, with the options
//     buildah knows minus the ones that relabel or share host mounts; no ".." in a cache id or
//     a bind/cache source; `from=` names an earlier stage (or, for bind, an image); secret ids
//     are the ones Ink provides; ssh is refused (Ink gives builds no agent).
//   - Every cache mount gets an id under `cache_namespace` (its own id, or its target path
//     when it has none), so two workspaces never share a cache directory.
//   - FROM, COPY --from and mount `from=` images are registry references or Ink's own base
//     images: no image ids (they would match any image on the host), no other localhost/ image
//     (another tenant's build), variables only from ARG defaults.
//   - COPY/ADD sources inside the context: no ".." above it, and an absolute path only if the
//     context holds it. ADD <url> only for http(s) URLs whose host has public addresses only (not
//     loopback, private, link-local, the metadata address, nor this host's own addresses).
//   - Unknown instructions and ONBUILD triggers with flags are refused.
// Each refusal names the line, the option and what to write instead. Internal to ink_build;
// pure apart from `resolve` and `context_dir`; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/result.h"

namespace ink::build {

struct DockerfilePolicy {
  // Cache mounts live under this directory of buildah's cache ("ink-<workspace id>").
  std::string cache_namespace;
  // The ids of --mount=type=secret the build provides (the pipeline's "ink-env").
  std::vector<std::string> secret_ids;
  // Local images (no registry) a build may name, by prefix.
  std::vector<std::string> local_image_prefixes = {"localhost/ink/base:"};
  // The build context: an absolute COPY/ADD source must exist in it. "" = not checked.
  std::string context_dir;
  // The addresses of ADD <url>'s host; unset: ADD of a URL is refused.
  std::function<Result<std::vector<std::string>>(const std::string& host)> resolve;
  // Addresses that are never public for ADD <url> (this host's own interface addresses).
  std::vector<std::string> host_addresses;
  // Images FROM may name that the build gets from another image: {name, replacement, why}.
  // Matched after normalising Docker Hub spellings with NormalizeImageReference (debian:12,
  // docker.io/library/debian:12 and index.docker.io/library/debian:12 are one name); a FROM line
  // naming one is rewritten and the build log says so (`why`).
  struct Alias {
    std::string name, replacement, why;
  };
  std::vector<Alias> image_aliases;
};

// Ink's own Debian base image standing in for Debian bookworm (debian:bookworm, debian:12,
// debian:bookworm-slim, debian:stable-slim is not included: stable moves) on hosts that reach no
// container registry.
std::vector<DockerfilePolicy::Alias> DebianBookwormAliases(const std::string& base_image);

// For a failed `podman build`: "" unless the log's tail shows an image that could not be
// pulled, else "; ..." saying what to do (FROM debian:bookworm plus apt, or a registry login).
std::string PullFailureHint(const std::string& tail);

struct CheckedDockerfile {
  std::string text;                 // what podman build is given (cache ids rewritten)
  std::vector<std::string> images;  // registry/local images named, in order, once each
  std::vector<std::string> notes;   // one sentence per rewrite, for the build log
};

// InvalidArgument naming the line and the option when the file breaks a rule.
Result<CheckedDockerfile> CheckDockerfile(std::string_view text, const DockerfilePolicy& policy);

// True for an address ADD <url> may reach: not loopback, private (RFC 1918, CGNAT, ULA),
// link-local (169.254.0.0/16: the metadata address), multicast, unspecified or reserved.
bool IsPublicAddress(const std::string& address);

// "" if `ref` is an image reference a build may name, else why not (for the messages).
std::string ImageReferenceProblem(const std::string& ref, const DockerfilePolicy& policy);

}  // namespace ink::build
