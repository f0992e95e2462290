// Every input field of every operation can be given from each skin: REST (a path parameter, or
// the query of a GET route, or the JSON body), MCP (a property of the tool's inputSchema, where
// the operation is an MCP tool) and the ink CLI (a positional or a flag of its command). The
// skins are generated from the catalog, so this fails when a binding leaves a field out.
#include <gtest/gtest.h>

#include <algorithm>

#include "command_table.h"
#include "ink/catalog/catalog.h"
#include "ink/mcp/dispatcher.h"

namespace ink::cli {
namespace {

const CommandSpec* CommandOf(const Operation& op) {
  for (const CommandSpec& command : Commands()) {
    if (command.operation == &op) return &command;
  }
  return nullptr;
}

bool OnCli(const CommandSpec& command, const std::string& field) {
  const auto& positionals = command.positional_fields;
  return std::find(positionals.begin(), positionals.end(), field) != positionals.end() ||
         std::any_of(command.flags.begin(), command.flags.end(),
                     [&](const FlagSpec& flag) { return flag.field == field; });
}

TEST(Reachability, EveryInputFieldOfEveryOperationFromRestMcpAndTheCli) {
  int fields = 0;
  for (const Operation& op : OperationCatalog()) {
    const Json& properties = op.input_schema["properties"];
    if (properties.empty()) continue;
    ASSERT_FALSE(op.rest.empty()) << op.name << " takes input but has no REST route";
    const CommandSpec* command = CommandOf(op);
    ASSERT_NE(command, nullptr) << op.name << " takes input but has no CLI command";
    Json tool = op.mcp ? mcp::ToolDefinition(op) : Json();
    for (const auto& [field, schema] : properties.items()) {
      ++fields;
      for (const RestBinding& route : op.rest) {
        auto in_path = PathParameters(route.path);
        ASSERT_TRUE(in_path.ok());
        bool path = std::find(in_path->begin(), in_path->end(), field) != in_path->end();
        std::string type = schema.value("type", "string");
        // A query carries scalars only; a body carries anything.
        EXPECT_TRUE(path || route.method != "GET" || (type != "object" && type != "array"))
            << op.name << "." << field << " cannot be sent in the query of GET " << route.path;
      }
      if (op.mcp) {
        EXPECT_TRUE(tool["inputSchema"]["properties"].contains(field))
            << op.name << "." << field << " is missing from the MCP tool";
      }
      EXPECT_TRUE(OnCli(*command, field))
          << op.name << "." << field << " has no flag or positional in `ink "
          << CommandName(*command) << "`";
    }
  }
  EXPECT_GT(fields, 80);
}

// The must-show: `ink deploy --help` lists every input of deploy.
TEST(Reachability, DeployHelpListsEveryInputOfDeploy) {
  const CommandSpec* deploy = CommandOf(*FindDeclared("deploy"));
  ASSERT_NE(deploy, nullptr);
  std::string help = CommandHelp(*deploy);
  for (const auto& [field, schema] : FindDeclared("deploy")->input_schema["properties"].items()) {
    std::string flag = CliFlagName(*FindDeclared("deploy"), field);
    if (field == "wait") flag = "--wait";
    EXPECT_NE(help.find(flag), std::string::npos) << field << " (" << flag << ") in:\n" << help;
  }
  EXPECT_NE(help.find("--health-path"), std::string::npos);
}

}  // namespace
}  // namespace ink::cli
