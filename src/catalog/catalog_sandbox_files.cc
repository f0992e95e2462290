// The catalog: files inside a sandbox: sandbox_write_file, sandbox_read_file,
// sandbox_list_files (bounds in ink/common/sandbox_file_limits.h).
#include "ink/common/sandbox_file_limits.h"
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareSandboxFileOperations(std::vector<Operation>& ops) {
  const Json sandbox_arg = StringField("sandbox id (sbx_..., see list_sandboxes)", 64);
  const Json path =
      StringField("absolute path inside the sandbox, e.g. /tmp/data.bin", kMaxSandboxPathBytes);
  const std::string cap = std::to_string(kMaxSandboxFileBytes >> 20) + " MiB";
  ops.push_back(
      {.name = "sandbox_write_file",
       .description =
           "Write a file in a sandbox (at most " + cap +
           "), replacing it atomically: it appears whole or not at all. Give the bytes as "
           "content_base64 (binary-safe) or as UTF-8 text in content. Missing parent "
           "directories are created unless make_parents is false. A larger request is refused "
           "(413) before anything is written.",
       .input_schema = ObjectSchema(
           {{"sandbox", sandbox_arg},
            {"path", path},
            {"content_base64", StringField("the file's bytes, base64 (standard alphabet, padded)",
                                           kMaxSandboxFileBase64Chars)},
            {"content", StringField("the file's text (UTF-8); instead of content_base64",
                                    kMaxSandboxFileBytes)},
            {"mode", StringField("octal file mode (default 0644), e.g. 0755", 5)},
            {"make_parents",
             {{"type", "boolean"},
              {"description", "create missing parent directories (default true)"}}}},
           {"sandbox", "path"}),
       .output_schema = ObjectSchema({{"path", {{"type", "string"}}},
                                      {"size", {{"type", "integer"}}},
                                      {"mode", {{"type", "string"}}}}),
       .destructive = true,
       .idempotent = true,
       .rest = {{"PUT", "/v1/sandboxes/{sandbox}/files"}},
       .cli = {.command = {"sandbox", "write"},
               .positionals = {"sandbox", "path"},
               .flags = {},
               .summary = "write a file in a sandbox: ink sandbox write ID PATH --file FILE"},
       .max_request_bytes = kMaxSandboxFileRequestBytes});
  ops.push_back(
      {.name = "sandbox_read_file",
       .description =
           "Read a file in a sandbox: its bytes as content_base64 (default) or, with encoding "
           "'text', as content (refused if it is not UTF-8), with its size and mode. One read "
           "returns at most " +
           cap + "; read a larger file in parts with offset and length.",
       .input_schema =
           ObjectSchema({{"sandbox", sandbox_arg},
                         {"path", path},
                         {"encoding",
                          {{"type", "string"},
                           {"enum", {"base64", "text"}},
                           {"description", "base64 (default; any bytes) or text (UTF-8 only)"}}},
                         {"offset",
                          {{"type", "integer"},
                           {"minimum", 0},
                           {"description", "first byte to read (default 0)"}}},
                         {"length",
                          {{"type", "integer"},
                           {"minimum", 0},
                           {"maximum", kMaxSandboxFileBytes},
                           {"description", "bytes to read from offset (default: to the end)"}}}},
                        {"sandbox", "path"}),
       .output_schema = ObjectSchema({{"path", {{"type", "string"}}},
                                      {"size", {{"type", "integer"}}},
                                      {"mode", {{"type", "string"}}},
                                      {"offset", {{"type", "integer"}}},
                                      {"length", {{"type", "integer"}}},
                                      {"encoding", {{"type", "string"}}},
                                      {"content_base64", {{"type", "string"}}},
                                      {"content", {{"type", "string"}}}}),
       .read_only = true,
       .idempotent = true,
       .rest = {{"GET", "/v1/sandboxes/{sandbox}/files"}},
       .cli = {.command = {"sandbox", "read"},
               .positionals = {"sandbox", "path"},
               .flags = {},
               .summary = "print a file of a sandbox: ink sandbox read ID PATH"},
       .max_result_bytes = kMaxSandboxReadResultBytes});
  ops.push_back(
      {.name = "sandbox_list_files",
       .description = "List a directory in a sandbox: each entry's path (relative to it), type "
                      "(file, dir, symlink, other), mode, size and modification time, sorted by "
                      "path, at most " +
                      std::to_string(kMaxSandboxListEntries) +
                      " (truncated says when there were more); depth descends into "
                      "subdirectories.",
       .input_schema = ObjectSchema(
           {{"sandbox", sandbox_arg},
            {"path", path},
            {"depth",
             {{"type", "integer"},
              {"minimum", 1},
              {"maximum", kMaxSandboxListDepth},
              {"description", "levels to list (default 1: the directory's own entries)"}}}},
           {"sandbox", "path"}),
       .output_schema = ObjectSchema({{"path", {{"type", "string"}}},
                                      {"entries", {{"type", "array"}}},
                                      {"truncated", {{"type", "boolean"}}}}),
       .read_only = true,
       .idempotent = true,
       .rest = {{"GET", "/v1/sandboxes/{sandbox}/files/list"}},
       .cli = {.command = {"sandbox", "files"},
               .positionals = {"sandbox", "path"},
               .flags = {},
               .summary = "list a directory in a sandbox: ink sandbox files ID /tmp"}});
}

}  // namespace ink::catalog_internal
