// libFuzzer target for the route file (ParseRouteFile), which the edge reads from disk and inkd
// writes from tenant-chosen names. Beyond "no crash", it checks what the watcher relies on:
// every loaded route has a normalized host that finds itself, no host is loaded twice and service
// ids are bounded; rejected entries are reported in file order with a reason and a bounded host;
// and a file that parses keeps parsing the same way when read again.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "ink/common/fuzz_check.h"
#include "ink/edge/route_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto file = ink::edge::ParseRouteFile(text);
  if (!file.ok()) {
    CHECK_PROPERTY(!file.error().message.empty());
    return 0;
  }
  const ink::edge::RouteTable& table = *file->table;
  std::set<std::string> hosts;
  for (const auto& route : table.routes()) {
    char buf[256];
    CHECK_PROPERTY(ink::edge::NormalizeHost(route.host, buf, sizeof buf) == route.host);
    CHECK_PROPERTY(table.Find(route.host) == &route);
    CHECK_PROPERTY(hosts.insert(route.host).second);
    CHECK_PROPERTY(route.service_id.size() <= ink::edge::kMaxServiceIdBytes);
    for (const auto& backend : route.backends) {
      CHECK_PROPERTY(backend.port > 0 && backend.sockaddr_len > 0 && !backend.key.empty());
    }
  }
  size_t previous = 0;
  for (size_t i = 0; i < file->rejected.size(); ++i) {
    const auto& r = file->rejected[i];
    CHECK_PROPERTY(i == 0 || r.index > previous);
    CHECK_PROPERTY(!r.reason.empty() && r.host.size() <= 255);
    previous = r.index;
  }
  auto again = ink::edge::ParseRouteTable(std::string(text));
  CHECK_PROPERTY(again.ok() && (*again)->routes().size() == table.routes().size() &&
                 (*again)->version() == table.version());
  return 0;
}
