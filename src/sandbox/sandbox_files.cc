// Files inside a sandbox through exec (ink/sandbox/sandbox_files.h).
#include "ink/sandbox/sandbox_files.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "ink/common/sandbox_file_limits.h"

namespace ink {
namespace {

// The scripts' exit codes: each says what was wrong; stderr carries the words ("ink: ...").
constexpr int kExitMissing = 10;    // no such file, or its parent directory
constexpr int kExitWrongType = 11;  // a directory where a file is wanted, or the reverse
constexpr int kExitFailed = 12;     // a tool failed (mkdir, mktemp, cat, chmod, mv): its stderr
constexpr int kExitShort = 13;      // fewer bytes arrived than were sent
constexpr int kExitTooLarge = 14;   // a read larger than the limit
constexpr int kTimeoutSeconds = 120;

// $1 path, $2 mode (octal), $3 make parents (0/1), $4 the byte count sent.
constexpr const char* kWriteScript = R"sh(p=$1; d=${p%/*}; [ -n "$d" ] || d=/
if [ ! -d "$d" ]; then
  if [ -e "$d" ]; then echo "ink: $d is not a directory" >&2; exit 11; fi
  if [ "$3" != 1 ]; then echo "ink: the directory $d does not exist (make_parents creates it)" >&2; exit 10; fi
  mkdir -p -- "$d" || exit 12
fi
if [ -d "$p" ]; then echo "ink: $p is a directory" >&2; exit 11; fi
t=$(mktemp "$d/.ink-write.XXXXXX") || exit 12
trap 'rm -f -- "$t"' EXIT
cat > "$t" || exit 12
n=$(wc -c < "$t")
if [ "$n" -ne "$4" ]; then echo "ink: only $n of $4 bytes arrived" >&2; exit 13; fi
chmod "$2" "$t" && mv -f -- "$t" "$p" || exit 12
trap - EXIT
)sh";

// $1 path, $2 offset, $3 length (-1: to the end), $4 the most to return. Prints "MODE SIZE\n"
// and then the bytes.
constexpr const char* kReadScript = R"sh(p=$1
if [ ! -e "$p" ]; then echo "ink: $p does not exist" >&2; exit 10; fi
if [ -d "$p" ]; then echo "ink: $p is a directory; list it with sandbox_list_files" >&2; exit 11; fi
if [ ! -f "$p" ]; then echo "ink: $p is not a regular file" >&2; exit 11; fi
m=$(find "$p" -maxdepth 0 -printf '%m %s') || exit 12
s=${m#* }
if [ "$2" -gt "$s" ]; then echo "ink: offset $2 is past the end of $p ($s bytes)" >&2; exit 11; fi
n=$((s - $2)); if [ "$3" -ge 0 ] && [ "$3" -lt "$n" ]; then n=$3; fi
if [ "$n" -gt "$4" ]; then
  echo "ink: $p has $n bytes to read (the file is $s bytes), more than the $4 one read returns; read it in parts with offset and length" >&2
  exit 14
fi
printf '%s\n' "$m"
tail -c +$(($2 + 1)) -- "$p" | head -c "$n"
)sh";

// $1 directory, $2 depth. find exits 1 when it could not read some directory below: what it
// listed is still the answer.
constexpr const char* kListScript = R"sh(p=$1
if [ ! -e "$p" ]; then echo "ink: $p does not exist" >&2; exit 10; fi
if [ ! -d "$p" ]; then echo "ink: $p is not a directory; read it with sandbox_read_file" >&2; exit 11; fi
find "$p" -mindepth 1 -maxdepth "$2" -printf '%y %m %s %T@ %P\0'
r=$?; if [ "$r" -gt 1 ]; then exit 12; fi
)sh";

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.rfind("ink: ", 0) == 0) text.erase(0, 5);
  return text.substr(0, 1024);
}

// Runs `script` with `args` (and `stdin_data`); an exit other than 0 becomes an error.
Result<ExecResult> RunScript(ContainerRuntime& runtime, const std::string& container_id,
                             const char* script, std::vector<std::string> args,
                             std::string stdin_data, size_t max_output_bytes,
                             const std::string& what) {
  ExecRequest request;
  request.argv = {"sh", "-c", script, "sh"};
  for (auto& a : args) request.argv.push_back(std::move(a));
  request.stdin_data = std::move(stdin_data);
  request.timeout_seconds = kTimeoutSeconds;
  request.max_output_bytes = max_output_bytes;
  auto ran = runtime.Exec(container_id, request);
  if (!ran.ok()) {
    if (ran.error().code == ErrorCode::kFailedPrecondition &&
        ran.error().message.find("not running") == std::string::npos) {
      return FailedPrecondition(what +
                                " needs `sh` in the sandbox's image: " + ran.error().message);
    }
    return ran.error();
  }
  if (ran->timed_out) {
    return Error{ErrorCode::kDeadlineExceeded,
                 what + " did not finish within " + std::to_string(kTimeoutSeconds) + " seconds"};
  }
  std::string message = Trimmed(ran->stderr_data);
  switch (ran->exit_code) {
    case 0:
      return ran;
    case kExitMissing:
      return NotFound(message);
    case kExitWrongType:
    case kExitTooLarge:
      return FailedPrecondition(message);
    case kExitFailed:
      return FailedPrecondition(what + " failed: " + (message.empty() ? "no message" : message));
    case kExitShort:
      return Internal(what + " was cut short (" + message + "); nothing was written, retry");
    case 127:
      return FailedPrecondition(what +
                                " needs sh, cat, mktemp, wc, head, tail and GNU find in "
                                "the sandbox's image: " +
                                message);
    default:
      return FailedPrecondition(what + " failed (exit " + std::to_string(ran->exit_code) +
                                "): " + (message.empty() ? "no message" : message));
  }
}

bool ParseInt(std::string_view text, int64_t& out, int base = 10) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

Result<std::string> NormalizeSandboxPath(std::string_view path, std::string_view field) {
  const std::string name(field);
  if (path.empty()) return InvalidArgument(name + " is empty; give an absolute path, e.g. /tmp/x");
  if (path.size() > kMaxSandboxPathBytes) {
    return InvalidArgument(name + " is " + std::to_string(path.size()) + " bytes; at most " +
                           std::to_string(kMaxSandboxPathBytes));
  }
  if (path.find('\0') != std::string_view::npos) {
    return InvalidArgument(name + " contains a NUL byte, which no file name can hold");
  }
  if (path.front() != '/') {
    return InvalidArgument(name + " '" + std::string(path.substr(0, 64)) +
                           "' is not absolute; give e.g. /tmp/" + std::string(path.substr(0, 32)));
  }
  std::string out;
  size_t i = 0;
  while (i < path.size()) {
    size_t next = path.find('/', i);
    if (next == std::string_view::npos) next = path.size();
    std::string_view part = path.substr(i, next - i);
    i = next + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      return InvalidArgument(name + " '" + std::string(path.substr(0, 64)) +
                             "' has a '..' component; give the path it means without one");
    }
    out += '/';
    out += part;
  }
  return out.empty() ? "/" : out;
}

Result<int> ParseFileMode(std::string_view text) {
  int64_t mode = 0;
  if (text.size() < 3 || text.size() > 4 || !ParseInt(text, mode, 8) || mode > 07777) {
    return InvalidArgument("mode '" + std::string(text.substr(0, 16)) +
                           "' is not an octal file mode; give e.g. 0644 or 755");
  }
  return static_cast<int>(mode);
}

std::string FormatFileMode(int mode) {
  std::string digits;
  for (int shift = 9; shift >= 0; shift -= 3)
    digits += static_cast<char>('0' + ((mode >> shift) & 7));
  return digits;
}

Status WriteSandboxFile(ContainerRuntime& runtime, const std::string& container_id,
                        const SandboxFileWrite& write) {
  if (write.path == "/") return InvalidArgument("path '/' is a directory; name a file in it");
  std::string size = std::to_string(write.content.size());
  auto ran =
      RunScript(runtime, container_id, kWriteScript,
                {write.path, FormatFileMode(write.mode), write.make_parents ? "1" : "0", size},
                write.content, 64 << 10, "writing " + write.path);
  if (!ran.ok()) return ran.error();
  return {};
}

Result<SandboxFileContent> ReadSandboxFile(ContainerRuntime& runtime,
                                           const std::string& container_id,
                                           const SandboxFileRead& read) {
  const std::string max = std::to_string(kMaxSandboxFileBytes);
  auto ran = RunScript(runtime, container_id, kReadScript,
                       {read.path, std::to_string(read.offset), std::to_string(read.length), max},
                       "", kMaxSandboxFileBytes + 64, "reading " + read.path);
  if (!ran.ok()) return ran.error();
  std::string& out = ran->stdout_data;
  size_t newline = out.find('\n');
  SandboxFileContent content;
  int64_t mode = 0;
  size_t space = out.find(' ');
  if (newline == std::string::npos || space > newline ||
      !ParseInt(std::string_view(out).substr(0, space), mode, 8) ||
      !ParseInt(std::string_view(out).substr(space + 1, newline - space - 1), content.size)) {
    return Internal("reading " + read.path + ": the sandbox answered an unreadable header");
  }
  content.mode = static_cast<int>(mode);
  content.data = out.substr(newline + 1);
  if (ran->stdout_truncated || content.data.size() > kMaxSandboxFileBytes) {
    return FailedPrecondition("reading " + read.path + ": more than " + max +
                              " bytes came back (the file grew while it was read); retry, or "
                              "read it in parts with offset and length");
  }
  return content;
}

Result<SandboxListing> ListSandboxFiles(ContainerRuntime& runtime, const std::string& container_id,
                                        const std::string& path, int depth) {
  auto ran = RunScript(runtime, container_id, kListScript, {path, std::to_string(depth)}, "",
                       2 << 20, "listing " + path);
  if (!ran.ok()) return ran.error();
  return ParseFindListing(ran->stdout_data, ran->stdout_truncated, kMaxSandboxListEntries);
}

SandboxListing ParseFindListing(std::string_view output, bool output_truncated, int max_entries) {
  SandboxListing listing;
  listing.truncated = output_truncated;
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\0', start);
    if (end == std::string_view::npos) break;  // a record cut by the output bound
    std::string_view record = output.substr(start, end - start);
    start = end + 1;
    // "%y %m %s %T@ %P": four space-separated fields, then the path (which may hold spaces).
    std::string_view fields[4];
    bool ok = true;
    for (auto& f : fields) {
      size_t space = record.find(' ');
      if (space == std::string_view::npos) {
        ok = false;
        break;
      }
      f = record.substr(0, space);
      record.remove_prefix(space + 1);
    }
    if (!ok || record.empty()) continue;
    SandboxFileEntry entry;
    int64_t mode = 0;
    if (!ParseInt(fields[1], mode, 8) || !ParseInt(fields[2], entry.size)) continue;
    entry.mode = static_cast<int>(mode);
    entry.type = fields[0] == "f"   ? "file"
                 : fields[0] == "d" ? "dir"
                 : fields[0] == "l" ? "symlink"
                                    : "other";
    entry.modified_at =
        static_cast<int64_t>(std::strtod(std::string(fields[3]).c_str(), nullptr) * 1000);
    entry.path = std::string(record);
    if (static_cast<int>(listing.entries.size()) >= max_entries) {
      listing.truncated = true;
      break;
    }
    listing.entries.push_back(std::move(entry));
  }
  std::sort(listing.entries.begin(), listing.entries.end(),
            [](const SandboxFileEntry& a, const SandboxFileEntry& b) { return a.path < b.path; });
  return listing;
}

}  // namespace ink
