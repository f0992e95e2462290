// list_events' rules: which of a project's events an answer holds (kinds, since, cursor,
// limit). Pure: the events and the time are passed in; operations_events.cc reads the store.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "ink/common/result.h"
#include "ink/store/model.h"

namespace ink::api_internal {

struct EventFilter {
  std::set<std::string> kinds;  // empty: every kind
  int64_t since_millis = 0;     // only events created at or after this
  int64_t after_id = 0;         // the cursor: only events with a larger id
  bool has_cursor = false;
  int limit = 100;
};

struct EventPage {
  std::vector<Event> events;  // oldest first
  bool truncated = false;     // limit left out matching events
  int64_t next_id = 0;        // the cursor for the next call
};

// Parses list_events' "kind" input: comma-separated kinds of [a-z_], e.g. "crashed,oom_killed".
Result<std::set<std::string>> ParseEventKinds(const std::string& text);

// The events of `all` (several services' lists, in any order) that pass `filter`, oldest first:
// without a cursor the newest `limit` of them, after a cursor the oldest `limit` that follow it.
EventPage SelectEvents(std::vector<Event> all, const EventFilter& filter);

}  // namespace ink::api_internal
