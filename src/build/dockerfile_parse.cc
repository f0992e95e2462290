#include "src/build/dockerfile_parse.h"

#include <cctype>

#include "ink/common/json.h"

namespace ink::build {
namespace {

constexpr size_t kMaxLineBytes = 64 << 10;  // Go's bufio.Scanner stops at a longer line

// unicode.IsSpace of the rune that starts at `s[i]` (UTF-8), and its length; 0 if not a space.
size_t UnicodeSpaceAt(std::string_view s, size_t i) {
  unsigned char c = s[i];
  if (c == ' ' || (c >= '\t' && c <= '\r')) return 1;
  auto at = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
  if (c == 0xC2 && (at(1) == 0x85 || at(1) == 0xA0)) return 2;  // U+0085, U+00A0
  if (c == 0xE1 && at(1) == 0x9A && at(2) == 0x80) return 3;    // U+1680
  if (c == 0xE2 && at(1) == 0x80 &&
      (at(2) <= 0x8A || at(2) == 0xA8 || at(2) == 0xA9 || at(2) == 0xAF)) {
    return at(2) >= 0x80 ? 3 : 0;  // U+2000-200A, U+2028, U+2029, U+202F
  }
  if (c == 0xE2 && at(1) == 0x81 && at(2) == 0x9F) return 3;  // U+205F
  if (c == 0xE3 && at(1) == 0x80 && at(2) == 0x80) return 3;  // U+3000
  return 0;
}

std::string_view TrimLeftUnicode(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t n = UnicodeSpaceAt(s, i);
    if (n == 0) break;
    i += n;
  }
  return s.substr(i);
}

// strings.TrimSpace: unicode spaces at both ends.
std::string_view TrimUnicode(std::string_view s) {
  s = TrimLeftUnicode(s);
  while (!s.empty()) {
    // Scan from the left for the last non-space rune (spaces are 1-3 bytes).
    size_t end = s.size();
    bool trimmed = false;
    for (size_t len = 1; len <= 3 && len <= end; ++len) {
      if (UnicodeSpaceAt(s, end - len) == len) {
        s = s.substr(0, end - len);
        trimmed = true;
        break;
      }
    }
    if (!trimmed) break;
  }
  return s;
}

// The byte-wise unicode.IsSpace(rune(b)) of extractBuilderFlags.
bool FlagSpace(unsigned char b) {
  return b == ' ' || (b >= '\t' && b <= '\r') || b == 0x85 || b == 0xA0;
}

// tokenWhitespace: [\t\v\f\r ]
bool TokenSpace(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }

// tokenComment ^#.*$ on a whole line: a line starting with '#' becomes empty.
std::string_view TrimComment(std::string_view line) {
  return !line.empty() && line[0] == '#' ? std::string_view() : line;
}

// lineContinuationRegex: the escape character then only blanks at the end of the line.
bool StripContinuation(std::string& line, char escape) {
  size_t end = line.size();
  while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
  if (end == 0 || line[end - 1] != escape) return false;
  line.resize(end - 1);
  return true;
}

struct Directive {
  char escape = '\\';
  bool complete = false;
  bool escape_seen = false;
};

// possibleParserDirective: `^#[ \t]*escape[ \t]*=[ \t]*(.).*$` on the lower-cased line.
Status ObserveDirective(Directive& d, std::string_view line, int number) {
  if (d.complete) return {};
  std::string lower(line);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t i = 0;
  auto blanks = [&] {
    while (i < lower.size() && (lower[i] == ' ' || lower[i] == '\t')) ++i;
  };
  bool match = false;
  if (i < lower.size() && lower[i] == '#') {
    ++i;
    blanks();
    if (lower.compare(i, 6, "escape") == 0) {
      i += 6;
      blanks();
      if (i < lower.size() && lower[i] == '=') {
        ++i;
        blanks();
        match = i < lower.size() && lower[i] != '\n';
      }
    }
  }
  if (!match) {
    d.complete = true;
    return {};
  }
  if (d.escape_seen) {
    return InvalidArgument("Dockerfile line " + std::to_string(number) +
                           ": only one escape parser directive can be used");
  }
  d.escape_seen = true;
  char c = lower[i];  // a byte >= 0x80 starts a multi-byte rune: refused like any other
  if (c != '`' && c != '\\') {
    return InvalidArgument("Dockerfile line " + std::to_string(number) +
                           ": the escape directive must name ` or \\");
  }
  d.escape = c;
  return {};
}

}  // namespace

void SplitBuilderFlags(std::string_view line, std::vector<std::string>& words,
                       std::string& remainder) {
  enum { kSpaces, kWord, kQuote } phase = kSpaces;
  std::string word;
  char quote = 0;
  bool blank_ok = false;
  remainder.clear();
  for (size_t pos = 0; pos <= line.size(); ++pos) {
    unsigned char ch = pos < line.size() ? line[pos] : 0;
    if (phase == kSpaces) {
      if (pos == line.size()) break;
      if (FlagSpace(ch)) continue;
      if (ch != '-' || pos + 1 == line.size() || line[pos + 1] != '-') {
        remainder = std::string(line.substr(pos));
        return;
      }
      phase = kWord;
    }
    if ((phase == kWord || phase == kQuote) && pos == line.size()) {
      if (word != "--" && (blank_ok || !word.empty())) words.push_back(word);
      break;
    }
    if (phase == kWord) {
      if (FlagSpace(ch)) {
        phase = kSpaces;
        if (word == "--") {
          remainder = std::string(line.substr(pos));
          return;
        }
        if (blank_ok || !word.empty()) words.push_back(word);
        word.clear();
        blank_ok = false;
        continue;
      }
      if (ch == '\'' || ch == '"') {
        quote = static_cast<char>(ch);
        blank_ok = true;
        phase = kQuote;
        continue;
      }
      if (ch == '\\') {
        if (pos + 1 == line.size()) continue;
        ++pos;
        ch = line[pos];
      }
      word.push_back(static_cast<char>(ch));
      continue;
    }
    // kQuote
    if (ch == static_cast<unsigned char>(quote)) {
      phase = kWord;
      continue;
    }
    if (ch == '\\') {  // also inside single quotes, as buildah does
      if (pos + 1 == line.size()) {
        phase = kWord;
        continue;
      }
      ++pos;
      ch = line[pos];
    }
    word.push_back(static_cast<char>(ch));
  }
}

bool ParseJsonStringArray(const std::string& text, std::vector<std::string>& out) {
  auto parsed = ParseJson(text);
  if (!parsed.ok() || !parsed->is_array()) return false;
  out.clear();
  for (const auto& item : *parsed) {
    if (!item.is_string()) return false;
    out.push_back(item.get<std::string>());
  }
  return true;
}

Result<ParsedDockerfile> ParseDockerfile(std::string_view text) {
  ParsedDockerfile out;
  // bufio.ScanLines: split at '\n', drop one '\r' before it; no empty last line.
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string line(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.physical_lines.push_back(std::move(line));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  if (!out.physical_lines.empty() && out.physical_lines[0].rfind("\xEF\xBB\xBF", 0) == 0) {
    out.physical_lines[0].erase(0, 3);
  }
  const auto& lines = out.physical_lines;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].size() > kMaxLineBytes) {
      return InvalidArgument("Dockerfile line " + std::to_string(i + 1) +
                             " is longer than 64 KiB, more than buildah reads; split it");
    }
  }
  Directive d;
  size_t next = 0;
  while (next < lines.size()) {
    int first = static_cast<int>(next) + 1;
    std::string_view raw = TrimLeftUnicode(lines[next]);
    INK_RETURN_IF_ERROR(ObserveDirective(d, raw, first));
    std::string line(TrimComment(raw));
    ++next;
    bool end_of_line = !StripContinuation(line, d.escape);
    if (end_of_line && line.empty()) continue;
    while (!end_of_line && next < lines.size()) {
      std::string_view continued = lines[next];
      INK_RETURN_IF_ERROR(ObserveDirective(d, continued, static_cast<int>(next) + 1));
      continued = TrimComment(continued);
      ++next;
      if (TrimComment(TrimLeftUnicode(continued)).empty()) continue;  // empty continuation
      std::string piece(continued);
      end_of_line = !StripContinuation(piece, d.escape);
      line += piece;
    }
    DockerfileInstruction instruction;
    instruction.first_line = first;
    instruction.last_line = static_cast<int>(next);
    std::string_view trimmed = TrimUnicode(line);
    size_t split = 0;
    while (split < trimmed.size() && !TokenSpace(trimmed[split])) ++split;
    instruction.command = std::string(trimmed.substr(0, split));
    for (char& c : instruction.command) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    size_t rest = split;
    while (rest < trimmed.size() && TokenSpace(trimmed[rest])) ++rest;
    if (rest > split) {
      std::string remainder;
      SplitBuilderFlags(trimmed.substr(rest), instruction.flags, remainder);
      instruction.args = std::string(TrimUnicode(remainder));
    }
    out.instructions.push_back(std::move(instruction));
  }
  out.escape = d.escape;
  return out;
}

}  // namespace ink::build
