// PowerDNS (authoritative server, 4.x) over its HTTP API: /api/v1/servers/<id>/zones.
// A zone's id and every name in it carry the trailing dot; TXT contents are quoted strings of
// at most 255 bytes each (longer text is split into several, as DNS stores it); CNAME targets
// are absolute. An API write purges PowerDNS's cache, so a change is visible to the next query.
#include <algorithm>
#include <mutex>

#include "ink/common/json.h"
#include "ink/dns/dns_provider.h"
#include "ink/http/client.h"

namespace ink::dns {
namespace {

std::string Dotted(const std::string& name) { return name.empty() || name.back() == '.' ? name : name + "."; }

std::string Undotted(std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

// TXT text -> PowerDNS content: "chunk" "chunk" with \ and " escaped.
std::string QuoteTxt(const std::string& text) {
  std::string out;
  for (size_t i = 0; i == 0 || i < text.size(); i += 255) {
    if (!out.empty()) out += ' ';
    out += '"';
    for (char c : text.substr(i, 255)) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out;
}

// The reverse: the concatenated text of every quoted chunk.
std::string UnquoteTxt(const std::string& content) {
  std::string out;
  bool in = false;
  for (size_t i = 0; i < content.size(); ++i) {
    char c = content[i];
    if (!in) {
      if (c == '"') in = true;
      continue;
    }
    if (c == '\\' && i + 1 < content.size()) {
      out += content[++i];
    } else if (c == '"') {
      in = false;
    } else {
      out += c;
    }
  }
  return out;
}

std::string ToContent(const std::string& type, const std::string& value) {
  if (type == "TXT") return QuoteTxt(value);
  if (type == "CNAME" || type == "NS" || type == "MX") return Dotted(value);
  return value;
}

std::string FromContent(const std::string& type, const std::string& content) {
  if (type == "TXT") return UnquoteTxt(content);
  if (type == "CNAME" || type == "NS") return Undotted(content);
  return content;
}

class PowerDnsProvider : public DnsProvider {
 public:
  PowerDnsProvider(PowerDnsOptions options, http::Endpoint endpoint)
      : options_(std::move(options)), client_(std::move(endpoint)) {}

  Status EnsureZone(const std::string& zone) override {
    auto got = Call("GET", ZonePath(zone), "");
    if (!got.ok()) return got.error();
    if (got->status == 200) return {};
    if (got->status != 404 && got->status != 422) return Refused(*got, "reading zone " + zone);
    std::string ns = options_.nameserver.empty() ? "ns1." + zone : options_.nameserver;
    Json body = {{"name", Dotted(zone)},
                 {"kind", "Native"},
                 {"nameservers", Json::array({Dotted(ns)})}};
    auto made = Call("POST", ServerPath() + "/zones", body.dump());
    if (!made.ok()) return made.error();
    if (made->status == 201 || made->status == 409) return {};  // 409: made meanwhile
    return Refused(*made, "creating zone " + zone);
  }

  Result<std::vector<RecordSet>> List(const std::string& zone) override {
    auto got = Call("GET", ZonePath(zone), "");
    if (!got.ok()) return got.error();
    if (got->status == 404 || got->status == 422) {
      return NotFound("PowerDNS has no zone " + zone + " (inkd creates it at start)");
    }
    if (got->status != 200) return Refused(*got, "reading zone " + zone);
    Json j = Json::parse(got->body, nullptr, false);
    if (!j.is_object() || !j.contains("rrsets") || !j["rrsets"].is_array()) {
      return Internal("PowerDNS answered zone " + zone + " without an rrsets list");
    }
    std::vector<RecordSet> out;
    for (const auto& r : j["rrsets"]) {
      if (!r.is_object()) continue;
      RecordSet set;
      set.name = Undotted(r.value("name", ""));
      set.type = r.value("type", "");
      if (set.type == "SOA" || set.type == "NS" || set.name.empty()) continue;
      set.ttl = r.value("ttl", 0);
      if (r.contains("records") && r["records"].is_array()) {
        for (const auto& rec : r["records"]) {
          if (!rec.is_object() || rec.value("disabled", false)) continue;
          set.values.push_back(FromContent(set.type, rec.value("content", "")));
        }
      }
      std::sort(set.values.begin(), set.values.end());
      if (!set.values.empty()) out.push_back(std::move(set));
    }
    std::sort(out.begin(), out.end(), [](const RecordSet& a, const RecordSet& b) {
      return a.name != b.name ? a.name < b.name : a.type < b.type;
    });
    return out;
  }

  Status Replace(const std::string& zone, const RecordSet& set) override {
    if (set.values.empty()) return Delete(zone, set.name, set.type);
    Json records = Json::array();
    for (const auto& v : set.values) {
      records.push_back({{"content", ToContent(set.type, v)}, {"disabled", false}});
    }
    return Patch(zone, {{"name", Dotted(set.name)},
                        {"type", set.type},
                        {"ttl", set.ttl},
                        {"changetype", "REPLACE"},
                        {"records", records}},
                 "setting " + set.name + " " + set.type);
  }

  Status Delete(const std::string& zone, const std::string& name,
                const std::string& type) override {
    return Patch(zone, {{"name", Dotted(name)}, {"type", type}, {"changetype", "DELETE"}},
                 "deleting " + name + " " + type);
  }

 private:
  std::string ServerPath() const {
    return "/api/v1/servers/" + http::UrlEncode(options_.server_id);
  }
  std::string ZonePath(const std::string& zone) const {
    return ServerPath() + "/zones/" + http::UrlEncode(Dotted(zone));
  }

  Status Patch(const std::string& zone, Json rrset, const std::string& what) {
    Json body = {{"rrsets", Json::array({std::move(rrset)})}};
    auto r = Call("PATCH", ZonePath(zone), body.dump());
    if (!r.ok()) return r.error();
    if (r->status == 204 || r->status == 200) return {};
    return Refused(*r, what + " in zone " + zone);
  }

  Result<http::ClientResponse> Call(const std::string& method, const std::string& path,
                                    const std::string& body) {
    http::ClientRequest request;
    request.method = method;
    request.target = path;
    request.body = body;
    request.headers["X-API-Key"] = options_.api_key;
    request.headers["Accept"] = "application/json";
    if (!body.empty()) request.headers["Content-Type"] = "application/json";
    request.timeout = options_.timeout;
    std::lock_guard lock(mu_);
    auto r = client_.Do(request, 16 << 20);
    if (!r.ok()) {
      return Unavailable("PowerDNS API at " + options_.api_url +
                         " did not answer: " + r.error().message);
    }
    return r;
  }

  // An error answer: PowerDNS's {"error": "..."} with what Ink was doing.
  static Error Refused(const http::ClientResponse& r, const std::string& what) {
    Json j = Json::parse(r.body, nullptr, false);
    std::string why = j.is_object() ? j.value("error", "") : "";
    if (why.empty()) why = "HTTP " + std::to_string(r.status);
    std::string text = "PowerDNS refused " + what + ": " + why;
    if (r.status == 401 || r.status == 403) {
      return PermissionDenied(text + " (check inkd's --dns-api-key-file against PowerDNS's api-key)");
    }
    if (r.status == 422 || r.status == 400) return InvalidArgument(text);
    return Unavailable(text);
  }

  const PowerDnsOptions options_;
  std::mutex mu_;  // guards client_ (one keep-alive connection, one request at a time)
  http::HttpClient client_;
};

}  // namespace

Result<std::unique_ptr<DnsProvider>> MakePowerDnsProvider(PowerDnsOptions options) {
  auto endpoint = http::Endpoint::Parse(options.api_url);
  if (!endpoint.ok()) {
    return InvalidArgument("the PowerDNS API URL does not parse (" + endpoint.error().message +
                           "): give e.g. http://127.0.0.1:8081");
  }
  if (options.api_key.empty()) {
    return InvalidArgument("the PowerDNS API key is empty: give the api-key of pdns.conf");
  }
  return std::unique_ptr<DnsProvider>(new PowerDnsProvider(std::move(options), std::move(*endpoint)));
}

}  // namespace ink::dns
