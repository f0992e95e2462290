#include "toolchain.h"

#include <cctype>

namespace ink::build {
namespace {

// Reads digits at `pos`; advances it. nullopt if none.
std::optional<int> ReadNumber(const std::string& text, size_t& pos) {
  size_t start = pos;
  int value = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
    if (pos - start > 6) return std::nullopt;  // absurd, refuse rather than overflow
    value = value * 10 + (text[pos] - '0');
    ++pos;
  }
  if (pos == start) return std::nullopt;
  return value;
}

}  // namespace

std::optional<DebianVersion> ParseVersion(const std::string& text) {
  size_t pos = 0;
  while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
  if (pos < text.size() && (text[pos] == 'v' || text[pos] == 'V')) ++pos;
  auto major = ReadNumber(text, pos);
  if (!major) return std::nullopt;
  int minor = 0;
  if (pos + 1 < text.size() && text[pos] == '.') {
    ++pos;
    if (auto parsed = ReadNumber(text, pos)) minor = *parsed;
  }
  return DebianVersion{*major, minor};
}

bool Newer(const DebianVersion& a, const DebianVersion& b) {
  return a.major != b.major ? a.major > b.major : a.minor > b.minor;
}

std::optional<DebianVersion> MinimumOfRange(const std::string& range) {
  // Walk the alternatives ("a || b"); the minimum over them is the lowest lower bound.
  std::optional<DebianVersion> lowest;
  size_t start = 0;
  while (start <= range.size()) {
    size_t bar = range.find("||", start);
    std::string alternative =
        range.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    size_t pos = 0;
    while (pos < alternative.size() && std::isspace(static_cast<unsigned char>(alternative[pos])))
      ++pos;
    std::optional<DebianVersion> bound;
    if (alternative.compare(pos, 1, "<") != 0) {
      while (pos < alternative.size() &&
             (alternative[pos] == '>' || alternative[pos] == '=' || alternative[pos] == '^' ||
              alternative[pos] == '~' ||
              std::isspace(static_cast<unsigned char>(alternative[pos]))))
        ++pos;
      bound = ParseVersion(alternative.substr(pos));
    }
    if (!bound) return std::nullopt;  // an alternative without a lower bound: anything goes
    if (!lowest || Newer(*lowest, *bound)) lowest = bound;
    if (bar == std::string::npos) break;
    start = bar + 2;
  }
  return lowest;
}

std::string ToString(const DebianVersion& version) {
  return std::to_string(version.major) + "." + std::to_string(version.minor);
}

}  // namespace ink::build
