#include "spec_json.h"

#include <cmath>

#include "ink/common/json.h"

namespace ink::store_internal {

Result<std::string> SpecToJson(const ServiceSpec& spec) {
  if (!std::isfinite(spec.cpu)) {
    return InvalidArgument("cpu must be a finite number of cores (e.g. 0.5), not " +
                           std::to_string(spec.cpu));
  }
  Json json = {
      {"image", spec.image},
      {"port", spec.port},
      {"cpu", spec.cpu},
      {"memory_bytes", spec.memory_bytes},
      {"replicas", spec.replicas},
      {"runtime_class", spec.runtime_class},
      {"registry_credential_id", spec.registry_credential_id},
      {"source", spec.source},
      {"build_settings", spec.build_settings},
      {"health_check_path", spec.health_check_path},
  };
  if (!spec.volumes.empty()) {  // absent otherwise: specs stored before volumes stay as they were
    Json volumes = Json::array();
    for (const auto& v : spec.volumes) {
      volumes.push_back({{"volume", v.volume}, {"mount_path", v.mount_path}});
    }
    json["volumes"] = std::move(volumes);
  }
  if (!spec.snapshot_hook.empty()) json["snapshot_hook"] = spec.snapshot_hook;
  try {
    // Strict UTF-8 handling: replacing bad bytes would silently change the user's values.
    return json.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::strict);
  } catch (const Json::exception& e) {
    return InvalidArgument(std::string("the service spec contains text that is not valid UTF-8 (") +
                           e.what() + "); send the image and other text as UTF-8");
  }
}

Result<ServiceSpec> SpecFromJson(const std::string& text, const std::string& owner) {
  ServiceSpec spec;
  try {
    Json json = Json::parse(text);
    if (!json.is_object()) {
      return Internal("store: the stored spec of " + owner +
                      " is not a JSON object; restore the database from a backup");
    }
    if (json.contains("image")) spec.image = json.at("image").get<std::string>();
    if (json.contains("port")) spec.port = json.at("port").get<int>();
    // "env" (plaintext, before schema version 3) is not read: SealPlaintextEnv moves it into
    // sealed variables.
    if (json.contains("cpu")) spec.cpu = json.at("cpu").get<double>();
    if (json.contains("memory_bytes")) spec.memory_bytes = json.at("memory_bytes").get<int64_t>();
    if (json.contains("replicas")) spec.replicas = json.at("replicas").get<int>();
    if (json.contains("runtime_class")) {
      spec.runtime_class = json.at("runtime_class").get<std::string>();
    }
    if (json.contains("registry_credential_id")) {
      spec.registry_credential_id = json.at("registry_credential_id").get<std::string>();
    }
    if (json.contains("source")) spec.source = json.at("source").get<std::string>();
    if (json.contains("build_settings")) {
      spec.build_settings = json.at("build_settings").get<std::string>();
    }
    if (json.contains("health_check_path")) {
      spec.health_check_path = json.at("health_check_path").get<std::string>();
    }
    if (json.contains("volumes")) {
      for (const auto& v : json.at("volumes")) {
        spec.volumes.push_back(
            {v.at("volume").get<std::string>(), v.at("mount_path").get<std::string>()});
      }
    }
    if (json.contains("snapshot_hook")) {
      spec.snapshot_hook = json.at("snapshot_hook").get<std::vector<std::string>>();
    }
  } catch (const Json::exception& e) {
    return Internal("store: the stored spec of " + owner + " is corrupt (" + e.what() +
                    "); restore the database from a backup");
  }
  return spec;
}

}  // namespace ink::store_internal
