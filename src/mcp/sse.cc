#include "src/mcp/sse.h"

#include <cctype>
#include <cstdlib>

namespace ink::mcp::internal {

std::string FormatEvent(int stream, const Event& event) {
  std::string out = "id: " + std::to_string(stream) + "-" + std::to_string(event.seq) + "\n";
  if (event.data.empty()) return out + "retry: 1000\ndata: \n\n";
  // Serialised JSON has no raw newlines, so one data line carries the whole message.
  return out + "data: " + event.data + "\n\n";
}

std::optional<std::pair<int, uint64_t>> ParseEventId(const std::string& id) {
  size_t dash = id.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 >= id.size() || id.size() > 40) {
    return std::nullopt;
  }
  for (size_t i = 0; i < id.size(); ++i) {
    if (i != dash && !std::isdigit(static_cast<unsigned char>(id[i]))) return std::nullopt;
  }
  return std::make_pair(std::atoi(id.substr(0, dash).c_str()),
                        std::strtoull(id.c_str() + dash + 1, nullptr, 10));
}

}  // namespace ink::mcp::internal
