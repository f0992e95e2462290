// The catalog: The workspace ssh deploy key.
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareSourceOperations(std::vector<Operation>& ops) {
  Json key_output = ObjectSchema({{"deploy_key", {{"type", "object"}}}});
  ops.push_back(
      {.name = "create_deploy_key",
       .description =
           "Create the workspace's ssh deploy key (ed25519) and return its public key: add it "
           "to a private repository as a read-only deploy key, then deploy the repository's ssh "
           "URL (git@host:org/repo.git). Ink fetches ssh sources with this key only. Refused if "
           "the workspace has one, unless replace is true (the old key then stops working).",
       .input_schema = ObjectSchema(
           {{"replace",
             {{"type", "boolean"}, {"description", "replace the existing key (default false)"}}}}),
       .output_schema = key_output,
       .success_status = 201,
       .rest = {{"POST", "/v1/deploy-key"}},
       .cli = {.command = {"deploy-key", "create"},
               .positionals = {},
               .flags = {},
               .summary = "create the workspace's ssh deploy key and print its public key"}});
  ops.push_back(
      {.name = "get_deploy_key",
       .description = "Show the workspace's ssh deploy key (public key and fingerprint); "
                      "NotFound if there is none (create_deploy_key makes one).",
       .input_schema = ObjectSchema(Json::object()),
       .output_schema = key_output,
       .read_only = true,
       .idempotent = true,
       .rest = {{"GET", "/v1/deploy-key"}},
       .cli = {.command = {"deploy-key", "show"},
               .positionals = {},
               .flags = {},
               .summary = "print the workspace's ssh deploy key (public key, fingerprint)"}});
  ops.push_back({.name = "delete_deploy_key",
                 .description = "Delete the workspace's ssh deploy key; ssh sources then fetch "
                                "with no key.",
                 .input_schema = ObjectSchema(Json::object()),
                 .output_schema = ObjectSchema({{"deleted", {{"type", "boolean"}}}}),
                 .destructive = true,
                 .idempotent = true,
                 .mcp = false,
                 .rest = {{"DELETE", "/v1/deploy-key"}},
                 .cli = {.command = {"deploy-key", "delete"},
                         .positionals = {},
                         .flags = {},
                         .summary = "delete the workspace's ssh deploy key"}});
}

}  // namespace ink::catalog_internal
