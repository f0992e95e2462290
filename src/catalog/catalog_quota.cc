// The catalog: Quotas: get_workspace_quota (caps, what is reserved and by whom) and
// set_workspace_quota (admin tokens only).
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareQuotaOperations(std::vector<Operation>& ops) {
  const Json output = ObjectSchema({{"workspace", {{"type", "string"}}},
                                    {"quota", {{"type", "object"}}},
                                    {"holders", {{"type", "array"}}}});
  ops.push_back(
      {.name = "get_workspace_quota",
       .description =
           "Show the workspace's quota: for cpu (cores), memory, replicas and volume bytes, the "
           "cap (\"unlimited\" when none), what is reserved now and whether the cap is inkd's "
           "default or the workspace's own; then who holds it (each service's limits times its "
           "replicas, each volume's size, each live sandbox). Deploys, scaling, rollbacks, "
           "templates, volumes, restores and sandboxes that would go past a cap are refused "
           "with what is in use; nothing is half-applied.",
       .input_schema = ObjectSchema(
           {{"workspace", NameField("another workspace's name (admin tokens only); default: "
                                    "the caller's")}}),
       .output_schema = output,
       .read_only = true,
       .idempotent = true,
       .rest = {{"GET", "/v1/quota"}},
       .cli = {.command = {"quota"},
               .positionals = {},
               .flags = {},
               .summary = "show the workspace's quota and what uses it"}});
  const std::string forms = " (\"unlimited\" for no cap, \"default\" for inkd's --quota-";
  ops.push_back(
      {.name = "set_workspace_quota",
       .description =
           "Set a workspace's caps (admin tokens only: inkd's admin-token). Each given field is "
           "a value, \"unlimited\" or \"default\" (inkd's --quota-* flag); fields left out keep "
           "their setting. A cap below what is already reserved refuses only growth: services "
           "keep running and may still scale down.",
       .input_schema = ObjectSchema(
           {{"workspace", NameField("the workspace's name; default: the caller's")},
            {"cpu", StringField("total CPU cores, e.g. \"8\" or \"2.5\"" + forms + "cpu)", 16)},
            {"memory",
             StringField("total memory, e.g. \"16g\" or \"512Mi\"" + forms + "memory)", 16)},
            {"replicas",
             StringField("total replicas of all services, e.g. \"20\"" + forms + "replicas)",
                         16)},
            {"volume", StringField("total volume size, e.g. \"100g\"" + forms + "volume)", 16)}}),
       .output_schema = output,
       .read_only = false,
       .idempotent = true,
       .rest = {{"PATCH", "/v1/quota"}},
       .cli = {.command = {"quota", "set"},
               .positionals = {},
               .flags = {},
               .summary = "change the workspace's quota (admin token)"}});
}

}  // namespace ink::catalog_internal
