// ink: the command-line client of inkd's REST API (see docs/API.md and README.md here).
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <thread>

#include "commands.h"

int main(int argc, char** argv) {
  // A closed pipe (`ink logs -f | head`) should end the program quietly, as for other tools; with
  // SIGPIPE ignored the write fails and the stream stops.
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  ink::cli::CliEnv env{
      .out = std::cout,
      .err = std::cerr,
      .in = std::cin,
      .env = ink::cli::ProcessEnv(),
      .connect = ink::cli::NewHttpTransport,
      .clock = ink::SystemClock(),
      .sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); },
      .in_is_terminal = ::isatty(STDIN_FILENO) == 1,
  };
  int code = ink::cli::RunCli(args, env);
  std::cout.flush();
  return code;
}
