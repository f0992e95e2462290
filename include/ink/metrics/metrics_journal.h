// MetricsJournal: the minute points of every service's metrics on disk, so 30 days of history
// outlive an inkd restart or upgrade (the last hour's 10-s samples do not: they are rebuilt in
// an hour).
//
// One append-only file (DATA/metrics/coarse.journal): a header naming the format and the size
// of a Sample, then records [u8 key length][key][Sample][u32 FNV-1a of key and Sample]. Open
// reads every intact record (a torn or corrupt tail, from a crash mid-write, is cut off; a file
// of another format is set aside as .old), drops points past the retention, rewrites the file
// compacted and hands the points back for MetricsStore::RestoreCoarse. Append writes one
// record with one write(2) (it is the store's coarse sink, so it runs under the store's lock and
// never calls back into it). MaybeCompact, called after each sampling pass, rewrites the file
// from the store's rings (temp + rename) once it holds twice the records of its last rewrite, so
// the file stays within about twice the store's own bound.
//
// Thread contract: Append and MaybeCompact may be called from any thread (one mutex guards the
// file); Open once, before either.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "ink/common/result.h"
#include "ink/metrics/metrics_store.h"

namespace ink::metrics {

class MetricsJournal {
 public:
  using Points = std::map<std::string, std::vector<Sample>>;
  ~MetricsJournal();

  // Opens (creating) the journal at `path` (mode 0600; its directory must exist) and answers
  // the points it holds that are newer than `now_ms - kCoarseRetentionMs`.
  Result<Points> Open(const std::string& path, int64_t now_ms);
  // Appends one point; errors are counted (write_errors) and logged once, never thrown: losing
  // history must not stop sampling.
  void Append(const std::string& series, const Sample& point);
  // When the file holds more than twice the records of its last rewrite (plus 1024), rewrites
  // it with `snapshot()` (the store's CoarsePoints); true if it did.
  bool MaybeCompact(const std::function<Points()>& snapshot);

  size_t records() const;       // records in the file now
  int64_t write_errors() const;  // appends that failed

 private:
  Status Rewrite(const Points& points);  // mu_ held
  mutable std::mutex mu_;
  std::string path_;     // guarded by mu_
  int fd_ = -1;          // guarded by mu_
  size_t records_ = 0;   // guarded by mu_
  size_t rewritten_ = 0;  // records at the last rewrite; guarded by mu_
  int64_t errors_ = 0;   // guarded by mu_
};

}  // namespace ink::metrics
