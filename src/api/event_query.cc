#include "src/api/event_query.h"

#include <algorithm>

namespace ink::api_internal {

Result<std::set<std::string>> ParseEventKinds(const std::string& text) {
  std::set<std::string> kinds;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string kind = text.substr(start, end - start);
    bool valid = !kind.empty() && kind.size() <= 40 &&
                 std::all_of(kind.begin(), kind.end(),
                             [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
    if (!valid) {
      return InvalidArgument("kind '" + text.substr(0, 64) +
                             "' must be event kinds of a-z and '_' separated by commas, e.g. "
                             "\"crashed,oom_killed\" or \"deploy_failed\"");
    }
    kinds.insert(kind);
    start = end + 1;
  }
  return kinds;
}

EventPage SelectEvents(std::vector<Event> all, const EventFilter& filter) {
  std::sort(all.begin(), all.end(), [](const Event& a, const Event& b) { return a.id < b.id; });
  int64_t newest = filter.after_id;
  for (const auto& e : all) newest = std::max(newest, e.id);
  std::vector<Event> kept;
  for (auto& e : all) {
    if (filter.has_cursor && e.id <= filter.after_id) continue;
    if (e.created_at < filter.since_millis) continue;
    if (!filter.kinds.empty() && !filter.kinds.count(e.kind)) continue;
    kept.push_back(std::move(e));
  }
  EventPage page;
  size_t limit = static_cast<size_t>(std::max(filter.limit, 1));
  page.truncated = kept.size() > limit;
  if (page.truncated) {
    if (filter.has_cursor) {
      kept.resize(limit);  // the oldest that follow the cursor: page on from the last
    } else {
      kept.erase(kept.begin(), kept.end() - static_cast<std::ptrdiff_t>(limit));
    }
  }
  // Past every event read, unless a page after the cursor was cut: then on from its last.
  page.next_id = page.truncated && filter.has_cursor ? kept.back().id : newest;
  page.events = std::move(kept);
  return page;
}

}  // namespace ink::api_internal
