// The catalog: Volumes: create_volume, list_volumes, delete_volume, and the `volumes` input of
// deploy and update_service that attaches them.
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

Json VolumesField() {
  return {{"type", "array"},
          {"maxItems", 16},
          {"items", ObjectSchema({{"volume", NameField("volume name (see list_volumes)")},
                                  {"mount_path", StringField("absolute path in the container, "
                                                             "e.g. /var/lib/data",
                                                             256)}},
                                 {"volume", "mount_path"})},
          {"description",
           "volumes of the project to mount, e.g. [{\"volume\": \"data\", \"mount_path\": "
           "\"/var/lib/data\"}]; replaces the service's volumes ([] detaches them all). A volume "
           "has one service; a service with volumes runs 1 replica and rolls out stop-then-start. "
           "CLI: --volumes '[{\"volume\":\"data\",\"mount_path\":\"/data\"}]'"}};
}

void DeclareVolumeOperations(std::vector<Operation>& ops) {
  const Json project_arg = NameField("project name");
  const Json volume_arg = NameField("volume name");
  ops.push_back(
      {.name = "create_volume",
       .description =
           "Create a volume: persistent storage of a fixed size (its own ext4 filesystem; a "
           "writer past the size gets 'No space left on device') that survives redeploys, "
           "restarts and inkd restarts. Attach it to one service with deploy or update_service "
           "{volumes: [{volume, mount_path}]}. Only delete_volume removes it.",
       .input_schema = ObjectSchema(
           {{"project", project_arg},
            {"name", volume_arg},
            {"size",
             StringField("size such as \"1Gi\", \"512Mi\" or a byte count; 16Mi to 1Ti", 32)}},
           {"project", "name", "size"}),
       .output_schema = ObjectSchema({{"volume", {{"type", "object"}}}}),
       .success_status = 201,
       .rest = {{"POST", "/v1/projects/{project}/volumes"}},
       .cli = {.command = {"volumes", "create"},
               .positionals = {"name"},
               .flags = {},
               .summary = "create a volume: ink volumes create NAME --size 1Gi --project P"}});
  ops.push_back({.name = "list_volumes",
                 .description =
                     "List a project's volumes: size and used bytes, and the service each is "
                     "attached to with its mount path.",
                 .input_schema = ObjectSchema({{"project", project_arg}}, {"project"}),
                 .output_schema = ObjectSchema({{"volumes", {{"type", "array"}}}}),
                 .read_only = true,
                 .idempotent = true,
                 .rest = {{"GET", "/v1/projects/{project}/volumes"}},
                 .cli = {.command = {"volumes", "list"},
                         .positionals = {},
                         .flags = {},
                         .summary = "list a project's volumes with size, used bytes and service"}});
  ops.push_back(
      {.name = "delete_volume",
       .description = "Delete a volume and all of its data, for good. Refused while it is attached "
                      "to a service: detach it first with update_service {volumes: []}.",
       .input_schema =
           ObjectSchema({{"project", project_arg}, {"name", volume_arg}}, {"project", "name"}),
       .output_schema = ObjectSchema({{"deleted", {{"type", "boolean"}}}}),
       .destructive = true,
       .rest = {{"DELETE", "/v1/projects/{project}/volumes/{name}"}},
       .cli = {.command = {"volumes", "delete"},
               .positionals = {"name"},
               .flags = {},
               .summary = "delete a volume and its data (refused while attached)"}});
}

}  // namespace ink::catalog_internal
