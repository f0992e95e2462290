#include "args.h"

#include <gtest/gtest.h>

#include <map>

#include "operation_input.h"

namespace ink::cli {
namespace {

EnvLookup MapEnv(std::map<std::string, std::string> values) {
  return [values](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

ParseResult Parse(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  return ParseCommandLine(args, MapEnv(std::move(env)));
}

Invocation MustParse(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  ParseResult result = Parse(std::move(args), std::move(env));
  EXPECT_FALSE(result.error) << result.error->message;
  return result.invocation.value_or(Invocation{});
}

std::string ErrorOf(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  ParseResult result = Parse(std::move(args), std::move(env));
  EXPECT_TRUE(result.error) << "expected a usage error";
  return result.error ? result.error->message : "";
}

TEST(ParseCommandLine, DeployWithEveryFlag) {
  Invocation inv = MustParse({"deploy",
                              "--image",
                              "127.0.0.1:5000/a/b:1",
                              "--project=demo",
                              "--service",
                              "web",
                              "--port",
                              "8080",
                              "--env",
                              "A=1",
                              "--env",
                              "B=x=y",
                              "--cpu",
                              "0.5",
                              "--memory",
                              "512Mi",
                              "--replicas",
                              "2",
                              "--runtime",
                              "runc",
                              "--wait",
                              "--timeout",
                              "5m",
                              "--json"});
  ASSERT_NE(inv.command, nullptr);
  EXPECT_EQ(inv.command->id, CommandId::kDeploy);
  EXPECT_EQ(inv.Get("--image"), "127.0.0.1:5000/a/b:1");
  EXPECT_EQ(inv.Get("--project"), "demo");
  EXPECT_EQ(inv.Get("--port"), "8080");
  EXPECT_EQ(inv.All("--env"), (std::vector<std::string>{"A=1", "B=x=y"}));
  EXPECT_EQ(inv.Get("--memory"), "512Mi");
  EXPECT_EQ(inv.Get("--runtime"), "runc");
  EXPECT_TRUE(inv.Has("--wait"));
  EXPECT_EQ(inv.Get("--timeout"), "5m");
  EXPECT_TRUE(inv.json);
}

TEST(ParseCommandLine, DefaultsAndProjectFromEnvironment) {
  Invocation inv =
      MustParse({"deploy", "--image", "img", "--service", "web"}, {{"INK_PROJECT", "fromenv"}});
  EXPECT_EQ(inv.Get("--project"), "fromenv");
  EXPECT_EQ(inv.Get("--timeout"), "300s");
  EXPECT_FALSE(inv.Has("--wait"));
  EXPECT_FALSE(inv.Has("--port"));
  EXPECT_FALSE(inv.json);
  // The flag beats the environment.
  Invocation explicit_project =
      MustParse({"services", "list", "--project", "p1"}, {{"INK_PROJECT", "p2"}});
  EXPECT_EQ(explicit_project.Get("--project"), "p1");
}

TEST(ParseCommandLine, MissingRequiredFlagNamesItAndTheEnvironmentVariable) {
  std::string message = ErrorOf({"deploy", "--image", "img", "--service", "web"});
  EXPECT_NE(message.find("missing --project P (or set INK_PROJECT)"), std::string::npos) << message;
  ParseResult result = Parse({"services", "list"});
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->usage, "usage: ink services list --project P [--json]");
}

TEST(ParseCommandLine, GroupsPositionalsAndShortFlags) {
  Invocation logs = MustParse({"logs", "web", "-f", "--project", "demo", "--tail", "20"});
  EXPECT_EQ(logs.command->id, CommandId::kLogs);
  EXPECT_EQ(logs.positionals, std::vector<std::string>{"web"});
  EXPECT_TRUE(logs.Has("--follow"));
  EXPECT_EQ(logs.Get("--tail"), "20");

  Invocation create = MustParse({"--json", "projects", "create", "demo"});
  EXPECT_EQ(create.command->id, CommandId::kProjectsCreate);
  EXPECT_TRUE(create.json);
  EXPECT_EQ(create.positionals, std::vector<std::string>{"demo"});

  // A group that is also a command: `ink quota` alone or with flags, `ink quota set` its own.
  EXPECT_EQ(MustParse({"quota"}).command->id, CommandId::kQuota);
  EXPECT_EQ(MustParse({"quota", "--workspace", "default"}).command->id, CommandId::kQuota);
  Invocation set = MustParse({"quota", "set", "--cpu", "4"});
  EXPECT_EQ(set.command->id, CommandId::kQuotaSet);
  EXPECT_EQ(set.Get("--cpu"), "4");
  EXPECT_EQ(ErrorOf({"quota", "sett"}), "unexpected argument 'sett' for `ink quota`");

  // After "--" a dash-leading word is a positional.
  Invocation odd = MustParse({"deployments", "get", "--", "-weird"});
  EXPECT_EQ(odd.positionals, std::vector<std::string>{"-weird"});
}

TEST(ParseCommandLine, UsageMistakes) {
  EXPECT_EQ(ErrorOf({"deploy", "--prot", "80"}), "unknown flag --prot for `ink deploy`");
  EXPECT_EQ(ErrorOf({"logs", "web", "--project"}), "flag --project needs a value (P)");
  EXPECT_EQ(ErrorOf({"frobnicate"}), "unknown command 'frobnicate'");
  EXPECT_EQ(ErrorOf({"projects", "rename", "x"}), "unknown command `ink projects rename`");
  EXPECT_EQ(ErrorOf({"projects"}), "missing subcommand for `ink projects`");
  EXPECT_EQ(ErrorOf({"projects", "create"}), "missing NAME for `ink projects create`");
  EXPECT_EQ(ErrorOf({"projects", "list", "extra"}),
            "unexpected argument 'extra' for `ink projects list`");
  EXPECT_EQ(ErrorOf({"deploy", "--wait=yes"}), "flag --wait takes no value");
  EXPECT_EQ(ErrorOf({"deploy", "--image", "a", "--image", "b"}),
            "flag --image is given more than once");
  EXPECT_EQ(ErrorOf({}), "missing command");
  EXPECT_EQ(ErrorOf({"--bogus", "status"}), "unknown flag --bogus before the command");
}

TEST(ParseCommandLine, BadFlagValuesAreUsageErrors) {
  std::vector<std::string> base = {"deploy", "--image", "i", "--project", "p", "--service", "s"};
  auto with = [&](std::string flag, std::string value) {
    std::vector<std::string> args = base;
    args.push_back(flag);
    args.push_back(value);
    return ErrorOf(args);
  };
  EXPECT_NE(with("--port", "70000").find("1-65535"), std::string::npos);
  EXPECT_NE(with("--port", "0").find("1-65535"), std::string::npos);
  // The operation's schema decides, in the words inkd uses for the same mistake.
  EXPECT_EQ(with("--runtime", "kata"),
            "invalid value for --runtime: runtime_class must be one of [\"gvisor\",\"runc\"]");
  EXPECT_EQ(with("--cpu", "-1"),
            "invalid value for --cpu: cpu -1 is out of range: it must be in range 0-64");
  EXPECT_EQ(with("--cpu", "0.005"),
            "invalid value for --cpu: cpu 0.005 must be a multiple of 0.01");
  EXPECT_EQ(with("--replicas", "two"),
            "invalid value for --replicas: replicas must be an integer, got string");
  EXPECT_NE(with("--env", "NOVALUE").find("KEY=VALUE"), std::string::npos);
  EXPECT_NE(with("--timeout", "soon").find("duration"), std::string::npos);
  // Memory sizes are inkd's to judge (its limit is a flag of inkd): sent as typed.
  base.insert(base.end(), {"--memory", "lots"});
  EXPECT_TRUE(Parse(base).invocation);
  std::string from_env = ErrorOf({"services", "list"}, {{"INK_PROJECT", std::string(65, 'x')}});
  EXPECT_NE(from_env.find("$INK_PROJECT"), std::string::npos) << from_env;
}

TEST(ParseCommandLine, HelpEverywhere) {
  ParseResult top = Parse({"--help"});
  ASSERT_TRUE(top.invocation);
  EXPECT_TRUE(top.invocation->help);
  EXPECT_NE(top.invocation->help_text.find("ink deploy [DIR] --project P"), std::string::npos);

  // --help wins over otherwise-invalid arguments.
  ParseResult deploy = Parse({"deploy", "--port", "nope", "--help"});
  ASSERT_TRUE(deploy.invocation);
  EXPECT_NE(deploy.invocation->help_text.find("Usage: ink deploy"), std::string::npos);
  EXPECT_NE(deploy.invocation->help_text.find("$INK_PROJECT"), std::string::npos);

  ParseResult group = Parse({"registry", "-h"});
  ASSERT_TRUE(group.invocation);
  EXPECT_NE(group.invocation->help_text.find("ink registry logout REGISTRY"), std::string::npos);

  ParseResult help_word = Parse({"help", "logs"});
  ASSERT_TRUE(help_word.invocation);
  EXPECT_NE(help_word.invocation->help_text.find("Usage: ink logs [SERVICE]"), std::string::npos);

  ParseResult version = Parse({"--version"});
  ASSERT_TRUE(version.invocation);
  EXPECT_EQ(version.invocation->command->id, CommandId::kVersion);
}

TEST(CommandTable, UsageLinesMatchTheContract) {
  std::map<std::string, std::string> usage;
  for (const CommandSpec& command : Commands()) usage[CommandName(command)] = UsageLine(command);
  EXPECT_EQ(usage["deploy"],
            "ink deploy [DIR] --project P [--archive-id ID | --git URL | --image "
            "IMAGE] [--build-command CMD] [--cpu C] [--env K=V...] [--health-path PATH] "
            "[--memory M] [--path DIR] [--port N] [--ref REF] [--replicas N] "
            "[--root-directory DIR] [--runtime gvisor|runc] [--start-command CMD] [--volumes JSON] "
            "[--wait] [--timeout DURATION] [--service S] [--template NAME] [--json]");
  EXPECT_EQ(usage["logs"],
            "ink logs [SERVICE] [--cursor CURSOR] [--deployment DEPLOYMENT] [--filter TEXT] "
            "[--project P] [--regex REGEX] [--since WHEN] [--tail N] [--until UNTIL] "
            "[--build DEPLOYMENT] [-f] [--json]");
  EXPECT_EQ(usage["registry login"],
            "ink registry login REGISTRY --username U --password-stdin [--json]");
  EXPECT_EQ(usage["login"],
            "ink login --api-url URL [--token TOKEN | --token-file FILE | --token-stdin] [--json]");
  EXPECT_EQ(usage["rollback"],
            "ink rollback SERVICE [DEPLOYMENT] --project P [--wait] [--timeout DURATION] [--json]");
}

TEST(CommandTable, OptionalPositionalIsOptionalButBounded) {
  EXPECT_TRUE(Parse({"rollback", "web", "--project", "demo"}).invocation);
  ParseResult with = Parse({"rollback", "web", "dep_abc", "--project", "demo"});
  ASSERT_TRUE(with.invocation);
  EXPECT_EQ(with.invocation->positionals.at(1), "dep_abc");
  EXPECT_FALSE(Parse({"rollback", "web", "dep_abc", "extra", "--project", "demo"}).invocation);
}

TEST(FieldValue, TypesAndChecksByTheFieldsSchema) {
  const Json port = {{"type", "integer"}, {"minimum", 1}, {"maximum", 65535}};
  EXPECT_EQ(*FieldValue(port, "port", "8080"), 8080);
  auto high = FieldValue(port, "port", "70000");
  ASSERT_FALSE(high.ok());
  EXPECT_EQ(high.error().message, "port 70000 is out of range: it must be in range 1-65535");
  auto word = FieldValue(port, "port", "eighty");
  ASSERT_FALSE(word.ok());
  EXPECT_EQ(word.error().message, "port must be an integer, got string");
  const Json cpu = {{"type", "number"}, {"minimum", 0.01}, {"maximum", 64}};
  EXPECT_DOUBLE_EQ(FieldValue(cpu, "cpu", "0.5")->get<double>(), 0.5);
  EXPECT_FALSE(FieldValue(cpu, "cpu", "0").ok());
  EXPECT_FALSE(FieldValue(cpu, "cpu", "0x10").ok());
  const Json runtime = {{"type", "string"}, {"enum", {"gvisor", "runc"}}};
  EXPECT_FALSE(FieldValue(runtime, "runtime_class", "docker").ok());
  // Memory is the server's to judge (its limit is inkd's --max-memory): sent as typed.
  const Json memory = {{"type", "string"}, {"maxLength", 32}};
  EXPECT_EQ(*FieldValue(memory, "memory", "1t"), "1t");
}

TEST(ParseEnvPair, SplitsAtTheFirstEquals) {
  auto pair = ParseEnvPair("URL=http://x/?a=b");
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->first, "URL");
  EXPECT_EQ(pair->second, "http://x/?a=b");
  auto empty = ParseEnvPair("EMPTY=");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->second, "");
  EXPECT_FALSE(ParseEnvPair("=x").ok());
  EXPECT_FALSE(ParseEnvPair("1A=x").ok());
  EXPECT_FALSE(ParseEnvPair("A-B=x").ok());
  EXPECT_FALSE(ParseEnvPair("A").ok());
}

TEST(ParseDuration, UnitsAndPlainSeconds) {
  using std::chrono::milliseconds;
  EXPECT_EQ(*ParseDuration("300s"), milliseconds(300000));
  EXPECT_EQ(*ParseDuration("300"), milliseconds(300000));
  EXPECT_EQ(*ParseDuration("5m"), milliseconds(300000));
  EXPECT_EQ(*ParseDuration("1h30m"), milliseconds(5400000));
  EXPECT_EQ(*ParseDuration("500ms"), milliseconds(500));
  for (const char* bad : {"", "0", "0s", "s", "5x", "-5s", "1.5s", "5m3"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

TEST(ParseInteger, Ranges) {
  EXPECT_EQ(*ParseInteger("42", 100), 42);
  EXPECT_FALSE(ParseInteger("101", 100).ok());
  EXPECT_FALSE(ParseInteger("-1", 100).ok());
  EXPECT_FALSE(ParseInteger("99999999999999999999", 100).ok());
}

}  // namespace
}  // namespace ink::cli
