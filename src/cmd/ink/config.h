// The ink CLI's config: where inkd is and which token to use.
//
// Stored as JSON {"api_url": "...", "token": "..."} in $INK_CONFIG or ~/.config/ink/config.json,
// written with mode 0600 inside a 0700 directory because it holds a secret. INK_API_URL and
// INK_TOKEN in the environment override the file. Functions touch only the given paths;
// thread-compatible.
#pragma once

#include <string>

#include "args.h"
#include "ink/common/result.h"

namespace ink::cli {

struct Config {
  std::string api_url;  // "http://127.0.0.1:8080" (no trailing slash)
  std::string token;    // "ink_..."
};

// The config file's path: $INK_CONFIG, else $HOME/.config/ink/config.json. Error if neither
// INK_CONFIG nor HOME is set.
Result<std::string> ConfigPath(const EnvLookup& env);

// Reads the config file (if any) and applies INK_API_URL / INK_TOKEN. Errors say how to log in
// when neither the file nor the environment give both values, or what is wrong with the file.
Result<Config> LoadConfig(const EnvLookup& env);

// Reads and parses one config file. NotFound if it does not exist.
Result<Config> ReadConfigFile(const std::string& path);

// Writes `config` to `path` atomically (temp file + rename) with mode 0600, creating missing
// parent directories with mode 0700.
Status WriteConfigFile(const std::string& path, const Config& config);

// Trims trailing '/' from an API URL and checks it starts with http:// or unix://.
Result<std::string> NormalizeApiUrl(std::string url);

// Message printed when no usable config exists: how to log in and where the admin token is.
std::string LoginHint();

}  // namespace ink::cli
