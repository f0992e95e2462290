#include "ink/storage/backup_manifest.h"

#include <algorithm>
#include <ctime>

#include "ink/common/json.h"

namespace ink::storage {
namespace {

constexpr std::string_view kDataSuffix = ".data";
constexpr std::string_view kManifestSuffix = ".manifest.json";

bool IsIdChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

bool IsBackupId(std::string_view id) {
  return id.size() > 4 && id.size() <= 64 && id.starts_with("bkp_") &&
         std::all_of(id.begin(), id.end(), [](char c) { return IsIdChar(c) || c == 'T' || c == 'Z'; });
}

bool IsSourceName(std::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
         });
}

bool IsHex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

std::string NewBackupId(int64_t now_ms, std::string_view random) {
  std::time_t seconds = static_cast<std::time_t>(now_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  return "bkp_" + std::string(stamp) + "_" + std::string(random);
}

std::string BackupDirectory(std::string_view project, std::string_view volume) {
  return std::string(kBackupRoot) + "/" + std::string(project) + "/" + std::string(volume);
}

std::string BackupDataKey(const BackupManifest& m) {
  return BackupDirectory(m.project, m.volume) + "/" + m.id + std::string(kDataSuffix);
}

std::string BackupManifestKey(const BackupManifest& m) {
  return BackupDirectory(m.project, m.volume) + "/" + m.id + std::string(kManifestSuffix);
}

std::string BackupManifestJson(const BackupManifest& m) {
  Json out = {{"format_version", m.format_version},
              {"id", m.id},
              {"source",
               {{"project", m.project},
                {"volume", m.volume},
                {"volume_id", m.volume_id},
                {"service", m.service},
                {"volume_size_bytes", m.volume_size_bytes}}},
              {"created_at", m.created_at},
              {"data", {{"size_bytes", m.size_bytes}, {"sha256", m.sha256}}},
              {"compression", m.compression},
              {"encryption", m.encryption},
              {"key_id", m.key_id}};
  return out.dump(2) + "\n";
}

Result<BackupManifest> ParseBackupManifest(std::string_view json) {
  Json in = Json::parse(json, nullptr, false);
  if (!in.is_object()) return InvalidArgument("the manifest is not a JSON object");
  auto text = [](const Json& o, const char* k) -> std::optional<std::string> {
    if (!o.is_object() || !o.contains(k) || !o[k].is_string()) return std::nullopt;
    return o[k].get<std::string>();
  };
  auto number = [](const Json& o, const char* k) -> std::optional<int64_t> {
    if (!o.is_object() || !o.contains(k) || !o[k].is_number_integer()) return std::nullopt;
    int64_t v = o[k].get<int64_t>();
    return v < 0 ? std::nullopt : std::optional(v);
  };
  BackupManifest m;
  auto version = number(in, "format_version");
  if (!version) return InvalidArgument("the manifest has no format_version");
  if (*version != kBackupFormatVersion) {
    return InvalidArgument("the manifest's format_version is " + std::to_string(*version) +
                           "; this inkd reads version " + std::to_string(kBackupFormatVersion) +
                           " (a newer Ink made it?)");
  }
  m.format_version = static_cast<int>(*version);
  const Json source = in.value("source", Json::object());
  const Json data = in.value("data", Json::object());
  auto id = text(in, "id");
  auto project = text(source, "project");
  auto volume = text(source, "volume");
  auto volume_id = text(source, "volume_id");
  auto service = text(source, "service");
  auto volume_size = number(source, "volume_size_bytes");
  auto created = number(in, "created_at");
  auto size = number(data, "size_bytes");
  auto sha = text(data, "sha256");
  auto compression = text(in, "compression");
  auto encryption = text(in, "encryption");
  auto key_id = text(in, "key_id");
  if (!id || !IsBackupId(*id)) return InvalidArgument("the manifest's id is missing or malformed");
  if (!project || !IsSourceName(*project) || !volume || !IsSourceName(*volume)) {
    return InvalidArgument("the manifest's source project or volume is missing or malformed");
  }
  if (!volume_id || !service || !volume_size || *volume_size == 0) {
    return InvalidArgument("the manifest's source is incomplete (volume_id, service, size)");
  }
  if (!created) return InvalidArgument("the manifest has no created_at");
  if (!size) return InvalidArgument("the manifest has no data size_bytes");
  if (!sha || !IsHex64(*sha)) return InvalidArgument("the manifest's data sha256 is not 64 hex digits");
  // Not compressed yet: "none" is the one compression this inkd writes and reads.
  if (!compression || *compression != "none" || !encryption ||
      *encryption != "secretstream-xchacha20poly1305") {
    return InvalidArgument("the manifest names a compression or encryption this inkd does not read");
  }
  if (!key_id || key_id->empty()) return InvalidArgument("the manifest has no key_id");
  m.id = *id;
  m.project = *project;
  m.volume = *volume;
  m.volume_id = *volume_id;
  m.service = *service;
  m.volume_size_bytes = *volume_size;
  m.created_at = *created;
  m.size_bytes = *size;
  m.sha256 = *sha;
  m.compression = *compression;
  m.encryption = *encryption;
  m.key_id = *key_id;
  return m;
}

std::optional<BackupKey> ParseBackupKey(std::string_view key) {
  // ink-backups/<project>/<volume>/<id><suffix>, exactly four segments.
  const std::string root = std::string(kBackupRoot) + "/";
  if (!key.starts_with(root)) return std::nullopt;
  std::string_view rest = key.substr(root.size());
  size_t a = rest.find('/');
  if (a == std::string_view::npos) return std::nullopt;
  size_t b = rest.find('/', a + 1);
  if (b == std::string_view::npos || rest.find('/', b + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  BackupKey out{.project = std::string(rest.substr(0, a)),
                .volume = std::string(rest.substr(a + 1, b - a - 1))};
  std::string_view file = rest.substr(b + 1);
  if (file.ends_with(kManifestSuffix)) {
    out.manifest = true;
    file.remove_suffix(kManifestSuffix.size());
  } else if (file.ends_with(kDataSuffix)) {
    file.remove_suffix(kDataSuffix.size());
  } else {
    return std::nullopt;
  }
  out.id = std::string(file);
  if (!IsBackupId(out.id) || !IsSourceName(out.project) || !IsSourceName(out.volume)) {
    return std::nullopt;
  }
  return out;
}

std::vector<ListedBackup> ClassifyBackups(const std::vector<ObjectInfo>& objects,
                                          const std::map<std::string, std::string>& manifests) {
  struct Seen {
    BackupKey key;
    std::optional<int64_t> data_size;
    std::optional<std::string> manifest_key;
  };
  std::map<std::string, Seen> by_backup;  // "project/volume/id"
  for (const ObjectInfo& o : objects) {
    auto key = ParseBackupKey(o.key);
    if (!key) continue;  // not a backup's object: left alone
    Seen& seen = by_backup[key->project + "/" + key->volume + "/" + key->id];
    seen.key = *key;
    seen.key.manifest = false;
    if (key->manifest) {
      seen.manifest_key = o.key;
    } else {
      seen.data_size = o.size_bytes;
    }
  }
  std::vector<ListedBackup> out;
  for (auto& [unused, seen] : by_backup) {
    ListedBackup b{.key = seen.key, .data_size_bytes = seen.data_size.value_or(0)};
    if (!seen.manifest_key) {
      b.status = "incomplete";
      b.problem = "no manifest: the upload did not finish (or is under way)";
    } else {
      auto text = manifests.find(*seen.manifest_key);
      auto parsed = text == manifests.end() ? Result<BackupManifest>(InvalidArgument(
                                                  "the manifest could not be read"))
                                            : ParseBackupManifest(text->second);
      if (!parsed.ok()) {
        b.status = "broken";
        b.problem = parsed.error().message;
      } else if (parsed->id != seen.key.id || parsed->project != seen.key.project ||
                 parsed->volume != seen.key.volume) {
        b.status = "broken";
        b.problem = "the manifest names another backup (" + parsed->id + ")";
      } else if (!seen.data_size) {
        b.status = "broken";
        b.problem = "the data object is missing";
        b.manifest = *parsed;
      } else if (*seen.data_size != parsed->size_bytes) {
        b.status = "broken";
        b.problem = "the data object is " + std::to_string(*seen.data_size) +
                    " bytes; the manifest says " + std::to_string(parsed->size_bytes);
        b.manifest = *parsed;
      } else {
        b.status = "good";
        b.manifest = *parsed;
      }
    }
    out.push_back(std::move(b));
  }
  std::sort(out.begin(), out.end(),
            [](const ListedBackup& a, const ListedBackup& b) { return a.key.id > b.key.id; });
  return out;
}

Status VerifyBackupObject(const BackupManifest& m, int64_t size_bytes, std::string_view sha256) {
  if (size_bytes != m.size_bytes) {
    return FailedPrecondition("backup " + m.id + " is damaged: its data object is " +
                              std::to_string(size_bytes) + " bytes, the manifest says " +
                              std::to_string(m.size_bytes) + "; nothing was restored");
  }
  if (sha256 != m.sha256) {
    return FailedPrecondition("backup " + m.id + " is damaged: its data's sha256 is " +
                              std::string(sha256) + ", the manifest says " + m.sha256 +
                              "; nothing was restored");
  }
  return {};
}

}  // namespace ink::storage
