#include "ink/common/json.h"

#include <algorithm>

namespace ink {

namespace {

// Arrays and objects nested deeper than this are refused: nothing Ink reads nests anywhere near
// this deep, and deep values would overflow the stack later.
constexpr size_t kMaxJsonDepth = 128;

// The deepest nesting of arrays and objects in `text`, counted outside strings (a malformed
// document may be over-counted; the parser refuses it anyway).
size_t NestingDepth(const std::string& text) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

Result<Json> ParseJson(const std::string& text) {
  // nlohmann parses iteratively, but copying, comparing and serialising a value recurse once
  // per level: a 1 MB body of '[' overflowed the stack of the thread handling it (inkd ended;
  // found by rest_fuzzer).
  if (NestingDepth(text) > kMaxJsonDepth) {
    return InvalidArgument("malformed JSON: arrays and objects nest deeper than " +
                           std::to_string(kMaxJsonDepth) + " levels; send a flatter document");
  }
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
