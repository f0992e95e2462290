#include "ink/edge/route_table.h"

#include <arpa/inet.h>

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
    return InvalidArgument(where + ".host \"" + host + "\" is not a valid host name");
  }
  out->host = std::string(normalized);
  out->service = j["service"].get<std::string>();
  out->project = j["project"].get<std::string>();
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

Result<std::shared_ptr<const RouteTable>> ParseRouteTable(const std::string& text) {
  auto parsed = ParseJson(text);
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
  std::vector<Route> routes;
  routes.reserve(routes_json->size());
  for (size_t i = 0; i < routes_json->size(); ++i) {
    Route r;
    INK_RETURN_IF_ERROR(ParseRoute((*routes_json)[i], "routes[" + std::to_string(i) + "]", &r));
    for (const Route& other : routes) {
      if (other.host == r.host) {
        return InvalidArgument("routes[" + std::to_string(i) + "].host \"" + r.host +
                               "\" appears twice; each host must have one route");
      }
    }
    routes.push_back(std::move(r));
  }
  return std::shared_ptr<const RouteTable>(
      std::make_shared<RouteTable>(version, std::move(routes)));
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
