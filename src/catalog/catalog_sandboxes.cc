// The catalog: Sandboxes: create_sandbox, list_sandboxes, delete_sandbox, set_sandbox_timeout,
// sandbox_exec.
#include "ink/common/exec_limits.h"
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareSandboxOperations(std::vector<Operation>& ops) {
  const Json sandbox_arg = StringField("sandbox id (sbx_..., see list_sandboxes)", 64);
  const Json ttl = {{"type", "integer"},
                    {"minimum", 1},
                    {"maximum", 86400},
                    {"description",
                     "seconds the sandbox lives from now (default 300, at most "
                     "86400); the reaper destroys it then"}};
  ops.push_back(
      {.name = "create_sandbox",
       .description =
           "Create a sandbox: a throwaway gVisor container of your workspace to run untrusted "
           "code in (sandbox_exec), destroyed when its time to live runs out "
           "(set_sandbox_timeout extends it) or by delete_sandbox. Network 'none' (default) has "
           "no network at all; 'on' has its own bridge network reaching the outside but never "
           "inkd, the host, the metadata address or other sandboxes. The default image is "
           "inkd's --sandbox-image (Debian bookworm minbase: sh, coreutils; no python3, git or "
           "curl yet).",
       .input_schema = ObjectSchema(
           {{"image", StringField("image reference (default: inkd's sandbox image); it needs a "
                                  "`sleep` program",
                                  512)},
            {"cpu", CpuField("CPU cores")},
            {"memory", MemoryField("memory limit")},
            {"network",
             {{"type", "string"},
              {"enum", {"none", "on", "allowlist"}},
              {"description", "none (default), on, or allowlist (not built yet: refused)"}}},
            {"ttl", ttl}}),
       .output_schema = ObjectSchema({{"sandbox", {{"type", "object"}}}}),
       .success_status = 201,
       .rest = {{"POST", "/v1/sandboxes"}},
       .cli = {.command = {"sandbox", "create"},
               .positionals = {},
               .flags = {},
               .summary = "create a sandbox: ink sandbox create [--ttl 600] [--network on]"}});
  ops.push_back({.name = "list_sandboxes",
                 .description = "List your workspace's live sandboxes with image, limits, "
                                "network and when each expires.",
                 .input_schema = ObjectSchema(Json::object()),
                 .output_schema = ObjectSchema({{"sandboxes", {{"type", "array"}}}}),
                 .read_only = true,
                 .idempotent = true,
                 .rest = {{"GET", "/v1/sandboxes"}},
                 .cli = {.command = {"sandbox", "ls"},
                         .positionals = {},
                         .flags = {},
                         .summary = "list live sandboxes"}});
  ops.push_back({.name = "delete_sandbox",
                 .description = "Destroy a sandbox now: its container, processes, files and "
                                "network go.",
                 .input_schema = ObjectSchema({{"sandbox", sandbox_arg}}, {"sandbox"}),
                 .output_schema = ObjectSchema({{"deleted", {{"type", "boolean"}}}}),
                 .destructive = true,
                 .rest = {{"DELETE", "/v1/sandboxes/{sandbox}"}},
                 .cli = {.command = {"sandbox", "rm"},
                         .positionals = {"sandbox"},
                         .flags = {},
                         .summary = "destroy a sandbox"}});
  ops.push_back(
      {.name = "set_sandbox_timeout",
       .description = "Set a live sandbox to expire `ttl` seconds from now (extend "
                      "or shorten it).",
       .input_schema = ObjectSchema({{"sandbox", sandbox_arg}, {"ttl", ttl}}, {"sandbox", "ttl"}),
       .output_schema = ObjectSchema({{"sandbox", {{"type", "object"}}}}),
       .idempotent = true,
       .rest = {{"POST", "/v1/sandboxes/{sandbox}/timeout"}},
       .cli = {.command = {"sandbox", "timeout"},
               .positionals = {"sandbox"},
               .flags = {},
               .summary = "set when a sandbox expires: ink sandbox timeout ID --ttl S"}});
  ops.push_back(
      {.name = "sandbox_exec",
       .description =
           "Run a command in a sandbox (argv; a shell only if you ask: [\"sh\",\"-c\",\"...\"]) "
           "and get its exit code, stdout and stderr (each at most 1 MiB; *_truncated says "
           "when cut). Optional stdin text, env and working directory. A command still running "
           "at `timeout` is killed and the answer says timed_out=true.",
       .input_schema = ObjectSchema(
           {{"sandbox", sandbox_arg},
            {"command",
             {{"type", "array"},
              {"minItems", 1},
              {"maxItems", kMaxExecArgs},
              {"items", {{"type", "string"}, {"maxLength", kMaxExecArgBytes}}},
              {"description", "the command and its arguments, e.g. [\"echo\", \"hi\"]"}}},
            {"stdin", StringField("text written to the command's standard input (at most 1 MiB)",
                                  kMaxExecStdinBytes)},
            {"env",
             {{"type", "object"},
              {"maxProperties", 64},
              {"additionalProperties", {{"type", "string"}, {"maxLength", 4096}}},
              {"description", "extra environment variables {NAME: value}"}}},
            {"cwd", StringField("absolute working directory (default /)", 1024)},
            {"timeout",
             {{"type", "integer"},
              {"minimum", 1},
              {"maximum", kMaxExecTimeoutSeconds},
              {"description", "seconds before the command is killed (default 60)"}}}},
           {"sandbox", "command"}),
       .output_schema = ObjectSchema({{"exit_code", {{"type", "integer"}}},
                                      {"stdout", {{"type", "string"}}},
                                      {"stderr", {{"type", "string"}}},
                                      {"stdout_truncated", {{"type", "boolean"}}},
                                      {"stderr_truncated", {{"type", "boolean"}}},
                                      {"timed_out", {{"type", "boolean"}}}}),
       .destructive = true,
       .rest = {{"POST", "/v1/sandboxes/{sandbox}/exec"}},
       .cli = {.command = {"sandbox", "exec"},
               .positionals = {"sandbox", "command"},
               .flags = {},
               .summary = "run a command in a sandbox: ink sandbox exec ID -- CMD..."}});
}

}  // namespace ink::catalog_internal
