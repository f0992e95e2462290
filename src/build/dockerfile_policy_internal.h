// Helpers shared by dockerfile_policy.cc and dockerfile_images.cc. Internal to ink_build.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ink/common/result.h"

namespace ink::build {

// Expands ARG references in a FROM word as buildah does for the ARGs declared before the first
// FROM ($NAME, ${NAME}, ${NAME:-default}, ${NAME:+word}; quotes removed). Anything it cannot
// tell (an undeclared ARG, other ${...} forms) is an InvalidArgument naming `line`.
Result<std::string> ExpandArgs(const std::string& word,
                               const std::vector<std::pair<std::string, std::string>>& args,
                               int line);

}  // namespace ink::build
