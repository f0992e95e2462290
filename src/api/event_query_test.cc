#include "src/api/event_query.h"

#include <gtest/gtest.h>

namespace ink::api_internal {
namespace {

Event E(int64_t id, const std::string& service, const std::string& kind, int64_t at) {
  Event e;
  e.id = id;
  e.service_id = service;
  e.kind = kind;
  e.created_at = at;
  return e;
}

std::vector<int64_t> Ids(const EventPage& page) {
  std::vector<int64_t> out;
  for (const auto& e : page.events) out.push_back(e.id);
  return out;
}

std::vector<Event> Journal() {
  // Two services' lists, as the store returns them (each oldest first), interleaved by id.
  return {E(1, "a", "redeploy", 100),  E(3, "a", "deployed", 300), E(4, "a", "crashed", 400),
          E(6, "a", "restarted", 600), E(2, "b", "redeploy", 200), E(5, "b", "oom_killed", 500)};
}

TEST(EventQueryTest, MergesServicesByIdAndKeepsTheNewestLimit) {
  auto page = SelectEvents(Journal(), {.limit = 4});
  EXPECT_EQ(Ids(page), (std::vector<int64_t>{3, 4, 5, 6}));
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(page.next_id, 6);
  EXPECT_FALSE(SelectEvents(Journal(), {.limit = 6}).truncated);
}

TEST(EventQueryTest, KindsAndSince) {
  auto page = SelectEvents(Journal(), {.kinds = {"crashed", "oom_killed"}});
  EXPECT_EQ(Ids(page), (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(page.next_id, 6);  // past every event read, so the next call gets only newer ones
  EXPECT_EQ(Ids(SelectEvents(Journal(), {.since_millis = 450})), (std::vector<int64_t>{5, 6}));
  EXPECT_TRUE(SelectEvents(Journal(), {.kinds = {"scaled"}}).events.empty());
}

TEST(EventQueryTest, CursorPagesForwardWithoutGapsOrRepeats) {
  std::vector<int64_t> seen;
  EventFilter f{.has_cursor = true, .limit = 4};
  f.after_id = 0;
  for (int pages = 0; pages < 5; ++pages) {
    auto page = SelectEvents(Journal(), f);
    for (auto id : Ids(page)) seen.push_back(id);
    if (page.events.empty()) break;
    f.after_id = page.next_id;
  }
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  f.after_id = 6;
  auto none = SelectEvents(Journal(), f);
  EXPECT_TRUE(none.events.empty());
  EXPECT_EQ(none.next_id, 6);
}

TEST(EventQueryTest, KindListsAreCheckedWithAClearError) {
  auto kinds = ParseEventKinds("crashed,oom_killed");
  ASSERT_TRUE(kinds.ok());
  EXPECT_EQ(*kinds, (std::set<std::string>{"crashed", "oom_killed"}));
  for (const char* bad : {"", "crashed,", "Crashed", "crash ed", ",x"}) {
    auto r = ParseEventKinds(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("crashed,oom_killed"), std::string::npos);
  }
}

}  // namespace
}  // namespace ink::api_internal
