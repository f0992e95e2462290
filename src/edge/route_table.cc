#include "ink/edge/route_table.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "ink/common/json.h"

namespace ink::edge {

RouteTable::RouteTable(int64_t version, std::vector<Route> routes)
    : version_(version), routes_(std::move(routes)) {
  for (size_t i = 0; i < routes_.size(); ++i) by_host_.emplace(routes_[i].host, i);
}

const Route* RouteTable::Find(std::string_view normalized_host) const {
  auto it = by_host_.find(normalized_host);
  if (it == by_host_.end()) return nullptr;
  return &routes_[it->second];
}

std::string_view NormalizeHost(std::string_view host, char* out, size_t cap) {
  // Trim optional whitespace around the field value.
  while (!host.empty() && (host.front() == ' ' || host.front() == '\t')) host.remove_prefix(1);
  while (!host.empty() && (host.back() == ' ' || host.back() == '\t')) host.remove_suffix(1);
  if (host.empty()) return {};
  std::string_view name = host;
  if (host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return {};
    std::string_view rest = host.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return {};
    name = host.substr(0, close + 1);
  } else {
    size_t colon = host.find(':');
    if (colon != std::string_view::npos) {
      for (char c : host.substr(colon + 1)) {
        if (c < '0' || c > '9') return {};
      }
      name = host.substr(0, colon);
    }
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    // "web-demo.." has an empty label: no host name. (Stripping one dot left it ending in a
    // dot, which normalized again to something else: edge_routes_fuzzer's find.)
    if (!name.empty() && name.back() == '.') return {};
  }
  if (name.empty() || name.size() > cap) return {};
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == '_' || c == '[' || c == ']' || c == ':';
    if (!ok) return {};
    out[i] = c;
  }
  return std::string_view(out, name.size());
}

namespace {

Status ParseBackend(const Json& j, const std::string& where, Backend* out) {
  if (!j.is_object()) return InvalidArgument(where + " must be an object {address, port}");
  auto addr = j.find("address");
  if (addr == j.end() || !addr->is_string() || addr->get<std::string>().empty()) {
    return InvalidArgument(where + ".address must be a non-empty string (an IP address)");
  }
  auto port = j.find("port");
  if (port == j.end() || !port->is_number_integer() || port->get<int64_t>() < 1 ||
      port->get<int64_t>() > 65535) {
    return InvalidArgument(where + ".port must be an integer in 1-65535");
  }
  out->address = addr->get<std::string>();
  out->port = static_cast<uint16_t>(port->get<int64_t>());
  std::memset(&out->sockaddr, 0, sizeof out->sockaddr);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out->sockaddr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out->sockaddr);
  if (inet_pton(AF_INET, out->address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(out->port);
    out->sockaddr_len = sizeof(sockaddr_in);
    out->key = out->address + ":" + std::to_string(out->port);
  } else if (inet_pton(AF_INET6, out->address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(out->port);
    out->sockaddr_len = sizeof(sockaddr_in6);
    out->key = "[" + out->address + "]:" + std::to_string(out->port);
  } else {
    return InvalidArgument(where + ".address \"" + out->address +
                           "\" is not an IPv4 or IPv6 literal; the edge does not resolve names");
  }
  return {};
}

Status ParseRoute(const Json& j, const std::string& where, Route* out) {
  if (!j.is_object()) return InvalidArgument(where + " must be an object");
  for (const char* field : {"host", "service", "project"}) {
    auto it = j.find(field);
    if (it == j.end() || !it->is_string()) {
      return InvalidArgument(where + "." + field + " must be a string");
    }
  }
  std::string host = j["host"].get<std::string>();
  char buf[256];
  std::string_view normalized = NormalizeHost(host, buf, sizeof buf);
  if (normalized.empty()) {
    return InvalidArgument(where + ".host \"" + host.substr(0, 255) +
                           "\" is not a valid host name");
  }
  out->host = std::string(normalized);
  out->service = j["service"].get<std::string>();
  out->project = j["project"].get<std::string>();
  if (auto id = j.find("service_id"); id != j.end()) {
    if (!id->is_string() || id->get_ref<const std::string&>().size() > kMaxServiceIdBytes) {
      return InvalidArgument(where + ".service_id must be a string of at most " +
                             std::to_string(kMaxServiceIdBytes) + " bytes (or absent)");
    }
    out->service_id = id->get<std::string>();
  }
  auto backends = j.find("backends");
  if (backends == j.end()) return {};  // no replicas yet: requests get 503
  if (!backends->is_array()) return InvalidArgument(where + ".backends must be an array");
  for (size_t i = 0; i < backends->size(); ++i) {
    Backend b;
    INK_RETURN_IF_ERROR(
        ParseBackend((*backends)[i], where + ".backends[" + std::to_string(i) + "]", &b));
    out->backends.push_back(std::move(b));
  }
  return {};
}

}  // namespace

Result<RouteFile> ParseRouteFile(std::string_view text) {
  auto parsed = ParseJson(std::string(text));
  if (!parsed.ok()) return parsed.error();
  const Json& j = *parsed;
  if (!j.is_object()) return InvalidArgument("route table must be a JSON object {version, routes}");
  int64_t version = 0;
  if (auto v = j.find("version"); v != j.end()) {
    if (!v->is_number_integer()) return InvalidArgument("route table version must be an integer");
    version = v->get<int64_t>();
  }
  auto routes_json = j.find("routes");
  if (routes_json == j.end() || !routes_json->is_array()) {
    return InvalidArgument("route table needs a \"routes\" array");
  }
  RouteFile file;
  std::vector<Route> routes;
  routes.reserve(std::min(routes_json->size(), kMaxRouteEntries));
  std::unordered_map<std::string, size_t, StringHash, std::equal_to<>> first_index;
  for (size_t i = 0; i < routes_json->size(); ++i) {
    const Json& entry = (*routes_json)[i];
    const std::string where = "routes[" + std::to_string(i) + "]";
    auto reject = [&](std::string reason) {
      RejectedRoute r{i, "", std::move(reason)};
      if (entry.is_object()) {
        auto host = entry.find("host");
        if (host != entry.end() && host->is_string())
          r.host = host->get<std::string>().substr(0, 255);
      }
      file.rejected.push_back(std::move(r));
    };
    if (routes.size() >= kMaxRouteEntries) {
      reject(where + " is past the limit of " + std::to_string(kMaxRouteEntries) + " routes");
      continue;
    }
    Route r;
    if (Status parsed = ParseRoute(entry, where, &r); !parsed.ok()) {
      reject(parsed.error().message);
      continue;
    }
    auto [it, inserted] = first_index.emplace(r.host, i);
    if (!inserted) {
      reject(where + ".host \"" + r.host + "\" appears twice (first at routes[" +
             std::to_string(it->second) + "], which is kept); each host must have one route");
      continue;
    }
    routes.push_back(std::move(r));
  }
  file.table = std::make_shared<const RouteTable>(version, std::move(routes));
  return file;
}

Result<std::shared_ptr<const RouteTable>> ParseRouteTable(const std::string& text) {
  auto file = ParseRouteFile(text);
  if (!file.ok()) return file.error();
  return std::move(file->table);
}

void RouteTableHolder::Publish(std::shared_ptr<const RouteTable> table) {
  std::shared_ptr<const RouteTable> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = std::move(table_);
    table_ = std::move(table);
  }
  generation_.fetch_add(1, std::memory_order_acq_rel);
  // `old` is released here, outside the lock.
}

std::shared_ptr<const RouteTable> RouteTableHolder::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return table_;
}

}  // namespace ink::edge
