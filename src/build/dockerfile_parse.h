// ParseDockerfile: splits a Dockerfile into instructions exactly as the builder Ink runs
// (podman 4.3 → buildah 1.28 → openshift/imagebuilder's parser) does, so that the policy checked
// on the result (dockerfile_policy.h) is about the same text buildah will execute.
//
// What is reproduced, from imagebuilder's parser.go and split_command.go: the byte-order mark,
// the `# escape=` directive (only before anything else), comment lines, line continuation with
// the escape character (trailing blanks allowed), comment and empty lines inside a continued
// instruction, the command word (case-insensitive), and the leading `--flag` words with
// buildah's quote and backslash handling (quotes removed, a backslash takes the next byte
// literally). Arguments are kept as text. Internal to ink_build; pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ink/common/result.h"

namespace ink::build {

struct DockerfileInstruction {
  std::string command;             // lower case: "from", "run", "copy", ...
  std::vector<std::string> flags;  // leading "--name=value" words, quotes removed
  std::string args;                // the rest of the logical line, trimmed
  int first_line = 0;              // 1-based physical lines the instruction spans
  int last_line = 0;
};

struct ParsedDockerfile {
  std::vector<DockerfileInstruction> instructions;
  char escape = '\\';
  std::vector<std::string> physical_lines;  // the input split at '\n' ('\r' before it dropped)
};

// An error only for what buildah refuses too (an escape directive naming another character).
Result<ParsedDockerfile> ParseDockerfile(std::string_view text);

// The `--flag` words at the start of `rest` and what follows them (buildah's
// extractBuilderFlags): "--a=b --c x y" → {"--a=b", "--c"}, "x y".
void SplitBuilderFlags(std::string_view rest, std::vector<std::string>& flags,
                       std::string& remainder);

// A JSON array of strings ("exec form"); nullopt-like false when `text` is not one.
bool ParseJsonStringArray(const std::string& text, std::vector<std::string>& out);

}  // namespace ink::build
