// list_events: a project's journal (every service's events, or one service's), filtered by
// kind and time and paged by a cursor. The rules are pure, in event_query.h.
#include "src/api/event_query.h"
#include "src/api/log_query.h"
#include "src/api/operations_internal.h"

namespace ink::api_internal {
namespace {

constexpr int kDefaultLimit = 100;

Result<EventFilter> Filter(const Json& in, int64_t now_nanos) {
  EventFilter f;
  f.limit = in.value("limit", kDefaultLimit);
  if (in.contains("kind")) {
    auto kinds = ParseEventKinds(in["kind"].get<std::string>());
    if (!kinds.ok()) return kinds.error();
    f.kinds = *kinds;
  }
  if (in.contains("since")) {
    auto since = ParseSince(in["since"].get<std::string>(), now_nanos);
    if (!since.ok()) return since.error();
    f.since_millis = *since / 1000000;
  }
  if (in.contains("cursor")) {
    auto cursor = DecodeCursor(in["cursor"].get<std::string>(), 'e');
    if (!cursor.ok()) {
      return InvalidArgument("cursor '" + in["cursor"].get<std::string>().substr(0, 64) +
                             "' is not a next_cursor of list_events; leave it out to read the "
                             "newest events");
    }
    f.has_cursor = true;
    f.after_id = cursor->at;
  }
  return f;
}

}  // namespace

void RegisterEventOperations(OperationTable& table, OperationDeps& deps) {
  table.Add(Implement(
      "list_events", {.handler = [&deps](const Caller& c, const Json& in) -> Result<Json> {
        auto filter = Filter(in, deps.clock.NowMillis() * 1'000'000);
        if (!filter.ok()) return filter.error();
        auto project = FindProject(deps, c, in);
        if (!project.ok()) return project.error();
        std::vector<Service> services;
        if (in.contains("service")) {
          auto s = FindService(deps, c, *project, in);
          if (!s.ok()) return s.error();
          services.push_back(*s);
        } else {
          auto list = deps.store.ListServices(c.workspace_id, project->id);
          if (!list.ok()) return list.error();
          services = *list;
        }
        std::vector<Event> all;
        std::map<std::string, std::string> names;
        for (const auto& s : services) {
          names[s.id] = s.name;
          auto events = deps.store.ListEvents(c.workspace_id, s.id, 0);
          if (!events.ok()) return events.error();
          all.insert(all.end(), events->begin(), events->end());
        }
        EventPage page = SelectEvents(std::move(all), *filter);
        Json events = Json::array();
        for (const auto& e : page.events) {
          Json event = EventJson(e);
          event["id"] = e.id;
          event["service"] = names[e.service_id];
          events.push_back(std::move(event));
        }
        return Json{{"project", project->name},
                    {"events", events},
                    {"truncated", page.truncated},
                    {"next_cursor", EncodeCursor('e', LogCursor{.at = page.next_id})}};
      }}));
}

}  // namespace ink::api_internal
