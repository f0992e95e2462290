#include "ink/common/env_vars.h"

#include <map>

#include "ink/common/encoding.h"

namespace ink {
namespace {

bool IsNameStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// A name as it may appear in an error: at most 64 bytes, control bytes shown as '?'.
std::string Printable(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 64)) {
    out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  }
  if (name.size() > 64) out += "...";
  return out;
}

Error LineError(int line, const std::string& message) {
  return InvalidArgument("line " + std::to_string(line) + ": " + message);
}

}  // namespace

Status ValidateVariableName(std::string_view name) {
  const std::string rule = "use letters, digits and '_', not starting with a digit (e.g. API_KEY)";
  if (name.empty()) return InvalidArgument("a variable name is empty; " + rule);
  if (name.size() > 256) {
    return InvalidArgument("variable name '" + Printable(name) + "' is longer than 256 bytes");
  }
  bool ok = IsNameStart(name[0]);
  for (char c : name) ok = ok && IsNameChar(c);
  if (!ok) {
    return InvalidArgument("variable name '" + Printable(name) + "' is not valid: " + rule);
  }
  return {};
}

Status ValidateVariableValue(std::string_view name, std::string_view value, size_t max_bytes) {
  const std::string which = "the value of " + Printable(name);
  if (value.size() > max_bytes) {
    return InvalidArgument(which + " is " + std::to_string(value.size()) + " bytes; the limit is " +
                           std::to_string(max_bytes) +
                           " bytes per variable (store larger data in a volume or object store)");
  }
  for (size_t i = 0; i < value.size();) {
    if (value[i] == '\0') {
      return InvalidArgument(which + " contains a NUL byte, which an environment cannot hold");
    }
    size_t n = Utf8SequenceLength(value, i);
    if (n == 0) {
      return InvalidArgument(which + " is not valid UTF-8 (byte " + std::to_string(i) +
                             "); encode binary data, e.g. as base64");
    }
    i += n;
  }
  return {};
}

Result<std::vector<DotenvEntry>> ParseDotenv(std::string_view input) {
  // CRLF line endings become LF everywhere, inside quoted values too.
  std::string text;
  text.reserve(input.size());
  for (size_t i = 0; i < input.size(); ++i) {
    if (input[i] == '\r' && i + 1 < input.size() && input[i + 1] == '\n') continue;
    text += input[i];
  }
  std::vector<DotenvEntry> entries;
  std::map<std::string, int> seen;  // name → line
  size_t i = 0;
  int line = 1;
  const size_t n = text.size();
  auto skip_blanks = [&] {
    while (i < n && IsBlank(text[i])) ++i;
  };
  auto rest_of_line = [&] {
    while (i < n && text[i] != '\n') ++i;
  };
  while (i < n) {
    skip_blanks();
    if (i >= n) break;
    if (text[i] == '\n' || text[i] == '#') {
      rest_of_line();
      if (i < n) ++i, ++line;
      continue;
    }
    const int start_line = line;
    if (text.compare(i, 6, "export") == 0 && i + 6 < n && IsBlank(text[i + 6])) {
      i += 6;
      skip_blanks();
    }
    size_t name_start = i;
    while (i < n && text[i] != '=' && text[i] != '\n') ++i;
    if (i >= n || text[i] != '=') {
      // Never echo the line: it may be a value that lost its NAME=.
      return LineError(start_line, "expected NAME=value (no '=' on this line)");
    }
    std::string name = text.substr(name_start, i - name_start);
    while (!name.empty() && IsBlank(name.back())) name.pop_back();
    if (Status valid = ValidateVariableName(name); !valid.ok()) {
      return LineError(start_line, valid.error().message);
    }
    ++i;  // '='
    skip_blanks();
    std::string value;
    if (i < n && (text[i] == '\'' || text[i] == '"')) {
      const char quote = text[i++];
      bool closed = false;
      while (i < n) {
        char c = text[i];
        if (c == quote) {
          closed = true;
          ++i;
          break;
        }
        if (c == '\n') ++line;
        if (quote == '"' && c == '\\' && i + 1 < n) {
          char next = text[i + 1];
          const char* mapped = next == 'n'    ? "\n"
                               : next == 'r'  ? "\r"
                               : next == 't'  ? "\t"
                               : next == '"'  ? "\""
                               : next == '\\' ? "\\"
                               : next == '$'  ? "$"
                                              : nullptr;
          if (mapped != nullptr) {
            value += mapped;
            i += 2;
            continue;
          }
        }
        value += c;
        ++i;
      }
      if (!closed) {
        return LineError(start_line, "the " + std::string(quote == '"' ? "double" : "single") +
                                         "-quoted value of " + name + " has no closing quote");
      }
      skip_blanks();
      if (i < n && text[i] == '#') rest_of_line();
      if (i < n && text[i] != '\n') {
        return LineError(line, "unexpected text after the closing quote of " + name +
                                   " (only a # comment may follow)");
      }
    } else {
      size_t value_start = i;
      while (i < n && text[i] != '\n') {
        if (text[i] == '#' && i > value_start && IsBlank(text[i - 1])) break;
        if (text[i] == '#' && i == value_start && i > 0 && IsBlank(text[i - 1])) break;
        ++i;
      }
      value = text.substr(value_start, i - value_start);
      while (!value.empty() && IsBlank(value.back())) value.pop_back();
      rest_of_line();
    }
    if (i < n) ++i, ++line;  // the newline
    if (auto it = seen.find(name); it != seen.end()) {
      return LineError(start_line, name + " is already set on line " + std::to_string(it->second) +
                                       "; give each variable once");
    }
    if (Status valid = ValidateVariableValue(name, value); !valid.ok()) {
      return LineError(start_line, valid.error().message);
    }
    seen[name] = start_line;
    entries.push_back({std::move(name), std::move(value), start_line});
  }
  return entries;
}

}  // namespace ink
