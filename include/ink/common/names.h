// Validation of user-chosen names and generation of ids and secrets.
//
// Names (projects, services) become DNS labels in `<service>-<project>.<domain>` and container
// names, so they follow RFC 1123 labels, lowercase only. Ids are `<prefix>_<random base32>`.
// Thread-safe: every function is pure or uses a thread-safe CSPRNG (libsodium).
#pragma once

#include <string>
#include <string_view>

#include "ink/common/result.h"

namespace ink {

// Checks that `name` is a valid resource name: 1-`max_length` chars of [a-z0-9-], starting with a
// letter and not ending with '-'. `what` names the field in the error ("project name").
Status ValidateName(std::string_view what, std::string_view name, size_t max_length = 30);

// A new service's name: ValidateName, and not `shared`, which names a project's shared
// variables in a variable reference (`${{shared.API_KEY}}`).
Status ValidateServiceName(std::string_view name);

// The DNS label a service is served at, in front of the platform domain: "<service>-<project>"
// ("web" in "api-demo" → "web-api-demo"). Different pairs can give one label ("web-api" in
// "demo" too): the store makes each label belong to one service (HostnameClaim).
std::string ServiceHostLabel(std::string_view service, std::string_view project);

// Returns a new random id such as "svc_k3j9x2m4p7q8". Uses libsodium's CSPRNG.
std::string NewId(std::string_view prefix);

// Returns `bytes` random bytes encoded as lowercase base32 (no padding).
std::string RandomToken(size_t bytes);

// Hex-encoded SHA-256 of `data` (used to store API tokens as hashes).
std::string Sha256Hex(std::string_view data);

}  // namespace ink
