#include "ink/metrics/metrics_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <type_traits>

#include "ink/common/log.h"

namespace ink::metrics {
namespace {

static_assert(std::is_trivially_copyable_v<Sample>);

// The format names the Sample's size: a build whose Sample differs starts a new journal rather
// than misreading the old one.
std::string Header() { return "ink-metrics-journal 1 sample=" + std::to_string(sizeof(Sample)) + "\n"; }

uint32_t Fnv1a(const char* data, size_t n, uint32_t h = 2166136261u) {
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 16777619u;
  }
  return h;
}

std::string EncodeRecord(const std::string& series, const Sample& point) {
  std::string r;
  const size_t key = std::min<size_t>(series.size(), 255);
  r.push_back(static_cast<char>(key));
  r.append(series, 0, key);
  r.append(reinterpret_cast<const char*>(&point), sizeof(Sample));
  uint32_t sum = Fnv1a(r.data() + 1, r.size() - 1);
  r.append(reinterpret_cast<const char*>(&sum), sizeof sum);
  return r;
}

Status WriteAll(int fd, const std::string& bytes, const std::string& what) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Unavailable(what + ": " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return {};
}

}  // namespace

MetricsJournal::~MetricsJournal() {
  if (fd_ >= 0) ::close(fd_);
}

Result<MetricsJournal::Points> MetricsJournal::Open(const std::string& path, int64_t now_ms) {
  std::lock_guard lock(mu_);
  path_ = path;
  Points points;
  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string header = Header();
    if (text.compare(0, header.size(), header) != 0) {
      LogWarn("metrics", path + " is not a journal of this version; set aside as " + path +
                             ".old, history starts again");
      std::error_code ec;
      std::filesystem::rename(path, path + ".old", ec);
    } else {
      size_t at = header.size(), kept = 0, dropped = 0;
      const int64_t cutoff = now_ms - kCoarseRetentionMs;
      while (at < text.size()) {
        const size_t key = static_cast<unsigned char>(text[at]);
        const size_t size = 1 + key + sizeof(Sample) + sizeof(uint32_t);
        if (at + size > text.size()) break;  // a torn tail
        uint32_t sum;
        std::memcpy(&sum, text.data() + at + 1 + key + sizeof(Sample), sizeof sum);
        if (sum != Fnv1a(text.data() + at + 1, key + sizeof(Sample))) break;  // corrupt
        Sample p;
        std::memcpy(&p, text.data() + at + 1 + key, sizeof(Sample));
        if (p.at_ms > cutoff) {
          points[text.substr(at + 1, key)].push_back(p);
          ++kept;
        } else {
          ++dropped;
        }
        at += size;
      }
      if (at < text.size()) {
        LogWarn("metrics", path + ": " + std::to_string(text.size() - at) +
                               " bytes after the last intact record were cut off");
      }
      (void)kept;
      (void)dropped;
    }
  }
  INK_RETURN_IF_ERROR(Rewrite(points));  // compacted: only intact points within the retention
  return points;
}

Status MetricsJournal::Rewrite(const Points& points) {
  const std::string temp = path_ + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("metrics journal: cannot create " + temp + ": " + std::strerror(errno));
  std::string bytes = Header();
  size_t records = 0;
  for (const auto& [series, list] : points) {
    for (const Sample& p : list) {
      bytes += EncodeRecord(series, p);
      ++records;
    }
  }
  Status written = WriteAll(fd, bytes, "metrics journal: write " + temp);
  if (written.ok() && ::fsync(fd) != 0) written = Unavailable("metrics journal: fsync " + temp);
  ::close(fd);
  if (!written.ok()) return written;
  if (::rename(temp.c_str(), path_.c_str()) != 0) {
    return Unavailable("metrics journal: rename " + temp + ": " + std::strerror(errno));
  }
  int appender = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (appender < 0) return Unavailable("metrics journal: reopen " + path_ + ": " + std::strerror(errno));
  if (fd_ >= 0) ::close(fd_);
  fd_ = appender;
  records_ = records;
  rewritten_ = records;
  return {};
}

void MetricsJournal::Append(const std::string& series, const Sample& point) {
  std::lock_guard lock(mu_);
  if (fd_ < 0) return;
  Status s = WriteAll(fd_, EncodeRecord(series, point), "metrics journal: append");
  if (!s.ok()) {
    if (errors_++ == 0) LogWarn("metrics", s.error().message + " (history may be lost)");
    return;
  }
  ++records_;
}

bool MetricsJournal::MaybeCompact(const std::function<Points()>& snapshot) {
  {
    std::lock_guard lock(mu_);
    if (fd_ < 0 || records_ <= 2 * rewritten_ + 1024) return false;
  }
  // Taken outside our lock: the store's lock is taken before ours (its sink appends under it).
  Points all = snapshot();
  std::lock_guard lock(mu_);
  if (Status c = Rewrite(all); !c.ok()) {
    LogWarn("metrics", c.error().message);
    return false;
  }
  return true;
}

size_t MetricsJournal::records() const {
  std::lock_guard lock(mu_);
  return records_;
}

int64_t MetricsJournal::write_errors() const {
  std::lock_guard lock(mu_);
  return errors_;
}

}  // namespace ink::metrics
