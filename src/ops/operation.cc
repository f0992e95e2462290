#include "ink/ops/operation.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace ink {
namespace {

std::string FieldName(const std::string& path) { return path.empty() ? "input" : path; }

std::string TypeOf(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

bool HasType(const Json& v, const std::string& type) {
  if (type == "integer") return v.is_number_integer();
  if (type == "number") return v.is_number();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "array") return v.is_array();
  if (type == "object") return v.is_object();
  if (type == "null") return v.is_null();
  return false;
}

// Levenshtein distance, to suggest the field an unknown one was probably meant to be.
size_t Distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cur = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1)});
      prev = cur;
    }
  }
  return row[b.size()];
}

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

bool IsParameter(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// True when one request path could match both templates (same length, and each segment is the
// same literal or a parameter in at least one of them).
bool Overlap(const std::string& a, const std::string& b) {
  auto x = Segments(a), y = Segments(b);
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!IsParameter(x[i]) && !IsParameter(y[i]) && x[i] != y[i]) return false;
  }
  return true;
}

bool IsSnakeCase(const std::string& name) {
  if (name.empty() || !std::islower(static_cast<unsigned char>(name.front()))) return false;
  for (char c : name) {
    if (!std::islower(static_cast<unsigned char>(c)) &&
        !std::isdigit(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

}  // namespace

bool MatchPathTemplate(const std::string& path_template, const std::string& path, Json& params) {
  auto want = Segments(path_template);
  auto parts = Segments(path);
  if (parts.size() > 1 && parts.back().empty()) parts.pop_back();  // trailing slash
  if (want.size() != parts.size()) return false;
  Json captured = Json::object();
  for (size_t i = 0; i < want.size(); ++i) {
    if (IsParameter(want[i])) {
      captured[want[i].substr(1, want[i].size() - 2)] = parts[i];
    } else if (want[i] != parts[i]) {
      return false;
    }
  }
  params = captured;
  return true;
}

Result<std::vector<std::string>> PathParameters(const std::string& path) {
  if (path.rfind("/v1/", 0) != 0)
    return InvalidArgument("path '" + path + "' must start with /v1/");
  std::vector<std::string> names;
  for (const std::string& segment : Segments(path)) {
    if (segment.empty()) return InvalidArgument("path '" + path + "' has an empty segment");
    if (IsParameter(segment)) {
      std::string name = segment.substr(1, segment.size() - 2);
      if (name.find_first_of("{}") != std::string::npos || !IsSnakeCase(name)) {
        return InvalidArgument("path '" + path + "' has a malformed parameter '" + segment + "'");
      }
      for (const auto& known : names) {
        if (known == name) {
          return InvalidArgument("path '" + path + "' names parameter {" + name + "} twice");
        }
      }
      names.push_back(name);
    } else if (segment.find_first_of("{}") != std::string::npos) {
      return InvalidArgument("path '" + path + "' has a brace inside the literal segment '" +
                             segment + "'; a parameter is a whole segment such as {project}");
    }
  }
  return names;
}

Status OperationTable::CheckNew(const Operation& op) const {
  if (!IsSnakeCase(op.name)) {
    return InvalidArgument("operation name '" + op.name + "' must be snake_case");
  }
  const std::string where = "operation " + op.name + ": ";
  if (Find(op.name) != nullptr) return InvalidArgument(where + "another operation has this name");
  if (!op.handler && !op.with_progress) return InvalidArgument(where + "has no handler");
  const Json& schema = op.input_schema;
  if (!schema.is_object() || schema.value("type", "") != "object" ||
      !schema.contains("properties") || !schema["properties"].is_object() ||
      schema.value("additionalProperties", true) != false) {
    return InvalidArgument(where +
                           "the input schema must be an object with properties and "
                           "additionalProperties: false");
  }
  static const std::set<std::string> kMethods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
  for (size_t i = 0; i < op.rest.size(); ++i) {
    const RestBinding& route = op.rest[i];
    const std::string here = where + route.method + " " + route.path + ": ";
    if (kMethods.count(route.method) == 0) {
      return InvalidArgument(here + "unknown method (use GET, POST, PUT, PATCH or DELETE)");
    }
    auto parameters = PathParameters(route.path);
    if (!parameters.ok()) return InvalidArgument(where + parameters.error().message);
    for (const std::string& name : *parameters) {
      const Json& properties = schema["properties"];
      if (!properties.contains(name)) {
        return InvalidArgument(here + "path parameter {" + name +
                               "} is not an input field of the operation");
      }
      if (properties[name].value("type", "") != "string") {
        return InvalidArgument(here + "path parameter {" + name + "} must be a string input field");
      }
    }
    auto clash = [&](const std::string& other_name, const RestBinding& other) -> Status {
      if (other.method != route.method || !Overlap(other.path, route.path)) return {};
      return InvalidArgument(here + "a request could match " + other_name + "'s route " +
                             other.method + " " + other.path + " as well");
    };
    for (size_t j = 0; j < i; ++j) INK_RETURN_IF_ERROR(clash(op.name, op.rest[j]));
    for (const auto& existing : operations_) {
      for (const auto& other : existing.rest) INK_RETURN_IF_ERROR(clash(existing.name, other));
    }
  }
  return CheckCli(op);
}

Status OperationTable::CheckCli(const Operation& op) const {
  const CliBinding& cli = op.cli;
  const std::string where = "operation " + op.name + " (CLI): ";
  const Json& properties = op.input_schema["properties"];
  if (cli.command.empty()) {
    if (!cli.positionals.empty() || !cli.flags.empty() || !cli.shortcuts.empty()) {
      return InvalidArgument(where + "positionals or flags without command words");
    }
    return {};
  }
  std::vector<std::vector<std::string>> words = {cli.command};
  for (const auto& shortcut : cli.shortcuts) words.push_back(shortcut.command);
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i].empty()) return InvalidArgument(where + "a shortcut without command words");
    for (size_t j = 0; j < i; ++j) {
      if (words[j] == words[i]) return InvalidArgument(where + "two commands with the same words");
    }
    for (const auto& existing : operations_) {
      bool same = existing.cli.command == words[i];
      for (const auto& other : existing.cli.shortcuts) same = same || other.command == words[i];
      if (same) return InvalidArgument(where + existing.name + " has the same command words");
    }
  }
  for (const auto& shortcut : cli.shortcuts) {
    for (const auto& field : shortcut.positionals) {
      if (!properties.contains(field)) {
        return InvalidArgument(where + "shortcut positional '" + field + "' is not an input field");
      }
    }
    for (const auto& field : shortcut.fields) {
      if (!properties.contains(field)) {
        return InvalidArgument(where + "shortcut flag field '" + field + "' is not an input field");
      }
    }
  }
  std::set<std::string> positionals;
  for (const auto& field : cli.positionals) {
    if (!properties.contains(field)) {
      return InvalidArgument(where + "positional '" + field + "' is not an input field");
    }
    if (!positionals.insert(field).second) {
      return InvalidArgument(where + "positional '" + field + "' is named twice");
    }
  }
  for (const auto& [field, flag] : cli.flags) {
    if (!properties.contains(field)) {
      return InvalidArgument(where + "flag " + flag + " names '" + field +
                             "', which is not an input field");
    }
    if (flag.size() < 3 || flag.rfind("--", 0) != 0) {
      return InvalidArgument(where + "flag '" + flag + "' must start with --");
    }
  }
  std::set<std::string> flags;
  for (const auto& [field, unused] : properties.items()) {
    if (positionals.count(field) != 0) continue;
    std::string flag = CliFlagName(op, field);
    if (!flags.insert(flag).second) {
      return InvalidArgument(where + "two input fields would both be flag " + flag);
    }
  }
  return {};
}

std::string CliFlagName(const Operation& operation, const std::string& field) {
  auto renamed = operation.cli.flags.find(field);
  if (renamed != operation.cli.flags.end()) return renamed->second;
  std::string flag = "--" + field;
  for (char& c : flag) c = c == '_' ? '-' : c;
  return flag;
}

void OperationTable::Add(Operation operation) {
  auto valid = CheckNew(operation);
  if (!valid.ok()) {  // a bug in the table: refuse to start rather than serve it
    std::fprintf(stderr, "operation table: %s\n", valid.error().message.c_str());
    std::abort();
  }
  operations_.push_back(std::move(operation));
}

const Operation* OperationTable::Find(std::string_view name) const {
  for (const auto& op : operations_) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

Result<Json> OperationTable::Invoke(const Operation& operation, const Caller& caller,
                                    const Json& input, const Progress* progress) const {
  INK_RETURN_IF_ERROR(ValidateAgainstSchema(operation.input_schema, input));
  if (operation.with_progress) {
    static const Progress kNone;
    return operation.with_progress(caller, input, progress ? *progress : kNone);
  }
  return operation.handler(caller, input);
}

Json OperationTable::Describe() const {
  Json out = Json::array();
  for (const auto& op : operations_) {
    Json rest = Json::array();
    for (const auto& route : op.rest)
      rest.push_back({{"method", route.method}, {"path", route.path}});
    out.push_back({{"name", op.name},
                   {"rest", rest},
                   {"description", op.description},
                   {"input_schema", op.input_schema},
                   {"output_schema", op.output_schema},
                   {"read_only", op.read_only},
                   {"destructive", op.destructive},
                   {"idempotent", op.idempotent},
                   {"open_world", op.open_world},
                   {"cli", op.cli.command}});
  }
  return out;
}

Status ValidateAgainstSchema(const Json& schema, const Json& value, const std::string& path) {
  const std::string field = FieldName(path);
  if (schema.contains("type")) {
    std::string type = schema["type"].get<std::string>();
    if (!HasType(value, type)) {
      // The value itself is never quoted: a value sent to the wrong field, or a variable's
      // value of the wrong type, may be a secret.
      bool vowel = type == "integer" || type == "object" || type == "array";
      return InvalidArgument(field + " must be " + (vowel ? "an " : "a ") + type + ", got " +
                             TypeOf(value));
    }
  }
  if (schema.contains("enum")) {
    bool found = false;
    for (const auto& allowed : schema["enum"]) found = found || allowed == value;
    if (!found) {
      return InvalidArgument(field + " must be one of " + schema["enum"].dump() +
                             (value.is_string() ? "" : ", got " + value.dump()));
    }
  }
  if (value.is_number()) {
    double v = value.get<double>();
    bool has_min = schema.contains("minimum"), has_max = schema.contains("maximum");
    if ((has_min && v < schema["minimum"].get<double>()) ||
        (has_max && v > schema["maximum"].get<double>())) {
      std::string range = has_min && has_max ? "in range " + schema["minimum"].dump() + "-" +
                                                   schema["maximum"].dump()
                          : has_min ? "at least " + schema["minimum"].dump()
                                    : "at most " + schema["maximum"].dump();
      return InvalidArgument(field + " " + value.dump() + " is out of range: it must be " + range);
    }
    if (schema.contains("multipleOf") && schema["multipleOf"].get<double>() > 0) {
      // Within a millionth of a step: 0.29 / 0.01 is 28.999999999999996 in binary floating point.
      double steps = v / schema["multipleOf"].get<double>();
      if (std::fabs(steps - std::round(steps)) > 1e-6) {
        return InvalidArgument(field + " " + value.dump() + " must be a multiple of " +
                               schema["multipleOf"].dump());
      }
    }
  }
  if (value.is_string()) {
    size_t n = value.get_ref<const std::string&>().size();
    if (schema.contains("minLength") && n < schema["minLength"].get<size_t>()) {
      return InvalidArgument(field + " must not be empty" +
                             (schema["minLength"].get<size_t>() > 1
                                  ? " (at least " + schema["minLength"].dump() + " characters)"
                                  : std::string()));
    }
    if (schema.contains("maxLength") && n > schema["maxLength"].get<size_t>()) {
      return InvalidArgument(field + " is " + std::to_string(n) +
                             " characters long; the limit is " + schema["maxLength"].dump());
    }
  }
  if (value.is_array() && schema.contains("items")) {
    for (size_t i = 0; i < value.size(); ++i) {
      INK_RETURN_IF_ERROR(
          ValidateAgainstSchema(schema["items"], value[i], field + "[" + std::to_string(i) + "]"));
    }
  }
  if (value.is_object()) {
    const Json empty = Json::object();
    const Json& properties = schema.contains("properties") ? schema["properties"] : empty;
    if (schema.contains("required")) {
      for (const auto& name : schema["required"]) {
        if (!value.contains(name.get<std::string>())) {
          std::string full =
              path.empty() ? name.get<std::string>() : path + "." + name.get<std::string>();
          std::string hint;
          if (properties.contains(name.get<std::string>()) &&
              properties[name.get<std::string>()].contains("description")) {
            hint =
                " (" + properties[name.get<std::string>()]["description"].get<std::string>() + ")";
          }
          return InvalidArgument("missing required field '" + full + "'" + hint);
        }
      }
    }
    bool closed = schema.contains("additionalProperties") &&
                  schema["additionalProperties"].is_boolean() &&
                  !schema["additionalProperties"].get<bool>();
    for (const auto& [key, item] : value.items()) {
      std::string full = path.empty() ? key : path + "." + key;
      if (properties.contains(key)) {
        INK_RETURN_IF_ERROR(ValidateAgainstSchema(properties[key], item, full));
      } else if (closed) {
        std::string best;
        size_t best_distance = 3;
        for (const auto& [known, unused] : properties.items()) {
          size_t d = Distance(key, known);
          if (d < best_distance) best = known, best_distance = d;
        }
        std::string known_list;
        for (const auto& [known, unused] : properties.items()) {
          known_list += (known_list.empty() ? "" : ", ") + known;
        }
        return InvalidArgument("unknown field '" + full + "'" +
                               (best.empty() ? "" : "; did you mean '" + best + "'?") +
                               " Known fields: " + (known_list.empty() ? "none" : known_list));
      } else if (schema.contains("additionalProperties") &&
                 schema["additionalProperties"].is_object()) {
        INK_RETURN_IF_ERROR(ValidateAgainstSchema(schema["additionalProperties"], item, full));
      }
    }
  }
  return {};
}

Json CoerceQueryValues(const Json& schema, const std::map<std::string, std::string>& query) {
  Json out = Json::object();
  const Json empty = Json::object();
  const Json& properties = schema.contains("properties") ? schema["properties"] : empty;
  for (const auto& [key, text] : query) {
    std::string type = properties.contains(key) && properties[key].contains("type")
                           ? properties[key]["type"].get<std::string>()
                           : "string";
    if (type == "integer") {
      char* end = nullptr;
      long long v = std::strtoll(text.c_str(), &end, 10);
      if (!text.empty() && end && *end == '\0') {
        out[key] = v;
        continue;
      }
    } else if (type == "number") {
      char* end = nullptr;
      double v = std::strtod(text.c_str(), &end);
      if (!text.empty() && end && *end == '\0') {
        out[key] = v;
        continue;
      }
    } else if (type == "boolean") {
      if (text == "true" || text == "1" || text.empty()) {
        out[key] = true;
        continue;
      }
      if (text == "false" || text == "0") {
        out[key] = false;
        continue;
      }
    }
    out[key] = text;
  }
  return out;
}

}  // namespace ink
