// The ink CLI's command table: every command, its arguments, flags and usage text in one place.
//
// The parser (args.h), `--help` output and the dispatcher (commands.h) all read this table, so a
// command's usage line and its flags cannot drift apart. The table is a constant built once;
// reading it is thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ink::cli {

// What a flag's value must look like; the parser checks it so usage mistakes exit with code 2
// before anything is sent to inkd.
enum class FlagKind {
  kSwitch,    // no value: --wait
  kString,    // any non-empty text
  kName,      // a resource name (project, service): non-empty, no '/'
  kPort,      // 1-65535
  kCount,     // integer >= 0 (replicas, tail)
  kCpu,       // positive decimal cores: 0.5, 2
  kMemory,    // bytes or a number with a unit: 256m, 1g, 512Mi
  kEnvPair,   // KEY=VALUE
  kRuntime,   // gvisor | runc
  kDuration,  // 300s, 5m, 1h, 500ms, or plain seconds
};

struct FlagSpec {
  std::string_view name;        // long form with dashes: "--port"
  std::string_view short_name;  // "-f" or ""
  FlagKind kind = FlagKind::kString;
  std::string_view value_name;  // shown in usage: "N", "K=V"
  std::string_view help;
  bool required = false;
  bool repeatable = false;
  std::string_view env;  // environment variable used when the flag is absent ("INK_PROJECT")
  std::string_view default_value;  // used when absent and no env; "" = none
  // Flags sharing a non-empty one_of are alternatives, shown as "[--a A | --b B]" in usage.
  std::string_view one_of;
};

// Identifies the handler that runs a command (see commands.cc).
enum class CommandId {
  kLogin,
  kStatus,
  kVersion,
  kProjectsCreate,
  kProjectsList,
  kProjectsDelete,
  kDeploy,
  kServicesUpdate,
  kServicesRestart,
  kRollback,
  kGitRemote,
  kWebhook,
  kServicesList,
  kServicesGet,
  kServicesDelete,
  kDeploymentsList,
  kDeploymentsGet,
  kLogs,
  kRegistryLogin,
  kRegistryList,
  kRegistryLogout,
  kDeployKeyCreate,
  kDeployKeyShow,
  kDeployKeyDelete,
  kEnvList,
  kEnvSet,
  kEnvUnset,
  kMcp,
  kPlan,
};

struct CommandSpec {
  CommandId id;
  std::vector<std::string_view> path;         // {"projects", "create"}
  std::vector<std::string_view> positionals;  // required positional arguments: {"NAME"}
  std::vector<std::string_view> optional_positionals;  // may follow the required ones
  // The last optional positional may be given any number of times.
  bool variadic = false;
  std::vector<FlagSpec> flags;                // besides the global --json and --help
  std::string_view summary;                   // one line for `ink --help`
  std::string_view description;               // extra paragraph for `ink <command> --help`
};

// Every command, in the order `ink --help` lists them.
const std::vector<CommandSpec>& Commands();

// The command's path joined by spaces: "projects create".
std::string CommandName(const CommandSpec& command);

// One usage line built from the spec: "ink logs SERVICE --project P [--tail N] [-f]".
std::string UsageLine(const CommandSpec& command);

// Full help for one command: usage, description, flags (with env fallbacks and defaults).
std::string CommandHelp(const CommandSpec& command);

// Help for a group such as "projects": its subcommands' usage lines.
std::string GroupHelp(std::string_view group);

// `ink --help`: every command's usage line and summary, global flags, environment, exit codes.
std::string TopLevelHelp();

// True if `word` is the first word of a multi-word command ("projects", "registry").
bool IsGroup(std::string_view word);

}  // namespace ink::cli
