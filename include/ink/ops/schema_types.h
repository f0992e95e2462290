// Checks that an operation's JSON Schema tells a client the type of every field.
//
// Models (and generated clients) build their arguments from the `type` of each property; a
// property without one leaves them guessing. Called by the tests over the whole operation
// table (src/api/operation_schemas_test.cc); a pure function, safe from any thread.
#pragma once

#include <string>

#include "ink/common/json.h"
#include "ink/common/result.h"

namespace ink {

// OK when `schema` (an object schema) and every schema nested in its properties, items and
// additionalProperties declare a JSON type ("string", "integer", "number", "boolean",
// "object", "array" or "null"); otherwise an error naming `where` and the field path.
Status CheckSchemaTypes(const Json& schema, const std::string& where);

}  // namespace ink
