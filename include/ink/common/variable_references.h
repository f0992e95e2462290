// Variable references: a value may name another variable of the project as `${{db.URL}}` (a
// variable of service `db`), `${{shared.API_KEY}}` (a shared variable of the project) or
// `${{NAME}}` (a variable of the same scope: the same service, or shared for a shared variable),
// Railway's syntax. A service's Ink-injected INK_* and PORT (service_addresses.h) can be
// referenced too: `${{web.INK_PRIVATE_URL}}`.
//
// The syntax, exactly:
//   `${{` ... `}}`   a reference; spaces just inside the braces are ignored (`${{ db.URL }}`).
//                   The text between must be `scope.NAME` or `NAME` (scope: a service name or
//                   `shared`; NAME: a variable name); anything else there is an error, so a
//                   typo is caught rather than sent as text.
//   `$${{`          the literal text `${{` (the escape); what follows is not a reference.
//   `${{` with no `}}` after it, a lone `${`, `$`, `$$`: literal text, kept as written.
// Everything else is kept byte for byte (`$`, `#`, quotes, spaces, newlines, unicode). A
// referenced value is resolved in turn (references may chain); a cycle or a reference to a
// service or variable that does not exist is an error naming the chain of references.
//
// Pure logic: the caller loads the project's variables (unsealed, in memory only) and passes
// them in; nothing here does I/O. Error messages name variables and references, never values.
// Thread contract: pure functions.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "ink/common/result.h"
#include "ink/common/service_addresses.h"

namespace ink {

// The scope name of the project's shared variables in a reference (`${{shared.NAME}}`).
inline constexpr std::string_view kSharedScope = "shared";

// One service's variables as stored (references unresolved) and what Ink injects into it.
struct ServiceEnv {
  std::map<std::string, std::string> variables;
  ReplicaAddressing addressing;
};

// Everything a reference can name in one project.
struct ProjectEnv {
  std::map<std::string, ServiceEnv> services;  // by service name
  std::map<std::string, std::string> shared;   // the project's shared variables, as stored
};

// Whether `value` contains a reference (or an escape): values without one need no resolving.
bool HasReferenceSyntax(std::string_view value);

// The environment of `service`'s replicas: its variables with every reference replaced by the
// referenced value (itself resolved), then Ink's injected variables (InjectVariables' rule:
// INK_* are always Ink's, PORT only if the service has none). Errors (InvalidArgument) name the
// chain: "web.DB -> db.URL: service 'db' has no variable URL".
Result<std::map<std::string, std::string>> ResolveServiceEnv(const ProjectEnv& env,
                                                             const std::string& service);

// Checks that every shared variable resolves (the same errors as ResolveServiceEnv).
Status CheckSharedVariables(const ProjectEnv& env);

// Checks that each of `keys` ("db.URL", "shared.API_KEY") resolves; the first error names the
// chain. A key that names no variable is an error too.
Status CheckResolvable(const ProjectEnv& env, const std::set<std::string>& keys);

// The variables ("web.DB", "shared.URL") whose values use one of `changed` ("db.URL"),
// directly or through other references (a variable is not listed for being in `changed`
// itself). Unresolvable references are skipped (they are reported by ResolveServiceEnv).
std::set<std::string> VariablesReferencing(const ProjectEnv& env,
                                           const std::set<std::string>& changed);

// The services with a variable in VariablesReferencing(env, changed).
std::set<std::string> ServicesReferencing(const ProjectEnv& env,
                                          const std::set<std::string>& changed);

}  // namespace ink
