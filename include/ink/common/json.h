// JSON alias and small helpers shared by every module (nlohmann::json, ordered keys off).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "ink/common/result.h"

namespace ink {

using Json = nlohmann::json;

// Parses `text` as JSON; a malformed document is an InvalidArgument error naming the position.
Result<Json> ParseJson(const std::string& text);

}  // namespace ink
