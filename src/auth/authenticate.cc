#include "ink/auth/authenticate.h"

#include <sodium.h>
#include <strings.h>

#include "ink/common/encoding.h"
#include "ink/common/names.h"

namespace ink {
namespace {

constexpr size_t kMaxTokenBytes = 512;

const char* Hint(AuthScheme scheme) {
  return scheme == AuthScheme::kBearer
             ? "send 'Authorization: Bearer ink_...' (the admin token is in the file "
               "admin-token in inkd's data directory; `ink login` stores it for the CLI and "
               "`ink mcp`)"
             : "give the API token as the password (user name: anything), e.g. with a "
               "credential helper; see `ink git-remote`";
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

}  // namespace

Result<std::string> TokenFromAuthorization(std::string_view authorization, AuthScheme scheme) {
  if (authorization.empty()) {
    return Unauthenticated(std::string("missing API token: ") + Hint(scheme));
  }
  std::string token;
  if (StartsWithIgnoreCase(authorization, "Bearer ")) {
    token = std::string(authorization.substr(7));
  } else if (scheme == AuthScheme::kBearerOrBasic &&
             StartsWithIgnoreCase(authorization, "Basic ")) {
    auto decoded = Base64Decode(authorization.substr(6));
    std::string pair = decoded.ok() ? *decoded : "";
    size_t colon = pair.find(':');
    std::string password = colon == std::string::npos ? "" : pair.substr(colon + 1);
    token = !password.empty() ? password : pair.substr(0, colon);
  } else {
    return Unauthenticated(std::string("malformed Authorization header: ") + Hint(scheme));
  }
  bool printable = !token.empty() && token.size() <= kMaxTokenBytes;
  for (unsigned char c : token) printable = printable && c > 0x20 && c < 0x7f;
  if (!printable) {
    return Unauthenticated(std::string("malformed API token (empty, too long or with spaces or "
                                       "control characters): ") +
                           Hint(scheme));
  }
  return token;
}

Result<Caller> Authenticate(Store& store, std::string_view authorization, AuthScheme scheme) {
  auto token = TokenFromAuthorization(authorization, scheme);
  if (!token.ok()) return token.error();
  std::string hash = Sha256Hex(*token);
  auto found = store.FindTokenByHash(hash);
  bool same = found.ok() && found->hash.size() == hash.size() &&
              sodium_memcmp(found->hash.data(), hash.data(), hash.size()) == 0;
  if (!found.ok() && found.error().code != ErrorCode::kNotFound) return found.error();
  if (!same) {
    return Unauthenticated(
        "the API token is not valid (revoked or mistyped); use the token from inkd's "
        "admin-token file, e.g. `ink login --token-file DATA/admin-token`, or create a new one");
  }
  return Caller{found->workspace_id, found->id, found->name, found->admin};
}

}  // namespace ink
