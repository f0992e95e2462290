#include "args.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "operation_input.h"

namespace ink::cli {
namespace {

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

Status CheckValue(const FlagSpec& flag, std::string_view value) {
  switch (flag.kind) {
    case FlagKind::kSwitch:
      return Status();
    case FlagKind::kString:
      if (value.empty()) return InvalidArgument("the value is empty");
      return Status();
    case FlagKind::kName:
      if (value.empty()) return InvalidArgument("the name is empty");
      if (value.front() == '-') {
        return InvalidArgument("'" + std::string(value) + "' looks like a flag, not a name");
      }
      return Status();
    case FlagKind::kField: {  // the field's own schema: the server's words for the same mistake
      bool each = flag.schema.value("type", "") == "array";
      if (each && FieldValue(flag.schema, flag.field, value).ok()) return Status();  // JSON list
      const Json& schema = each ? flag.schema["items"] : flag.schema;
      auto typed = FieldValue(schema, flag.field, value);
      return typed.ok() ? Status() : Status(typed.error());
    }
    case FlagKind::kEnvPair: {
      auto pair = ParseEnvPair(value);
      return pair.ok() ? Status() : Status(pair.error());
    }
    case FlagKind::kDuration: {
      auto duration = ParseDuration(value);
      return duration.ok() ? Status() : Status(duration.error());
    }
  }
  return Status();
}

const CommandSpec* FindCommand(const std::vector<std::string_view>& path) {
  for (const CommandSpec& command : Commands()) {
    if (std::equal(command.path.begin(), command.path.end(), path.begin(), path.end())) {
      return &command;
    }
  }
  return nullptr;
}

const FlagSpec* FindFlag(const CommandSpec& command, std::string_view name) {
  for (const FlagSpec& flag : command.flags) {
    if (flag.name == name || (!flag.short_name.empty() && flag.short_name == name)) return &flag;
  }
  return nullptr;
}

ParseResult Fail(std::string message, std::string usage) {
  ParseResult result;
  result.error = UsageError{std::move(message), std::move(usage)};
  return result;
}

ParseResult Help(Invocation invocation, std::string text) {
  invocation.help = true;
  invocation.help_text = std::move(text);
  ParseResult result;
  result.invocation = std::move(invocation);
  return result;
}

bool IsHelpFlag(std::string_view arg) { return arg == "--help" || arg == "-h"; }

bool IsFlagLike(std::string_view arg) { return arg.size() > 1 && arg.front() == '-'; }

// Parses the arguments after the command's path.
ParseResult ParseCommandArgs(Invocation invocation, const std::vector<std::string>& args,
                             size_t start, const EnvLookup& env) {
  const CommandSpec& command = *invocation.command;
  const std::string usage = "usage: " + UsageLine(command);
  const std::string where = " for `ink " + CommandName(command) + "`";
  for (size_t i = start; i < args.size() && args[i] != "--"; ++i) {
    if (IsHelpFlag(args[i])) return Help(std::move(invocation), CommandHelp(command));
  }
  bool flags_done = false;
  for (size_t i = start; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!flags_done && arg == "--") {
      flags_done = true;
      continue;
    }
    if (flags_done || !IsFlagLike(arg)) {
      invocation.positionals.push_back(arg);
      continue;
    }
    if (arg == "--json") {
      invocation.json = true;
      continue;
    }
    std::string name = arg;
    std::optional<std::string> inline_value;
    if (arg.starts_with("--")) {
      size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        name = arg.substr(0, eq);
        inline_value = arg.substr(eq + 1);
      }
    }
    const FlagSpec* flag = FindFlag(command, name);
    if (flag == nullptr) return Fail("unknown flag " + name + where, usage);
    std::string value;
    if (flag->kind == FlagKind::kSwitch) {
      if (inline_value) return Fail("flag " + name + " takes no value", usage);
      value = "true";
    } else if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Fail("flag " + name + " needs a value (" + std::string(flag->value_name) + ")", usage);
    }
    std::vector<std::string>& values = invocation.flags[std::string(flag->name)];
    if (!values.empty() && !flag->repeatable) {
      return Fail("flag " + std::string(flag->name) + " is given more than once", usage);
    }
    Status valid = CheckValue(*flag, value);
    if (!valid.ok()) {
      return Fail("invalid value for " + std::string(flag->name) + ": " + valid.error().message,
                  usage);
    }
    values.push_back(std::move(value));
  }
  if (invocation.positionals.size() < command.positionals.size()) {
    return Fail(
        "missing " + std::string(command.positionals[invocation.positionals.size()]) + where,
        usage);
  }
  const size_t most = command.positionals.size() + command.optional_positionals.size();
  if (!command.variadic && invocation.positionals.size() > most) {
    return Fail("unexpected argument '" + invocation.positionals[most] + "'" + where, usage);
  }
  for (const FlagSpec& flag : command.flags) {
    std::vector<std::string>& values = invocation.flags[std::string(flag.name)];
    if (values.empty() && !flag.env.empty()) {
      std::optional<std::string> from_env = env(flag.env);
      if (from_env && !from_env->empty()) {
        Status valid = CheckValue(flag, *from_env);
        if (!valid.ok()) {
          return Fail("invalid value in $" + std::string(flag.env) + " (used for " +
                          std::string(flag.name) + "): " + valid.error().message,
                      usage);
        }
        values.push_back(*from_env);
      }
    }
    if (values.empty() && !flag.default_value.empty()) {
      values.emplace_back(flag.default_value);
    }
    if (values.empty() && flag.required) {
      std::string message = "missing " + std::string(flag.name);
      if (flag.kind != FlagKind::kSwitch) message += " " + std::string(flag.value_name);
      if (!flag.env.empty()) message += " (or set " + std::string(flag.env) + ")";
      return Fail(message + where, usage);
    }
    if (values.empty()) invocation.flags.erase(std::string(flag.name));
  }
  ParseResult result;
  result.invocation = std::move(invocation);
  return result;
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::optional<std::string> Invocation::Get(std::string_view name) const {
  auto it = flags.find(std::string(name));
  if (it == flags.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

bool Invocation::Has(std::string_view name) const { return Get(name).has_value(); }

std::vector<std::string> Invocation::All(std::string_view name) const {
  auto it = flags.find(std::string(name));
  return it == flags.end() ? std::vector<std::string>{} : it->second;
}

ParseResult ParseCommandLine(const std::vector<std::string>& args, const EnvLookup& env) {
  Invocation invocation;
  const std::string top_usage = "run `ink --help` to see every command";
  size_t i = 0;
  for (; i < args.size() && IsFlagLike(args[i]); ++i) {
    if (args[i] == "--json") {
      invocation.json = true;
    } else if (IsHelpFlag(args[i])) {
      invocation.help = true;
    } else if (args[i] == "--version") {
      invocation.command = FindCommand({"version"});
      return ParseCommandArgs(std::move(invocation), args, i + 1, env);
    } else {
      return Fail("unknown flag " + args[i] + " before the command", top_usage);
    }
  }
  if (i == args.size()) {
    if (invocation.help) return Help(std::move(invocation), TopLevelHelp());
    return Fail("missing command", TopLevelHelp());
  }
  std::string_view word = args[i];
  if (word == "help") {  // `ink help [command...]` is `ink [command...] --help`
    std::vector<std::string> rest(args.begin() + static_cast<long>(i) + 1, args.end());
    if (rest.empty()) return Help(std::move(invocation), TopLevelHelp());
    rest.push_back("--help");
    return ParseCommandLine(rest, env);
  }
  std::vector<std::string_view> path{word};
  // A group may also be a command of its own (`ink quota` beside `ink quota set`): the word
  // alone, or followed by flags or a word that is not one of its subcommands, is that command.
  const auto* alone = IsGroup(word) ? FindCommand(path) : nullptr;
  bool sub_named = IsGroup(word) && i + 1 < args.size() && !IsFlagLike(args[i + 1]) &&
                   FindCommand({word, args[i + 1]}) != nullptr;
  if (alone != nullptr && !sub_named) {
    invocation.command = alone;
    i += 1;
  } else if (IsGroup(word)) {
    const std::string group_usage = GroupHelp(word);
    bool has_sub = i + 1 < args.size() && !IsFlagLike(args[i + 1]);
    if (!has_sub) {
      bool wants_help = invocation.help;
      for (size_t j = i + 1; j < args.size(); ++j) wants_help |= IsHelpFlag(args[j]);
      if (wants_help) return Help(std::move(invocation), group_usage);
      return Fail("missing subcommand for `ink " + std::string(word) + "`", group_usage);
    }
    path.push_back(args[i + 1]);
    invocation.command = FindCommand(path);
    if (invocation.command == nullptr) {
      return Fail("unknown command `ink " + std::string(word) + " " + args[i + 1] + "`",
                  group_usage);
    }
    i += 2;
  } else {
    invocation.command = FindCommand(path);
    if (invocation.command == nullptr) {
      return Fail("unknown command '" + std::string(word) + "'", top_usage);
    }
    i += 1;
  }
  if (invocation.help) return Help(std::move(invocation), CommandHelp(*invocation.command));
  return ParseCommandArgs(std::move(invocation), args, i, env);
}

Result<std::pair<std::string, std::string>> ParseEnvPair(std::string_view value) {
  size_t eq = value.find('=');
  if (eq == std::string_view::npos) {
    return InvalidArgument("'" + std::string(value) + "' is not KEY=VALUE");
  }
  std::string_view key = value.substr(0, eq);
  bool valid = !key.empty() && !std::isdigit(static_cast<unsigned char>(key[0]));
  for (char c : key) valid &= std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  if (!valid) {
    return InvalidArgument("'" + std::string(key) +
                           "' is not an environment variable name (letters, digits, _; not "
                           "starting with a digit)");
  }
  return std::make_pair(std::string(key), std::string(value.substr(eq + 1)));
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view value) {
  const std::string hint =
      "duration '" + std::string(value) + "' is not valid; use e.g. 300s, 5m, 1h30m, 500ms";
  if (IsDigits(value)) {
    auto seconds = ParseInteger(value, 365LL * 24 * 3600);
    if (!seconds.ok() || *seconds == 0) return InvalidArgument(hint);
    return std::chrono::milliseconds(*seconds * 1000);
  }
  long long total = 0;
  std::string_view rest = value;
  if (rest.empty()) return InvalidArgument(hint);
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) {
      ++digits;
    }
    if (digits == 0 || digits > 9) return InvalidArgument(hint);
    long long amount = std::atoll(std::string(rest.substr(0, digits)).c_str());
    rest.remove_prefix(digits);
    long long scale = 0;
    if (rest.starts_with("ms")) {
      scale = 1, rest.remove_prefix(2);
    } else if (rest.starts_with("s")) {
      scale = 1000, rest.remove_prefix(1);
    } else if (rest.starts_with("m")) {
      scale = 60 * 1000, rest.remove_prefix(1);
    } else if (rest.starts_with("h")) {
      scale = 3600 * 1000, rest.remove_prefix(1);
    } else {
      return InvalidArgument(hint);
    }
    total += amount * scale;
  }
  if (total <= 0) return InvalidArgument(hint);
  return std::chrono::milliseconds(total);
}

Result<long long> ParseInteger(std::string_view value, long long max) {
  if (!IsDigits(value) || value.size() > 18) {
    return InvalidArgument("'" + std::string(value) + "' is not a whole number");
  }
  long long number = std::atoll(std::string(value).c_str());
  if (number > max) {
    return InvalidArgument(std::string(value) + " is larger than " + std::to_string(max));
  }
  return number;
}

}  // namespace ink::cli
