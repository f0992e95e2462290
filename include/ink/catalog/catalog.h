// The catalog: what every Ink operation is, without how it is done.
//
// Each entry is an Operation with everything but its handlers: name, description, input and
// output JSON schemas, annotations, its REST bindings and its CLI binding. inkd's operations
// (src/api) take their entry from here and add handlers (Implement); the ink CLI links this
// module alone and generates its commands, flags, help text and client-side checks from the
// same entries, so REST, MCP and the CLI cannot drift apart. Built once on first use, then only
// read: thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "ink/ops/operation.h"

namespace ink {

// Every operation inkd serves, in the order `GET /v1/operations` lists them.
const std::vector<Operation>& OperationCatalog();

// The catalog entry `name`, or null.
const Operation* FindDeclared(std::string_view name);

// The catalog entry `name` with the handlers (handler, stream, with_progress) of
// `implementation`; a name the catalog lacks is a programming error (aborts with a message).
Operation Implement(std::string_view name, Operation implementation);

}  // namespace ink
