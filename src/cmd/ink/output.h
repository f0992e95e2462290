// Human-readable output of the ink CLI: aligned tables (like `kubectl get`), key/value blocks,
// ages, and the text of API errors. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ink/common/json.h"

namespace ink::cli {

// Columns padded to the widest cell plus three spaces; the last column is not padded. Control
// characters in cells (newlines in messages) become spaces so one row stays one line.
std::string FormatTable(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows);

// `text` cut to at most `max_chars` code points, ending in "..." when cut.
std::string Truncate(std::string_view text, size_t max_chars);

// "Key:   value" lines with the values aligned.
std::string FormatKeyValues(const std::vector<std::pair<std::string, std::string>>& pairs);

// Member `key` of `object`, or null when `object` is not an object or has no such member.
// (Unlike Json::value it never throws on unexpected shapes from the server.)
Json Member(const Json& object, std::string_view key);

// The number at `path` inside `object` ({"cpu", "cores", "p95"}), or 0 when a member is
// missing or is not a number.
double NumberAt(const Json& object, std::initializer_list<const char*> path);

// A field of a JSON object as display text: strings as-is, numbers and booleans printed,
// arrays of scalars joined with ", ", missing/null/empty as "-".
std::string Field(const Json& object, std::string_view key);

// How long ago `millis` (Unix epoch milliseconds) was, relative to `now_millis`: "42s ago",
// "5m ago", "3h ago", "12d ago". A string value (already formatted) is returned as-is; missing
// or null gives "-".
std::string FormatAge(const Json& millis, int64_t now_millis);

// A byte count as the largest binary unit that divides it evenly ("128Mi", "1Gi", "1000"); a
// string is returned as-is; 0 gives "unlimited" (the API's "no limit"); missing gives "-".
std::string FormatBytes(const Json& bytes);

// A number of seconds as "45s", "12m30s", "3h5m", "2d4h".
std::string FormatSeconds(int64_t seconds);

// The message of an API error response: `{"error":{"code","message"}}` gives the message; a body
// that is not such JSON gives "HTTP <status>: <first line of body>".
std::string ApiErrorMessage(int status, std::string_view body);

// The error code of an API error response ("not_found"), or "" when the body has none.
std::string ApiErrorCode(std::string_view body);

// One unicode block (▁ to █) per value, scaled to `top` (values above it are full); top <= 0
// scales to the values' max. "" for no values.
std::string Sparkline(const std::vector<double>& values, double top);

}  // namespace ink::cli
