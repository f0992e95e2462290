// Files inside a sandbox: write (atomically), read (whole or a part) and list, for the
// sandbox_write_file, sandbox_read_file and sandbox_list_files operations.
//
// Each is one exec of a small POSIX shell script in the sandbox's container (the bytes of a
// write go in on the command's stdin, a read's come out on its stdout; the exec stream is
// binary-safe). podman's archive API (`podman cp`) cannot reach a gVisor container's files on
// this host (it answers "could not be found" for files the sandbox sees), so it is not used.
// Under gVisor here `ls` and `stat` fail (statx: EINVAL), so the scripts use `test`, `wc -c`
// and GNU find's -printf. A write goes to a temporary file beside the target, is checked to
// hold every byte sent, then renamed over it: a failed or cut-short write leaves no half file.
// The image needs sh, cat, mktemp, wc, chmod, mv, head, tail and GNU find (Debian's do).
//
// Pure apart from the runtime passed in; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/result.h"
#include "ink/runtime/runtime.h"

namespace ink {

// `path` as an absolute path without "//", "." components or a trailing '/', or an
// InvalidArgument naming `field`: relative, empty, longer than kMaxSandboxPathBytes, with a NUL
// byte or a ".." component.
Result<std::string> NormalizeSandboxPath(std::string_view path, std::string_view field = "path");

// A file mode given as octal text ("644", "0755"), or an InvalidArgument.
Result<int> ParseFileMode(std::string_view text);
// "0644".
std::string FormatFileMode(int mode);

struct SandboxFileWrite {
  std::string path;  // normalized
  std::string content;
  int mode = 0644;
  bool make_parents = true;  // create missing parent directories
};

struct SandboxFileRead {
  std::string path;     // normalized
  int64_t offset = 0;   // first byte
  int64_t length = -1;  // bytes from offset; -1: to the end
};

struct SandboxFileContent {
  std::string data;
  int64_t size = 0;  // of the whole file
  int mode = 0;
};

struct SandboxFileEntry {
  std::string path;  // relative to the listed directory
  std::string type;  // file, dir, symlink or other
  int mode = 0;
  int64_t size = 0;
  int64_t modified_at = 0;  // ms since the epoch
};

struct SandboxListing {
  std::vector<SandboxFileEntry> entries;  // sorted by path
  bool truncated = false;                 // more than kMaxSandboxListEntries
};

// Each runs in running container `container_id`. Errors name the path and say what to do:
// NotFound (no such file or parent), FailedPrecondition (a directory where a file is wanted or
// the other way round, a read larger than kMaxSandboxFileBytes, the image lacks the tools),
// DeadlineExceeded, and the runtime's own.
Status WriteSandboxFile(ContainerRuntime& runtime, const std::string& container_id,
                        const SandboxFileWrite& write);
Result<SandboxFileContent> ReadSandboxFile(ContainerRuntime& runtime,
                                           const std::string& container_id,
                                           const SandboxFileRead& read);
Result<SandboxListing> ListSandboxFiles(ContainerRuntime& runtime, const std::string& container_id,
                                        const std::string& path, int depth);

// The entries in GNU find output of records "%y %m %s %T@ %P\0" (at most `max_entries`; the
// listing is truncated past them or when `output_truncated`). Malformed records are skipped.
SandboxListing ParseFindListing(std::string_view output, bool output_truncated, int max_entries);

}  // namespace ink
