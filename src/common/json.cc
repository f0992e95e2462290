#include "ink/common/json.h"

namespace ink {

Result<Json> ParseJson(const std::string& text) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    return InvalidArgument(std::string("malformed JSON: ") + e.what() +
                           "; send a valid JSON document");
  }
}

}  // namespace ink
