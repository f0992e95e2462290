// PlanOverrides: parsing and validating build settings (JSON) and ink.json / ink.toml files.
#include <algorithm>
#include <cctype>

#include "detect_internal.h"
#include "ink/common/resources.h"

namespace ink {
namespace build {
namespace {

constexpr const char* kKnownKeys =
    "provider, install_command, build_command, start_command, port, root_directory";

Result<std::optional<std::string>> StringField(const Json& json, const char* key,
                                               const std::string& origin) {
  if (!json.contains(key)) return std::optional<std::string>();
  const Json& value = json.at(key);
  if (!value.is_string()) {
    return InvalidArgument(origin + ": \"" + key +
                           "\" must be a string (a shell command line), got " + value.type_name());
  }
  std::string text = value.get<std::string>();
  if (text.find('\n') != std::string::npos || text.find('\0') != std::string::npos) {
    return InvalidArgument(origin + ": \"" + key +
                           "\" must be one line; join several commands with &&");
  }
  if (text.size() > 4096) {
    return InvalidArgument(origin + ": \"" + key + "\" is longer than 4096 characters");
  }
  return std::optional<std::string>(std::move(text));
}

Result<std::string> ValidRootDirectory(std::string dir, const std::string& origin) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (dir == "." || dir == "./") return std::string();
  if (dir.starts_with("./")) dir = dir.substr(2);
  if (!dir.empty() && dir.front() == '/') {
    return InvalidArgument(origin + ": root_directory \"" + dir +
                           "\" must be relative to the source root, e.g. \"apps/web\"");
  }
  std::filesystem::path path(dir);
  for (const auto& part : path) {
    if (part == "..") {
      return InvalidArgument(origin + ": root_directory \"" + dir +
                             "\" must stay inside the source tree (no \"..\")");
    }
  }
  return dir;
}

}  // namespace

Result<PlanOverrides> OverridesFromJson(const Json& json, const std::string& origin) {
  if (!json.is_object()) {
    return InvalidArgument(origin + " must be a JSON object with keys " + kKnownKeys);
  }
  for (const auto& [key, value] : json.items()) {
    std::string known = kKnownKeys;
    bool found = false;
    for (const char* k : {"provider", "install_command", "build_command", "start_command", "port",
                          "root_directory"}) {
      if (key == k) found = true;
    }
    if (!found) {
      return InvalidArgument(origin + ": unknown key \"" + key + "\"; known keys are " + known);
    }
  }
  PlanOverrides overrides;
  auto provider = StringField(json, "provider", origin);
  if (!provider.ok()) return provider.error();
  if (*provider) {
    const auto& names = ProviderNames();
    if (std::find(names.begin(), names.end(), **provider) == names.end()) {
      std::string list;
      for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
      return InvalidArgument(origin + ": unknown provider \"" + **provider + "\"; use one of " +
                             list);
    }
    overrides.provider = *provider;
  }
  for (auto [key, field] : {std::pair{"install_command", &overrides.install_command},
                            std::pair{"build_command", &overrides.build_command},
                            std::pair{"start_command", &overrides.start_command}}) {
    auto value = StringField(json, key, origin);
    if (!value.ok()) return value.error();
    *field = *value;
  }
  if (overrides.start_command &&
      overrides.start_command->find_first_not_of(" \t") == std::string::npos) {
    return InvalidArgument(origin +
                           ": \"start_command\" is empty; give the command that starts the app, "
                           "e.g. \"node server.js\", or leave the key out");
  }
  if (json.contains("port")) {
    const Json& port = json.at("port");
    if (!port.is_number_integer()) {
      return InvalidArgument(origin + ": \"port\" must be an integer 1-65535, got " + port.dump());
    }
    int64_t value = port.get<int64_t>();
    if (auto valid = ValidateAppPort(value); !valid.ok()) {
      return InvalidArgument(origin + ": " + valid.error().message);
    }
    overrides.port = static_cast<int>(value);
  }
  auto root = StringField(json, "root_directory", origin);
  if (!root.ok()) return root.error();
  if (*root) {
    auto valid = ValidRootDirectory(**root, origin);
    if (!valid.ok()) return valid.error();
    overrides.root_directory = *valid;
  }
  return overrides;
}

namespace {

// A TOML subset for ink.toml: `key = "string"`, `key = 'string'`, `key = 123`, comments and
// blank lines. Tables, arrays and multi-line strings are refused with the line number.
Result<Json> ParseFlatToml(const std::string& text) {
  Json out = Json::object();
  size_t line_start = 0;
  int line_number = 0;
  while (line_start < text.size()) {
    size_t end = text.find('\n', line_start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(line_start, end - line_start);
    line_start = end + 1;
    ++line_number;
    auto where = "ink.toml line " + std::to_string(line_number);
    size_t pos = line.find_first_not_of(" \t\r");
    if (pos == std::string::npos || line[pos] == '#') continue;
    size_t equals = line.find('=', pos);
    if (line[pos] == '[' || equals == std::string::npos) {
      return InvalidArgument(where +
                             ": expected `key = value`; ink.toml holds only top-level "
                             "keys (" +
                             std::string(kKnownKeys) + ")");
    }
    std::string key = line.substr(pos, equals - pos);
    while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
    std::string rest = line.substr(equals + 1);
    size_t v = rest.find_first_not_of(" \t");
    if (v == std::string::npos) return InvalidArgument(where + ": \"" + key + "\" has no value");
    if (rest[v] == '"' || rest[v] == '\'') {
      char quote = rest[v];
      std::string value;
      size_t i = v + 1;
      bool closed = false;
      for (; i < rest.size(); ++i) {
        char c = rest[i];
        if (c == quote) {
          closed = true;
          ++i;
          break;
        }
        if (quote == '"' && c == '\\' && i + 1 < rest.size()) {
          char next = rest[++i];
          value += next == 'n' ? '\n' : next == 't' ? '\t' : next;
          continue;
        }
        value += c;
      }
      if (!closed) return InvalidArgument(where + ": unterminated string for \"" + key + "\"");
      size_t tail = rest.find_first_not_of(" \t\r", i);
      if (tail != std::string::npos && rest[tail] != '#') {
        return InvalidArgument(where + ": unexpected text after the value of \"" + key + "\"");
      }
      out[key] = value;
    } else {
      std::string number = rest.substr(v);
      size_t hash = number.find('#');
      if (hash != std::string::npos) number = number.substr(0, hash);
      while (!number.empty() && std::isspace(static_cast<unsigned char>(number.back())))
        number.pop_back();
      if (number.empty() || number.size() > 9 ||
          !std::all_of(number.begin(), number.end(),
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        return InvalidArgument(where + ": the value of \"" + key +
                               "\" must be a quoted string or an integer");
      }
      out[key] = std::stoll(number);
    }
  }
  return out;
}

}  // namespace

Result<PlanOverrides> ReadSettingsFile(const SourceTree& tree, std::string* file_read) {
  file_read->clear();
  bool has_json = tree.IsFile("ink.json");
  bool has_toml = tree.IsFile("ink.toml");
  if (has_json && has_toml) {
    return InvalidArgument("both ink.json and ink.toml are in " + tree.root().string() +
                           "; keep one of them");
  }
  if (has_json) {
    *file_read = "ink.json";
    auto json = ParseJson(tree.Read("ink.json").value_or(""));
    if (!json.ok()) return InvalidArgument("ink.json: " + json.error().message);
    return OverridesFromJson(*json, "ink.json");
  }
  if (has_toml) {
    *file_read = "ink.toml";
    auto json = ParseFlatToml(tree.Read("ink.toml").value_or(""));
    if (!json.ok()) return json.error();
    return OverridesFromJson(*json, "ink.toml");
  }
  return PlanOverrides{};
}

}  // namespace build

Result<PlanOverrides> ParsePlanOverrides(const std::string& json_text) {
  if (json_text.find_first_not_of(" \t\r\n") == std::string::npos) return PlanOverrides{};
  auto json = ParseJson(json_text);
  if (!json.ok()) return InvalidArgument("build settings: " + json.error().message);
  return build::OverridesFromJson(*json, "build settings");
}

Json ToJson(const PlanOverrides& overrides) {
  Json out = Json::object();
  if (overrides.provider) out["provider"] = *overrides.provider;
  if (overrides.install_command) out["install_command"] = *overrides.install_command;
  if (overrides.build_command) out["build_command"] = *overrides.build_command;
  if (overrides.start_command) out["start_command"] = *overrides.start_command;
  if (overrides.port) out["port"] = *overrides.port;
  if (overrides.root_directory) out["root_directory"] = *overrides.root_directory;
  return out;
}

}  // namespace ink
