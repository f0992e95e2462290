// The catalog: object-storage destinations (issue 14): set_storage, list_storages,
// delete_storage.
#include "src/catalog/catalog_internal.h"

namespace ink::catalog_internal {

void DeclareStorageOperations(std::vector<Operation>& ops) {
  const Json name_arg = NameField("storage name (your name for this destination, e.g. offsite)");
  const Json storage = {{"type", "object"}};
  ops.push_back(
      {.name = "set_storage",
       .description =
           "Add or replace a named object-storage destination of the workspace (for volume "
           "backups): provider s3 (AWS or any S3-compatible server: endpoint, region, "
           "path_style), gcs or azureblob (account), a bucket (an Azure container) that must "
           "already exist, and an optional prefix inside it. Secrets are stored encrypted and "
           "never shown again: s3 {access_key_id, secret_access_key}, gcs "
           "{service_account_json}, azureblob {key}; when replacing a destination of the same "
           "provider, secrets left out keep their stored values. Unless check is false, the "
           "bucket is listed with the credentials first: a missing bucket, refused credentials "
           "or an unreachable endpoint is a clear error and nothing is saved. To send secrets "
           "without reading them, prefer the CLI: `ink storage set NAME ... --secrets-file "
           "FILE`.",
       .input_schema = ObjectSchema(
           {{"name", name_arg},
            {"provider",
             {{"type", "string"},
              {"enum", {"s3", "gcs", "azureblob"}},
              {"description", "s3 (AWS or S3-compatible), gcs or azureblob"}}},
            {"bucket", StringField("bucket name (azureblob: the container), which must exist", 63)},
            {"prefix", StringField("a folder inside the bucket, e.g. ink/prod (no '..')", 512)},
            {"endpoint",
             StringField("s3/azureblob: the server, scheme://host[:port] (s3: default AWS)", 256)},
            {"region", StringField("s3: the region (default us-east-1)", 32)},
            {"path_style",
             {{"type", "boolean"},
              {"description", "s3: path-style addressing (most S3-compatible servers need it)"}}},
            {"account", StringField("azureblob: the storage account's name", 24)},
            // The schema validator never quotes a mistyped value (these are secrets); the
            // handler checks names, types and sizes.
            {"secrets",
             {{"type", "object"},
              {"description",
               "the provider's secrets as {field: value}: s3 access_key_id and "
               "secret_access_key; gcs service_account_json (the key file's text); azureblob "
               "key"}}},
            {"check",
             {{"type", "boolean"},
              {"description",
               "list the bucket with these credentials before saving (default true)"}}}},
           {"name", "provider", "bucket"}),
       .output_schema = ObjectSchema({{"storage", storage}, {"created", {{"type", "boolean"}}}}),
       .idempotent = true,
       .open_world = true,
       .rest = {{"PUT", "/v1/storages/{name}"}},
       .cli = {.command = {"storage", "set"},
               .positionals = {"name"},
               .flags = {},
               .summary = "add or replace an object-storage destination (secrets encrypted)"}});
  ops.push_back(
      {.name = "list_storages",
       .description =
           "List the workspace's object-storage destinations: name, provider, bucket, prefix, "
           "settings and which secret fields are set (never their values).",
       .input_schema = ObjectSchema(Json::object()),
       .output_schema = ObjectSchema({{"storages", {{"type", "array"}}}}),
       .read_only = true,
       .idempotent = true,
       .rest = {{"GET", "/v1/storages"}},
       .cli = {.command = {"storage", "list"},
               .positionals = {},
               .flags = {},
               .summary = "list object-storage destinations (never their secrets)"}});
  ops.push_back(
      {.name = "delete_storage",
       .description = "Forget an object-storage destination and its secrets. Nothing in the "
                      "bucket is touched: backups stored there stay, and setting the same "
                      "destination again lists them.",
       .input_schema = ObjectSchema({{"name", name_arg}}, {"name"}),
       .output_schema = ObjectSchema({{"deleted", {{"type", "boolean"}}}}),
       .destructive = true,
       .rest = {{"DELETE", "/v1/storages/{name}"}},
       .cli = {.command = {"storage", "rm"},
               .positionals = {"name"},
               .flags = {},
               .summary = "forget an object-storage destination (the bucket is not touched)"}});
}

}  // namespace ink::catalog_internal
