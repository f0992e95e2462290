// Environment variables as users write them: name and value rules, and a dotenv (.env) parser
// that keeps every value byte-exact. Shared by inkd (set_env's `dotenv` input, deploy's `env`)
// and the ink CLI (`ink env set --file`).
//
// Error messages name the line and the variable, never the value: a value may be a secret.
// Thread contract: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ink/common/result.h"

namespace ink {

// A variable name: letters, digits and '_', not starting with a digit, 1-256 bytes.
Status ValidateVariableName(std::string_view name);
// A value: at most `max_bytes`, valid UTF-8 (it travels as JSON), no NUL byte (the kernel cannot
// pass one in an environment). The error names `name`, never the value.
Status ValidateVariableValue(std::string_view name, std::string_view value,
                             size_t max_bytes = 64 * 1024);

struct DotenvEntry {
  std::string name;
  std::string value;
  int line = 0;  // 1-based line the entry starts on
};

// Parses dotenv text:
//   NAME=value            unquoted: surrounding spaces trimmed; '#' after a space or tab
//                         starts a comment; '=' and '$' are kept as they are (no expansion)
//   export NAME=value     the "export " prefix is ignored
//   NAME='value'          literal: nothing is special until the next single quote (may span
//                         lines)
//   NAME="value"          escapes \n \r \t \" \\ \$ (any other backslash stays as written);
//                         may span lines
//   # comment             at the start of a line (after optional spaces); blank lines skipped
// Lines may end in CRLF (the CR is dropped, in quoted values too). A quoted value may be followed
// only by spaces and a comment. A name given twice is an error, as is anything malformed; the
// error says which line. Values are checked with ValidateVariableValue.
Result<std::vector<DotenvEntry>> ParseDotenv(std::string_view text);

}  // namespace ink
