// Object-storage destinations (issue 14): set_storage, list_storages, delete_storage, and
// OpenStorage, which backups use to get a destination with its secrets opened.
//
// A destination's secrets are sealed with SecretBox as one JSON object as soon as they are
// checked, and no answer, event or error carries them: list_storages names the fields that are
// set. set_storage lists the bucket with the new settings before anything is written (unless
// check is false), so a missing bucket or refused credentials change nothing.
#include "ink/common/names.h"
#include "ink/storage/object_store.h"
#include "src/api/operations_internal.h"

namespace ink::api_internal {
namespace {

using storage::StorageConfig;

Json StorageJson(const ObjectStorage& s) {
  Json settings = Json::parse(s.settings, nullptr, false);
  if (!settings.is_object()) settings = Json::object();
  Json out = {{"name", s.name},
              {"provider", s.provider},
              {"bucket", s.bucket},
              {"prefix", s.prefix},
              {"secrets_set", s.secret_fields},
              {"created_at", s.created_at},
              {"updated_at", s.updated_at}};
  for (const char* key : {"endpoint", "region", "account"}) {
    out[key] = settings.contains(key) ? settings[key] : Json(nullptr);
  }
  out["path_style"] = settings.value("path_style", false);
  return out;
}

std::string SettingsJson(const StorageConfig& c) {
  Json settings = Json::object();
  if (!c.endpoint.empty()) settings["endpoint"] = c.endpoint;
  if (!c.region.empty()) settings["region"] = c.region;
  if (c.path_style) settings["path_style"] = true;
  if (!c.account.empty()) settings["account"] = c.account;
  return settings.dump();
}

// The stored row with its secrets opened.
Result<StorageConfig> ConfigOf(OperationDeps& deps, const ObjectStorage& row) {
  StorageConfig c{.provider = row.provider, .bucket = row.bucket, .prefix = row.prefix};
  Json settings = Json::parse(row.settings, nullptr, false);
  if (settings.is_object()) {
    c.endpoint = settings.value("endpoint", "");
    c.region = settings.value("region", "");
    c.path_style = settings.value("path_style", false);
    c.account = settings.value("account", "");
  }
  auto opened = deps.secrets.Open(row.sealed_secrets);
  Json secrets = opened.ok() ? Json::parse(*opened, nullptr, false) : Json();
  if (!opened.ok() || !secrets.is_object()) {
    return FailedPrecondition("the secrets of storage '" + row.name +
                              "' cannot be unsealed (inkd's secret key changed?); set them "
                              "again with `ink storage set " +
                              row.name + " ... --secrets-file FILE`");
  }
  for (const auto& [name, value] : secrets.items()) {
    if (value.is_string()) c.secrets[name] = value.get<std::string>();
  }
  return c;
}

// The `secrets` input as {field: value}, checked for types without quoting a value.
Result<std::map<std::string, std::string>> SecretsInput(const Json& in) {
  std::map<std::string, std::string> out;
  if (!in.contains("secrets")) return out;
  const Json& secrets = in["secrets"];
  if (!secrets.is_object()) {
    return InvalidArgument("secrets must be an object {field: value}, e.g. {\"access_key_id\": "
                           "\"...\", \"secret_access_key\": \"...\"}");
  }
  for (const auto& [name, value] : secrets.items()) {
    if (!value.is_string()) {
      return InvalidArgument("secret '" + name.substr(0, 64) + "' must be a string");
    }
    out[name] = value.get<std::string>();
  }
  return out;
}

Result<Json> SetStorage(OperationDeps& deps, const Caller& c, const Json& in) {
  const std::string name = in.value("name", "");
  INK_RETURN_IF_ERROR(ValidateName("storage name", name));
  StorageConfig config{.provider = in.value("provider", ""),
                       .bucket = in.value("bucket", ""),
                       .endpoint = in.value("endpoint", ""),
                       .region = in.value("region", ""),
                       .path_style = in.value("path_style", false),
                       .account = in.value("account", "")};
  auto prefix = storage::NormalizeStoragePrefix(in.value("prefix", ""));
  if (!prefix.ok()) return prefix.error();
  config.prefix = *prefix;
  auto secrets = SecretsInput(in);
  if (!secrets.ok()) return secrets.error();
  config.secrets = std::move(*secrets);
  // Replacing a destination of the same provider: secrets left out keep their stored values,
  // so changing a prefix needs no keys typed again.
  auto existing = deps.store.GetObjectStorage(c.workspace_id, name);
  if (!existing.ok() && existing.error().code != ErrorCode::kNotFound) return existing.error();
  const bool created = !existing.ok();
  if (existing.ok() && existing->provider == config.provider) {
    bool missing = false;
    for (const auto& field : storage::SecretFieldsOf(config.provider)) {
      missing = missing || !config.secrets.count(field);
    }
    if (missing) {
      auto stored = ConfigOf(deps, *existing);
      if (!stored.ok()) return stored.error();
      for (auto& [field, value] : stored->secrets) config.secrets.emplace(field, value);
    }
  }
  INK_RETURN_IF_ERROR(storage::ValidateStorageConfig(config));
  if (in.value("check", true) && deps.object_stores != nullptr) {
    auto opened = deps.object_stores->Open(config);
    if (!opened.ok()) return opened.error();
    if (Status checked = (*opened)->Check(); !checked.ok()) {
      return Error{checked.error().code, "storage '" + name + "' was not saved: " +
                                             checked.error().message};
    }
  }
  Json sealed = Json::object();
  ObjectStorage row{.workspace_id = c.workspace_id,
                    .name = name,
                    .provider = config.provider,
                    .bucket = config.bucket,
                    .prefix = config.prefix,
                    .settings = SettingsJson(config)};
  for (const auto& [field, value] : config.secrets) {
    sealed[field] = value;
    row.secret_fields.push_back(field);
  }
  row.sealed_secrets = deps.secrets.Seal(sealed.dump());
  auto put = deps.store.PutObjectStorage(row);
  if (!put.ok()) return put.error();
  return Json{{"storage", StorageJson(*put)}, {"created", created}};
}

}  // namespace

Result<StorageConfig> OpenStorage(OperationDeps& deps, const Caller& caller,
                                  const std::string& name) {
  auto row = deps.store.GetObjectStorage(caller.workspace_id, name);
  if (!row.ok()) return row.error();
  return ConfigOf(deps, *row);
}

void RegisterStorageOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(Implement("set_storage", {.handler = [&deps](const Caller& c, const Json& in) {
                        return SetStorage(deps, c, in);
                      }}));
  table.Add(Implement(
      "list_storages", {.handler = [&deps](const Caller& c, const Json&) -> Result<Json> {
        auto list = deps.store.ListObjectStorages(c.workspace_id);
        if (!list.ok()) return list.error();
        Json out = Json::array();
        for (const auto& s : *list) out.push_back(StorageJson(s));
        return Json{{"storages", out}};
      }}));
  table.Add(Implement(
      "delete_storage", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        INK_RETURN_IF_ERROR(deps.store.DeleteObjectStorage(c.workspace_id, in.value("name", "")));
        return Json{{"deleted", true}};
      }}));
}

}  // namespace ink::api_internal
