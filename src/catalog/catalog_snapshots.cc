// The catalog: volume snapshots: snapshot_volume, list_snapshots, restore_volume,
// delete_snapshot, and update_volume (a volume's snapshot retention and daily schedule).
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareSnapshotOperations(std::vector<Operation>& ops) {
  const Json project_arg = NameField("project name");
  const Json snapshot_arg = StringField("snapshot id (snap_..., see list_snapshots)", 64);
  const Json object = {{"type", "object"}};
  ops.push_back(
      {.name = "snapshot_volume",
       .description =
           "Take a consistent snapshot of a volume, kept on inkd's host (never inside the "
           "volume): the attached service's own hook runs first when its template declares one "
           "(PostgreSQL: CHECKPOINT), then the volume's filesystem is frozen for the copy (its "
           "writers wait, typically well under a second; readers go on) and thawed. The oldest "
           "snapshots beyond the volume's retention are pruned afterwards. A failure is "
           "recorded: list_snapshots shows it with its error.",
       .input_schema = ObjectSchema(
           {{"project", project_arg},
            {"volume", NameField("volume name")},
            {"label", StringField("a note to find it by, e.g. \"before migration 42\"", 100)}},
           {"project", "volume"}),
       .output_schema = ObjectSchema({{"snapshot", object}, {"pruned", {{"type", "array"}}}}),
       .success_status = 201,
       .rest = {{"POST", "/v1/projects/{project}/volumes/{volume}/snapshots"}},
       .cli = {.command = {"volumes", "snapshot"},
               .positionals = {"volume"},
               .flags = {},
               .summary = "snapshot a volume: ink volumes snapshot NAME [--label TEXT]"}});
  ops.push_back(
      {.name = "list_snapshots",
       .description =
           "List a project's volume snapshots, newest first (of one volume if `volume` is "
           "given): id, volume, created, size, label and status (ready, pending, or failed with "
           "its error). Snapshots outlive their volume.",
       .input_schema = ObjectSchema(
           {{"project", project_arg}, {"volume", NameField("volume name")}}, {"project"}),
       .output_schema = ObjectSchema({{"snapshots", {{"type", "array"}}}}),
       .read_only = true,
       .idempotent = true,
       .rest = {{"GET", "/v1/projects/{project}/snapshots"}},
       .cli = {.command = {"volumes", "snapshots"},
               .positionals = {},
               .flags = {},
               .summary = "list snapshots: ink volumes snapshots [--volume NAME]"}});
  ops.push_back(
      {.name = "restore_volume",
       .description =
           "Restore a snapshot into a NEW volume `name` (the snapshot and every existing volume "
           "stay as they are). If the snapshot's volume is attached to a service, that service "
           "is rolled onto the new volume at the same mount path (as update_service does); the "
           "old volume is kept, detached, until you delete_volume it.",
       .input_schema = ObjectSchema({{"project", project_arg},
                                     {"snapshot", snapshot_arg},
                                     {"name", NameField("name of the new volume")}},
                                    {"project", "snapshot", "name"}),
       .output_schema = ObjectSchema({{"volume", object}, {"service", object}}),
       .success_status = 201,
       .rest = {{"POST", "/v1/projects/{project}/snapshots/{snapshot}/restore"}},
       .cli = {.command = {"volumes", "restore"},
               .positionals = {"snapshot", "name"},
               .flags = {},
               .summary = "restore a snapshot into a new volume: ink volumes restore SNAP NEW"}});
  ops.push_back(
      {.name = "delete_snapshot",
       .description = "Delete a snapshot and its copy of the data, for good.",
       .input_schema = ObjectSchema({{"project", project_arg}, {"snapshot", snapshot_arg}},
                                    {"project", "snapshot"}),
       .output_schema = ObjectSchema({{"deleted", {{"type", "boolean"}}}}),
       .destructive = true,
       .rest = {{"DELETE", "/v1/projects/{project}/snapshots/{snapshot}"}},
       .cli = {.command = {"volumes", "delete-snapshot"},
               .positionals = {"snapshot"},
               .flags = {},
               .summary = "delete a snapshot: ink volumes delete-snapshot SNAP"}});
  ops.push_back(
      {.name = "update_volume",
       .description =
           "Set a volume's snapshot policy: snapshot_retention (how many snapshots are kept, "
           "1-1000, default 7: the oldest is pruned after each successful snapshot) and "
           "snapshot_schedule (\"HH:MM\" in UTC for a daily snapshot, \"\" for none).",
       .input_schema = ObjectSchema(
           {{"project", project_arg},
            {"name", NameField("volume name")},
            {"snapshot_retention",
             {{"type", "integer"},
              {"minimum", 1},
              {"maximum", 1000},
              {"description", "snapshots kept, 1-1000"}}},
            {"snapshot_schedule",
             StringField("daily snapshot time \"HH:MM\" (UTC), e.g. \"03:00\"; \"\" for none", 5)}},
           {"project", "name"}),
       .output_schema = ObjectSchema({{"volume", object}}),
       .idempotent = true,
       .rest = {{"PATCH", "/v1/projects/{project}/volumes/{name}"}},
       .cli = {.command = {"volumes", "update"},
               .positionals = {"name"},
               .flags = {},
               .summary = "ink volumes update NAME --snapshot-retention 7 --snapshot-schedule "
                          "03:00"}});
}

}  // namespace ink::catalog_internal
