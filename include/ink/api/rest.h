// REST binding of the operation table: `/v1/...` routes → operations.
//
// Resolves the caller from `Authorization: Bearer ink_...` (SHA-256 looked up in the Store),
// builds the operation's input from path parameters, the query string (coerced to the
// schema's types) and the JSON body, invokes the operation and maps errors to statuses with
// `{"error": {"code", "message"}}`. Operations with a streaming form stream when the query asks
// for it (`follow=true`). Thread-safe (the table and store are).
#pragma once

#include "ink/http/server.h"
#include "ink/ops/operation.h"
#include "ink/store/store.h"

namespace ink {

struct RestRoute {
  std::string method;
  std::string pattern;  // "/v1/projects/{project}/services/{service}"
  std::string operation;
};

// The route list (also used by the docs test and `GET /v1/operations`).
const std::vector<RestRoute>& RestRoutes();

http::Handler MakeRestHandler(const OperationTable& table, Store& store);

// The HTTP status for an error code.
int HttpStatusFor(ErrorCode code);

}  // namespace ink
