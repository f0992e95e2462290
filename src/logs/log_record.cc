#include "src/logs/log_record.h"

#include <algorithm>
#include <cstring>

namespace ink::logs_internal {
namespace {

template <typename T>
void Put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // the hosts Ink runs on are little-endian
  out.append(bytes, sizeof(T));
}

template <typename T>
T Get(const char* at) {
  T value;
  std::memcpy(&value, at, sizeof(T));
  return value;
}

}  // namespace

void AppendEncoded(const logs::LogRecord& record, std::string& out) {
  std::string_view replica = std::string_view(record.replica).substr(0, 255);
  std::string_view deployment = std::string_view(record.deployment).substr(0, 255);
  std::string_view text = std::string_view(record.text).substr(0, logs::kMaxLineBytes);
  uint32_t length =
      static_cast<uint32_t>(kRecordFixedBytes + replica.size() + deployment.size() + text.size());
  Put<uint32_t>(out, length);
  Put<uint64_t>(out, record.seq);
  Put<int64_t>(out, record.nanos);
  Put<uint8_t>(out, static_cast<uint8_t>(record.stream));
  Put<uint8_t>(out, static_cast<uint8_t>(replica.size()));
  out.append(replica);
  Put<uint8_t>(out, static_cast<uint8_t>(deployment.size()));
  out.append(deployment);
  out.append(text);
}

size_t DecodeOne(std::string_view bytes, logs::LogRecord& out) {
  if (bytes.size() < kRecordHeaderBytes + kRecordFixedBytes) return 0;
  uint32_t length = Get<uint32_t>(bytes.data());
  if (length < kRecordFixedBytes || length > kMaxRecordBytes ||
      bytes.size() - kRecordHeaderBytes < length) {
    return 0;
  }
  const char* at = bytes.data() + kRecordHeaderBytes;
  const char* end = at + length;
  out.seq = Get<uint64_t>(at);
  out.nanos = Get<int64_t>(at + 8);
  uint8_t stream = Get<uint8_t>(at + 16);
  if (stream > static_cast<uint8_t>(logs::LogStream::kCheckpoint)) return 0;
  out.stream = static_cast<logs::LogStream>(stream);
  at += 17;
  size_t replica = Get<uint8_t>(at++);
  if (end - at < static_cast<ptrdiff_t>(replica + 1)) return 0;
  out.replica.assign(at, replica);
  at += replica;
  size_t deployment = Get<uint8_t>(at++);
  if (end - at < static_cast<ptrdiff_t>(deployment)) return 0;
  out.deployment.assign(at, deployment);
  at += deployment;
  out.text.assign(at, end);
  return kRecordHeaderBytes + length;
}

int64_t SegmentBytes(const logs::LogLimits& limits) {
  if (limits.segment_bytes > 0) return limits.segment_bytes;
  return std::max<int64_t>(limits.max_bytes / 8, 64 << 10);
}

size_t SegmentsToDrop(const std::vector<SegmentSummary>& segments, const logs::LogLimits& limits,
                      int64_t now_nanos) {
  int64_t total = 0;
  for (const auto& s : segments) total += s.bytes;
  size_t drop = 0;
  for (; drop < segments.size(); ++drop) {
    const SegmentSummary& s = segments[drop];
    bool last = drop + 1 == segments.size();
    bool too_old = s.max_nanos == 0 ? !last : s.max_nanos < now_nanos - limits.max_age_nanos;
    bool too_big = !last && total > limits.max_bytes;
    if (!too_old && !too_big) break;
    total -= s.bytes;
  }
  return drop;
}

}  // namespace ink::logs_internal
