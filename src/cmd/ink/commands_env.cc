// ink env list/set/unset: a service's environment variables, over list_env/set_env/unset_env.
//
// `ink env set --file .env` reads and parses the file here and sends the values straight to
// inkd, so an agent can set secrets by running one command without ever reading them. Nothing
// this file prints contains a value: errors name the file, the line and the variable.
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>

#include "ink/common/env_vars.h"
#include "output.h"
#include "session.h"

namespace ink::cli {

// Reads FILE ("-" = standard input) whole, bytes as they are.
Result<std::string> ReadInput(Session& s, const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(s.env().in), {});
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return InvalidArgument("cannot read " + path + ": no such file or not readable");
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return InvalidArgument("cannot read " + path);
  return text.str();
}

namespace {

// After a set/unset: the deploy-style report when it rolled out, else a short note.
int Report(Session& s, Json& response, const std::string& verb) {
  const std::string service = s.invocation().positionals.at(0);
  const std::string project = *s.invocation().Get("--project");
  Json names = Member(response, verb);
  const bool shared = service == "shared";
  const std::string target =
      shared ? "the shared variables of project " + project : "service " + service;
  if (!s.json()) {
    std::string list = Field(response, verb);
    if (names.is_array() && names.empty()) {
      s.out() << "No change: every value given is already set on " << target << ".\n";
    } else {
      s.out() << (verb == "set" ? "Set " : "Unset ") << list << " on " << target << ".\n";
    }
    Json redeployed = Member(response, "redeployed_referencing");
    if (redeployed.is_array() && !redeployed.empty()) {
      std::string list;
      for (const Json& r : redeployed) list += (list.empty() ? "" : ", ") + Field(r, "service");
      s.out() << "Rolling out the services whose variables reference them: " << list << ".\n";
    } else if (Member(response, "referencing").is_array() &&
               !Member(response, "referencing").empty()) {
      s.out() << "Referenced by: " << Field(response, "referencing")
              << " (not rolled out: their next deployment resolves the new values).\n";
    }
  }
  if (shared) {
    if (s.json()) s.PrintJson(response);
    return kExitOk;
  }
  if (Member(response, "redeployed") == Json(true)) {
    return ReportDeployment(s, response, service, project);
  }
  if (!s.json() && !(names.is_array() && names.empty())) {
    s.out() << "Not rolled out: the next deployment of " << service
            << " uses them (or run `ink services restart " << service << " --project " << project
            << "`).\n";
  }
  if (s.json()) s.PrintJson(response);
  return kExitOk;
}

}  // namespace

int RunEnvList(Session& s) {
  auto response = s.Answer();
  if (!response) return s.exit_code();
  std::vector<std::vector<std::string>> rows;
  Json variables = Member(*response, "variables");
  if (variables.is_array()) {
    for (const Json& v : variables) {
      std::string live = Member(v, "live").is_null()       ? "-"  // shared: no release
                         : Member(v, "live") == Json(true) ? "yes"
                                                           : "no (not rolled out)";
      rows.push_back({Field(v, "name"), Field(v, "masked_value"), Field(v, "length"), live,
                      FormatAge(Member(v, "updated_at"), s.NowMillis())});
    }
  }
  if (rows.empty()) {
    s.out() << "No variables. Set some with: ink env set " << s.invocation().positionals.at(0)
            << " --project " << *s.invocation().Get("--project") << " --file .env\n";
  } else {
    s.out() << FormatTable({"NAME", "VALUE", "BYTES", "LIVE", "UPDATED"}, rows);
  }
  std::string removed = Field(*response, "unset_but_live");
  if (removed != "-") {
    s.out() << "Unset but still in the running release: " << removed << "\n";
  }
  return kExitOk;
}

int RunEnvSet(Session& s) {
  const Invocation& inv = s.invocation();
  std::map<std::string, std::string> variables;
  std::map<std::string, std::string> origin;  // name → where it was given (for duplicates)
  if (auto path = inv.Get("--file")) {
    auto text = ReadInput(s, *path);
    if (!text.ok()) return s.UsageFail(text.error().message);
    auto entries = ParseDotenv(*text);
    if (!entries.ok()) return s.UsageFail(*path + ": " + entries.error().message);
    for (auto& e : *entries) {
      origin[e.name] = *path + " line " + std::to_string(e.line);
      variables[e.name] = std::move(e.value);
    }
    if (entries->empty() && inv.positionals.size() == 1) {
      return s.UsageFail(*path + " has no NAME=value lines");
    }
  }
  for (size_t i = 1; i < inv.positionals.size(); ++i) {
    const std::string& arg = inv.positionals[i];
    size_t eq = arg.find('=');
    if (eq == std::string::npos) {
      // Never echo it: it may be a secret typed without its NAME=.
      return s.UsageFail("argument " + std::to_string(i + 1) +
                         " is not NAME=VALUE; to set secrets without putting them on the "
                         "command line, use --file");
    }
    std::string name = arg.substr(0, eq);
    if (Status valid = ValidateVariableName(name); !valid.ok()) {
      return s.UsageFail(valid.error().message);
    }
    if (origin.count(name)) {
      return s.UsageFail(name + " is given twice (" + origin[name] +
                         " and the command line); give it once");
    }
    std::string value = arg.substr(eq + 1);
    if (Status valid = ValidateVariableValue(name, value); !valid.ok()) {
      return s.UsageFail(valid.error().message);
    }
    origin[name] = "the command line";
    variables[name] = std::move(value);
  }
  if (variables.empty()) {
    return s.UsageFail("nothing to set: give NAME=VALUE arguments or --file FILE");
  }
  Json body = s.Input();  // project and service; the variables are checked above, never echoed
  body["variables"] = Json::object();
  for (auto& [name, value] : variables) body["variables"][name] = std::move(value);
  if (inv.Has("--no-redeploy")) body["redeploy"] = false;
  if (!s.Connect()) return s.exit_code();
  auto response = s.CallOperation(body);
  if (!response) return s.exit_code();
  return Report(s, *response, "set");
}

int RunEnvUnset(Session& s) {
  const Invocation& inv = s.invocation();
  Json names = Json::array();
  for (size_t i = 1; i < inv.positionals.size(); ++i) {
    if (Status valid = ValidateVariableName(inv.positionals[i]); !valid.ok()) {
      return s.UsageFail(valid.error().message);
    }
    names.push_back(inv.positionals[i]);
  }
  Json body = s.Input();
  body["names"] = names;
  if (inv.Has("--no-redeploy")) body["redeploy"] = false;
  if (!s.Connect()) return s.exit_code();
  auto response = s.CallOperation(body);
  if (!response) return s.exit_code();
  return Report(s, *response, "unset");
}

}  // namespace ink::cli
