#include "src/build/build_log.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ink::build {
namespace {
constexpr size_t kRecentLines = 50;
}

Result<std::unique_ptr<BuildLog>> BuildLog::Create(const std::string& path, int64_t max_bytes,
                                                   std::function<void()> on_written) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    return Internal("cannot create build log " + path + ": " + std::strerror(errno));
  }
  std::setvbuf(f, nullptr, _IOLBF, 0);  // followers see each line as it comes
  return std::unique_ptr<BuildLog>(
      new BuildLog(f, max_bytes < 1024 ? 1024 : max_bytes, std::move(on_written)));
}

BuildLog::~BuildLog() { Close(); }

void BuildLog::Line(std::string_view text) {
  if (LineLocked(text)) Written();
}

void BuildLog::Mask(std::vector<std::string> secrets) {
  std::erase_if(secrets, [](const std::string& s) { return s.size() < kMinMaskedLength; });
  // Longest first: a secret that contains another is masked whole.
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  std::lock_guard lock(mu_);
  secrets_ = std::move(secrets);
}

bool BuildLog::LineLocked(std::string_view text) {
  std::lock_guard lock(mu_);
  if (file_ == nullptr) return false;
  std::string line(text);
  for (const auto& secret : secrets_) {
    for (size_t at = line.find(secret); at != std::string::npos; at = line.find(secret, at + 8)) {
      line.replace(at, secret.size(), "[masked]");
    }
  }
  recent_.push_back(line);
  if (recent_.size() > kRecentLines) recent_.pop_front();
  int64_t size = static_cast<int64_t>(line.size()) + 1;
  int64_t head_budget = max_bytes_ / 2;
  if (!rolling_ && written_ + size <= head_budget) {
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fputc('\n', file_);
    written_ += size;
    return true;
  }
  rolling_ = true;
  int64_t tail_budget = max_bytes_ - head_budget;
  if (size > tail_budget) {  // cannot happen with line cuts of 16 KiB, but stay bounded
    omitted_ += size;
    return false;
  }
  tail_.push_back(std::move(line));
  tail_bytes_ += size;
  while (tail_bytes_ > tail_budget) {
    omitted_ += static_cast<int64_t>(tail_.front().size()) + 1;
    tail_bytes_ -= static_cast<int64_t>(tail_.front().size()) + 1;
    tail_.pop_front();
  }
  return false;
}

std::string BuildLog::Tail(int lines) const {
  std::lock_guard lock(mu_);
  std::string out;
  size_t start = recent_.size() > static_cast<size_t>(lines) ? recent_.size() - lines : 0;
  for (size_t i = start; i < recent_.size(); ++i) {
    out += recent_[i];
    if (i + 1 < recent_.size()) out += "\n";
  }
  return out;
}

void BuildLog::Close() {
  if (CloseLocked()) Written();
}

bool BuildLog::CloseLocked() {
  std::lock_guard lock(mu_);
  if (file_ == nullptr) return false;
  if (omitted_ > 0) {
    std::fprintf(file_,
                 "[ink: %lld bytes of build log omitted here; the log keeps its first and "
                 "last %lld bytes]\n",
                 static_cast<long long>(omitted_), static_cast<long long>(max_bytes_ / 2));
  }
  for (const auto& l : tail_) {
    std::fwrite(l.data(), 1, l.size(), file_);
    std::fputc('\n', file_);
  }
  tail_.clear();
  std::fclose(file_);
  file_ = nullptr;
  return true;
}

int64_t BuildLog::omitted_bytes() const {
  std::lock_guard lock(mu_);
  return omitted_;
}

}  // namespace ink::build
