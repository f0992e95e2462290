// git's pkt-line framing and the command list at the start of a push (receive-pack request).
//
// GitRemote runs `git http-backend` for pushes and relays the request body to it; it reads the
// command list ("<old id> <new id> <ref>" per ref, then a flush-pkt) from the first bytes as
// they pass, so it knows exactly which branches this push asked to move (concurrent pushes
// cannot be confused by comparing the branches before and after). Input is untrusted bytes
// from the network: every length is checked, nothing is read past `data`, and the parsers are
// incremental (nullopt = "need more bytes", never an error for a prefix of a valid request).
//
// Pure functions: thread-safe. Fuzzed by src/api/pkt_line_fuzzer.cc.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ink/common/result.h"

namespace ink::git {

enum class PktKind { kData, kFlush, kDelim, kResponseEnd };

struct Pkt {
  PktKind kind = PktKind::kData;
  std::string_view payload;  // data packets only; a view into the input
  size_t size = 0;           // bytes consumed, including the 4-byte length
};

// Largest pkt-line git sends (LARGE_PACKET_MAX): 65520 bytes including the length.
constexpr size_t kMaxPktLine = 65520;

// The pkt-line at the start of `data`; nullopt when `data` holds only part of one.
// InvalidArgument for a length that is not 4 hex digits, 3, or above kMaxPktLine.
Result<std::optional<Pkt>> ReadPktLine(std::string_view data);

struct RefUpdate {
  std::string old_id;  // 40 (SHA-1) or 64 (SHA-256) hex digits; all zeros = create
  std::string new_id;  // all zeros = delete
  std::string ref;     // e.g. refs/heads/main
  bool Deletes() const { return new_id.find_first_not_of('0') == std::string::npos; }
};

struct PushCommands {
  std::vector<RefUpdate> updates;
  std::string capabilities;  // after the NUL of the first command
  size_t consumed = 0;       // bytes up to and including the flush-pkt
};

// The most ref updates one push may carry.
constexpr size_t kMaxRefUpdates = 10000;

// Parses the command list at the start of a receive-pack request body: optional "shallow <id>"
// lines, an optional push certificate ("push-cert\0caps" ... "push-cert-end"), the commands,
// then a flush-pkt. nullopt: more bytes are needed. InvalidArgument for anything malformed
// (bad ids, ref names with control characters or spaces, no command, too many updates).
Result<std::optional<PushCommands>> ParsePushCommands(std::string_view body);

}  // namespace ink::git
