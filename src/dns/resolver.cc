// The libresolv Resolver (ink/dns/resolver.h).
#include "ink/dns/resolver.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <cstring>

namespace ink::dns {
namespace {

struct QueryType {
  const char* name;
  int type;
};
constexpr QueryType kTypes[] = {
    {"A", ns_t_a}, {"AAAA", ns_t_aaaa}, {"CNAME", ns_t_cname}, {"TXT", ns_t_txt}};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : char(c); });
  return s;
}

class LibresolvResolver final : public Resolver {
 public:
  LibresolvResolver(ResolverOptions options, sockaddr_in server, bool has_server)
      : options_(std::move(options)), server_(server), has_server_(has_server) {}

  std::string Describe() const override {
    return has_server_ ? "the DNS server " + options_.server : "the system resolver";
  }

  Result<std::vector<std::string>> Lookup(const std::string& name,
                                          const std::string& type) override {
    const QueryType* qt = nullptr;
    for (const auto& t : kTypes) {
      if (type == t.name) qt = &t;
    }
    if (qt == nullptr) return InvalidArgument("cannot look up records of type '" + type + "'");
    struct __res_state state;
    std::memset(&state, 0, sizeof state);
    if (res_ninit(&state) != 0) {
      return Unavailable("cannot set up a DNS resolver (res_ninit failed)");
    }
    if (has_server_) {
      state.nscount = 1;
      state.nsaddr_list[0] = server_;
    }
    state.retrans = static_cast<int>(options_.timeout.count());
    state.retry = 2;
    state.options &= ~(RES_DNSRCH | RES_DEFNAMES);  // the name as given, no search domains
    std::vector<unsigned char> answer(65536);
    int length = res_nquery(&state, name.c_str(), ns_c_in, qt->type, answer.data(),
                            static_cast<int>(answer.size()));
    const int herr = state.res_h_errno;
    res_nclose(&state);
    if (length < 0) {
      // NXDOMAIN and NODATA are answers: the name holds nothing of this type.
      if (herr == HOST_NOT_FOUND || herr == NO_DATA) return std::vector<std::string>{};
      if (herr == TRY_AGAIN) {
        return Unavailable(Describe() + " did not answer for " + name + " " + type +
                           " (timed out or SERVFAIL); try again later");
      }
      return Unavailable(Describe() + " refused to answer for " + name + " " + type);
    }
    ns_msg msg;
    if (ns_initparse(answer.data(), length, &msg) != 0) {
      return Unavailable(Describe() + " sent a malformed answer for " + name + " " + type);
    }
    std::vector<std::string> out;
    const int count = ns_msg_count(msg, ns_s_an);
    for (int i = 0; i < count; ++i) {
      ns_rr rr;
      if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) break;
      if (ns_rr_type(rr) != qt->type || ns_rr_class(rr) != ns_c_in) continue;
      const unsigned char* data = ns_rr_rdata(rr);
      const int size = ns_rr_rdlen(rr);
      char text[INET6_ADDRSTRLEN];
      if (qt->type == ns_t_a && size == 4) {
        if (inet_ntop(AF_INET, data, text, sizeof text)) out.emplace_back(text);
      } else if (qt->type == ns_t_aaaa && size == 16) {
        if (inet_ntop(AF_INET6, data, text, sizeof text)) out.emplace_back(text);
      } else if (qt->type == ns_t_cname) {
        char target[NS_MAXDNAME];
        if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), data, target, sizeof target) >= 0) {
          std::string t = Lower(target);
          if (!t.empty() && t.back() == '.') t.pop_back();
          out.push_back(t);
        }
      } else if (qt->type == ns_t_txt) {
        std::string value;
        for (int at = 0; at < size;) {
          const int n = data[at];
          if (at + 1 + n > size) break;
          value.append(reinterpret_cast<const char*>(data) + at + 1, n);
          at += 1 + n;
        }
        out.push_back(std::move(value));
      }
    }
    return out;
  }

 private:
  ResolverOptions options_;
  sockaddr_in server_;
  bool has_server_;
};

}  // namespace

Result<std::unique_ptr<Resolver>> MakeResolver(ResolverOptions options) {
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(53);
  const bool has_server = !options.server.empty();
  if (has_server) {
    std::string host = options.server;
    const size_t colon = host.find(':');
    if (colon != std::string::npos) {
      const std::string port = host.substr(colon + 1);
      char* end = nullptr;
      const long p = std::strtol(port.c_str(), &end, 10);
      if (port.empty() || *end != '\0' || p < 1 || p > 65535) {
        return InvalidArgument("--dns-resolver '" + options.server.substr(0, 64) +
                               "': the port must be a number from 1 to 65535, e.g. "
                               "127.0.0.1:53");
      }
      server.sin_port = htons(static_cast<uint16_t>(p));
      host.resize(colon);
    }
    if (inet_pton(AF_INET, host.c_str(), &server.sin_addr) != 1) {
      return InvalidArgument("--dns-resolver '" + options.server.substr(0, 64) +
                             "' is not an IPv4 address with an optional port, e.g. "
                             "127.0.0.1:5353");
    }
  }
  if (options.timeout.count() < 1) options.timeout = std::chrono::seconds(1);
  return std::unique_ptr<Resolver>(new LibresolvResolver(std::move(options), server, has_server));
}

}  // namespace ink::dns
