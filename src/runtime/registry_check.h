// The registry side of images: whether a registry has an image, asked without pulling it, so
// deploy refuses a typo'd or unreadable image at once (400) instead of failing the deployment.
//
// It runs `skopeo inspect --raw` through the process runner (argv only, a deadline, bounded
// output). Credentials go in a 0600 auth file (standard base64 of user:password, as podman
// and skopeo read it) that is removed before the call returns: never on argv, where `ps` shows
// them. A loopback registry is plain HTTP (no TLS verification), as PodmanRuntime's pulls do.
// Errors say which registry and what to do (log in, check the tag, check the host).
//
// Internal to ink_runtime: PodmanRuntime::CheckRegistryImage calls it; tests give a fake
// runner. Thread-safe (nothing shared; each call has its own auth file).
#pragma once

#include <optional>
#include <string>

#include "ink/common/result.h"
#include "ink/common/subprocess.h"
#include "ink/runtime/runtime.h"

namespace ink::runtime_internal {

Status CheckRegistryImage(ProcessRunner& runner, const std::string& reference,
                          const std::optional<RegistryAuth>& auth);

}  // namespace ink::runtime_internal
