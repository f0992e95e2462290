// REST binding of the operation table: `/v1/...` routes → operations.
//
// Routes are the table's own: each operation declares its REST bindings (Operation::rest:
// method and a path template whose {params} are input fields), and a request goes to the
// operation whose binding matches it; there is no second list to drift.
// Resolves the caller from `Authorization: Bearer ink_...` (ink::Authenticate; normally already
// done by AdmitRestRequest before the body is read),
// builds the operation's input from path parameters, the query string (coerced to the
// schema's types) and the JSON body, invokes the operation and maps errors to statuses with
// `{"error": {"code", "message"}}`. Operations with a streaming form stream when the query asks
// for it (`follow=true`). An operation that waits and reports progress (get_deployment and
// deploy with `wait`) answers a request that accepts `application/x-ndjson` with one JSON line
// per progress report, {"progress": "dep_1: deploying (...)"}, then {"result": {...}} or
// {"error": {"code", "message"}, "status": N} (`ink ... --wait` reads this, so it never polls);
// an error before the first report is an ordinary error response. Thread-safe (the table and
// store are).
#pragma once

#include "ink/api/operations.h"
#include "ink/http/server.h"
#include "ink/ops/operation.h"
#include "ink/store/store.h"

namespace ink {

// Routes whose body is raw bytes rather than JSON (POST /v1/archives): the handler reads the
// body itself (ServerRequest::read_body when the server streams it, else ServerRequest::body).
using UploadHandler = std::function<Result<Json>(const Caller&, const http::ServerRequest&)>;

http::Handler MakeRestHandler(const OperationTable& table, Store& store,
                              UploadHandler upload_archive = nullptr);

// The upload handler of POST /v1/archives (operations_build.cc), and the server's
// ServerOptions::stream_body predicate for it.
UploadHandler MakeArchiveUploadHandler(OperationDeps& deps);
bool RestStreamsBody(const http::ServerRequest& head);

// Body limits of REST routes read whole (the archive upload streams: see RestStreamsBody).
struct RestBodyLimits {
  size_t json_body_bytes = 1 << 20;             // POST, PUT, PATCH
  size_t bodyless_method_bytes = 64 << 10;      // GET, HEAD, DELETE (DELETE .../env takes names)
  size_t unauthenticated_body_bytes = 4 << 10;  // health and unknown routes (no token checked)
};

// The HTTP server's admission step for REST routes (ServerOptions::admit): authenticates a
// request from its head alone — a missing or wrong token is a 401 before any body byte is
// read — and picks the route's body limit. The caller is handed to the handler as the
// request's context. Routes without authentication (health, unknown paths) read small bodies.
http::Admission AdmitRestRequest(const OperationTable& table, Store& store,
                                 const http::ServerRequest& head,
                                 const RestBodyLimits& limits = {});

// The HTTP status for an error code.
int HttpStatusFor(ErrorCode code);

}  // namespace ink
