// A workspace's object-storage destination (issue 14): which provider, bucket and prefix, the
// provider's non-secret settings and its secrets, the rules every field must follow, and the
// rclone configuration made from it. Called by the storage operations (set_storage checks and
// seals a destination) and by the rclone object store (which turns an opened destination into
// rclone's environment for one run). Pure functions on values: thread-safe.
//
// Secrets are plaintext only in a StorageConfig held in memory for one operation; the store keeps
// them sealed (SecretBox) and the API never shows them back (SecretFieldsSet lists their names).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/result.h"

namespace ink::storage {

// The providers rclone is driven for, by their rclone backend names.
inline constexpr std::string_view kProviderS3 = "s3";           // AWS or any S3-compatible
inline constexpr std::string_view kProviderGcs = "gcs";         // Google Cloud Storage
inline constexpr std::string_view kProviderAzure = "azureblob";  // Azure Blob Storage

struct StorageConfig {
  std::string provider;  // kProvider*
  std::string bucket;    // S3/GCS bucket, Azure container
  std::string prefix;    // "" or "a/b" (normalized: no leading, trailing or repeated '/')
  // s3: endpoint ("" = AWS), region ("" = us-east-1), path-style addressing. azureblob: account
  // (the storage account's name) and endpoint ("" = the account's public endpoint).
  std::string endpoint;
  std::string region;
  bool path_style = false;
  std::string account;
  // Secret fields by name: s3 access_key_id + secret_access_key; gcs service_account_json;
  // azureblob key. Never logged, never answered.
  std::map<std::string, std::string> secrets;
};

// The secret fields a provider takes, all required: {"access_key_id", "secret_access_key"} for
// s3, {"service_account_json"} for gcs, {"key"} for azureblob; empty for an unknown provider.
std::vector<std::string> SecretFieldsOf(std::string_view provider);

// Checks every field of `config` against its provider's rules, with errors that name the field
// and say how to fix it (never quoting a secret): a known provider; a bucket the provider
// accepts (3-63 characters of its alphabet, e.g. lowercase letters, digits, '-' and '.' for
// s3); a prefix without '..' or control characters; an http(s) endpoint without a path, query
// or credentials; settings only where the provider has them; exactly the provider's secret
// fields, each non-empty and at most 64 KiB (gcs's must be a JSON object).
Status ValidateStorageConfig(const StorageConfig& config);

// `prefix` without leading, trailing or repeated '/', or InvalidArgument if a segment is '.' or
// '..', or it holds a control character or '\', or is longer than 512 bytes.
Result<std::string> NormalizeStoragePrefix(std::string_view prefix);

// The name of the rclone remote the environment below defines.
inline constexpr std::string_view kRcloneRemote = "inkstore";

// The environment that defines remote kRcloneRemote for `config` (RCLONE_CONFIG_INKSTORE_*:
// type, provider, credentials, endpoint...), for one rclone run; nothing is written to disk.
std::map<std::string, std::string> RcloneEnvironment(const StorageConfig& config);

// rclone's path of `key` in the destination: "inkstore:BUCKET/PREFIX/KEY" ("" key: the
// destination's root). `key` is relative to the prefix and already checked (ValidateObjectKey).
std::string RclonePath(const StorageConfig& config, std::string_view key);

// A key below a destination's prefix: non-empty segments of printable characters, none '.' or
// '..', at most 1024 bytes.
Status ValidateObjectKey(std::string_view key);

}  // namespace ink::storage
