// ServiceSpec <-> JSON text, the form in which services and deployments store their spec.
// Every field round-trips exactly. Environment variables are not part of the spec (they are
// sealed service variables). Missing keys read as the ServiceSpec
// defaults, so a later migration can add fields without rewriting old rows.
// Internal to src/store/. Thread contract: pure functions.
#pragma once

#include <string>

#include "ink/common/result.h"
#include "ink/store/model.h"

namespace ink::store_internal {

// Serializes `spec`. InvalidArgument if a string is not valid UTF-8 (JSON cannot hold it) or
// cpu is not a finite number.
Result<std::string> SpecToJson(const ServiceSpec& spec);

// Parses text written by SpecToJson. Internal error (naming `owner`, e.g. "service svc_x") if the
// stored text is corrupt.
Result<ServiceSpec> SpecFromJson(const std::string& text, const std::string& owner);

}  // namespace ink::store_internal
