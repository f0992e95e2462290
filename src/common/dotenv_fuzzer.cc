// libFuzzer target: arbitrary bytes as a .env file (set_env's dotenv input, `ink env set
// --file`). Whatever ParseDotenv accepts must satisfy the rules it promises (valid names and
// values, no name twice, lines in order), and writing the entries back out in double-quoted
// form must parse to exactly the same names and values (nothing is lost or expanded).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "ink/common/env_vars.h"

namespace {

[[noreturn]] void Broken(const char* what) {
  std::fprintf(stderr, "dotenv invariant broken: %s\n", what);
  std::abort();
}

std::string DoubleQuoted(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '$':
        out += "\\$";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  return out + "\"";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = ink::ParseDotenv(text);
  if (!parsed.ok()) {
    if (parsed.error().message.empty()) Broken("an error without a message");
    return 0;
  }
  std::set<std::string> names;
  int last_line = 0;
  std::string rewritten;
  for (const auto& entry : *parsed) {
    if (!ink::ValidateVariableName(entry.name).ok()) Broken("an invalid name was accepted");
    if (!ink::ValidateVariableValue(entry.name, entry.value).ok()) {
      Broken("an invalid value was accepted");
    }
    if (!names.insert(entry.name).second) Broken("a name was accepted twice");
    if (entry.line <= last_line) Broken("entries out of line order");
    last_line = entry.line;
    rewritten += entry.name + "=" + DoubleQuoted(entry.value) + "\n";
  }
  auto again = ink::ParseDotenv(rewritten);
  if (!again.ok()) Broken("the quoted form of accepted entries does not parse");
  if (again->size() != parsed->size()) Broken("the quoted form has a different entry count");
  for (size_t i = 0; i < again->size(); ++i) {
    if ((*again)[i].name != (*parsed)[i].name || (*again)[i].value != (*parsed)[i].value) {
      Broken("the quoted form does not round-trip");
    }
  }
  return 0;
}
