#include "ink/common/json.h"

namespace ink {

Result<Json> ParseJson(const std::string& text) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    // nlohmann quotes the token it stopped in ("last read: '...'"): that may be part of a
    // secret value, so only the position and the expectation are kept.
    std::string what = e.what();
    const std::string marker = "; last read: '";
    if (size_t start = what.find(marker); start != std::string::npos) {
      size_t expected = what.rfind("'; expected");
      what = what.substr(0, start) +
             (expected != std::string::npos && expected >= start + marker.size()
                  ? what.substr(expected + 1)
                  : std::string());
    }
    return InvalidArgument("malformed JSON: " + what + "; send a valid JSON document");
  } catch (const Json::exception&) {
    // out_of_range.406 ("number overflow parsing '1111...e13111'") quotes the number, and
    // escaped from this function before (found by the route-file fuzzer).
    return InvalidArgument(
        "malformed JSON: a number is too large to represent; send a valid JSON document");
  }
}

}  // namespace ink
