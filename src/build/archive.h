// Uploaded source archives (tar, or tar compressed with gzip/zstd/xz/bzip2): checking and
// unpacking them without trusting a single byte of the upload.
//
// Refused, with a message naming the entry: absolute paths, ".." components, symbolic links
// whose target leaves the tree (lexically at inspection; after unpacking, by resolving every
// link), hard links to anything but a regular file unpacked before them, device files, FIFOs
// and sockets, entries that would be written through a symbolic link, more than `max_files`
// entries or more than `max_bytes` of content (counted as bytes are really written, so a gzip
// bomb stops at the bound). setuid/setgid bits are dropped and owners are not restored.
//
// Internal to ink_build (the pipeline calls them; tests in archive_test.cc). Thread-safe: each
// call works on its own files.
#pragma once

#include <cstdint>
#include <string>

#include "ink/common/result.h"

namespace ink::build {

struct ArchiveLimits {
  int64_t max_bytes = int64_t{2} << 30;  // total content of regular files
  int64_t max_files = 200000;            // entries of any kind
};

struct ArchiveSummary {
  int64_t files = 0;  // entries
  int64_t bytes = 0;  // content of regular files
};

// Reads every header (skipping content) and applies the checks that need no unpacking.
Result<ArchiveSummary> InspectArchive(const std::string& archive_path, const ArchiveLimits& limits);

// Unpacks into `dest` (an existing empty directory), then checks that no symbolic link resolves
// outside it. On error `dest` may hold a partial tree: the caller removes it.
Result<ArchiveSummary> ExtractArchive(const std::string& archive_path, const std::string& dest,
                                      const ArchiveLimits& limits);

// Walks `root` and fails if a symbolic link resolves outside it, or the tree holds more than
// the limits (used for git checkouts too).
Result<ArchiveSummary> CheckTree(const std::string& root, const ArchiveLimits& limits);

}  // namespace ink::build
