// Command-line parsing for the ink CLI, driven by the command table (command_table.h).
//
// ParseCommandLine turns argv into an Invocation (which command, its positionals and flags) or a
// UsageError whose message names the mistake and whose `usage` holds the usage text to show.
// Flag values are checked against their FlagKind here (a flag of an operation's input field by
// that field's schema), so every usage mistake is caught before a request is sent. Pure functions
// apart from the injected environment lookup; thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "command_table.h"
#include "ink/common/result.h"

namespace ink::cli {

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment.
EnvLookup ProcessEnv();

struct Invocation {
  const CommandSpec* command = nullptr;  // null only when `help` asks for top-level or group help
  std::vector<std::string> positionals;
  std::map<std::string, std::vector<std::string>> flags;  // by long name, after env/defaults
  bool json = false;
  bool help = false;      // --help / -h: print help and exit 0
  std::string help_text;  // what to print when `help`

  // Value of a single-valued flag, or nullopt.
  std::optional<std::string> Get(std::string_view name) const;
  // True if a switch (or any flag) is present.
  bool Has(std::string_view name) const;
  // Every value of a repeatable flag, in command-line order.
  std::vector<std::string> All(std::string_view name) const;
};

struct UsageError {
  std::string message;  // "unknown flag --prot"
  std::string usage;    // usage line(s) to print after the message
};

struct ParseResult {
  std::optional<Invocation> invocation;
  std::optional<UsageError> error;
};

// Parses argv[1..] (`args` excludes the program name).
ParseResult ParseCommandLine(const std::vector<std::string>& args, const EnvLookup& env);

// --- value checks, shared by the parser and tests ---

// Splits "KEY=VALUE" (value may be empty and may contain '='); KEY must be a valid env name.
Result<std::pair<std::string, std::string>> ParseEnvPair(std::string_view value);

// Parses "300s", "5m", "1h", "500ms", "1m30s" or plain seconds ("300").
Result<std::chrono::milliseconds> ParseDuration(std::string_view value);

// Parses a non-negative decimal integer no larger than `max`.
Result<long long> ParseInteger(std::string_view value, long long max);

}  // namespace ink::cli
