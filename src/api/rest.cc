#include "ink/api/rest.h"

#include <algorithm>
#include <charconv>

#include "ink/auth/authenticate.h"
#include "ink/common/log.h"
#include "ink/common/names.h"

namespace ink {
namespace {

const std::map<std::string, std::string> kJson = {{"Content-Type", "application/json"}};

// Answers are serialised with invalid UTF-8 replaced: an error message may quote a path, a
// query name or a field name the client sent in any bytes (`GET /v1/health?%FF=1`), and a
// strict dump() throws, which ended inkd (found by rest_fuzzer).
std::string Serialize(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string ErrorBody(const Error& e) {
  return Serialize(Json{{"error", {{"code", ErrorCodeName(e.code)}, {"message", e.message}}}});
}

void SendError(http::ResponseWriter& w, const Error& e,
               std::map<std::string, std::string> headers = kJson) {
  w.Send(HttpStatusFor(e.code), headers, ErrorBody(e));
}

// Whether the client asked for NDJSON (Accept: application/x-ndjson, among others).
bool AcceptsNdjson(const std::string& accept) {
  return accept.find("application/x-ndjson") != std::string::npos;
}

// Runs an operation that waits, streaming its progress reports as NDJSON lines and then its
// answer (see rest.h). The client being gone counts as a cancel (checked when the operation
// looks: a write of nothing asks the connection).
void InvokeWithProgressStream(const OperationTable& table, const Operation& op,
                              const Caller& caller, const Json& input, http::ResponseWriter& w) {
  bool started = false;
  bool alive = true;
  auto line = [&](const Json& value) {
    if (!alive) return;
    if (!started) {
      started = true;
      alive = w.StartStream(200, {{"Content-Type", "application/x-ndjson"},
                                  {"Cache-Control", "no-cache"},
                                  {"X-Accel-Buffering", "no"}});
      if (!alive) return;
    }
    alive = w.Write(Serialize(value));
  };
  Progress progress;
  progress.report = [&](const std::string& message) { line({{"progress", message}}); };
  progress.cancelled = [&] {
    if (alive && started) alive = w.Write("");
    return !alive;
  };
  auto result = table.Invoke(op, caller, input, &progress);
  if (!result.ok() && result.error().code == ErrorCode::kInternal) {
    LogError("api", op.name + ": " + result.error().message);
  }
  if (!started && !result.ok()) return SendError(w, result.error());
  if (result.ok()) return line({{"result", *result}});
  line({{"error",
         {{"code", ErrorCodeName(result.error().code)}, {"message", result.error().message}}},
        {"status", HttpStatusFor(result.error().code)}});
}

// The operation a request goes to, by the table's REST bindings (OperationTable::Add refused
// any two that one path could match): `operation` null if none; `allowed` lists the methods of
// a path that exists with other methods.
struct RouteMatch {
  const Operation* operation = nullptr;
  Json params;
  std::string allowed;
};

RouteMatch FindRoute(const OperationTable& table, const http::ServerRequest& req) {
  RouteMatch match;
  for (const Operation& op : table.All()) {
    for (const RestBinding& r : op.rest) {
      Json p;
      if (!MatchPathTemplate(r.path, req.path, p)) continue;
      if (r.method == req.method || (r.method == "GET" && req.method == "HEAD")) {
        match.operation = &op;
        match.params = p;
        return match;
      }
      match.allowed += (match.allowed.empty() ? "" : ", ") + r.method;
    }
  }
  return match;
}

std::map<std::string, std::string> ChallengeHeaders() {
  auto headers = kJson;
  headers["WWW-Authenticate"] = "Bearer realm=\"ink\"";
  return headers;
}

}  // namespace

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kFailedPrecondition:
      return 409;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kDeadlineExceeded:
      return 504;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

http::Handler MakeRestHandler(const OperationTable& table, Store& store,
                              UploadHandler upload_archive) {
  return [&table, &store, upload_archive](const http::ServerRequest& req, http::ResponseWriter& w) {
    RouteMatch match = FindRoute(table, req);
    const Operation* op = match.operation;
    const Json& params = match.params;
    const std::string& allowed = match.allowed;
    if (op == nullptr) {
      if (!allowed.empty()) {
        auto headers = kJson;
        headers["Allow"] = allowed;
        return SendError(
            w,
            {ErrorCode::kInvalidArgument,
             "method " + req.method + " is not allowed on " + req.path + "; allowed: " + allowed},
            headers);
      }
      return SendError(w, NotFound("no API route " + req.method + " " + req.path +
                                   "; see docs/API.md or GET /v1/operations"));
    }
    Caller caller;
    if (op->needs_auth) {
      // Normally authenticated by AdmitRestRequest before the body was read.
      const Caller* admitted = std::any_cast<Caller>(&req.context);
      auto who = admitted != nullptr ? Result<Caller>(*admitted)
                                     : Authenticate(store, req.header("authorization"));
      if (!who.ok()) return SendError(w, who.error(), ChallengeHeaders());
      caller = *who;
    }
    if (op->name == "upload_archive" && upload_archive) {  // a raw body, not JSON
      auto uploaded = upload_archive(caller, req);
      if (!uploaded.ok()) return SendError(w, uploaded.error());
      return w.Send(op->success_status, kJson, Serialize(*uploaded));
    }
    Json input = CoerceQueryValues(op->input_schema, req.query);
    if (!req.body.empty() && req.method != "GET" && req.method != "HEAD") {
      auto body = ParseJson(req.body);
      if (!body.ok()) return SendError(w, body.error());
      if (!body->is_object()) {
        return SendError(w, InvalidArgument("the request body must be a JSON object"));
      }
      for (auto& [k, v] : body->items()) input[k] = v;
    }
    for (auto& [k, v] : params.items()) {
      if (input.contains(k) && input[k] != v) {
        // The submitted value is not quoted (it may be a secret sent to the wrong field, and a
        // strict dump() of a query value threw on invalid UTF-8); the URL's own part is.
        return SendError(w, InvalidArgument("field '" + k +
                                            "' in the body or query disagrees with the URL, "
                                            "which says '" +
                                            v.get<std::string>() +
                                            "'; leave it out of the body or make them agree"));
      }
      input[k] = v;
    }
    bool wants_stream = input.contains("follow") && input["follow"] == true && op->stream;
    if (wants_stream) {
      auto valid = ValidateAgainstSchema(op->input_schema, input);
      if (!valid.ok()) return SendError(w, valid.error());
      bool started = false;
      auto status = op->stream(caller, input, [&](std::string_view chunk) {
        if (!started) {
          started = true;
          if (!w.StartStream(200, {{"Content-Type", "text/plain; charset=utf-8"},
                                   {"Cache-Control", "no-cache"},
                                   {"X-Accel-Buffering", "no"}})) {
            return false;
          }
        }
        return w.Write(chunk);
      });
      if (!started) {
        if (!status.ok()) return SendError(w, status.error());
        w.StartStream(200, {{"Content-Type", "text/plain; charset=utf-8"}});
      }
      return;
    }
    if (op->with_progress && AcceptsNdjson(req.header("accept")) && input.contains("wait") &&
        input["wait"].is_number_integer() && input["wait"].get<int64_t>() > 0) {
      return InvokeWithProgressStream(table, *op, caller, input, w);
    }
    auto result = table.Invoke(*op, caller, input);
    if (!result.ok()) {
      if (result.error().code == ErrorCode::kInternal) {
        LogError("api", op->name + ": " + result.error().message);
      }
      return SendError(w, result.error());
    }
    w.Send(op->success_status, kJson, Serialize(*result));
  };
}

http::Admission AdmitRestRequest(const OperationTable& table, Store& store,
                                 const http::ServerRequest& head, const RestBodyLimits& limits) {
  bool bodyless = head.method == "GET" || head.method == "HEAD" || head.method == "DELETE";
  size_t limit = bodyless ? limits.bodyless_method_bytes : limits.json_body_bytes;
  const Operation* op = FindRoute(table, head).operation;
  // 404/405/health: nobody authenticated, so at most a small body is read before the answer.
  if (op == nullptr || !op->needs_auth) {
    return http::Admission::Read(std::min(limit, limits.unauthenticated_body_bytes));
  }
  auto caller = Authenticate(store, head.header("authorization"));
  if (!caller.ok()) {
    return http::Admission::Reject(
        HttpStatusFor(caller.error().code),
        caller.error().code == ErrorCode::kUnauthenticated ? ChallengeHeaders() : kJson,
        ErrorBody(caller.error()));
  }
  if (RestStreamsBody(head)) return http::Admission::Stream(*caller);
  if (!bodyless && op->max_request_bytes > 0) limit = op->max_request_bytes;
  // A declared body too large is refused by name now, before any of it is read or done.
  uint64_t declared = 0;
  const std::string length = head.header("content-length");
  if (!length.empty() &&
      std::from_chars(length.data(), length.data() + length.size(), declared).ec == std::errc() &&
      declared > limit) {
    return http::Admission::Reject(
        413, kJson,
        ErrorBody(Error{ErrorCode::kPayloadTooLarge,
                        "the request body is " + std::to_string(declared) + " bytes; " + op->name +
                            " accepts at most " + std::to_string(limit) +
                            " (see its description for the limit); nothing was done"}));
  }
  return http::Admission::Read(limit, *caller);
}

}  // namespace ink
