// REST binding of the operation table: `/v1/...` routes → operations.
//
// Resolves the caller from `Authorization: Bearer ink_...` (SHA-256 looked up in the Store),
// builds the operation's input from path parameters, the query string (coerced to the
// schema's types) and the JSON body, invokes the operation and maps errors to statuses with
// `{"error": {"code", "message"}}`. Operations with a streaming form stream when the query asks
// for it (`follow=true`). Thread-safe (the table and store are).
#pragma once

#include "ink/api/operations.h"
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

// Routes whose body is raw bytes rather than JSON (POST /v1/archives): the handler reads the
// body itself (ServerRequest::read_body when the server streams it, else ServerRequest::body).
using UploadHandler = std::function<Result<Json>(const Caller&, const http::ServerRequest&)>;

http::Handler MakeRestHandler(const OperationTable& table, Store& store,
                              UploadHandler upload_archive = nullptr);

// The upload handler of POST /v1/archives (operations_build.cc), and the server's
// ServerOptions::stream_body predicate for it.
UploadHandler MakeArchiveUploadHandler(OperationDeps& deps);
bool RestStreamsBody(const http::ServerRequest& head);

// The HTTP status for an error code.
int HttpStatusFor(ErrorCode code);

}  // namespace ink
