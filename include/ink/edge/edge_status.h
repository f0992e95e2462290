// EdgeStatusFile: edge-status.json, the report inkd reads about what ink-edge loaded.
//
// Several watchers report into the one file (the RouteWatcher its route table, the
// CertificateWatcher its certificates), each under its own top-level keys; every Update merges
// the given keys into what the others wrote and rewrites the file with temp + rename, so readers
// never see half of it. Thread-safe (one mutex; called a few times per file change).
#pragma once

#include <mutex>
#include <string>

#include "ink/common/json.h"

namespace ink::edge {

class EdgeStatusFile {
 public:
  explicit EdgeStatusFile(std::string path) : path_(std::move(path)) {}
  // Sets each key of the object `fields` (plus "pid" and "updated_at") and rewrites the file.
  // A write failure is logged; the next Update tries again.
  void Update(const Json& fields);
  const std::string& path() const { return path_; }

 private:
  const std::string path_;
  std::mutex mu_;
  Json current_ = Json::object();  // guarded by mu_
};

}  // namespace ink::edge
