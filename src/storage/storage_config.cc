#include "ink/storage/storage_config.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "ink/common/json.h"

namespace ink::storage {
namespace {

constexpr size_t kMaxSecretBytes = 64 * 1024;
constexpr size_t kMaxPrefixBytes = 512;
constexpr size_t kMaxKeyBytes = 1024;
constexpr size_t kMaxEndpointBytes = 256;

bool IsLowerOrDigit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool IsControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

// What each provider calls its bucket, for errors.
std::string BucketWord(std::string_view provider) {
  return provider == kProviderAzure ? "container" : "bucket";
}

Status ValidateBucket(std::string_view provider, const std::string& bucket) {
  const std::string word = BucketWord(provider);
  const std::string shown = word + " '" + bucket.substr(0, 64) + "'";
  if (bucket.empty()) return InvalidArgument("give the " + word + " name (bucket)");
  if (bucket.size() < 3 || bucket.size() > 63) {
    return InvalidArgument(shown + " must be 3-63 characters long");
  }
  // s3: [a-z0-9.-]; gcs adds '_'; an Azure container is [a-z0-9-] without "--".
  const std::string extra = provider == kProviderAzure ? "-" : provider == kProviderGcs ? ".-_" : ".-";
  for (char c : bucket) {
    if (!IsLowerOrDigit(c) && extra.find(c) == std::string::npos) {
      return InvalidArgument(shown + " may only hold lowercase letters, digits and '" + extra +
                             "' (" + std::string(provider) + "'s rule)");
    }
  }
  if (!IsLowerOrDigit(bucket.front()) || !IsLowerOrDigit(bucket.back())) {
    return InvalidArgument(shown + " must start and end with a lowercase letter or a digit");
  }
  if (bucket.find("..") != std::string::npos) {
    return InvalidArgument(shown + " may not hold two '.' in a row");
  }
  if (provider == kProviderAzure && bucket.find("--") != std::string::npos) {
    return InvalidArgument(shown + " may not hold two '-' in a row (Azure's rule)");
  }
  return {};
}

// http(s)://host[:port][/], nothing else: a path, a query or user info in an endpoint is almost
// always a mistake (the bucket is a field of its own) and user info would be a secret in clear.
Status ValidateEndpoint(const std::string& endpoint) {
  const std::string shown = "endpoint '" + endpoint.substr(0, 64) + "'";
  if (endpoint.size() > kMaxEndpointBytes) {
    return InvalidArgument("endpoint is longer than 256 characters");
  }
  std::string_view rest = endpoint;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return InvalidArgument(shown + " must start with https:// (or http:// for a server on a "
                                   "private network), e.g. https://s3.eu-central-1.amazonaws.com");
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.empty()) return InvalidArgument(shown + " names no host");
  for (char c : rest) {
    if (c == '/' || c == '?' || c == '#' || c == '@' || IsControl(c) || c == ' ' || c == '\\') {
      return InvalidArgument(
          "endpoint must be scheme://host[:port] only (no path, query or user name: the bucket "
          "and the credentials are fields of their own)");
    }
  }
  return {};
}

Status ValidateRegion(const std::string& region) {
  if (region.size() > 32 ||
      !std::all_of(region.begin(), region.end(), [](char c) { return IsLowerOrDigit(c) || c == '-'; })) {
    return InvalidArgument("region '" + region.substr(0, 32) +
                           "' must be up to 32 lowercase letters, digits and '-', e.g. eu-west-1");
  }
  return {};
}

Status ValidateAccount(const std::string& account) {
  if (account.empty()) {
    return InvalidArgument("azureblob needs `account`, the storage account's name");
  }
  if (account.size() < 3 || account.size() > 24 ||
      !std::all_of(account.begin(), account.end(), IsLowerOrDigit)) {
    return InvalidArgument("account '" + account.substr(0, 32) +
                           "' must be 3-24 lowercase letters and digits (Azure's rule)");
  }
  return {};
}

Status ValidateSecrets(const StorageConfig& config) {
  const std::vector<std::string> fields = SecretFieldsOf(config.provider);
  std::string names;
  for (const auto& f : fields) names += (names.empty() ? "" : ", ") + f;
  for (const auto& [name, value] : config.secrets) {
    if (std::find(fields.begin(), fields.end(), name) == fields.end()) {
      return InvalidArgument("secret '" + name.substr(0, 64) + "' is not one of " +
                             config.provider + "'s (" + names + ")");
    }
    if (value.empty()) return InvalidArgument("secret '" + name + "' is empty");
    if (value.size() > kMaxSecretBytes) {
      return InvalidArgument("secret '" + name + "' is longer than 64 KiB");
    }
    if (name == "service_account_json") {
      Json parsed = Json::parse(value, nullptr, false);
      if (parsed.is_discarded() || !parsed.is_object()) {
        return InvalidArgument(
            "secret 'service_account_json' is not a JSON object; give the key file Google "
            "Cloud made for the service account");
      }
    } else if (std::any_of(value.begin(), value.end(), IsControl)) {
      return InvalidArgument("secret '" + name + "' holds a control character (a stray newline?)");
    }
  }
  for (const auto& f : fields) {
    if (!config.secrets.count(f)) {
      return InvalidArgument(config.provider + " needs the secret '" + f + "' (all of: " + names +
                             ")");
    }
  }
  return {};
}

}  // namespace

std::vector<std::string> SecretFieldsOf(std::string_view provider) {
  if (provider == kProviderS3) return {"access_key_id", "secret_access_key"};
  if (provider == kProviderGcs) return {"service_account_json"};
  if (provider == kProviderAzure) return {"key"};
  return {};
}

Result<std::string> NormalizeStoragePrefix(std::string_view prefix) {
  if (prefix.size() > kMaxPrefixBytes) return InvalidArgument("prefix is longer than 512 bytes");
  std::string out;
  size_t start = 0;
  while (start <= prefix.size()) {
    size_t end = prefix.find('/', start);
    if (end == std::string_view::npos) end = prefix.size();
    std::string_view segment = prefix.substr(start, end - start);
    start = end + 1;
    if (segment.empty()) continue;
    if (segment == "." || segment == "..") {
      return InvalidArgument("prefix may not hold a '" + std::string(segment) +
                             "' segment; give a plain path such as backups/prod");
    }
    for (char c : segment) {
      if (IsControl(c) || c == '\\') {
        return InvalidArgument("prefix holds a control character or '\\'; use '/' between parts");
      }
    }
    out += (out.empty() ? "" : "/") + std::string(segment);
  }
  return out;
}

Status ValidateObjectKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyBytes) {
    return InvalidArgument("an object key must be 1-1024 bytes");
  }
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view segment = key.substr(start, end - start);
    start = end + 1;
    if (segment.empty() || segment == "." || segment == "..") {
      return InvalidArgument("object key '" + std::string(key.substr(0, 64)) +
                             "' has an empty, '.' or '..' segment");
    }
    if (std::any_of(segment.begin(), segment.end(),
                    [](char c) { return IsControl(c) || c == '\\'; })) {
      return InvalidArgument("an object key may not hold a control character or '\\'");
    }
  }
  return {};
}

Status ValidateStorageConfig(const StorageConfig& config) {
  const std::string& p = config.provider;
  if (p != kProviderS3 && p != kProviderGcs && p != kProviderAzure) {
    return InvalidArgument("provider '" + p.substr(0, 32) +
                           "' is not one of s3 (AWS or any S3-compatible), gcs, azureblob");
  }
  INK_RETURN_IF_ERROR(ValidateBucket(p, config.bucket));
  auto prefix = NormalizeStoragePrefix(config.prefix);
  if (!prefix.ok()) return prefix.error();
  if (*prefix != config.prefix) return InvalidArgument("prefix is not normalized");
  if (!config.endpoint.empty()) {
    if (p == kProviderGcs) return InvalidArgument("gcs takes no endpoint");
    INK_RETURN_IF_ERROR(ValidateEndpoint(config.endpoint));
  }
  if (p != kProviderS3 && (!config.region.empty() || config.path_style)) {
    return InvalidArgument("region and path_style are s3 settings; " + p + " takes neither");
  }
  if (!config.region.empty()) INK_RETURN_IF_ERROR(ValidateRegion(config.region));
  if (p == kProviderAzure) {
    INK_RETURN_IF_ERROR(ValidateAccount(config.account));
  } else if (!config.account.empty()) {
    return InvalidArgument("account is an azureblob setting; " + p + " takes none");
  }
  return ValidateSecrets(config);
}

std::map<std::string, std::string> RcloneEnvironment(const StorageConfig& config) {
  std::string prefix = "RCLONE_CONFIG_";
  for (char c : kRcloneRemote) prefix += static_cast<char>(std::toupper(c));
  prefix += "_";
  std::map<std::string, std::string> env;
  auto set = [&](const std::string& name, const std::string& value) { env[prefix + name] = value; };
  auto secret = [&](const std::string& name) {
    auto it = config.secrets.find(name);
    return it == config.secrets.end() ? std::string() : it->second;
  };
  if (config.provider == kProviderS3) {
    set("TYPE", "s3");
    set("PROVIDER", config.endpoint.empty() ? "AWS" : "Other");
    set("ENV_AUTH", "false");
    set("ACCESS_KEY_ID", secret("access_key_id"));
    set("SECRET_ACCESS_KEY", secret("secret_access_key"));
    set("REGION", config.region.empty() ? "us-east-1" : config.region);
    if (!config.endpoint.empty()) set("ENDPOINT", config.endpoint);
    set("FORCE_PATH_STYLE", config.path_style ? "true" : "false");
    // Never create a missing bucket on upload: set_storage checked that it exists, and a typo
    // must not make a new bucket somewhere.
    set("NO_CHECK_BUCKET", "true");
  } else if (config.provider == kProviderGcs) {
    set("TYPE", "google cloud storage");
    set("ENV_AUTH", "false");
    set("SERVICE_ACCOUNT_CREDENTIALS", secret("service_account_json"));
    set("BUCKET_POLICY_ONLY", "true");
  } else if (config.provider == kProviderAzure) {
    set("TYPE", "azureblob");
    set("ACCOUNT", config.account);
    set("KEY", secret("key"));
    if (!config.endpoint.empty()) set("ENDPOINT", config.endpoint);
  }
  return env;
}

std::string RclonePath(const StorageConfig& config, std::string_view key) {
  std::string path = std::string(kRcloneRemote) + ":" + config.bucket;
  if (!config.prefix.empty()) path += "/" + config.prefix;
  if (!key.empty()) path += "/" + std::string(key);
  return path;
}

}  // namespace ink::storage
