// The ink CLI's command handlers and entry point.
//
// RunCli parses the arguments with the command table, loads the config, calls inkd through an
// ApiTransport and prints tables (or the API's JSON with --json). Everything the program touches
// (streams, environment, transport, clock, sleep) comes in through CliEnv so it can be tested.
// Exit codes: 0 success, 1 API/operation error, 2 usage error, 3 cannot reach inkd.
// One RunCli at a time per CliEnv.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "api.h"
#include "args.h"
#include "ink/common/clock.h"

namespace ink::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;

// The version of this client (`ink version`).
const char* ClientVersion();

struct CliEnv {
  std::ostream& out;  // results (tables or one JSON document)
  std::ostream& err;  // errors, hints and progress
  std::istream& in;   // tokens and passwords for --token-stdin / --password-stdin
  EnvLookup env;
  TransportFactory connect;
  Clock& clock;
  std::function<void(std::chrono::milliseconds)> sleep;  // between --wait polls
  bool in_is_terminal = false;  // `in` is a terminal: ink exec then sends no stdin
};

// Parses `args` (argv without the program name), runs the command and returns the exit code.
int RunCli(const std::vector<std::string>& args, CliEnv& env);

}  // namespace ink::cli
