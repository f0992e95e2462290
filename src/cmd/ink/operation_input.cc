#include "operation_input.h"

#include <cstdlib>

#include "api.h"

namespace ink::cli {
namespace {

bool WholeNumber(std::string_view text) {
  size_t start = !text.empty() && text.front() == '-' ? 1 : 0;
  if (start == text.size() || text.size() > 18) return false;
  for (size_t i = start; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

// A field's value from its text; text that is not of the field's type stays a string, so the
// schema check names the field and the type it wants.
Json Typed(const Json& schema, std::string_view text) {
  std::string type = schema.value("type", "string");
  std::string copy(text);
  // A whole number stays one (as JSON would send it): "-1" is -1 to the schema, not -1.0.
  if ((type == "integer" || type == "number") && WholeNumber(text)) return std::atoll(copy.c_str());
  if (type == "number" && !text.empty()) {
    char* end = nullptr;
    double value = std::strtod(copy.c_str(), &end);
    if (end != nullptr && *end == '\0' && copy.find_first_of("xXpP") == std::string::npos) {
      return value;
    }
  }
  if (type == "boolean" && (text == "true" || text == "false")) return text == "true";
  // Structured fields are given as JSON text: --volumes '[{"volume":"data","mount_path":"/d"}]'.
  if (type == "object" || type == "array") {
    Json parsed = Json::parse(copy, nullptr, /*allow_exceptions=*/false);
    if ((type == "object" && parsed.is_object()) || (type == "array" && parsed.is_array())) {
      return parsed;
    }
  }
  return copy;
}

std::string QueryValue(const Json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

Result<Json> FieldValue(const Json& schema, const std::string& field, std::string_view text) {
  Json value = Typed(schema, text);
  INK_RETURN_IF_ERROR(ValidateAgainstSchema(schema, value, field));
  return value;
}

Json OperationInput(const Invocation& invocation) {
  const CommandSpec& command = *invocation.command;
  Json input = Json::object();
  if (command.operation == nullptr) return input;
  const Json& properties = command.operation->input_schema["properties"];
  for (size_t i = 0; i < command.positional_fields.size() && i < invocation.positionals.size();
       ++i) {
    const std::string& field = command.positional_fields[i];
    const Json& schema = properties[field];
    std::string type = schema.value("type", "string");
    if (type == "object") {  // NAME=VALUE... (the last positional)
      Json object = Json::object();
      for (size_t j = i; j < invocation.positionals.size(); ++j) {
        auto pair = ParseEnvPair(invocation.positionals[j]);
        if (pair.ok()) object[pair->first] = pair->second;
      }
      input[field] = object;
    } else if (type == "array") {  // NAME... (the last positional)
      Json items = Json::array();
      for (size_t j = i; j < invocation.positionals.size(); ++j) {
        items.push_back(Typed(schema.value("items", Json::object()), invocation.positionals[j]));
      }
      input[field] = items;
    } else {
      input[field] = Typed(schema, invocation.positionals[i]);
    }
  }
  for (const FlagSpec& flag : command.flags) {
    if (!flag.generated || !invocation.Has(flag.name)) continue;
    std::vector<std::string> values = invocation.All(flag.name);
    std::string type = flag.schema.value("type", "string");
    if (flag.kind == FlagKind::kSwitch) {
      input[flag.field] = true;
    } else if (flag.kind == FlagKind::kEnvPair) {
      Json object = Json::object();
      for (const std::string& text : values) {  // a later K=V wins, as in `docker run`
        auto pair = ParseEnvPair(text);
        if (pair.ok()) object[pair->first] = pair->second;
      }
      input[flag.field] = object;
    } else if (type == "array" && values.size() == 1 && Typed(flag.schema, values[0]).is_array()) {
      input[flag.field] = Typed(flag.schema, values[0]);  // the whole list as JSON, e.g. '[]'
    } else if (type == "array") {
      Json items = Json::array();
      for (const std::string& text : values) {
        items.push_back(Typed(flag.schema.value("items", Json::object()), text));
      }
      input[flag.field] = items;
    } else {
      input[flag.field] = Typed(flag.schema, values.back());
    }
  }
  return input;
}

Status CheckInput(const Operation& operation, const Json& input) {
  return ValidateAgainstSchema(operation.input_schema, input);
}

Result<OperationRequest> RequestFor(const Operation& operation, const Json& input) {
  for (const RestBinding& route : operation.rest) {
    auto parameters = PathParameters(route.path);
    if (!parameters.ok()) return parameters.error();
    bool complete = true;
    for (const auto& name : *parameters) complete = complete && input.contains(name);
    if (!complete) continue;
    OperationRequest request{.method = route.method};
    Json rest = input;
    std::string target;
    size_t start = 0;
    while (start < route.path.size()) {
      size_t open = route.path.find('{', start);
      if (open == std::string::npos) {
        target += route.path.substr(start);
        break;
      }
      size_t close = route.path.find('}', open);
      target += route.path.substr(start, open - start);
      std::string name = route.path.substr(open + 1, close - open - 1);
      target += EncodeSegment(QueryValue(input[name]));
      rest.erase(name);
      start = close + 1;
    }
    if (route.method == "GET") {
      std::string query;
      for (const auto& [key, value] : rest.items()) {
        query += (query.empty() ? "?" : "&") + key + "=" + EncodeSegment(QueryValue(value));
      }
      target += query;
    } else if (!rest.empty() || route.method != "DELETE") {
      request.body = rest;
    }
    request.target = std::move(target);
    return request;
  }
  std::string needs;
  for (const RestBinding& route : operation.rest) {
    needs += (needs.empty() ? "" : " or ") + route.path;
  }
  return InvalidArgument(operation.name + " needs the fields of " +
                         (needs.empty() ? std::string("a REST route") : needs));
}

}  // namespace ink::cli
