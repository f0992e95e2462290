// Resolver: asks DNS what a name holds (verify_domain checks a custom domain's TXT ownership
// token and where its name points). One query per call, answers of the asked type only (an A
// query of a name that is a CNAME answers the A records at the end of the chain, not the CNAME).
//
// Implementation: glibc's libresolv (res_nquery with a private resolver state per call, so calls
// on different threads never share state), against inkd's --dns-resolver HOST:PORT or the host's
// /etc/resolv.conf. A recursive resolver answers for any domain; in tests an authoritative
// server on loopback (a real pdns_server) answers for its zones.
//
// Thread contract: Lookup may be called from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "ink/common/result.h"

namespace ink::dns {

class Resolver {
 public:
  virtual ~Resolver() = default;
  // The records of `type` ("A", "AAAA", "CNAME" or "TXT") at `name` (canonical): addresses as
  // text, CNAME targets without the trailing dot and lowercase, TXT values with their
  // character-strings joined. An empty list when the name does not exist or holds no such
  // record; an error when no server answered or the server failed (SERVFAIL, REFUSED).
  virtual Result<std::vector<std::string>> Lookup(const std::string& name,
                                                  const std::string& type) = 0;
  // Where questions go ("127.0.0.1:5353", or "the system resolver"): for messages.
  virtual std::string Describe() const = 0;
};

struct ResolverOptions {
  std::string server;  // "IPv4:PORT", "IPv4" (port 53); "" = /etc/resolv.conf's servers
  std::chrono::seconds timeout{3};  // per try; two tries
};

// Fails (InvalidArgument) if `server` is not an IPv4 address with an optional port.
Result<std::unique_ptr<Resolver>> MakeResolver(ResolverOptions options);

}  // namespace ink::dns
