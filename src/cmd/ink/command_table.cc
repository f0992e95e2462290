#include "command_table.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "ink/catalog/catalog.h"

namespace ink::cli {
namespace {

const FlagSpec kTimeoutFlag{.name = "--timeout",
                            .kind = FlagKind::kDuration,
                            .value_name = "DURATION",
                            .help = "how long --wait waits (e.g. 300s, 5m)",
                            .default_value = "300s"};

// --wait for a command whose operation has no `wait` field: the CLI follows the deployment.
const FlagSpec kWaitFlag{
    .name = "--wait",
    .kind = FlagKind::kSwitch,
    .help = "wait until the deployment is active or failed (progress on stderr)"};

// --wait for a command whose operation has a `wait` field: the handler follows the deployment
// itself (progress on stderr, --timeout's limit) rather than sending it.
const FlagSpec kWaitField{
    .name = "--wait",
    .kind = FlagKind::kSwitch,
    .help = "wait until the deployment is active or failed (progress on stderr)",
    .field = "wait"};

// What the CLI adds to a command generated from an operation.
struct Extras {
  // The CLI's own flags; one naming a `field` stands for that field (its handler fills it)
  // instead of the flag generated from the field's schema.
  std::vector<FlagSpec> flags;
  std::vector<std::string> optional_positionals;  // the CLI's own (DIR), after the operation's
  std::string description;                        // default: the operation's description
  // The words of one of the operation's CLI shortcuts: that narrower command instead.
  std::vector<std::string> shortcut;
};

std::string Upper(std::string text) {
  for (char& c : text) c = c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return text;
}

// The usage name of a positional field: SERVICE; NAME=VALUE for an object; NAME for "names".
std::string PositionalName(const std::string& field, const Json& schema) {
  std::string type = schema.value("type", "string");
  if (type == "object") return "NAME=VALUE";
  if (type == "array" && field.ends_with('s')) return Upper(field.substr(0, field.size() - 1));
  return Upper(field);
}

// How usage lines show the value of a well-known field (the rest: the field in capitals), and
// the fields that are alternative sources of a deploy or plan.
const std::map<std::string, std::string, std::less<>> kValueNames = {{"project", "P"},
                                                                     {"service", "S"},
                                                                     {"port", "N"},
                                                                     {"replicas", "N"},
                                                                     {"tail", "N"},
                                                                     {"cpu", "C"},
                                                                     {"memory", "M"},
                                                                     {"git", "URL"},
                                                                     {"ref", "REF"},
                                                                     {"path", "DIR"},
                                                                     {"root_directory", "DIR"},
                                                                     {"start_command", "CMD"},
                                                                     {"build_command", "CMD"},
                                                                     {"since", "WHEN"},
                                                                     {"filter", "TEXT"},
                                                                     {"health_check_path", "PATH"},
                                                                     {"username", "U"},
                                                                     {"archive_id", "ID"},
                                                                     {"volumes", "JSON"}};
const std::set<std::string, std::less<>> kSourceFields = {"image", "git", "archive_id"};

// The flag of an input field, from its schema: value type, enum, range, description.
FlagSpec GeneratedFlag(const Operation& op, const std::string& field, const Json& schema,
                       bool required) {
  auto shown = kValueNames.find(field);
  FlagSpec flag{.name = CliFlagName(op, field),
                .kind = FlagKind::kField,
                .value_name = shown != kValueNames.end() ? shown->second : Upper(field),
                .required = required,
                .field = field,
                .generated = true,
                .schema = schema};
  std::string type = schema.value("type", "string");
  std::string help = schema.value("description", "");
  if (help.empty()) {
    help = field;
    for (char& c : help) c = c == '_' ? ' ' : c;
  }
  if (type == "boolean") {
    flag.kind = FlagKind::kSwitch;
  } else if (type == "object") {
    flag.kind = FlagKind::kEnvPair;
    flag.value_name = "K=V";
    flag.repeatable = true;
    help += " (repeat for more)";
  } else if (type == "array" &&
             schema.value("items", Json::object()).value("type", "") == "object") {
    help += " (one JSON list)";
  } else if (type == "array") {
    flag.repeatable = true;
    help += " (repeat for more)";
  }
  if (schema.contains("enum")) {
    std::string names;
    for (const auto& value : schema["enum"]) {
      names += (names.empty() ? "" : "|") + value.get<std::string>();
    }
    flag.value_name = names;
  }
  if ((type == "integer" || type == "number") && schema.contains("minimum") &&
      schema.contains("maximum")) {
    help += " (" + schema["minimum"].dump() + "-" + schema["maximum"].dump() + ")";
  }
  if (field == "project") flag.env = "INK_PROJECT";
  if (kSourceFields.count(field) != 0) flag.one_of = "source";
  flag.help = help;
  return flag;
}

// The command of catalog operation `name`: words, positionals and flags from its CLI binding and
// input schema, plus the CLI's extras.
CommandSpec FromOperation(std::string_view name, CommandId id, Extras extras = {}) {
  const Operation* op = FindDeclared(name);
  if (op == nullptr || op->cli.command.empty()) {
    std::fprintf(stderr, "ink: the catalog has no CLI command for %.*s\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();  // a bug in this table, caught by every test
  }
  CommandSpec spec{.id = id,
                   .path = op->cli.command,
                   .summary = op->cli.summary,
                   .description = extras.description.empty() ? op->description : extras.description,
                   .operation = op};
  const std::vector<std::string>* positionals = &op->cli.positionals;
  const std::vector<std::string>* offered = nullptr;  // null: every field
  if (!extras.shortcut.empty()) {
    auto shortcut =
        std::find_if(op->cli.shortcuts.begin(), op->cli.shortcuts.end(),
                     [&](const CliShortcut& s) { return s.command == extras.shortcut; });
    if (shortcut == op->cli.shortcuts.end()) {
      std::fprintf(stderr, "ink: %.*s has no CLI shortcut %s\n", static_cast<int>(name.size()),
                   name.data(), extras.shortcut.front().c_str());
      std::abort();  // a bug in this table, caught by every test
    }
    spec.path = shortcut->command;
    spec.summary = shortcut->summary;
    positionals = &shortcut->positionals;
    offered = &shortcut->fields;
  }
  const Json& properties = op->input_schema["properties"];
  std::set<std::string> required;
  if (op->input_schema.contains("required")) {
    for (const auto& field : op->input_schema["required"])
      required.insert(field.get<std::string>());
  }
  for (const std::string& field : *positionals) {
    const Json& schema = properties[field];
    std::string shown = PositionalName(field, schema);
    if (required.count(field) != 0 && spec.optional_positionals.empty()) {
      spec.positionals.push_back(shown);
    } else {
      spec.optional_positionals.push_back(shown);
    }
    spec.positional_fields.push_back(field);
    std::string type = schema.value("type", "string");
    spec.variadic = spec.variadic || type == "object" || type == "array";
  }
  for (auto& positional : extras.optional_positionals) {
    spec.optional_positionals.push_back(std::move(positional));
  }
  std::vector<FlagSpec> flags;
  for (const auto& [field, schema] : properties.items()) {
    if (std::find(positionals->begin(), positionals->end(), field) != positionals->end()) {
      continue;
    }
    if (offered != nullptr &&
        std::find(offered->begin(), offered->end(), field) == offered->end()) {
      continue;
    }
    const std::string& name = field;  // clang 14 cannot capture a structured binding
    bool replaced = std::any_of(extras.flags.begin(), extras.flags.end(),
                                [&](const FlagSpec& f) { return f.field == name; });
    if (!replaced) flags.push_back(GeneratedFlag(*op, field, schema, required.count(field) != 0));
  }
  for (auto& flag : extras.flags) {
    if (!flag.field.empty() && properties.contains(flag.field) && flag.help.empty()) {
      flag.help = properties[flag.field].value("description", "");
    }
    flags.push_back(std::move(flag));
  }
  std::stable_partition(flags.begin(), flags.end(), [](const FlagSpec& f) { return f.required; });
  spec.flags = std::move(flags);
  return spec;
}

std::vector<CommandSpec> BuildCommands() {
  std::vector<CommandSpec> c;
  c.push_back({.id = CommandId::kLogin,
               .path = {"login"},
               .flags = {{.name = "--api-url",
                          .value_name = "URL",
                          .help = "inkd's API address, e.g. http://127.0.0.1:7070",
                          .required = true,
                          .env = "INK_API_URL"},
                         {.name = "--token",
                          .value_name = "TOKEN",
                          .help = "API token (ink_...)",
                          .one_of = "token"},
                         {.name = "--token-file",
                          .value_name = "FILE",
                          .help = "read the token from FILE (e.g. inkd's <data dir>/admin-token)",
                          .one_of = "token"},
                         {.name = "--token-stdin",
                          .kind = FlagKind::kSwitch,
                          .help = "read the token from standard input",
                          .one_of = "token"}},
               .summary = "check an API token with inkd and save it in the config file",
               .description =
                   "Give exactly one of --token, --token-file or --token-stdin. The token is "
                   "checked with GET /v1/whoami, then {api_url, token} is written to $INK_CONFIG "
                   "or ~/.config/ink/config.json (mode 0600). The first admin token is in the file "
                   "`admin-token` in inkd's data directory."});
  c.push_back(FromOperation("status", CommandId::kStatus));
  c.push_back({.id = CommandId::kVersion,
               .path = {"version"},
               .summary = "print the version of this ink client"});
  c.push_back(FromOperation("create_project", CommandId::kProjectsCreate));
  c.push_back(FromOperation("list_projects", CommandId::kProjectsList));
  c.push_back(FromOperation("get_project", CommandId::kProjectsGet));
  c.push_back(FromOperation("delete_project", CommandId::kProjectsDelete));
  c.push_back(FromOperation(
      "deploy", CommandId::kDeploy,
      {.flags = {kWaitField,
                 kTimeoutFlag,
                 {.name = "--service",
                  .value_name = "S",
                  .help = "service name (required; with --template, default the template's name)",
                  .field = "service"},
                 {.name = "--template",
                  .value_name = "NAME",
                  .help =
                      "deploy a template instead (postgres, redis, ...: `ink templates list`)"}},
       .optional_positionals = {"DIR"},
       .description =
           "Give one source: DIR (default: the current directory; packed honoring .gitignore and "
           ".inkignore, uploaded, then built), --git URL [--ref REF] [--path DIR], --archive-id "
           "ID, or --image. Sources are built into an image first; `ink plan` shows how, `ink "
           "logs --build DEPLOYMENT` the build log. Prints the deployment id and the service URL. "
           "With --wait, prints progress (build steps too) and exits 1 if the deployment fails, "
           "printing why."}));
  c.push_back(FromOperation("list_templates", CommandId::kTemplatesList));
  c.push_back(FromOperation(
      "deploy_template", CommandId::kTemplatesDeploy,
      {.flags = {kWaitField, kTimeoutFlag},
       .description =
           "Same as `ink deploy --template NAME`. Other services use what it "
           "publishes by reference, e.g. --env DATABASE_URL='${{postgres.DATABASE_URL}}'."}));
  c.push_back(FromOperation("list_services", CommandId::kServicesList));
  c.push_back(FromOperation("get_service", CommandId::kServicesGet));
  c.push_back(FromOperation("delete_service", CommandId::kServicesDelete));
  c.push_back(FromOperation("update_service", CommandId::kServicesUpdate,
                            {.flags = {kWaitFlag, kTimeoutFlag}}));
  c.push_back(FromOperation(
      "update_service", CommandId::kScale,
      {.flags = {kWaitFlag, kTimeoutFlag},
       .description = "The same as `ink services update SERVICE` with only these flags: "
                      "replicas, CPU and memory, rolled out as a new deployment of the same "
                      "release (no rebuild; new replicas take traffic once healthy, old ones "
                      "leave the route before they stop). Workspace quotas apply.",
       .shortcut = {"scale"}}));
  c.push_back(FromOperation("restart_service", CommandId::kServicesRestart,
                            {.flags = {kWaitFlag, kTimeoutFlag}}));
  c.push_back(FromOperation(
      "rollback_service", CommandId::kRollback,
      {.flags = {kWaitFlag, kTimeoutFlag},
       .description = "Without DEPLOYMENT, returns to the one before the current release. "
                      "List candidates with `ink deployments list SERVICE`."}));
  c.push_back(FromOperation(
      "get_git_remote", CommandId::kGitRemote,
      {.description = "User name: ink; password: your API token. The first push creates "
                      "the service."}));
  c.push_back(FromOperation(
      "get_webhook", CommandId::kWebhook,
      {.description = "Configure it in GitHub/Gitea (content type application/json, push "
                      "events): a push to the branch the service tracks redeploys it."}));
  c.push_back(FromOperation("list_deployments", CommandId::kDeploymentsList));
  c.push_back(FromOperation("get_deployment", CommandId::kDeploymentsGet));
  c.push_back(FromOperation(
      "get_logs", CommandId::kLogs,
      {.flags = {{.name = "--build",
                  .value_name = "DEPLOYMENT",
                  .help = "print the build log of a deployment (dep_...) instead",
                  .field = "build"},
                 {.name = "--follow",
                  .short_name = "-f",
                  .kind = FlagKind::kSwitch,
                  .help = "keep streaming new lines until interrupted (Ctrl-C)",
                  .field = "follow"}},
       .description = "Runtime logs of SERVICE (--project P), or with --deployment DEP that "
                      "deployment's build and runtime logs, or with --build DEP its build log."}));
  c.push_back(FromOperation("get_build_logs", CommandId::kBuildLogs));
  c.push_back(FromOperation(
      "exec", CommandId::kExec,
      {.description = "Put `--` before the command so its own flags are not read as ink's:\n"
                      "  ink exec web --project demo -- sh -c 'psql -c \"select 1\"'\n"
                      "Prints the command's stdout and stderr as they are and exits with its "
                      "exit code (124 if it was killed at --timeout; 1 if ink itself failed)."}));
  c.push_back(FromOperation(
      "plan", CommandId::kPlan,
      {.optional_positionals = {"DIR"},
       .description = "Prints the detected stack, commands, port, decisions and warnings; with "
                      "--json, the whole plan and the Containerfile. Give DIR (default: the "
                      "current directory), --git URL, --archive-id ID, or --service S (its last "
                      "source)."}));
  c.push_back(
      FromOperation("set_registry_credential", CommandId::kRegistryLogin,
                    {.flags = {{.name = "--password-stdin",
                                .kind = FlagKind::kSwitch,
                                .help = "read the password from standard input",
                                .required = true,
                                .field = "password"}},
                     .description = "REGISTRY is host[:port], e.g. 127.0.0.1:5000. Example:\n"
                                    "  printf %s \"$PASS\" | ink registry login 127.0.0.1:5000 "
                                    "--username bot --password-stdin"}));
  c.push_back(FromOperation("list_registry_credentials", CommandId::kRegistryList));
  c.push_back(FromOperation("delete_registry_credential", CommandId::kRegistryLogout));
  c.push_back(FromOperation(
      "create_deploy_key", CommandId::kDeployKeyCreate,
      {.description = "Add the public key to a private repository as a read-only deploy "
                      "key, then deploy its ssh URL:\n"
                      "  ink deploy --project P --service S --git git@github.com:org/app.git"
                      "\nInk fetches ssh sources with this key only, never the host's."}));
  c.push_back(FromOperation("get_deploy_key", CommandId::kDeployKeyShow));
  c.push_back(FromOperation("delete_deploy_key", CommandId::kDeployKeyDelete));
  const FlagSpec no_redeploy{
      .name = "--no-redeploy",
      .kind = FlagKind::kSwitch,
      .help = "only store the change; the next deployment picks it up (default: roll out now)",
      .field = "redeploy"};
  c.push_back(
      FromOperation("list_env", CommandId::kEnvList,
                    {.description = "Values are never shown. LIVE says whether the running release "
                                    "has the current value."}));
  c.push_back(FromOperation(
      "set_env", CommandId::kEnvSet,
      {.flags = {{.name = "--file",
                  .value_name = "FILE",
                  .help = "read NAME=value lines from a .env file (- for standard input)",
                  .field = "dotenv"},
                 no_redeploy,
                 kWaitFlag,
                 kTimeoutFlag},
       .description =
           "Secrets: prefer --file, which sends the file's values straight from disk (nothing "
           "on the command line, nothing printed). The file is dotenv: NAME=value, export NAME=, "
           "'literal', \"with \\n escapes\" (both may span lines), # comments; values are kept "
           "byte for byte and never expanded. Values equal to the stored ones are left alone."}));
  c.push_back(FromOperation("unset_env", CommandId::kEnvUnset,
                            {.flags = {no_redeploy, kWaitFlag, kTimeoutFlag}}));
  c.push_back(FromOperation(
      "create_volume", CommandId::kVolumesCreate,
      {.description = "SIZE is e.g. 512Mi or 1Gi (16Mi to 1Ti). Attach the volume to one service "
                      "with `ink services update SERVICE --volumes "
                      "'[{\"volume\":\"NAME\",\"mount_path\":\"/data\"}]'` (or the same "
                      "--volumes on deploy); `--volumes '[]'` detaches."}));
  c.push_back(FromOperation("list_volumes", CommandId::kVolumesList));
  c.push_back(FromOperation("delete_volume", CommandId::kVolumesDelete));
  c.push_back(FromOperation("update_volume", CommandId::kVolumesUpdate));
  c.push_back(FromOperation(
      "snapshot_volume", CommandId::kSnapshotCreate,
      {.description = "Runs the attached service's snapshot hook if it has one (PostgreSQL: "
                      "CHECKPOINT), then freezes the volume's filesystem for the copy: writers "
                      "wait a fraction of a second, readers go on. Kept under inkd's data "
                      "directory, `snapshot_retention` of them per volume (ink volumes update)."}));
  c.push_back(FromOperation("list_snapshots", CommandId::kSnapshotsList));
  c.push_back(FromOperation(
      "restore_volume", CommandId::kSnapshotRestore,
      {.flags = {kWaitFlag, kTimeoutFlag},
       .description = "Copies snapshot SNAPSHOT into a NEW volume NAME; nothing existing is "
                      "overwritten. If the snapshot's volume is attached to a service, the service "
                      "is rolled onto NAME at the same mount path (--wait follows that rollout) "
                      "and the old volume is kept, detached, until `ink volumes delete` removes "
                      "it."}));
  c.push_back(FromOperation("delete_snapshot", CommandId::kSnapshotDelete));
  c.push_back(FromOperation("list_events", CommandId::kEventsList));
  c.push_back(FromOperation("get_cost", CommandId::kCost));
  c.push_back(FromOperation(
      "add_domain", CommandId::kDomainsAdd,
      {.description = "Example: ink domains add api.example.com --service web --project demo\n"
                      "A name one label under the platform zone is served at once; another "
                      "name needs the DNS records the command prints."}));
  c.push_back(FromOperation("list_domains", CommandId::kDomainsList));
  c.push_back(FromOperation(
      "verify_domain", CommandId::kDomainsVerify,
      {.description = "Exits 1 while the domain is not verified, printing what DNS lacks."}));
  c.push_back(FromOperation("remove_domain", CommandId::kDomainsRemove));
  c.push_back(FromOperation("get_workspace_quota", CommandId::kQuota));
  c.push_back(FromOperation(
      "set_workspace_quota", CommandId::kQuotaSet,
      {.description = "Example: ink quota set --cpu 8 --memory 16g --replicas 20 --volume 100g\n"
                      "Only an admin token may change quotas (inkd's DATA/admin-token)."}));
  c.push_back(FromOperation(
      "set_storage", CommandId::kStorageSet,
      {.flags = {{.name = "--secrets-file",
                  .value_name = "FILE",
                  .help = "read the provider's secrets as field=value lines from FILE (- for "
                          "standard input)",
                  .field = "secrets"},
                 {.name = "--no-check",
                  .kind = FlagKind::kSwitch,
                  .help = "save without listing the bucket first",
                  .field = "check"}},
       .description =
           "Secrets come from a dotenv file, never the command line. s3 (AWS or S3-compatible):\n"
           "  printf 'access_key_id=%s\\nsecret_access_key=%s\\n' \"$ID\" \"$KEY\" |\n"
           "    ink storage set offsite --provider s3 --bucket backups --endpoint "
           "https://s3.example.com --path-style --secrets-file -\n"
           "gcs: service_account_json='<the key file's JSON>'; azureblob: key=... with "
           "--account NAME. The bucket must exist: it is listed with the credentials before "
           "anything is saved. Replacing a destination of the same provider without "
           "--secrets-file keeps its secrets."}));
  c.push_back(FromOperation("list_storages", CommandId::kStorageList));
  c.push_back(FromOperation("delete_storage", CommandId::kStorageDelete));
  c.push_back(FromOperation("backup_volume", CommandId::kBackupCreate));
  c.push_back(FromOperation("list_backups", CommandId::kBackupList));
  c.push_back(FromOperation("restore_backup", CommandId::kBackupRestore));
  c.push_back(FromOperation(
      "get_metrics", CommandId::kMetrics,
      {.description = "Draws one sparkline per series over the window (CPU and memory scaled to "
                      "their limits) with now, p95 and max, then the hints. --json prints "
                      "get_metrics' answer (add --series for the points, --replicas for each "
                      "replica)."}));
  c.push_back(FromOperation("create_sandbox", CommandId::kSandboxCreate));
  c.push_back(FromOperation("list_sandboxes", CommandId::kSandboxList));
  c.push_back(FromOperation("delete_sandbox", CommandId::kSandboxDelete));
  c.push_back(FromOperation("set_sandbox_timeout", CommandId::kSandboxTimeout));
  c.push_back(FromOperation("sandbox_exec", CommandId::kSandboxExec));
  c.push_back(FromOperation("sandbox_list_files", CommandId::kSandboxFiles));
  c.push_back(FromOperation(
      "sandbox_write_file", CommandId::kSandboxWrite,
      {.flags = {{.name = "--file",
                  .value_name = "FILE",
                  .help = "send the bytes of local FILE (- for standard input), at most 10 MiB",
                  .field = "content_base64"},
                 {.name = "--no-make-parents",
                  .kind = FlagKind::kSwitch,
                  .help = "fail if the parent directory is missing (default: create it)",
                  .field = "make_parents"}}}));
  c.push_back(FromOperation(
      "sandbox_read_file", CommandId::kSandboxRead,
      {.description = "Prints the file's bytes as they are (with --json: the answer, "
                      "content_base64 or with --encoding text content). At most 10 MiB per "
                      "read: give --offset and --length for a part of a larger file."}));
  c.push_back(
      {.id = CommandId::kSandboxCopy,
       .path = {"sandbox", "cp"},
       .positionals = {"SRC", "DEST"},
       .flags = {{.name = "--mode",
                  .value_name = "MODE",
                  .help = "octal mode of the file in the sandbox (default: the local file's)"}},
       .summary = "copy a file into or out of a sandbox (at most 10 MiB)",
       .description =
           "One side is SANDBOX:PATH, the other a local path or - (standard input/output):\n"
           "  ink sandbox cp ./data.bin sbx_abc:/tmp/data.bin\n"
           "  ink sandbox cp sbx_abc:/tmp/out.txt .\n"
           "A PATH ending in / (or a local directory) keeps the file's name. Either side is "
           "replaced atomically; a file larger than 10 MiB is refused before anything is sent."});
  c.push_back({.id = CommandId::kMcp,
               .path = {"mcp"},
               .summary = "serve MCP on stdin/stdout for an agent (forwards to inkd's /mcp)",
               .description =
                   "For agent configs: {\"command\": \"ink\", \"args\": [\"mcp\"]}. Speaks "
                   "newline-delimited JSON-RPC on stdin/stdout with the credentials saved by "
                   "`ink login` (or INK_API_URL/INK_TOKEN); diagnostics go to stderr. See "
                   "docs/MCP.md."});
  return c;
}

std::string FlagUsage(const FlagSpec& flag) {
  std::string text(flag.short_name.empty() ? flag.name : flag.short_name);
  if (flag.kind != FlagKind::kSwitch) text += " " + std::string(flag.value_name);
  if (flag.repeatable) text += "...";
  return text;
}

}  // namespace

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec> commands = BuildCommands();
  return commands;
}

std::string CommandName(const CommandSpec& command) {
  std::string name;
  for (std::string_view word : command.path) {
    if (!name.empty()) name += ' ';
    name += word;
  }
  return name;
}

std::string UsageLine(const CommandSpec& command) {
  std::string line = "ink " + CommandName(command);
  for (std::string_view positional : command.positionals) line += " " + std::string(positional);
  for (std::string_view optional : command.optional_positionals) {
    line += " [" + std::string(optional) + "]";
  }
  if (command.variadic) line += "...";
  for (const FlagSpec& flag : command.flags) {
    if (flag.required) line += " " + FlagUsage(flag);
  }
  std::vector<std::string_view> groups_done;
  for (const FlagSpec& flag : command.flags) {
    if (flag.required) continue;
    if (flag.one_of.empty()) {
      line += " [" + FlagUsage(flag) + "]";
      continue;
    }
    if (std::find(groups_done.begin(), groups_done.end(), flag.one_of) != groups_done.end()) {
      continue;
    }
    groups_done.push_back(flag.one_of);
    std::string alternatives;
    for (const FlagSpec& other : command.flags) {
      if (other.one_of != flag.one_of) continue;
      alternatives += (alternatives.empty() ? "" : " | ") + FlagUsage(other);
    }
    line += " [" + alternatives + "]";
  }
  line += " [--json]";
  return line;
}

std::string CommandHelp(const CommandSpec& command) {
  std::ostringstream out;
  out << "Usage: " << UsageLine(command) << "\n\n" << command.summary << ".\n";
  if (!command.description.empty()) out << command.description << "\n";
  out << "\nFlags:\n";
  std::vector<std::pair<std::string, std::string>> rows;
  for (const FlagSpec& flag : command.flags) {
    std::string left = std::string(flag.name);
    if (!flag.short_name.empty()) left = std::string(flag.short_name) + ", " + left;
    if (flag.kind != FlagKind::kSwitch) left += " " + std::string(flag.value_name);
    std::string right(flag.help);
    if (flag.required) right += " (required)";
    if (!flag.env.empty()) right += "; default: $" + std::string(flag.env);
    if (!flag.default_value.empty()) right += "; default: " + std::string(flag.default_value);
    rows.emplace_back(left, right);
  }
  rows.emplace_back("--json", "print the API's JSON response instead of a table");
  rows.emplace_back("-h, --help", "show this help");
  size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  for (const auto& row : rows) {
    out << "  " << row.first << std::string(width - row.first.size() + 3, ' ') << row.second
        << "\n";
  }
  return out.str();
}

bool IsGroup(std::string_view word) {
  for (const CommandSpec& command : Commands()) {
    if (command.path.size() > 1 && command.path[0] == word) return true;
  }
  return false;
}

std::string GroupHelp(std::string_view group) {
  std::ostringstream out;
  out << "Usage:\n";
  for (const CommandSpec& command : Commands()) {
    if (command.path.size() > 1 && command.path[0] == group) {
      out << "  " << UsageLine(command) << "\n      " << command.summary << "\n";
    }
  }
  out << "\nRun `ink " << group << " <command> --help` for details.\n";
  return out.str();
}

std::string TopLevelHelp() {
  std::ostringstream out;
  out << "ink: command-line client of inkd, the Ink cloud's API server.\n\nUsage:\n";
  for (const CommandSpec& command : Commands()) {
    out << "  " << UsageLine(command) << "\n      " << command.summary << "\n";
  }
  out << "\nGlobal flags: --json (print the API's JSON), -h/--help (help for any command).\n"
         "\nEnvironment:\n"
         "  INK_CONFIG    config file (default ~/.config/ink/config.json)\n"
         "  INK_API_URL   inkd's API address (overrides the config file)\n"
         "  INK_TOKEN     API token (overrides the config file)\n"
         "  INK_PROJECT   default for --project\n"
         "\nExit codes: 0 success, 1 the API or the operation failed, 2 usage error,\n"
         "3 cannot reach inkd.\n";
  return out.str();
}

}  // namespace ink::cli
