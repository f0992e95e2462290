#include "src/logs/k8s_file.h"

#include <algorithm>
#include <cstring>
#include <ctime>

namespace ink::logs_internal {
namespace {
constexpr int64_t kNanos = 1000000000;

bool Digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
int64_t Number(std::string_view s) {
  int64_t n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  return n;
}
}  // namespace

// "2026-12-06T13:01:34.631967236+00:00": conmon always writes nanoseconds and an offset.
bool K8sFileParser::ParseTime(std::string_view stamp, int64_t& nanos) {
  if (stamp.size() < 20 || stamp[4] != '-' || stamp[10] != 'T') return false;
  std::string_view second = stamp.substr(0, 19);
  if (second != cached_second_) {
    if (!Digits(second.substr(0, 4)) || !Digits(second.substr(5, 2)) ||
        !Digits(second.substr(8, 2)) || !Digits(second.substr(11, 2)) ||
        !Digits(second.substr(14, 2)) || !Digits(second.substr(17, 2))) {
      return false;
    }
    std::tm tm{};
    tm.tm_year = static_cast<int>(Number(second.substr(0, 4))) - 1900;
    tm.tm_mon = static_cast<int>(Number(second.substr(5, 2))) - 1;
    tm.tm_mday = static_cast<int>(Number(second.substr(8, 2)));
    tm.tm_hour = static_cast<int>(Number(second.substr(11, 2)));
    tm.tm_min = static_cast<int>(Number(second.substr(14, 2)));
    tm.tm_sec = static_cast<int>(Number(second.substr(17, 2)));
    cached_seconds_ = static_cast<int64_t>(timegm(&tm));
    cached_second_ = std::string(second);
  }
  std::string_view rest = stamp.substr(19);
  int64_t fraction = 0;
  if (!rest.empty() && rest[0] == '.') {
    size_t n = 1;
    int64_t scale = kNanos;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') {
      scale /= 10;
      if (scale > 0) fraction += (rest[n] - '0') * scale;
      ++n;
    }
    rest.remove_prefix(n);
  }
  int64_t offset = 0;
  if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
      Digits(rest.substr(1, 2)) && Digits(rest.substr(4, 2))) {
    offset = (Number(rest.substr(1, 2)) * 3600 + Number(rest.substr(4, 2)) * 60) *
             (rest[0] == '+' ? 1 : -1);
  } else if (rest != "Z") {
    return false;
  }
  nanos = (cached_seconds_ - offset) * kNanos + fraction;
  return true;
}

size_t K8sFileParser::Feed(std::string_view bytes,
                           const std::function<void(const ContainerLine&)>& on_line) {
  // Pieces are joined within one call: the bytes of an unfinished line are not consumed, so
  // the caller's offset never points into the middle of a line (and the next call, or a
  // restart, reads them again). Lines of the other stream that finish while a line is in
  // pieces wait in deferred_ until no piece is pending, so none is handed over twice.
  Reset();
  size_t consumed = 0;
  size_t safe = 0;  // consumed up to here with no pieces pending and nothing deferred
  auto pending = [&] { return in_pieces_[0] || in_pieces_[1]; };
  auto emit = [&](int64_t nanos, bool is_stderr, std::string_view text) {
    text = text.substr(0, max_line_bytes_);
    if (pending()) {
      deferred_.push_back({nanos, is_stderr, std::string(text)});
      return;
    }
    for (const auto& d : deferred_)
      on_line({.nanos = d.nanos, .is_stderr = d.is_stderr, .text = d.text});
    deferred_.clear();
    on_line({.nanos = nanos, .is_stderr = is_stderr, .text = text});
    safe = consumed;
  };
  while (consumed < bytes.size()) {
    const char* start = bytes.data() + consumed;
    const char* newline =
        static_cast<const char*>(std::memchr(start, '\n', bytes.size() - consumed));
    if (newline == nullptr) break;
    std::string_view line(start, static_cast<size_t>(newline - start));
    consumed += line.size() + 1;
    // <time> <stream> <tag> <text>; "<time> <stream> F" (an empty line) has no third space.
    size_t a = line.find(' ');
    size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
    size_t c = b == std::string_view::npos ? b : line.find(' ', b + 1);
    if (c == std::string_view::npos && b != std::string_view::npos && line.size() == b + 2) {
      c = line.size();
    }
    int64_t nanos = 0;
    std::string_view stream = c == std::string_view::npos ? "" : line.substr(a + 1, b - a - 1);
    if (c == std::string_view::npos || !ParseTime(line.substr(0, a), nanos) ||
        (stream != "stdout" && stream != "stderr")) {
      emit(0, false, line);
      continue;
    }
    int s = stream == "stderr" ? 1 : 0;
    std::string_view tag = line.substr(b + 1, c - b - 1);
    std::string_view text = c < line.size() ? line.substr(c + 1) : std::string_view();
    bool last = tag.find('P') == std::string_view::npos;
    if (!in_pieces_[s] && last) {
      emit(nanos, s == 1, text);
      continue;
    }
    if (!in_pieces_[s]) partial_nanos_[s] = nanos;
    in_pieces_[s] = true;
    if (partial_[s].size() < max_line_bytes_) {
      partial_[s].append(text.substr(0, max_line_bytes_ - partial_[s].size()));
    }
    if (last) {
      std::string whole = std::move(partial_[s]);
      partial_[s].clear();
      in_pieces_[s] = false;
      emit(partial_nanos_[s], s == 1, whole);
    }
  }
  // A line that never ends (pieces beyond a few line lengths) is handed over as it is.
  if (consumed - safe > 4 * max_line_bytes_ + 4096) {
    for (const auto& d : deferred_) {
      on_line({.nanos = d.nanos, .is_stderr = d.is_stderr, .text = d.text});
    }
    for (int s = 0; s < 2; ++s) {
      if (in_pieces_[s]) {
        on_line({.nanos = partial_nanos_[s], .is_stderr = s == 1, .text = partial_[s]});
      }
    }
    safe = consumed;
  }
  Reset();
  return safe;
}

void K8sFileParser::Reset() {
  partial_[0].clear();
  partial_[1].clear();
  in_pieces_[0] = in_pieces_[1] = false;
  deferred_.clear();
}

bool LineRateLimit::Admit(int64_t now_nanos) {
  if (now_nanos > last_nanos_) {
    if (last_nanos_ != 0) {
      tokens_ = std::min(burst_, tokens_ + rate_ * static_cast<double>(now_nanos - last_nanos_) /
                                               static_cast<double>(kNanos));
    }
    last_nanos_ = now_nanos;
  }
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return true;
  }
  ++dropped_;
  return false;
}

int64_t LineRateLimit::TakeDropped() {
  int64_t n = dropped_;
  dropped_ = 0;
  return n;
}

}  // namespace ink::logs_internal
