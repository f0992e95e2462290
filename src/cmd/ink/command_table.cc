#include "command_table.h"

#include <algorithm>
#include <sstream>

namespace ink::cli {
namespace {

const FlagSpec kWaitFlag{
    .name = "--wait",
    .kind = FlagKind::kSwitch,
    .help = "wait until the deployment is active or failed (progress on stderr)"};
const FlagSpec kTimeoutFlag{.name = "--timeout",
                            .kind = FlagKind::kDuration,
                            .value_name = "DURATION",
                            .help = "how long --wait waits (e.g. 300s, 5m)",
                            .default_value = "300s"};

const FlagSpec kProjectFlag{.name = "--project",
                            .kind = FlagKind::kName,
                            .value_name = "P",
                            .help = "project name",
                            .required = true,
                            .env = "INK_PROJECT"};

// Where deploy and plan take code from besides an image (the API's git/ref/path fields) and the
// build plan overrides.
const std::vector<FlagSpec> kSourceFlags = {
    {.name = "--git",
     .value_name = "URL",
     .help = "build from a git repository (https://, ssh://, git@host:path or file://)",
     .one_of = "source"},
    {.name = "--ref", .value_name = "REF", .help = "git branch, tag or commit (with --git)"},
    {.name = "--path",
     .value_name = "DIR",
     .help = "subdirectory of the repository to build (with --git)"},
    {.name = "--start-command", .value_name = "CMD", .help = "override the detected start command"},
    {.name = "--build-command", .value_name = "CMD", .help = "override the detected build step"},
    {.name = "--root-directory",
     .value_name = "DIR",
     .help = "the app's directory inside the source (monorepos)"},
};

std::vector<FlagSpec> WithSourceFlags(std::vector<FlagSpec> flags) {
  flags.insert(flags.begin() + 1, kSourceFlags.begin(), kSourceFlags.end());
  return flags;
}

// ink env list/set/unset: service variables (list_env, set_env, unset_env).
void AddEnvCommands(std::vector<CommandSpec>& c) {
  const FlagSpec no_redeploy{
      .name = "--no-redeploy",
      .kind = FlagKind::kSwitch,
      .help = "only store the change; the next deployment picks it up (default: roll out now)"};
  c.push_back({.id = CommandId::kEnvList,
               .path = {"env", "list"},
               .positionals = {"SERVICE"},
               .flags = {kProjectFlag},
               .summary = "list a service's environment variables (names, masked values)",
               .description = "Values are never shown. LIVE says whether the running release "
                              "has the current value."});
  c.push_back(
      {.id = CommandId::kEnvSet,
       .path = {"env", "set"},
       .positionals = {"SERVICE"},
       .optional_positionals = {"NAME=VALUE"},
       .variadic = true,
       .flags = {kProjectFlag,
                 {.name = "--file",
                  .value_name = "FILE",
                  .help = "read NAME=value lines from a .env file (- for standard input)"},
                 no_redeploy,
                 kWaitFlag,
                 kTimeoutFlag},
       .summary = "set environment variables (stored encrypted) and roll out the service",
       .description =
           "Secrets: prefer --file, which sends the file's values straight from disk (nothing "
           "on the command line, nothing printed). The file is dotenv: NAME=value, export NAME=, "
           "'literal', \"with \\n escapes\" (both may span lines), # comments; values are kept "
           "byte for byte and never expanded. Values equal to the stored ones are left alone."});
  c.push_back({.id = CommandId::kEnvUnset,
               .path = {"env", "unset"},
               .positionals = {"SERVICE", "NAME"},
               .optional_positionals = {"NAME"},
               .variadic = true,
               .flags = {kProjectFlag, no_redeploy, kWaitFlag, kTimeoutFlag},
               .summary = "remove environment variables and roll out the service"});
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
  c.push_back({.id = CommandId::kStatus,
               .path = {"status"},
               .summary = "show inkd's version, runtime and edge health, and object counts"});
  c.push_back({.id = CommandId::kVersion,
               .path = {"version"},
               .summary = "print the version of this ink client"});
  c.push_back({.id = CommandId::kProjectsCreate,
               .path = {"projects", "create"},
               .positionals = {"NAME"},
               .summary = "create a project"});
  c.push_back(
      {.id = CommandId::kProjectsList, .path = {"projects", "list"}, .summary = "list projects"});
  c.push_back({.id = CommandId::kProjectsDelete,
               .path = {"projects", "delete"},
               .positionals = {"NAME"},
               .summary = "delete a project and all of its services"});
  c.push_back(
      {.id = CommandId::kDeploy,
       .path = {"deploy"},
       .optional_positionals = {"DIR"},
       .flags = WithSourceFlags(
           {{.name = "--image",
             .value_name = "IMAGE",
             .help = "image reference, e.g. 127.0.0.1:5000/team/app:1",
             .one_of = "source"},
            kProjectFlag,
            {.name = "--service",
             .kind = FlagKind::kName,
             .value_name = "S",
             .help = "service name (created on first deploy)",
             .required = true},
            {.name = "--port",
             .kind = FlagKind::kPort,
             .value_name = "N",
             .help = "container port the service listens on"},
            {.name = "--env",
             .kind = FlagKind::kEnvPair,
             .value_name = "K=V",
             .help = "environment variable (repeat for more)",
             .repeatable = true},
            {.name = "--cpu",
             .kind = FlagKind::kCpu,
             .value_name = "C",
             .help = "CPU cores, e.g. 0.5"},
            {.name = "--memory",
             .kind = FlagKind::kMemory,
             .value_name = "M",
             .help = "memory limit: bytes, 256m, 1g, 512Mi"},
            {.name = "--replicas", .kind = FlagKind::kCount, .value_name = "N", .help = "replicas"},
            {.name = "--runtime",
             .kind = FlagKind::kRuntime,
             .value_name = "gvisor|runc",
             .help = "runtime class (server default: gvisor)"},
            {.name = "--wait",
             .kind = FlagKind::kSwitch,
             .help = "wait until the deployment is active or failed (progress on stderr)"},
            {.name = "--timeout",
             .kind = FlagKind::kDuration,
             .value_name = "DURATION",
             .help = "how long --wait waits (e.g. 300s, 5m)",
             .default_value = "300s"}}),
       .summary = "deploy a directory, a git repository or an image as a service of a project",
       .description =
           "Give one source: DIR (default: the current directory; packed honoring .gitignore and "
           ".inkignore, uploaded, then built), --git URL [--ref REF] [--path DIR], or --image. "
           "Sources are built into an image first; `ink plan` shows how, `ink logs --build "
           "DEPLOYMENT` the build log. Prints the deployment id and the service URL. With "
           "--wait, prints progress (build steps too) and exits 1 if the deployment fails, "
           "printing why."});
  c.push_back({.id = CommandId::kServicesList,
               .path = {"services", "list"},
               .flags = {kProjectFlag},
               .summary = "list the services of a project"});
  c.push_back({.id = CommandId::kServicesGet,
               .path = {"services", "get"},
               .positionals = {"SERVICE"},
               .flags = {kProjectFlag},
               .summary = "show a service with its replicas and recent events"});
  c.push_back({.id = CommandId::kServicesDelete,
               .path = {"services", "delete"},
               .positionals = {"SERVICE"},
               .flags = {kProjectFlag},
               .summary = "delete a service and its containers"});
  c.push_back(
      {.id = CommandId::kServicesUpdate,
       .path = {"services", "update"},
       .positionals = {"SERVICE"},
       .flags =
           {kProjectFlag,
            {.name = "--port", .kind = FlagKind::kPort, .value_name = "N", .help = "port"},
            {.name = "--replicas", .kind = FlagKind::kCount, .value_name = "N", .help = "replicas"},
            {.name = "--cpu",
             .kind = FlagKind::kCpu,
             .value_name = "C",
             .help = "CPU cores, e.g. 0.5"},
            {.name = "--memory",
             .value_name = "M",
             .help = "memory limit: 256m, 1g, 512Mi, or 0 for none"},
            {.name = "--runtime",
             .kind = FlagKind::kRuntime,
             .value_name = "gvisor|runc",
             .help = "runtime class"},
            {.name = "--health-path",
             .value_name = "PATH",
             .help = "HTTP path that must answer below 500 before traffic switches"},
            kWaitFlag,
            kTimeoutFlag},
       .summary = "change a service's settings and roll them out (no rebuild)"});
  c.push_back({.id = CommandId::kServicesRestart,
               .path = {"services", "restart"},
               .positionals = {"SERVICE"},
               .flags = {kProjectFlag, kWaitFlag, kTimeoutFlag},
               .summary = "roll out the current release again (new containers, zero downtime)"});
  c.push_back({.id = CommandId::kRollback,
               .path = {"rollback"},
               .positionals = {"SERVICE"},
               .optional_positionals = {"DEPLOYMENT"},
               .flags = {kProjectFlag, kWaitFlag, kTimeoutFlag},
               .summary = "return a service to an earlier successful deployment, without a rebuild",
               .description = "Without DEPLOYMENT, returns to the one before the current release. "
                              "List candidates with `ink deployments list SERVICE`."});
  c.push_back({.id = CommandId::kGitRemote,
               .path = {"git-remote"},
               .positionals = {"SERVICE"},
               .flags = {kProjectFlag},
               .summary = "print the git remote that deploys SERVICE on `git push`",
               .description = "User name: ink; password: your API token. The first push creates "
                              "the service."});
  c.push_back({.id = CommandId::kWebhook,
               .path = {"webhook"},
               .positionals = {"SERVICE"},
               .flags = {kProjectFlag},
               .summary = "print the push webhook URL and secret of a service deployed from git",
               .description = "Configure it in GitHub/Gitea (content type application/json, push "
                              "events): a push to the branch the service tracks redeploys it."});
  c.push_back({.id = CommandId::kDeploymentsList,
               .path = {"deployments", "list"},
               .positionals = {"SERVICE"},
               .flags = {kProjectFlag},
               .summary = "list the deployments of a service"});
  c.push_back({.id = CommandId::kDeploymentsGet,
               .path = {"deployments", "get"},
               .positionals = {"DEPLOYMENT"},
               .summary = "show one deployment"});
  FlagSpec project_unless_build = kProjectFlag;
  project_unless_build.required = false;  // --build DEPLOYMENT needs no project
  project_unless_build.help = "project name (not with --build)";
  c.push_back({.id = CommandId::kLogs,
               .path = {"logs"},
               .optional_positionals = {"SERVICE"},
               .flags = {project_unless_build,
                         {.name = "--build",
                          .value_name = "DEPLOYMENT",
                          .help = "print the build log of a deployment (dep_...) instead"},
                         {.name = "--tail",
                          .kind = FlagKind::kCount,
                          .value_name = "N",
                          .help = "number of recent lines (server default 100, max 10000)"},
                         {.name = "--since",
                          .value_name = "WHEN",
                          .help = "only lines newer than this: 30s, 10m, 2h, 1d or an RFC 3339 "
                                  "time"},
                         {.name = "--filter",
                          .value_name = "TEXT",
                          .help = "only lines containing TEXT (case-sensitive)"},
                         {.name = "--follow",
                          .short_name = "-f",
                          .kind = FlagKind::kSwitch,
                          .help = "keep streaming new lines until interrupted (Ctrl-C)"}},
               .summary = "print a service's logs as `[replica] text`, or a build log"});
  c.push_back(
      {.id = CommandId::kPlan,
       .path = {"plan"},
       .optional_positionals = {"DIR"},
       .flags = WithSourceFlags({kProjectFlag,
                                 {.name = "--service",
                                  .kind = FlagKind::kName,
                                  .value_name = "S",
                                  .help = "plan this service's last source (no DIR or --git)"},
                                 {.name = "--port",
                                  .kind = FlagKind::kPort,
                                  .value_name = "N",
                                  .help = "the port the app should listen on"}}),
       .summary = "show how Ink would build a directory or repository, without building it",
       .description = "Prints the detected stack, commands, port, decisions and warnings; with "
                      "--json, the whole plan and the Containerfile."});
  c.push_back({.id = CommandId::kRegistryLogin,
               .path = {"registry", "login"},
               .positionals = {"REGISTRY"},
               .flags = {{.name = "--username",
                          .value_name = "U",
                          .help = "registry user name",
                          .required = true},
                         {.name = "--password-stdin",
                          .kind = FlagKind::kSwitch,
                          .help = "read the password from standard input",
                          .required = true}},
               .summary = "store credentials inkd uses to pull from a private registry",
               .description = "REGISTRY is host[:port], e.g. 127.0.0.1:5000. Example:\n"
                              "  printf %s \"$PASS\" | ink registry login 127.0.0.1:5000 "
                              "--username bot --password-stdin"});
  c.push_back({.id = CommandId::kRegistryList,
               .path = {"registry", "list"},
               .summary = "list stored registry credentials (never passwords)"});
  c.push_back({.id = CommandId::kRegistryLogout,
               .path = {"registry", "logout"},
               .positionals = {"REGISTRY"},
               .summary = "delete the stored credentials of a registry"});
  c.push_back({.id = CommandId::kDeployKeyCreate,
               .path = {"deploy-key", "create"},
               .flags = {{.name = "--replace",
                          .kind = FlagKind::kSwitch,
                          .help = "replace the existing key (the old one stops working)"}},
               .summary = "create the workspace's ssh deploy key and print its public key",
               .description =
                   "Add the public key to a private repository as a read-only deploy "
                   "key, then deploy its ssh URL:\n"
                   "  ink deploy --project P --service S --git git@github.com:org/app.git"
                   "\nInk fetches ssh sources with this key only, never the host's."});
  c.push_back({.id = CommandId::kDeployKeyShow,
               .path = {"deploy-key", "show"},
               .summary = "print the workspace's ssh deploy key (public key, fingerprint)"});
  c.push_back({.id = CommandId::kDeployKeyDelete,
               .path = {"deploy-key", "delete"},
               .summary = "delete the workspace's ssh deploy key"});
  AddEnvCommands(c);
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
