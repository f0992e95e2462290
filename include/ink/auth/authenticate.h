// Authenticate: the one check of an API token, shared by the REST API, the MCP endpoint and the
// git smart-HTTP remote (each used to have its own).
//
// It parses the Authorization header (`Bearer <token>`, or for git `Basic base64(user:token)`
// with the token as the password), refuses a token of the wrong shape before touching the
// Store, and finds the token by the SHA-256 of its secret. The secret itself is never compared
// byte by byte, so how long the lookup takes says nothing about it; the stored hash is compared
// once more in constant time. The Caller it returns is scoped to the token's workspace: every
// Store read and write an operation makes takes caller.workspace_id, so a token never reaches
// another workspace's rows. Messages say what to fix and never quote the submitted value.
//
// Thread-safe (the Store is). Called by the HTTP server's admission step, before any request
// body is read, and by the handlers when no admission step ran (tests).
#pragma once

#include <string>
#include <string_view>

#include "ink/common/result.h"
#include "ink/ops/operation.h"
#include "ink/store/store.h"

namespace ink {

enum class AuthScheme {
  kBearer,         // REST and MCP: Authorization: Bearer ink_...
  kBearerOrBasic,  // git: Basic (the password is the token; a lone user name also works)
};

// The token an Authorization header carries; Unauthenticated (saying what to send) if it is
// missing or malformed.
Result<std::string> TokenFromAuthorization(std::string_view authorization, AuthScheme scheme);

// The caller the header's token belongs to. Unauthenticated when it is missing, malformed,
// unknown or revoked; the Store's own error (e.g. Unavailable) if the lookup failed.
Result<Caller> Authenticate(Store& store, std::string_view authorization,
                            AuthScheme scheme = AuthScheme::kBearer);

}  // namespace ink
