// The catalog: Push-to-deploy: the git remote and webhook of a service.
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareGitOperations(std::vector<Operation>& ops) {
  Json args = {
      {"type", "object"},
      {"additionalProperties", false},
      {"required", {"project", "service"}},
      {"properties",
       {{"project", {{"type", "string"}, {"maxLength", 64}, {"description", "project name"}}},
        {"service", {{"type", "string"}, {"maxLength", 64}, {"description", "service name"}}}}}};
  ops.push_back({.name = "get_git_remote",
                 .description = "The git remote that deploys a service on `git push` (the service "
                                "is created on the first push).",
                 .input_schema = args,
                 .output_schema = {{"type", "object"}},
                 .read_only = true,
                 .idempotent = true,
                 .mcp = false,
                 .rest = {{"GET", "/v1/projects/{project}/services/{service}/git-remote"}},
                 .cli = {.command = {"git-remote"},
                         .positionals = {"service"},
                         .flags = {},
                         .summary = "print the git remote that deploys SERVICE on `git push`"}});
  ops.push_back(
      {.name = "get_webhook",
       .description = "The URL and secret of a service's push webhook (GitHub-style, "
                      "X-Hub-Signature-256): a push to the tracked branch redeploys it.",
       .input_schema = args,
       .output_schema = {{"type", "object"}},
       .read_only = true,
       .idempotent = true,
       .mcp = false,
       .rest = {{"GET", "/v1/projects/{project}/services/{service}/webhook"}},
       .cli = {.command = {"webhook"},
               .positionals = {"service"},
               .flags = {},
               .summary = "print the push webhook URL and secret of a service deployed from git"}});
}

}  // namespace ink::catalog_internal
