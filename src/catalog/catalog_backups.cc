// The catalog: volume backups to object storage (issue 14): backup_volume, list_backups,
// restore_backup.
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareBackupOperations(std::vector<Operation>& ops) {
  const Json project_arg = NameField("project name");
  const Json storage_arg = NameField("storage destination name (see list_storages)");
  const Json object = {{"type", "object"}};
  ops.push_back(
      {.name = "backup_volume",
       .description =
           "Back a volume up to an object-storage destination: a consistent snapshot (the "
           "attached service's hook, then a frozen copy) is encrypted client-side with the "
           "workspace's key, uploaded, read back and checked (size and sha256), and only then "
           "given a manifest: a backup listed as good was verified. Not compressed yet. A "
           "failure is a clear error and a backup_failed event on the attached service.",
       .input_schema = ObjectSchema({{"project", project_arg},
                                     {"volume", NameField("volume name")},
                                     {"storage", storage_arg}},
                                    {"project", "volume", "storage"}),
       .output_schema = ObjectSchema({{"backup", object}, {"status", {{"type", "string"}}}}),
       .open_world = true,
       .success_status = 201,
       .rest = {{"POST", "/v1/projects/{project}/volumes/{volume}/backups"}},
       .cli = {.command = {"backups", "create"},
               .positionals = {"volume"},
               .flags = {},
               .summary = "back a volume up: ink backups create VOLUME --storage NAME"}});
  ops.push_back(
      {.name = "list_backups",
       .description =
           "List the backups a storage destination holds, newest first, read from the bucket "
           "itself (so backups made before an inkd reinstall are listed): good (a verified "
           "manifest), incomplete (data without a manifest: an upload cut short or under way) "
           "or broken (with the problem). Optionally only one project's, or one volume's.",
       .input_schema = ObjectSchema({{"storage", storage_arg},
                                     {"project", project_arg},
                                     {"volume", NameField("volume name (needs project)")}},
                                    {"storage"}),
       .output_schema = ObjectSchema({{"backups", {{"type", "array"}}}}),
       .read_only = true,
       .idempotent = true,
       .open_world = true,
       .rest = {{"GET", "/v1/storages/{storage}/backups"}},
       .cli = {.command = {"backups", "list"},
               .positionals = {},
               .flags = {},
               .summary = "list backups in a storage: ink backups list --storage NAME"}});
  ops.push_back(
      {.name = "restore_backup",
       .description =
           "Restore a good backup into a NEW volume `name` of the project: the data object is "
           "downloaded, its size and sha256 checked against the manifest, and decrypted in full "
           "before the volume is created. A backup whose object does not match is refused and "
           "nothing is created. Attach the volume with update_service.",
       .input_schema = ObjectSchema(
           {{"project", project_arg},
            {"storage", storage_arg},
            {"backup", StringField("backup id (bkp_..., see list_backups)", 64)},
            {"name", NameField("name of the new volume")}},
           {"project", "storage", "backup", "name"}),
       .output_schema = ObjectSchema({{"backup", object}, {"volume", object}}),
       .open_world = true,
       .success_status = 201,
       .rest = {{"POST", "/v1/storages/{storage}/backups/{backup}/restore"}},
       .cli = {.command = {"backups", "restore"},
               .positionals = {"backup", "name"},
               .flags = {},
               .summary = "restore a backup into a new volume: ink backups restore BKP NEW"}});
}

}  // namespace ink::catalog_internal
