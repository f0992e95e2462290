// The bounds of the sandbox file operations (sandbox_write_file, sandbox_read_file,
// sandbox_list_files), shared by their catalog entries, their handlers, the REST and MCP body
// limits and `ink sandbox cp`.
#pragma once

#include <cstddef>

namespace ink {

// The most one write sends or one read returns: 10 MiB (larger files: read in parts with
// offset/length; write them from inside the sandbox, e.g. fetched with network on).
inline constexpr size_t kMaxSandboxFileBytes = size_t{10} << 20;
// Characters of the base64 form of kMaxSandboxFileBytes bytes.
inline constexpr size_t kMaxSandboxFileBase64Chars = (kMaxSandboxFileBytes + 2) / 3 * 4;
// The largest request body sandbox_write_file accepts over REST or MCP (the base64 content and
// room for the other fields and JSON-RPC's envelope); a bigger body is refused (413) before it
// is read.
inline constexpr size_t kMaxSandboxFileRequestBytes = kMaxSandboxFileBase64Chars + (64 << 10);
// The largest answer sandbox_read_file gives (kMaxSandboxFileBytes as base64 and its other
// fields): its MCP result limit (the default, 256 KiB, would refuse most reads).
inline constexpr size_t kMaxSandboxReadResultBytes = kMaxSandboxFileBase64Chars + (64 << 10);
// An absolute path inside a sandbox: at most this many bytes.
inline constexpr size_t kMaxSandboxPathBytes = 4096;
// sandbox_list_files: entries in one answer, and the deepest it descends.
inline constexpr int kMaxSandboxListEntries = 1000;
inline constexpr int kMaxSandboxListDepth = 8;

}  // namespace ink
