#include "ink/ops/schema_types.h"

#include <set>

namespace ink {
namespace {

const std::set<std::string> kTypes = {"string", "integer", "number", "boolean",
                                      "object", "array",   "null"};

Status CheckNode(const Json& schema, const std::string& where, const std::string& path) {
  const std::string field = path.empty() ? "the top level" : "field '" + path + "'";
  if (!schema.is_object()) return InvalidArgument(where + ": " + field + " is not a schema");
  auto type = schema.find("type");
  if (type == schema.end()) {
    return InvalidArgument(where + ": " + field +
                           " declares no JSON type; give it \"type\" (string, integer, number, "
                           "boolean, object or array)");
  }
  if (!type->is_string() || kTypes.count(type->get<std::string>()) == 0) {
    return InvalidArgument(where + ": " + field + " has type " + type->dump() +
                           ", which is not one JSON Schema type name");
  }
  if (auto properties = schema.find("properties"); properties != schema.end()) {
    if (!properties->is_object()) {
      return InvalidArgument(where + ": " + field + " has properties that are not an object");
    }
    for (const auto& [name, property] : properties->items()) {
      INK_RETURN_IF_ERROR(CheckNode(property, where, path.empty() ? name : path + "." + name));
    }
  }
  if (auto items = schema.find("items"); items != schema.end()) {
    INK_RETURN_IF_ERROR(CheckNode(*items, where, path + "[]"));
  }
  if (auto extra = schema.find("additionalProperties");
      extra != schema.end() && extra->is_object()) {
    INK_RETURN_IF_ERROR(CheckNode(*extra, where, path + ".*"));
  }
  return {};
}

}  // namespace

Status CheckSchemaTypes(const Json& schema, const std::string& where) {
  return CheckNode(schema, where, "");
}

}  // namespace ink
