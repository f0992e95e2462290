// The ink CLI's command table: every command, its arguments, flags and usage text in one place.
//
// A command that calls an operation is generated from the operation catalog (ink/catalog): its
// words and positionals come from the operation's CLI binding, one flag per other input field
// (named after it, typed, ranged and described by the field's schema), and the help text from
// the schema's descriptions; this file adds only what is the CLI's own (a source directory,
// --wait's timeout, reading a file or standard input). The parser (args.h), `--help` output and
// the dispatcher (commands.h) all read this table. Built once; reading it is thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ink/common/json.h"
#include "ink/ops/operation.h"

namespace ink::cli {

// What a flag's value must look like; the parser checks it so usage mistakes exit with code 2
// before anything is sent to inkd.
enum class FlagKind {
  kSwitch,    // no value: --wait
  kString,    // any non-empty text
  kName,      // a resource name (project, service): non-empty, no '/'
  kField,     // an operation's input field: typed and checked by the field's schema
  kEnvPair,   // KEY=VALUE (an object field of string values)
  kDuration,  // 300s, 5m, 1h, 500ms, or plain seconds
};

struct FlagSpec {
  std::string name;        // long form with dashes: "--port"
  std::string short_name;  // "-f" or ""
  FlagKind kind = FlagKind::kString;
  std::string value_name;  // shown in usage: "N", "K=V"
  std::string help;
  bool required = false;
  bool repeatable = false;
  std::string env;            // environment variable used when the flag is absent ("INK_PROJECT")
  std::string default_value;  // used when absent and no env; "" = none
  // Flags sharing a non-empty one_of are alternatives, shown as "[--a A | --b B]" in usage.
  std::string one_of;
  // The operation input field the flag fills ("" = the CLI's own flag). A flag generated from
  // the field (`generated`) is put into the input as parsed; a hand-written one (e.g.
  // --password-stdin for `password`) is turned into the field by its command's handler.
  std::string field;
  bool generated = false;
  Json schema;  // the field's schema (kField, kEnvPair, generated switches)
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
  kProjectsGet,
  kBuildLogs,
  kExec,
  kTemplatesList,
  kTemplatesDeploy,
  kVolumesCreate,
  kVolumesList,
  kVolumesDelete,
  kVolumesUpdate,
  kSnapshotCreate,
  kSnapshotsList,
  kSnapshotRestore,
  kSnapshotDelete,
  kSandboxCreate,
  kSandboxList,
  kSandboxDelete,
  kSandboxTimeout,
  kSandboxExec,
  kSandboxFiles,
  kSandboxCopy,
  kSandboxWrite,
  kSandboxRead,
  kEventsList,
  kMetrics,
  kCost,
  kQuota,
  kQuotaSet,
  kDomainsAdd,
  kDomainsList,
  kDomainsVerify,
  kDomainsRemove,
  kScale,
  kStorageSet,
  kStorageList,
  kStorageDelete,
  kBackupCreate,
  kBackupList,
  kBackupRestore,
};

struct CommandSpec {
  CommandId id;
  std::vector<std::string> path;                  // {"projects", "create"}
  std::vector<std::string> positionals;           // required positional arguments: {"NAME"}
  std::vector<std::string> optional_positionals;  // may follow the required ones
  // The last optional positional may be given any number of times.
  bool variadic = false;
  std::vector<FlagSpec> flags;  // besides the global --json and --help
  std::string summary;          // one line for `ink --help`
  std::string description;      // extra paragraph for `ink <command> --help`
  // The catalog operation the command calls (null: the CLI's own command, e.g. login) and the
  // input field each positional fills, in order (required ones first); a CLI-only positional
  // such as deploy's DIR has none.
  const Operation* operation = nullptr;
  std::vector<std::string> positional_fields;
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
