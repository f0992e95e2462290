// From a parsed command line to an operation's input and its REST request.
//
// The CLI sends what it parsed: OperationInput puts the positionals and generated flags of a
// command (command_table.h) into the operation's input object, typed by the fields' schemas;
// CheckInput validates it with the operation's own schema (the server's words for the same
// mistake) and OperationRequest picks the operation's REST route and fills its path, query or
// JSON body. The server stays the authority: what the schema cannot say (memory above inkd's
// limit, a missing image) comes back as the server's error. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "args.h"
#include "ink/common/json.h"
#include "ink/common/result.h"
#include "ink/ops/operation.h"

namespace ink::cli {

// `text` as the JSON value the field's schema asks for ("8080" → 8080 for an integer, "0.5" →
// 0.5 for a number), checked against that schema; the error names `field`.
Result<Json> FieldValue(const Json& schema, const std::string& field, std::string_view text);

// The input the invocation gives its command's operation: positionals and generated flags
// (values were checked by the parser). Hand-written flags are left to the command's handler.
Json OperationInput(const Invocation& invocation);

// Checks `input` against the operation's input schema.
Status CheckInput(const Operation& operation, const Json& input);

struct OperationRequest {
  std::string method;
  std::string target;  // path (and query for GET), encoded
  std::optional<Json> body;
};

// The REST request of `operation` with `input`: the first route whose path parameters the input
// has; path parameters go in the path, other fields in the query (GET) or the JSON body.
Result<OperationRequest> RequestFor(const Operation& operation, const Json& input);

}  // namespace ink::cli
