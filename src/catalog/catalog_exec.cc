// The catalog: One-off commands in a running service: exec.
#include "ink/common/exec_limits.h"
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareExecOperations(std::vector<Operation>& ops) {
  ops.push_back(
      {.name = "exec",
       .description =
           "Run a one-off command (argv, no shell unless you ask for one: [\"sh\",\"-c\",\"...\"]) "
           "in a running replica of a service's active release, e.g. a migration or `psql -c`, "
           "and get its exit code, stdout and stderr (each at most 1 MiB; truncated says when "
           "cut). Optional stdin text is written to the command, then closed. A command still "
           "running at the timeout is killed and the answer says timed_out=true.",
       .input_schema = ObjectSchema(
           {{"project", NameField("project name")},
            {"service", NameField("service name")},
            {"command",
             {{"type", "array"},
              {"minItems", 1},
              {"maxItems", kMaxExecArgs},
              {"items", {{"type", "string"}, {"maxLength", kMaxExecArgBytes}}},
              {"description", "the command and its arguments, e.g. [\"ls\", \"-l\", \"/app\"]"}}},
            {"stdin", StringField("text written to the command's standard input (at most 1 MiB)",
                                  kMaxExecStdinBytes)},
            {"timeout",
             {{"type", "integer"},
              {"minimum", 1},
              {"maximum", kMaxExecTimeoutSeconds},
              {"description", "seconds before the command is killed (default 60)"}}},
            {"replica",
             {{"type", "integer"},
              {"minimum", 0},
              {"maximum", 99},
              {"description", "which replica to run in (default: the first running one)"}}}},
           {"project", "service", "command"}),
       .output_schema = ObjectSchema({{"exit_code", {{"type", "integer"}}},
                                      {"stdout", {{"type", "string"}}},
                                      {"stderr", {{"type", "string"}}},
                                      {"stdout_truncated", {{"type", "boolean"}}},
                                      {"stderr_truncated", {{"type", "boolean"}}},
                                      {"timed_out", {{"type", "boolean"}}},
                                      {"replica", {{"type", "integer"}}},
                                      {"deployment", {{"type", "string"}}}}),
       .destructive = true,
       .rest = {{"POST", "/v1/projects/{project}/services/{service}/exec"}},
       .cli = {.command = {"exec"},
               .positionals = {"service", "command"},
               .flags = {},
               .summary = "run a command in a running replica: ink exec SERVICE -- CMD..."}});
}

}  // namespace ink::catalog_internal
