// Server-sent event streams of the MCP HTTP endpoint: events with per-stream ids, their wire
// format and the ids clients send back in Last-Event-ID (not a public interface).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>

namespace ink::mcp::internal {

struct Event {
  uint64_t seq;      // 1, 2, ... within its stream
  std::string data;  // one JSON-RPC message; "" for the priming event
};

// One SSE stream of a session: a POST's (a request's notifications and response) or the
// session's standalone GET stream. Guarded by its session's mutex.
struct Stream {
  int number = 0;
  std::deque<Event> events;  // the newest ones, bounded (the replay buffer)
  uint64_t next_seq = 1;
  bool done = false;      // no more events will come
  bool attached = false;  // a connection is writing it out
  uint64_t writer = 0;    // which connection: a resuming client takes over from a dead one
  bool standalone = false;
};

// "id: 3-7\ndata: {...}\n\n"; the priming event (empty data) also sets the client's retry delay.
std::string FormatEvent(int stream, const Event& event);

// "3-7" → {3, 7}; nullopt if malformed.
std::optional<std::pair<int, uint64_t>> ParseEventId(const std::string& id);

}  // namespace ink::mcp::internal
