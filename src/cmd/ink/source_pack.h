// Packing a local directory for `ink deploy DIR` / `ink plan DIR`: which files go (honoring
// .gitignore and .inkignore) and the tar.gz that is uploaded to inkd (POST /v1/archives).
//
// In a git work tree the file list comes from `git ls-files --cached --others
// --exclude-standard` (git's own ignore rules), then .inkignore patterns are applied; elsewhere
// IgnoreRules reads DIR/.gitignore and DIR/.inkignore. `.git/` is never packed. Internal to the
// ink CLI; plain functions, thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "ink/common/result.h"

namespace ink::cli {

// A small subset of gitignore: blank lines and '#' comments skipped, '!' negates, a leading '/'
// anchors to the root, a trailing '/' matches directories only, a pattern without '/' matches
// any path component, '*' '?' '[...]' globbing, '**' across directories. Later lines win.
class IgnoreRules {
 public:
  void Add(const std::string& text);  // the contents of one ignore file at the root
  // `path` is relative to the root with '/' separators.
  bool Ignored(const std::string& path, bool is_directory) const;
  bool empty() const { return rules_.empty(); }

 private:
  struct Rule {
    std::string pattern;
    bool negate = false;
    bool directory_only = false;
    bool anchored = false;  // contains '/' (other than a trailing one): match the whole path
  };
  bool Matches(const Rule& rule, const std::string& path, bool is_directory) const;
  std::vector<Rule> rules_;
};

// The files of `dir` to upload, relative, sorted.
Result<std::vector<std::string>> ListSourceFiles(const std::string& dir);

struct PackedSource {
  std::string archive_path;  // a temporary .tar.gz; the caller removes it
  size_t files = 0;
  int64_t bytes = 0;  // size of the archive
};

// Packs `files` of `dir` into a temporary tar.gz (with the system's tar).
Result<PackedSource> PackSource(const std::string& dir, const std::vector<std::string>& files);

}  // namespace ink::cli
