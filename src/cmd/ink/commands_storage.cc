// ink storage set / list / rm: object-storage destinations (issue 14). `set` reads the
// provider's secrets from a dotenv file (--secrets-file FILE, - for standard input) so none is
// typed on the command line or printed; list shows which secret fields are set, never values.
#include "ink/common/env_vars.h"
#include "output.h"
#include "session.h"

namespace ink::cli {
namespace {

std::string Location(const Json& storage) {
  std::string where = Field(storage, "bucket");
  std::string prefix = Field(storage, "prefix");
  if (prefix != "-") where += "/" + prefix;
  return where;
}

}  // namespace

int RunStorageSet(Session& s) {
  const Invocation& inv = s.invocation();
  Json input = s.Input();
  if (auto path = inv.Get("--secrets-file")) {
    auto text = ReadInput(s, *path);
    if (!text.ok()) return s.UsageFail(text.error().message);
    auto entries = ParseDotenv(*text);
    // The parser's errors name lines, never values.
    if (!entries.ok()) return s.UsageFail(*path + ": " + entries.error().message);
    Json secrets = Json::object();
    for (auto& e : *entries) secrets[e.name] = std::move(e.value);
    if (secrets.empty()) {
      return s.UsageFail(*path + " has no field=value lines (e.g. access_key_id=... and "
                                 "secret_access_key=... for s3)");
    }
    input["secrets"] = std::move(secrets);
  }
  if (inv.Has("--no-check")) input["check"] = false;
  if (!s.Connect()) return s.exit_code();
  auto response = s.CallOperation(input);
  if (!response) return s.exit_code();
  if (s.json()) {
    s.PrintJson(*response);
    return kExitOk;
  }
  Json storage = Member(*response, "storage");
  s.out() << (Member(*response, "created") == Json(true) ? "Added" : "Updated") << " storage "
          << Field(storage, "name") << " (" << Field(storage, "provider") << ", "
          << Location(storage) << "); secrets stored encrypted.\n";
  return kExitOk;
}

int RunStorageList(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  std::vector<std::vector<std::string>> rows;
  Json list = Member(*response, "storages");
  for (const Json& st : list.is_array() ? list : Json::array()) {
    std::string endpoint = Field(st, "endpoint");
    if (endpoint == "-") endpoint = Field(st, "account");
    rows.push_back({Field(st, "name"), Field(st, "provider"), Location(st), endpoint,
                    Field(st, "secrets_set")});
  }
  if (rows.empty()) {
    s.out() << "No storage destinations. Add one with: ink storage set NAME --provider s3 "
               "--bucket BUCKET --secrets-file FILE\n";
    return kExitOk;
  }
  s.out() << FormatTable({"NAME", "PROVIDER", "BUCKET/PREFIX", "ENDPOINT", "SECRETS SET"}, rows);
  return kExitOk;
}

int RunStorageDelete(Session& s) {
  if (!s.Answer()) return s.exit_code();
  s.out() << "Deleted storage " << s.invocation().positionals.at(0)
          << " (the bucket was not touched).\n";
  return kExitOk;
}

}  // namespace ink::cli

namespace ink::cli {

// ink backups create / list / restore: what was made, the listing as a table, or where a
// backup was restored.
int RunBackups(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  Json list = Member(*response, "backups");
  if (list.is_array()) {
    std::vector<std::vector<std::string>> rows;
    for (const Json& b : list) {
      rows.push_back({Field(b, "id"), Field(b, "project") + "/" + Field(b, "volume"),
                      Field(b, "status"), Field(b, "data_size_bytes"), Field(b, "problem")});
    }
    if (rows.empty()) {
      s.out() << "No backups. Make one with: ink backups create VOLUME --storage NAME\n";
      return kExitOk;
    }
    s.out() << FormatTable({"ID", "PROJECT/VOLUME", "STATUS", "BYTES", "PROBLEM"}, rows);
    return kExitOk;
  }
  Json backup = Member(*response, "backup");
  Json volume = Member(*response, "volume");
  if (volume.is_object()) {
    s.out() << "Restored backup " << Field(backup, "id") << " into new volume "
            << Field(volume, "name") << ".\n";
  } else {
    s.out() << "Backup " << Field(backup, "id") << ": "
            << Field(Member(backup, "data"), "size_bytes") << " bytes, verified.\n";
  }
  return kExitOk;
}

}  // namespace ink::cli
