#include "ink/logs/log_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "src/logs/log_record.h"

namespace ink::logs {
namespace {

using logs_internal::AppendEncoded;
using logs_internal::DecodeOne;
using logs_internal::DecodeRecords;

constexpr uint64_t kIndexEvery = 256;  // records between two sparse index entries

std::string SegmentName(uint64_t first_seq) {
  std::string digits = std::to_string(first_seq);
  return std::string(20 - std::min<size_t>(20, digits.size()), '0') + digits + ".seg";
}

// The bytes [from, to) of the file at `path`; "" when it is gone (retention deleted it).
std::string ReadRange(const std::string& path, int64_t from, int64_t to) {
  std::string out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  out.resize(static_cast<size_t>(std::max<int64_t>(0, to - from)));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::pread(fd, out.data() + got, out.size() - got, from + static_cast<int64_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

Status WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal(std::string("cannot write a log segment: ") + std::strerror(errno));
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

// What a reader is charged for a line (the JSON around it included, about).
size_t Cost(const LogRecord& r) { return r.text.size() + r.replica.size() + 24; }

constexpr size_t kAnswerLineBytes = 4 << 10;

void CutForAnswer(std::string& text) {
  if (text.size() <= kAnswerLineBytes) return;
  size_t cut = text.size() - kAnswerLineBytes;
  text.resize(kAnswerLineBytes);
  text += " …[" + std::to_string(cut) + " more bytes cut]";
}

}  // namespace

struct ServiceLog::Segment {
  std::string path;
  uint64_t first_seq = 0;  // from the file name
  uint64_t last_seq = 0;   // 0: no records yet
  int64_t min_nanos = INT64_MAX;
  int64_t max_nanos = 0;  // lines only (not checkpoints); 0: none
  int64_t bytes = 0;
  int64_t dropped = 0;
  uint64_t records = 0;
  std::vector<std::pair<uint64_t, int64_t>> index;  // every kIndexEvery-th record: seq, offset

  void Add(const LogRecord& r, int64_t offset, size_t size) {
    if (records % kIndexEvery == 0) index.emplace_back(r.seq, offset);
    ++records;
    last_seq = r.seq;
    bytes = offset + static_cast<int64_t>(size);
    if (r.stream == LogStream::kCheckpoint) return;
    min_nanos = std::min(min_nanos, r.nanos);
    max_nanos = std::max(max_nanos, r.nanos);
    if (r.stream == LogStream::kDropped) dropped += std::atoll(r.text.c_str());
  }
  // Where to start reading for the records after `seq`.
  int64_t OffsetAfter(uint64_t seq) const {
    auto it = std::upper_bound(index.begin(), index.end(), seq + 1,
                               [](uint64_t s, const auto& e) { return s < e.first; });
    return it == index.begin() ? 0 : std::prev(it)->second;
  }
};

ServiceLog::ServiceLog(std::string dir, LogLimits limits) : dir_(std::move(dir)), limits_(limits) {}

ServiceLog::~ServiceLog() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<ServiceLog>> ServiceLog::Open(const std::string& dir, LogLimits limits) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Internal("cannot create the log directory " + dir + ": " + ec.message());
  std::unique_ptr<ServiceLog> log(new ServiceLog(dir, limits));
  std::lock_guard lock(log->mu_);
  INK_RETURN_IF_ERROR(log->OpenSegmentsLocked());
  return log;
}

Status ServiceLog::OpenSegmentsLocked() {
  std::vector<uint64_t> firsts;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() != 24 || !name.ends_with(".seg")) continue;
    firsts.push_back(std::strtoull(name.c_str(), nullptr, 10));
  }
  if (ec) return Internal("cannot list the log directory " + dir_ + ": " + ec.message());
  std::sort(firsts.begin(), firsts.end());
  for (size_t i = 0; i < firsts.size(); ++i) {
    Segment s;
    s.first_seq = firsts[i];
    s.path = dir_ + "/" + SegmentName(firsts[i]);
    std::error_code size_ec;
    int64_t size = static_cast<int64_t>(std::filesystem::file_size(s.path, size_ec));
    std::string bytes = ReadRange(s.path, 0, size_ec ? 0 : size);
    size_t whole = DecodeRecords(bytes, [&](const LogRecord& r, size_t offset, size_t size) {
      s.Add(r, static_cast<int64_t>(offset), size);
      if (r.stream == LogStream::kCheckpoint) {
        size_t space = r.text.find(' ');
        if (space != std::string::npos)
          checkpoints_[r.text.substr(0, space)] = r.text.substr(space + 1);
      }
    });
    s.bytes = static_cast<int64_t>(whole);
    if (whole < bytes.size() && i + 1 == firsts.size()) {
      // A torn last record (inkd died mid-write): cut it, the collector reads it again.
      if (::truncate(s.path.c_str(), static_cast<off_t>(whole)) != 0) {
        return Internal("cannot cut the torn end of " + s.path + ": " + std::strerror(errno));
      }
    }
    next_seq_ = std::max(next_seq_, std::max(s.first_seq, s.last_seq + 1));
    segments_.push_back(std::make_shared<Segment>(std::move(s)));
  }
  if (!segments_.empty()) {
    fd_ = ::open(segments_.back()->path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) {
      return Internal("cannot open " + segments_.back()->path + ": " + std::strerror(errno));
    }
  }
  return {};
}

Status ServiceLog::StartSegmentLocked(uint64_t first_seq) {
  if (fd_ >= 0) ::close(fd_);
  auto s = std::make_shared<Segment>();
  s->first_seq = first_seq;
  s->path = dir_ + "/" + SegmentName(first_seq);
  fd_ = ::open(s->path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) return Internal("cannot create " + s->path + ": " + std::strerror(errno));
  segments_.push_back(s);
  // Every live checkpoint again at the front, so dropping older segments keeps them.
  std::string bytes;
  for (const auto& [key, value] : checkpoints_) {
    LogRecord r{.seq = next_seq_++, .stream = LogStream::kCheckpoint, .text = key + " " + value};
    size_t at = bytes.size();
    AppendEncoded(r, bytes);
    s->Add(r, static_cast<int64_t>(at), bytes.size() - at);
  }
  return WriteAll(fd_, bytes);
}

Result<uint64_t> ServiceLog::Append(std::vector<LogRecord> records, int64_t now_nanos,
                                    const std::string& checkpoint_key,
                                    const std::string& checkpoint) {
  std::lock_guard lock(mu_);
  if (fd_ < 0) INK_RETURN_IF_ERROR(StartSegmentLocked(next_seq_));
  if (!checkpoint_key.empty()) {
    records.push_back({.nanos = now_nanos,
                       .stream = LogStream::kCheckpoint,
                       .text = checkpoint_key + " " + checkpoint});
    checkpoints_[checkpoint_key] = checkpoint;
  }
  Segment& s = *segments_.back();
  std::string bytes;
  // Built on a copy: a failed write leaves the summary as it was.
  Segment updated = s;
  uint64_t seq = next_seq_;
  for (auto& r : records) {
    r.seq = seq++;
    if (r.text.size() > kMaxLineBytes) r.text.resize(kMaxLineBytes);
    size_t at = bytes.size();
    AppendEncoded(r, bytes);
    updated.Add(r, s.bytes + static_cast<int64_t>(at), bytes.size() - at);
  }
  if (auto written = WriteAll(fd_, bytes); !written.ok()) {
    // Keep the file whole: cut what part of this batch reached it.
    if (::ftruncate(fd_, static_cast<off_t>(s.bytes)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    return written.error();
  }
  s = std::move(updated);
  next_seq_ = seq;
  if (s.bytes >= logs_internal::SegmentBytes(limits_)) {
    INK_RETURN_IF_ERROR(StartSegmentLocked(next_seq_));
  }
  RetainLocked(now_nanos);
  return next_seq_ - 1;
}

void ServiceLog::RetainLocked(int64_t now_nanos) {
  std::vector<logs_internal::SegmentSummary> summaries;
  for (const auto& s : segments_) summaries.push_back({s->bytes, s->max_nanos});
  size_t drop = logs_internal::SegmentsToDrop(summaries, limits_, now_nanos);
  if (drop == 0) return;
  bool all = drop == segments_.size();
  int64_t dropped = 0;
  for (size_t i = 0; i < drop; ++i) {
    dropped += segments_[i]->dropped;
    ::unlink(segments_[i]->path.c_str());
  }
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(drop));
  if (dropped > 0) {
    // The drops counted in the segments that went, kept as a checkpoint (re-written at the
    // front of every new segment) so dropped_total stays whole.
    checkpoints_[kDroppedBeforeKey] = std::to_string(DroppedBeforeLocked() + dropped);
  }
  if (all) {
    ::close(fd_);
    fd_ = -1;
    (void)StartSegmentLocked(next_seq_);  // keeps next_seq_ (and the checkpoints) on disk
  } else if (dropped > 0) {
    LogRecord r{.seq = next_seq_,
                .nanos = now_nanos,
                .stream = LogStream::kCheckpoint,
                .text = std::string(kDroppedBeforeKey) + " " + checkpoints_[kDroppedBeforeKey]};
    std::string bytes;
    AppendEncoded(r, bytes);
    Segment& last = *segments_.back();
    if (WriteAll(fd_, bytes).ok()) {
      last.Add(r, last.bytes, bytes.size());
      ++next_seq_;
    } else if (::ftruncate(fd_, static_cast<off_t>(last.bytes)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
}

int64_t ServiceLog::DroppedBeforeLocked() const {
  auto it = checkpoints_.find(kDroppedBeforeKey);
  return it == checkpoints_.end() ? 0 : std::atoll(it->second.c_str());
}

std::map<std::string, std::string> ServiceLog::Checkpoints() const {
  std::lock_guard lock(mu_);
  return checkpoints_;
}

void ServiceLog::ForgetCheckpoint(const std::string& key) {
  std::lock_guard lock(mu_);
  checkpoints_.erase(key);
}

LogStats ServiceLog::Stats() const {
  std::lock_guard lock(mu_);
  LogStats out;
  out.segments = static_cast<int>(segments_.size());
  for (const auto& s : segments_) {
    out.bytes += s->bytes;
    out.dropped += s->dropped;
  }
  out.dropped += DroppedBeforeLocked();
  if (!segments_.empty()) out.first_seq = segments_.front()->first_seq;
  out.last_seq = next_seq_ - 1;
  return out;
}

LogPage ServiceLog::Query(const LogQuery& q) const {
  std::vector<Segment> segments;
  uint64_t last_seq = 0;
  {
    std::lock_guard lock(mu_);
    for (const auto& s : segments_) segments.push_back(*s);
    last_seq = next_seq_ - 1;
  }
  auto passes = [&](const LogRecord& r) {
    if (r.stream == LogStream::kCheckpoint) return false;
    if (!q.deployment.empty() && r.deployment != q.deployment) return false;
    if (r.nanos < q.since_nanos || r.nanos > q.until_nanos) return false;
    // A drop note passes any text filter: the lines it stands for might have matched.
    return r.stream == LogStream::kDropped || !q.match || q.match(r.text);
  };
  auto outside_time = [&](const Segment& s) {
    return s.max_nanos == 0 || s.max_nanos < q.since_nanos || s.min_nanos > q.until_nanos;
  };
  LogPage page;
  int tail = std::max(q.tail, 1);
  if (q.has_cursor) {
    page.next_seq = q.after_seq;
    if (!segments.empty() && q.after_seq + 1 < segments.front().first_seq) page.lost = true;
    size_t bytes = 0;
    bool stop = false;
    for (const auto& s : segments) {
      if (stop) break;
      if (s.last_seq == 0 || s.last_seq <= q.after_seq) continue;
      if (!outside_time(s)) {
        std::string data = ReadRange(s.path, s.OffsetAfter(q.after_seq), s.bytes);
        DecodeRecords(data, [&](const LogRecord& r, size_t, size_t) {
          if (stop || r.seq <= q.after_seq) return;
          if (passes(r)) {
            LogRecord line = r;
            CutForAnswer(line.text);
            if (static_cast<int>(page.lines.size()) >= tail || bytes + Cost(line) > q.max_bytes) {
              page.truncated = true;
              stop = true;
              return;
            }
            bytes += Cost(line);
            if (line.stream == LogStream::kDropped) page.dropped += std::atoll(line.text.c_str());
            page.lines.push_back(std::move(line));
          }
          page.next_seq = r.seq;
        });
      }
      if (!stop) page.next_seq = std::max(page.next_seq, s.last_seq);
    }
    if (!stop) page.next_seq = std::max(page.next_seq, last_seq);
    return page;
  }
  page.next_seq = last_seq;
  std::vector<LogRecord> newest_first;
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    if (static_cast<int>(newest_first.size()) >= tail) break;
    if (outside_time(*it)) continue;
    std::string data = ReadRange(it->path, 0, it->bytes);
    std::vector<size_t> offsets;
    DecodeRecords(data, [&](const LogRecord& r, size_t offset, size_t) {
      if (passes(r)) offsets.push_back(offset);
    });
    for (auto o = offsets.rbegin(); o != offsets.rend(); ++o) {
      if (static_cast<int>(newest_first.size()) >= tail) break;
      LogRecord r;
      DecodeOne(std::string_view(data).substr(*o), r);
      newest_first.push_back(std::move(r));
    }
  }
  size_t bytes = 0;
  size_t fit = 0;
  for (; fit < newest_first.size(); ++fit) {
    CutForAnswer(newest_first[fit].text);
    bytes += Cost(newest_first[fit]);
    if (bytes > q.max_bytes) break;
  }
  page.truncated = fit < newest_first.size();
  for (size_t i = fit; i-- > 0;) {
    if (newest_first[i].stream == LogStream::kDropped) {
      page.dropped += std::atoll(newest_first[i].text.c_str());
    }
    page.lines.push_back(std::move(newest_first[i]));
  }
  return page;
}

Result<ServiceLog*> LogStore::Service(const std::string& service_id) {
  if (service_id.empty() || service_id.size() > 64 ||
      service_id.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
          std::string::npos) {
    return InvalidArgument("'" + service_id + "' is not a service id");
  }
  std::lock_guard lock(mu_);
  auto it = services_.find(service_id);
  if (it != services_.end()) return it->second.get();
  auto log = ServiceLog::Open(dir_ + "/" + service_id, limits_);
  if (!log.ok()) return log.error();
  ServiceLog* out = log->get();
  services_[service_id] = std::move(*log);
  return out;
}

std::vector<std::string> LogStore::Services() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    if (entry.is_directory()) out.push_back(entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace ink::logs
