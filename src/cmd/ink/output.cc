#include "output.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <optional>

namespace ink::cli {
namespace {

// Display width: counts UTF-8 code points, not bytes, so names with accents stay aligned.
size_t DisplayWidth(std::string_view s) {
  size_t width = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
  }
  return width;
}

std::string OneLine(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

std::string Scalar(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_null()) return "";
  return value.dump();
}

std::optional<Json> ParseErrorBody(std::string_view body) {
  Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  auto error = json.find("error");
  if (error == json.end() || !error->is_object()) return std::nullopt;
  return *error;
}

}  // namespace

std::string FormatTable(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::vector<std::string>> cells;
  cells.push_back(headers);
  for (const auto& row : rows) {
    std::vector<std::string> clean;
    for (const auto& cell : row) clean.push_back(OneLine(cell));
    clean.resize(headers.size());
    cells.push_back(std::move(clean));
  }
  std::vector<size_t> widths(headers.size(), 0);
  for (const auto& row : cells) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  std::string out;
  for (const auto& row : cells) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - DisplayWidth(row[i]) + 3, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string Truncate(std::string_view text, size_t max_chars) {
  if (DisplayWidth(text) <= max_chars) return std::string(text);
  size_t keep = max_chars > 3 ? max_chars - 3 : 0;
  size_t i = 0;
  for (size_t chars = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && chars++ == keep) break;
  }
  return std::string(text.substr(0, i)) + "...";
}

std::string FormatKeyValues(const std::vector<std::pair<std::string, std::string>>& pairs) {
  size_t width = 0;
  for (const auto& [key, value] : pairs) width = std::max(width, DisplayWidth(key) + 1);
  std::string out;
  for (const auto& [key, value] : pairs) {
    out += key + ":" + std::string(width - DisplayWidth(key) - 1 + 2, ' ') + OneLine(value);
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += "\n";
  }
  return out;
}

Json Member(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(std::string(key));
  return it == object.end() ? Json(nullptr) : *it;
}

double NumberAt(const Json& object, std::initializer_list<const char*> path) {
  const Json* at = &object;
  for (const char* key : path) {
    if (!at->is_object() || !at->contains(key)) return 0;
    at = &(*at)[key];
  }
  return at->is_number() ? at->get<double>() : 0;
}

std::string Field(const Json& object, std::string_view key) {
  if (!object.is_object()) return "-";
  auto it = object.find(std::string(key));
  if (it == object.end()) return "-";
  std::string text;
  if (it->is_array()) {
    for (const Json& item : *it) {
      if (!text.empty()) text += ", ";
      text += Scalar(item);
    }
  } else if (it->is_object()) {
    text = it->dump();
  } else {
    text = Scalar(*it);
  }
  return text.empty() ? "-" : text;
}

std::string FormatAge(const Json& millis, int64_t now_millis) {
  if (millis.is_string()) return millis.get<std::string>();
  if (!millis.is_number()) return "-";
  int64_t seconds = (now_millis - millis.get<int64_t>()) / 1000;
  if (seconds < 0) seconds = 0;
  if (seconds < 120) return std::to_string(seconds) + "s ago";
  if (seconds < 120 * 60) return std::to_string(seconds / 60) + "m ago";
  if (seconds < 48 * 3600) return std::to_string(seconds / 3600) + "h ago";
  return std::to_string(seconds / 86400) + "d ago";
}

std::string FormatBytes(const Json& bytes) {
  if (bytes.is_string()) return bytes.get<std::string>();
  if (!bytes.is_number_integer()) return "-";
  int64_t n = bytes.get<int64_t>();
  if (n == 0) return "unlimited";
  const char* units[] = {"", "Ki", "Mi", "Gi", "Ti"};
  size_t unit = 0;
  while (unit + 1 < std::size(units) && n % 1024 == 0) {
    n /= 1024;
    ++unit;
  }
  return std::to_string(n) + units[unit];
}

std::string FormatSeconds(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  auto part = [](int64_t n, const char* unit) { return std::to_string(n) + unit; };
  if (seconds < 60) return part(seconds, "s");
  if (seconds < 3600) {
    return part(seconds / 60, "m") + (seconds % 60 ? part(seconds % 60, "s") : "");
  }
  if (seconds < 86400) {
    return part(seconds / 3600, "h") + (seconds % 3600 / 60 ? part(seconds % 3600 / 60, "m") : "");
  }
  return part(seconds / 86400, "d") +
         (seconds % 86400 / 3600 ? part(seconds % 86400 / 3600, "h") : "");
}

std::string ApiErrorMessage(int status, std::string_view body) {
  if (auto error = ParseErrorBody(body)) {
    auto message = error->find("message");
    if (message != error->end() && message->is_string() && !message->get<std::string>().empty()) {
      return message->get<std::string>();
    }
  }
  std::string_view first_line = body.substr(0, body.find('\n'));
  if (first_line.size() > 200) first_line = first_line.substr(0, 200);
  std::string text = "HTTP " + std::to_string(status);
  if (!first_line.empty()) text += ": " + OneLine(first_line);
  return text;
}

std::string ApiErrorCode(std::string_view body) {
  if (auto error = ParseErrorBody(body)) {
    auto code = error->find("code");
    if (code != error->end() && code->is_string()) return code->get<std::string>();
  }
  return "";
}

std::string Sparkline(const std::vector<double>& values, double top) {
  static const char* const kBars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  if (top <= 0) {
    for (double v : values) top = std::max(top, v);
  }
  std::string line;
  for (double v : values) {
    int level = top > 0 ? static_cast<int>(std::lround(std::clamp(v / top, 0.0, 1.0) * 7)) : 0;
    line += kBars[level];
  }
  return line;
}

}  // namespace ink::cli
