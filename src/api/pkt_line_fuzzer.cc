// libFuzzer target: arbitrary bytes as the start of a `git push` request body (receive-pack
// pkt-lines). The parser must never read past the input, must report consumed bytes within it,
// and must be incremental: any prefix of an input it accepts only asks for more bytes, and the
// accepted prefix alone parses to the same commands.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "src/api/pkt_line.h"

namespace {

[[noreturn]] void Broken(const char* what) {
  std::fprintf(stderr, "pkt-line invariant broken: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A copy of exactly `size` bytes, so ASan catches any read past the end.
  std::string copy(reinterpret_cast<const char*>(data), size);
  std::string_view body(copy);

  for (size_t offset = 0; offset < body.size();) {
    auto pkt = ink::git::ReadPktLine(body.substr(offset));
    if (!pkt.ok() || !pkt->has_value()) break;
    if ((*pkt)->size == 0 || (*pkt)->size > body.size() - offset) Broken("pkt size out of range");
    offset += (*pkt)->size;
  }

  auto parsed = ink::git::ParsePushCommands(body);
  if (!parsed.ok() || !parsed->has_value()) return 0;
  const auto& commands = **parsed;
  if (commands.consumed == 0 || commands.consumed > body.size()) Broken("consumed out of range");
  if (commands.updates.empty()) Broken("accepted a push without commands");
  for (const auto& u : commands.updates) {
    if (u.ref.rfind("refs/", 0) != 0) Broken("accepted a ref outside refs/");
    if (u.old_id.size() != u.new_id.size()) Broken("ids of different lengths");
  }
  auto exact = ink::git::ParsePushCommands(body.substr(0, commands.consumed));
  if (!exact.ok() || !exact->has_value() || (*exact)->updates.size() != commands.updates.size()) {
    Broken("the accepted prefix alone parses differently");
  }
  for (size_t cut : {commands.consumed - 1, commands.consumed / 2}) {
    auto prefix = ink::git::ParsePushCommands(body.substr(0, cut));
    if (!prefix.ok()) Broken("a prefix of an accepted push is an error");
    if (prefix->has_value()) Broken("a prefix of an accepted push is complete");
  }
  return 0;
}
